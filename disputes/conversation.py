"""One conversation per case: every event of a cancellation request and its dispute, in order.

Read from the contract's record, so nothing is left out: the request and each counter with
its terms, denials with reasons, messages and evidence, acceptances, timeouts, offers,
proposals with the reasons they were rejected, decisions, the settlement. A case runs from
its `cancellation.requested` event until the contract is settled or resumes.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from contracts.selectors import hidden_messages
from marketplace.kernel.models import Event, User

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


@dataclass(frozen=True)
class Entry:
    seq: int
    at: datetime
    who: str
    actor_id: int | None
    kind: str
    label: str
    text: str
    attachments: list  # [{"id", "name", "sha256"}] for messages and evidence
    message_id: int | None = None  # a message's own id (to report it)
    hidden: bool = False

    @property
    def is_message(self) -> bool:
        return self.kind == "message.posted"

    @property
    def opens_dispute(self) -> bool:
        return self.kind == "dispute.opened"


def case_conversation(request, *, reveal_hidden: bool = False) -> list[Entry]:
    """Every event of `request`'s case (and its dispute), oldest first (three queries).
    Messages a mediator hid show as hidden, with the reason, unless `reveal_hidden` (a case
    worker reading the record)."""
    start = (Event.objects.filter(contract_id=request.contract_id,
                                  kind="cancellation.requested", data__request_id=request.pk)
             .values_list("seq", flat=True).first())
    if start is None:
        return []
    events = User.with_names(
        Event.objects.filter(contract_id=request.contract_id, seq__gte=start), "actor"
    ).order_by("seq")[:MAX_ENTRIES]
    hidden = {} if reveal_hidden else hidden_messages(request.contract_id)
    entries = []
    for event in events:
        message_id = event.data.get("message_id") if event.kind == "message.posted" else None
        if message_id in hidden:
            event.text = str(_("Hidden by a mediator: %(reason)s") % {"reason": hidden[message_id]})
            event.data = {}
        entries.append(Entry(
            seq=event.seq, at=event.created_at,
            who=event.actor.display_name if event.actor_id else str(_("system")),
            actor_id=event.actor_id, kind=event.kind,
            label=str(KIND_LABELS.get(event.kind, event.kind.replace(".", " "))),
            text=event.text, attachments=event.data.get("attachments", []),
            message_id=message_id, hidden=message_id in hidden,
        ))
        if event.kind in CASE_END_KINDS:
            break
    return entries
