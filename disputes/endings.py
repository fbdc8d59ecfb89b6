"""How a closed cancellation request or dispute ended, read from the rows that recorded it.

One read model for every page, mail, export and console view: the money comes from the
settlement and its ledger transaction (`contracts.outcomes`), how it ended from the case's
own rows (its closing state, the offer, proposal or decision that was accepted), never from
the live escrow or from terms proposed earlier.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from contracts.outcomes import FAULT_WORDS, SettledOutcome, settlement_of
from disputes.models import CancellationState, DisputeKind, DisputeState, OfferState, ProposalKind
from marketplace.kernel.money import format_money


@dataclass(frozen=True)
class CapNote:
    """By timeout a freelancer receives no more than the value of submitted work."""

    asked_cents: int  # what the terms on the table gave the freelancer
    paid_cents: int  # what the settlement gave them
    submitted_cents: int  # the value of submitted work when the request was made


@dataclass(frozen=True)
class Ending:
    code: str  # accepted, auto_accepted, withdrawn, continued, lapsed, settled, resolved,
    # resolved_by_silence, decided, dispute_withdrawn
    title: str  # the end state, named: "Accepted by timeout"
    summary: str  # what happened, in a sentence or two
    closed_at: datetime | None
    settled: SettledOutcome | None = None  # the escrow was divided (the contract cancelled)
    continues: bool = False  # the contract went on; no money moved
    fault: str = ""  # the fault recorded with the outcome ("" when none was recorded)
    cap: CapNote | None = None
    produced_by: tuple[str, int] | None = None  # ("offer" | "proposal" | "decision", id)

    @property
    def fault_words(self) -> str:
        return str(FAULT_WORDS.get(self.fault, "")) if self.fault else ""

    def as_dict(self) -> dict:
        return {
            "code": self.code, "title": self.title, "summary": self.summary,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "continues": self.continues, "fault": self.fault or None,
            "settlement": self.settled.as_dict() if self.settled else None,
            "cap": None if self.cap is None else {
                "asked_cents": self.cap.asked_cents, "paid_cents": self.cap.paid_cents,
                "submitted_cents": self.cap.submitted_cents},
            "produced_by": list(self.produced_by) if self.produced_by else None,
        }


def request_ending(request, *, settled: SettledOutcome | None = None) -> Ending | None:
    """How `request` ended (None while it is open, denied, or its dispute still runs)."""
    state = request.state
    if state in (CancellationState.OPEN, CancellationState.DENIED):
        return None
    dispute = getattr(request, "dispute", None) if state in (
        CancellationState.DISPUTED, CancellationState.WITHDRAWN) else None
    if dispute is not None:
        return dispute_ending(dispute, settled=settled)
    contract = request.contract
    if state in (CancellationState.ACCEPTED, CancellationState.AUTO_ACCEPTED):
        settled = settled or settlement_of(contract)
        return _accepted(request, settled) if state == CancellationState.ACCEPTED \
            else _by_timeout(request, settled)
    if state == CancellationState.LAPSED:
        return Ending("lapsed", _("Lapsed"), _(
            "The denial was not disputed in time: the request lapsed and the contract "
            "continues. No money moved."), request.closed_at, continues=True)
    if request.denied_at is not None:
        return Ending("continued", _("Continued after the denial"), _(
            "%(who)s chose to continue the contract after the denial. No money moved.")
            % {"who": contract.freelancer.display_name}, request.closed_at, continues=True)
    return Ending("withdrawn", _("Withdrawn"), _(
        "%(who)s withdrew the request; the contract continues. No money moved.")
        % {"who": request.initiator.display_name}, request.closed_at, continues=True)


def _accepted(request, settled) -> Ending:
    contract = request.contract
    accepter = contract.other_party(request.proposed_by)
    return Ending("accepted", _("Accepted"), _(
        "%(who)s accepted the terms %(proposer)s proposed; the escrow was divided and the "
        "contract cancelled.") % {"who": accepter.display_name,
                                  "proposer": request.proposed_by.display_name},
        request.closed_at, settled=settled, fault=settled.fault if settled else "")


def _by_timeout(request, settled) -> Ending:
    silent = (request.contract.client if request.timed_out_role == "client"
              else request.contract.freelancer)
    summary = _("Accepted by timeout: %(who)s did not answer before the deadline, so the terms "
                "on the table applied.") % {"who": silent.display_name}
    cap = None
    if settled is not None and settled.to_freelancer_cents < request.amount_to_freelancer_cents:
        cap = CapNote(asked_cents=request.amount_to_freelancer_cents,
                      paid_cents=settled.to_freelancer_cents,
                      submitted_cents=request.submitted_value_cents)
        summary += " " + _(
            "They gave the freelancer %(asked)s, but by timeout a freelancer receives at most "
            "the value of submitted work: %(paid)s was paid.") % {
            "asked": format_money(cap.asked_cents), "paid": format_money(cap.paid_cents)}
    return Ending("auto_accepted", _("Accepted by timeout"), summary, request.closed_at,
                  settled=settled, fault=settled.fault if settled else "", cap=cap)


def _proposal_of(dispute, kind: str):
    proposals = [p for p in dispute.proposals.all() if p.kind == kind]
    return max(proposals, key=lambda p: p.round) if proposals else None


def dispute_ending(dispute, *, settled: SettledOutcome | None = None) -> Ending | None:
    """How `dispute` ended (None while it is open)."""
    if dispute.is_open:
        return None
    contract = dispute.contract
    cancelled = dispute.outcome == "cancel" or (
        dispute.state == DisputeState.WITHDRAWN and dispute.kind == DisputeKind.CANCELLATION)
    settled = (settled or settlement_of(contract)) if cancelled else None
    fault = settled.fault if settled else (dispute.outcome_fault or "")
    common = {"closed_at": dispute.closed_at, "settled": settled, "continues": not cancelled,
              "fault": fault}
    money = (_("The contract was cancelled and the escrow divided.") if cancelled
             else _("No money moved; the contract continues."))
    if dispute.state == DisputeState.SETTLED:
        offer = next((o for o in dispute.offers.all() if o.state == OfferState.ACCEPTED), None)
        who = offer.made_by.display_name if offer else ""
        return Ending("settled", _("Settled by agreement"),
                      _("The parties agreed: an offer by %(who)s was accepted.") % {"who": who}
                      + " " + money, produced_by=("offer", offer.pk) if offer else None, **common)
    if dispute.state == DisputeState.RESOLVED:
        proposal = _proposal_of(dispute, ProposalKind.PROPOSAL)
        silent = proposal is not None and "silence" in (proposal.client_response,
                                                        proposal.freelancer_response)
        title = _("Resolved by silence") if silent else _("Resolved by mediation")
        text = (_("Nobody answered the mediator's proposal in time, which counts as "
                  "acceptance.") if silent
                else _("Both parties accepted the mediator's proposal."))
        return Ending("resolved_by_silence" if silent else "resolved", title, text + " " + money,
                      produced_by=("proposal", proposal.pk) if proposal else None, **common)
    if dispute.state == DisputeState.DECIDED:
        decision = _proposal_of(dispute, ProposalKind.DECISION)
        return Ending("decided", _("Decided by arbitration"),
                      _("An arbitrator decided the case; the decision is binding.") + " " + money,
                      produced_by=("decision", decision.pk) if decision else None, **common)
    if dispute.kind == DisputeKind.CANCELLATION:
        text = _("%(who)s withdrew the dispute, so the client's latest terms applied.")
    else:
        text = _("%(who)s withdrew the dispute of the denial.")
    return Ending("dispute_withdrawn", _("Dispute withdrawn"),
                  text % {"who": dispute.opened_by.display_name} + " " + money, **common)
