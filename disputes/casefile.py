"""What the console's case view shows beyond the rows themselves: each milestone with its
delivery note, and each proposal round with each party's answer and reason beside it.

Read from the rows that recorded them, never recomputed: the delivery notes and the reasons
for rejecting a proposal are in the record's events (`milestone.submitted`,
`dispute.proposal_rejected`), which the case view loads for its timeline anyway.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from disputes.models import DisputeState


@dataclass
class MilestoneRow:
    milestone: object
    delivered_at: object = None
    delivery_note: str = ""
    changes_asked: str = ""  # the client's latest request for changes, if any


def milestone_rows(milestones, events) -> list[MilestoneRow]:
    """The contract's milestones now, each with its latest delivery note (and the latest
    changes the client asked for), from the record."""
    rows = {m.pk: MilestoneRow(m) for m in milestones}
    for event in events:  # oldest first: the latest of each kind wins
        row = rows.get(event.subject_id) if event.subject_type == "milestone" else None
        if row is None:
            continue
        if event.kind == "milestone.submitted":
            row.delivered_at, row.delivery_note = event.created_at, event.data.get("note", "")
            row.changes_asked = ""
        elif event.kind == "milestone.changes_requested":
            row.changes_asked = event.data.get("reason", "")
    return list(rows.values())


@dataclass
class Answer:
    who: str  # "Client" / "Freelancer"
    answer: str  # in words
    reason: str = ""
    tone: str = ""  # accepted / rejected / waiting / none


@dataclass
class Round:
    proposal: object
    status: str
    superseded: bool = False
    answers: list[Answer] = field(default_factory=list)


ANSWERED = {"accepted": "accepted", "rejected": "rejected", "silence": "accepted"}


def _answer_words(response: str, open_round: bool) -> str:
    if response == "accepted":
        return _("accepted")
    if response == "rejected":
        return _("rejected")
    if response == "silence":
        return _("no answer: silence counted as acceptance")
    return _("no answer yet") if open_round else _("no answer: the round had ended")


def _status(dispute, proposal, later, open_round: bool) -> str:
    if later is not None:
        return _("Superseded by the revised proposal (round %(n)s).") % {"n": later.round}
    responses = (proposal.client_response, proposal.freelancer_response)
    if "rejected" in responses:
        if dispute.state == DisputeState.MEDIATION:
            return _("Rejected: a revised proposal is due.")
        return _("Rejected: the case went to arbitration.")
    if open_round:
        return _("Awaiting the parties' answers.")
    if all(r in ("accepted", "silence") for r in responses):
        return _("Accepted: the case was resolved on these terms.")
    return _("Ended without answers: the case closed (%(state)s).") % {
        "state": dispute.get_state_display().lower()}


def proposal_rounds(dispute, proposals, events) -> list[Round]:
    """Each proposal round, oldest first, with each party's answer and reason, and whether a
    later round superseded it."""
    contract = dispute.contract
    roles = {contract.client_id: "client", contract.freelancer_id: "freelancer"}
    reasons = {(e.data.get("proposal_id"), roles.get(e.actor_id)): e.data.get("reason", "")
               for e in events if e.kind == "dispute.proposal_rejected"}
    rounds = sorted((p for p in proposals if p.kind == "proposal"), key=lambda p: p.round)
    result = []
    for index, proposal in enumerate(rounds):
        later = rounds[index + 1] if index + 1 < len(rounds) else None
        open_round = later is None and dispute.state == DisputeState.PROPOSAL
        answers = []
        for role, who in (("client", _("Client")), ("freelancer", _("Freelancer"))):
            response = getattr(proposal, f"{role}_response")
            answers.append(Answer(
                who=who, answer=_answer_words(response, open_round),
                reason=reasons.get((proposal.pk, role), "") if response == "rejected" else "",
                tone=ANSWERED.get(response, "waiting" if open_round else "none")))
        result.append(Round(proposal=proposal, status=_status(dispute, proposal, later,
                                                              open_round),
                            superseded=later is not None, answers=answers))
    return result
