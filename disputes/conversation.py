"""One conversation per case: every event of a cancellation request and its dispute, in order.

Read from the contract's record, so nothing is left out: the request and each counter with
its terms, denials with reasons, messages and evidence, acceptances, timeouts, offers,
proposals with the reasons they were rejected, decisions, the settlement. A case runs from
its `cancellation.requested` event until the contract is settled or resumes.
"""

from django.db.models import Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contracts.selectors import event_hidden_reason
from marketplace.kernel.compiled import CompiledQuery, Read
from marketplace.kernel.models import Event, User
from marketplace.kernel.pagecache import RowFragments

# The last event of a case: the settlement that cancels the contract, or its resumption.
CASE_END_KINDS = ("settlement.executed", "contract.resumed")
MAX_ENTRIES = 400  # a case's whole conversation; longer ones are complete in the record

KIND_LABELS = {
    "cancellation.requested": _("asked to end the contract"),
    "cancellation.countered": _("counter-proposal"),
    "cancellation.accepted": _("accepted the terms"),
    "cancellation.auto_accepted": _("accepted by timeout"),
    "cancellation.denied": _("denied the request"),
    "cancellation.disputed": _("disputed"),
    "cancellation.withdrawn": _("withdrew the request"),
    "cancellation.continued": _("continued the contract"),
    "cancellation.lapsed": _("the request lapsed"),
    "message.posted": _("message"),
    "dispute.opened": _("dispute opened"),
    "dispute.offer_made": _("settlement offer"),
    "dispute.settled": _("offer accepted"),
    "dispute.mediation_requested": _("asked for mediation"),
    "dispute.mediation_started": _("mediation started"),
    "dispute.proposal_accepted": _("accepted the proposal"),
    "dispute.proposal_rejected": _("rejected the proposal"),
    "dispute.resolved": _("resolved"),
    "dispute.decided": _("decision"),
    "dispute.withdrawn": _("withdrew the dispute"),
    "settlement.executed": _("settlement executed"),
    "contract.resumed": _("the contract continues"),
    "reminder.sent": _("reminder"),
}


def _conversation_of(contract_id: int, request_id: int):
    """The case's events: from the request's `cancellation.requested` event on."""
    start = (Event.objects.filter(contract_id=contract_id, kind="cancellation.requested",
                                  subject_type="cancellationrequest", subject_id=request_id)
             .order_by("seq").values("seq")[:1])
    return (Event.objects.filter(contract_id=contract_id, seq__gte=Subquery(start))
            .order_by("seq")
            .values("id", "seq", "created_at", "kind", "text", "data", *User.name_values("actor"))
            .annotate(hidden_reason=event_hidden_reason())[:MAX_ENTRIES])


# Read on both case pages at every visit: compiled once (kernel.compiled).
CONVERSATION_OF = CompiledQuery(_conversation_of)


def _entry_key(row: dict) -> tuple:
    return (row["id"], row["created_at"], row["who"], row["hidden_reason"])


# A rendered entry depends on the event (append-only), the name shown and, for a message,
# the reason a mediator hid it (None when shown, or when a case worker reads it whole).
ENTRIES = RowFragments("case-entry", "disputes/_conversation_entry.html", key=_entry_key)


_WORDS: dict[str, tuple[dict, str]] = {}


def _words() -> tuple[dict, str]:
    """The kinds' labels and "system" in the current language, translated once per process
    (a lazy string costs a dozen calls each time it is read)."""
    language = get_language()
    words = _WORDS.get(language)
    if words is None:
        words = _WORDS[language] = (
            {kind: str(label) for kind, label in KIND_LABELS.items()}, str(_("system")))
    return words


def conversation_read(request) -> Read:
    """The read of `request`'s conversation, for `case_conversation` (kernel.compiled)."""
    return CONVERSATION_OF.read(contract_id=request.contract_id, request_id=request.pk)


def case_conversation(request, rows: list[dict] | None = None, *,
                      reveal_hidden: bool = False) -> list[dict]:
    """Every event of `request`'s case (and its dispute), oldest first, up to the one that
    settled the contract or resumed it, each with its rendered `html` (one query, or the
    `rows` of `conversation_read` read with others). Messages
    a mediator hid show as hidden, with the reason, unless `reveal_hidden` (a case worker
    reading the record). What depends on the viewer (their own entries, the link to report a
    message) is left to the page."""
    labels, system = _words()
    entries = []
    if rows is None:
        rows = conversation_read(request).rows()
    for row in rows:
        kind = row["kind"]
        message_id = row["data"].get("message_id") if kind == "message.posted" else None
        if reveal_hidden or message_id is None:
            row["hidden_reason"] = None
        row.update(
            who=User.name_in(row, "actor") or system,
            label=labels.get(kind) or kind.replace(".", " "),
            attachments=[] if row["hidden_reason"] else row["data"].get("attachments", []),
            message_id=message_id, hidden=bool(row["hidden_reason"]),
            opens_dispute=kind == "dispute.opened")
        del row["data"]
        entries.append(row)
        if kind in CASE_END_KINDS:
            break
    for entry, html in zip(entries, ENTRIES.render_together(entries), strict=True):
        entry["html"] = html
    return entries
