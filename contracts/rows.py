"""The contract page's append-only rows, rendered once for each set of inputs
(kernel.pagecache): its timeline's record events and its thread's messages.

Rows are `values()` dicts, read by contracts.selectors.contract_page; each key names
everything the row's HTML depends on besides the viewer's time zone and language.
"""

from contracts.models import Attachment
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
