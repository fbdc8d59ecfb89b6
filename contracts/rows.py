"""The contract page's append-only rows, rendered once for each set of inputs
(kernel.pagecache): its timeline's record events and its thread's messages.

Also the wallet page's statement lines (ledger entries, append-only like the record).

Rows are `values()` dicts, read by contracts.selectors.contract_page and wallet_page; each
key names everything the row's HTML depends on besides the viewer's time zone and language.
"""

from contracts.models import Attachment, TransactionKind
from marketplace.kernel.links import row_link
from marketplace.kernel.pagecache import RowFragments


def _event_key(row: dict) -> tuple:
    return (row["id"], row["created_at"], row["actor_name"], row["hidden_reason"])


def _message_key(row: dict) -> tuple:
    return (row["id"], row["created_at"], row["author_name"], row["hidden_reason"])


def _attachments(rows: list[dict]) -> None:
    """Each uncached message's attachments (one query for them all; none for hidden ones,
    whose files are not offered)."""
    wanted = {row["id"]: row for row in rows if not row["hidden_reason"]}
    for row in rows:
        row["attachments"] = []
    if not wanted:
        return
    for attachment in (Attachment.objects.filter(message_id__in=wanted).order_by("id")
                       .values("id", "message_id", "original_name", "size", "sha256")):
        wanted[attachment["message_id"]]["attachments"].append(attachment)


TIMELINE_EVENTS = RowFragments("contract-event", "contracts/_event_row.html", key=_event_key)
THREAD_MESSAGES = RowFragments("contract-message", "contracts/_message_row.html",
                               key=_message_key, prepare=_attachments)


def _statement_key(row: dict) -> tuple:
    # An entry and its transaction never change (kernel AppendOnlyModel): the row's id is
    # all its rendering depends on besides the viewer.
    return (row["id"],)


def _statement_words(rows: list[dict]) -> None:
    """What an uncached line needs besides its fields: its kind in words (the viewer's
    language) and its contract's link (one reverse for all)."""
    link = row_link("contracts:detail")
    labels = dict(TransactionKind.choices)
    for row in rows:
        row["what"] = labels.get(row["transaction__kind"], row["transaction__kind"])
        contract_id = row["transaction__contract_id"]
        row["contract_url"] = link(contract_id) if contract_id else ""


STATEMENT_LINES = RowFragments("statement-line", "contracts/_statement_row.html",
                               key=_statement_key, prepare=_statement_words)
