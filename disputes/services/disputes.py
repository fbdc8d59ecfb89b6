"""Disputes, the parties' side (spec section 6): opening, offers, asking for mediation,
answering a proposal, withdrawing, messages and evidence."""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.services.messages import message_post
from disputes.models import Dispute, DisputeKind, DisputeState, Proposal, SettlementOffer
from marketplace.kernel import fsm
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import User
from marketplace.kernel.services.notifications import notify
from marketplace.kernel.services.record import record_event

from . import outcomes
from .common import lock_case


def contract_snapshot(contract) -> dict:
    """Scope, milestones, escrow and the messages so far, as they stand now."""
    milestones = list(contract.milestones.order_by("position"))
    return {
        "title": contract.title,
        "description": contract.description,
        "state": contract.state,
        "milestones": [
            {"position": m.position, "title": m.title, "amount_cents": m.amount_cents,
             "state": m.state, "due_date": m.due_date.isoformat() if m.due_date else None}
            for m in milestones
        ],
        "escrow_cents": sum(m.amount_cents for m in milestones if m.in_escrow),
        "messages": [
            {"id": m.pk, "author_id": m.author_id, "created_at": m.created_at.isoformat(),
             "body": m.body,
             "attachments": [{"name": a.original_name, "sha256": a.sha256}
                             for a in m.attachments.all()]}
            for m in contract.messages.prefetch_related("attachments").order_by("created_at", "id")
        ],
    }


def record(dispute, actor, kind: str, from_state: str, text: str, data: dict | None = None):
    return record_event(contract=dispute.contract, actor=actor, kind=kind, subject=dispute,
                        from_state=from_state, to_state=dispute.state, text=text,
                        data={"dispute_id": dispute.pk, **(data or {})})


def tell_parties(dispute, text: str, *, except_user=None) -> None:
    for user in dispute.contract.parties:
        if except_user is None or user.pk != except_user.pk:
            notify(user=user, contract=dispute.contract, url=dispute.get_absolute_url(), text=text,
                   deadline=dispute.deadline_at)


def run(dispute, name: str, actor, **kwargs) -> str:
    from_state = dispute.state
    fsm.run(dispute, name, actor, **kwargs)
    fsm.save_transitioned(dispute)
    return from_state


def dispute_open(*, contract, request, actor, reason: str) -> Dispute:
    """Open the dispute a cancellation request escalated into (caller holds the locks).

    Effects: contract → disputed; the dispute starts in direct negotiation for
    NEGOTIATION_DAYS; a snapshot of the contract is frozen into the record (its hash in the
    event); both parties are told.
    """
    kind = DisputeKind.DENIAL if request.denied_at else DisputeKind.CANCELLATION
    snapshot = contract_snapshot(contract)
    dispute = Dispute(contract=contract, cancellation_request=request, kind=kind,
                      opened_by=actor, reason=reason, snapshot=snapshot)
    dispute.start_deadline(now=dispute.created_at,
                           duration=timedelta(days=settings.NEGOTIATION_DAYS))
    dispute.save()
    from_state = contract.state
    fsm.run(contract, "escalate", None)
    fsm.save_transitioned(contract)
    digest = hashlib.sha256(
        json.dumps(snapshot, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    record_event(contract=contract, actor=actor, kind="dispute.opened", subject=dispute,
                 from_state=from_state, to_state=contract.state,
                 text=f"{actor.display_name} opened a dispute ({dispute.get_kind_display()}). "
                      f"Reason: {reason} The contract as it stands was frozen into the record "
                      f"(snapshot SHA-256 {digest}). Direct negotiation runs for "
                      f"{settings.NEGOTIATION_DAYS} days.",
                 data={"dispute_id": dispute.pk, "snapshot_sha256": digest,
                       "snapshot": snapshot})
    tell_parties(dispute, _("A dispute was opened on “%(title)s”. Try to settle it directly "
                            "within %(days)s days; after that a mediator steps in.")
                 % {"title": contract.title, "days": settings.NEGOTIATION_DAYS})
    return dispute


def dispute_make_offer(*, actor, dispute: Dispute, outcome: str, amount_cents: int, fault: str,
                       message: str = "") -> SettlementOffer:
    """A party puts an offer on the table (negotiation or mediation); the other may accept."""
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        fsm.check_allowed(dispute, "make_offer", actor)
        amount = outcomes.check_outcome(outcome, amount_cents, fault, dispute.escrow_cents)
        offer = SettlementOffer.objects.create(dispute=dispute, made_by=actor, outcome=outcome,
                                               amount_to_freelancer_cents=amount, fault=fault,
                                               message=(message or "").strip())
        record(dispute, actor, "dispute.offer_made", dispute.state,
               f"{actor.display_name} offered: {outcomes.describe(outcome, amount, fault)}."
               + (f" {offer.message}" if offer.message else ""),
               {"offer_id": offer.pk, "outcome": outcome, "amount_to_freelancer_cents": amount,
                "fault": fault})
        tell_parties(dispute, _("%(who)s made a settlement offer on “%(title)s”.")
                     % {"who": actor.display_name, "title": contract.title}, except_user=actor)
    return offer


def dispute_accept_offer(*, actor, offer: SettlementOffer) -> Dispute:
    """The other party accepts an open offer: the dispute is settled and the outcome runs."""
    with transaction.atomic():
        _contract, dispute = lock_case(Dispute, offer.dispute_id)
        offer = SettlementOffer.objects.select_for_update().get(pk=offer.pk)
        offer.dispute = dispute
        fsm.check_allowed(dispute, "accept_offer", actor)
        fsm.run(offer, "accept", actor)
        fsm.save_transitioned(offer)
        from_state = run(dispute, "accept_offer", actor, outcome=offer.outcome, fault=offer.fault)
        outcomes.lapse_open_offers(dispute)
        how = outcomes.describe(offer.outcome, offer.amount_to_freelancer_cents, offer.fault)
        record(dispute, actor, "dispute.settled", from_state,
               f"{actor.display_name} accepted {offer.made_by.display_name}'s offer: {how}.",
               {"offer_id": offer.pk})
        outcomes.execute(dispute=dispute, outcome=offer.outcome,
                         amount_cents=offer.amount_to_freelancer_cents, fault=offer.fault,
                         how="offer accepted in the dispute", actor=actor)
    return dispute


def dispute_request_mediation(*, actor, dispute: Dispute) -> Dispute:
    """A party asks for a mediator; shown to the other party; once both asked, mediation."""
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        from_state = run(dispute, "request_mediation", actor, by=actor)
        record(dispute, actor, "dispute.mediation_requested", from_state,
               f"{actor.display_name} asked for mediation.")
        if fsm.may(dispute, "start_mediation", None):
            start_mediation(dispute, why="both parties asked for it")
        else:
            tell_parties(dispute, _("%(who)s asked for a mediator on “%(title)s”. If you ask "
                                    "too, mediation starts at once.")
                         % {"who": actor.display_name, "title": contract.title}, except_user=actor)
    return dispute


def start_mediation(dispute, *, why: str) -> None:
    """Move the case to mediation (caller holds the locks); mediators are told of a new case."""
    from_state = run(dispute, "start_mediation", None)
    record(dispute, None, "dispute.mediation_started", from_state,
           f"The case moved to mediation: {why}. A mediator should propose a resolution "
           f"within {settings.MEDIATION_SLA_DAYS} days.")
    tell_parties(dispute, _("The dispute on “%(title)s” is now with a mediator.")
                 % {"title": dispute.contract.title})
    for mediator in User.objects.filter(groups__name="Mediators", is_active=True, is_staff=True):
        notify(user=mediator, contract=dispute.contract,
               url=f"/admin/disputes/dispute/{dispute.pk}/change/",
               text=_("A new case awaits a mediator: dispute #%(id)s, “%(title)s”.")
               % {"id": dispute.pk, "title": dispute.contract.title})


def dispute_start_mediation(*, dispute: Dispute) -> Dispute:
    """System: NEGOTIATION_DAYS ended without agreement; the case goes to mediation."""
    with transaction.atomic():
        _contract, dispute = lock_case(Dispute, dispute)
        start_mediation(dispute, why=f"{settings.NEGOTIATION_DAYS} days of negotiation ended")
    return dispute


def dispute_answer_proposal(*, actor, dispute: Dispute, accept: bool, reason: str = "") -> Dispute:
    """A party accepts or rejects the mediator's proposal. Both accepting resolves the case;
    a rejection sends it back to mediation once, then to arbitration."""
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        name = "accept_proposal" if accept else "reject_proposal"
        fsm.check_allowed(dispute, name, actor)  # also: there is a proposal to answer
        proposal = Proposal.objects.select_for_update().get(pk=dispute.current_proposal.pk)
        proposal.dispute = dispute
        dispute._current_proposal = proposal
        from_state = run(dispute, name, actor)
        setattr(proposal, f"{dispute.role_of(actor)}_response", "accepted" if accept else "rejected")
        proposal.responded_at = timezone.now()
        proposal.save(update_fields=["client_response", "freelancer_response", "responded_at"])
        verb = "accepted" if accept else "rejected"
        reason = (reason or "").strip()
        record(dispute, actor, f"dispute.proposal_{verb}", from_state,
               f"{actor.display_name} {verb} the mediator's proposal (round {proposal.round})."
               + (f" Reason: {reason}" if reason else ""),
               {"proposal_id": proposal.pk, "reason": reason})
        if accept and proposal.accepted_by_both:
            resolve(dispute, proposal, how="both parties accepted the mediator's proposal")
        elif not accept:
            _after_rejection(dispute, actor)
        else:
            tell_parties(dispute, _("%(who)s accepted the mediator's proposal on “%(title)s”.")
                         % {"who": actor.display_name, "title": contract.title}, except_user=actor)
    return dispute


def _after_rejection(dispute, actor) -> None:
    if dispute.state == DisputeState.ARBITRATION:
        outcomes.lapse_open_offers(dispute)
        tell_parties(dispute, _("The revised proposal on “%(title)s” was rejected; an arbitrator "
                                "will decide.") % {"title": dispute.contract.title})
        for arbitrator in User.objects.filter(groups__name="Arbitrators", is_active=True,
                                              is_staff=True).exclude(pk=dispute.mediator_id):
            notify(user=arbitrator, contract=dispute.contract,
                   url=f"/admin/disputes/dispute/{dispute.pk}/change/",
                   text=_("A case awaits arbitration: dispute #%(id)s.") % {"id": dispute.pk})
    else:
        tell_parties(dispute, _("%(who)s rejected the mediator's proposal on “%(title)s”; the "
                                "mediator will make one revised proposal.")
                     % {"who": actor.display_name, "title": dispute.contract.title})
        if dispute.mediator:
            notify(user=dispute.mediator, contract=dispute.contract,
                   url=f"/admin/disputes/dispute/{dispute.pk}/change/",
                   text=_("Your proposal on dispute #%(id)s was rejected; make a revised one.")
                   % {"id": dispute.pk})


def resolve(dispute, proposal, *, how: str, by_silence: bool = False) -> None:
    """Close the case on the mediator's proposal and execute it (caller holds the locks)."""
    name = "resolve_by_silence" if by_silence else "resolve"
    from_state = run(dispute, name, None, outcome=proposal.outcome, fault=proposal.fault)
    record(dispute, None, "dispute.resolved", from_state,
           f"Resolved ({how}): "
           f"{outcomes.describe(proposal.outcome, proposal.amount_to_freelancer_cents, proposal.fault)}."
           f" Findings: {proposal.findings} Policy: {proposal.policy_clause}",
           {"proposal_id": proposal.pk, "lost_by": dispute.lost_by})
    outcomes.execute(dispute=dispute, outcome=proposal.outcome,
                     amount_cents=proposal.amount_to_freelancer_cents, fault=proposal.fault,
                     how="mediator's proposal " + ("accepted by silence" if by_silence else "accepted"))


def dispute_resolve_by_silence(*, dispute: Dispute) -> Dispute:
    """System: PROPOSAL_RESPONSE_DAYS passed; silence counts as acceptance."""
    with transaction.atomic():
        _contract, dispute = lock_case(Dispute, dispute)
        proposal = Proposal.objects.select_for_update().get(pk=dispute.current_proposal.pk)
        for role in ("client", "freelancer"):
            if not getattr(proposal, f"{role}_response"):
                setattr(proposal, f"{role}_response", "silence")
        proposal.save(update_fields=["client_response", "freelancer_response"])
        resolve(dispute, proposal, by_silence=True,
                how=f"no answer within {settings.PROPOSAL_RESPONSE_DAYS} days counts as acceptance")
    return dispute


def dispute_withdraw(*, actor, dispute: Dispute) -> Dispute:
    """The disputing party gives up. Disputing a client's cancellation: the client's latest
    terms apply and the contract is cancelled. Disputing a denial: the request ends withdrawn
    and the contract continues."""
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        from_state = run(dispute, "withdraw", actor)
        outcomes.lapse_open_offers(dispute)
        record(dispute, actor, "dispute.withdrawn", from_state,
               f"{actor.display_name} withdrew the dispute.")
        request = dispute.cancellation_request
        request.contract = contract
        if dispute.kind == DisputeKind.CANCELLATION:
            terms = request.proposals.filter(proposed_by=contract.client).order_by("-created_at", "-id").first()
            outcomes.execute(dispute=dispute, outcome="cancel",
                             amount_cents=terms.amount_to_freelancer_cents, fault=terms.fault,
                             how="dispute withdrawn; the client's latest terms apply", actor=actor)
        else:
            fsm.run(request, "end_with_dispute_withdrawn", None)
            fsm.save_transitioned(request)
            outcomes.execute(dispute=dispute, outcome="continue", amount_cents=0, fault="none",
                             how="the freelancer withdrew the dispute of the denial", actor=actor)
    return dispute


EVIDENCE_STATES = (DisputeState.NEGOTIATION, DisputeState.MEDIATION)


def can_write(dispute, actor) -> bool:
    """The parties, and the case's own mediator and arbitrator, write in a dispute."""
    return dispute.contract.is_party(actor) or (
        actor is not None and actor.pk in (dispute.mediator_id, dispute.arbitrator_id))


def dispute_message(*, actor, dispute: Dispute, body: str, files=(), evidence: bool = False):
    """A message on the contract's thread tagged with the dispute. With `evidence`, its files
    are the party's evidence, accepted until the case leaves mediation."""
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        if not dispute.is_open:
            raise DomainError(_("The case is closed."))
        if not can_write(dispute, actor):
            raise DomainError(_("Only the parties and the case's mediator or arbitrator can "
                                "write in this dispute."))
        if evidence:
            if not contract.is_party(actor):
                raise DomainError(_("Only the parties add evidence."))
            if dispute.state not in EVIDENCE_STATES:
                raise DomainError(_("Evidence can be added only until the case leaves mediation."))
            if not files:
                raise DomainError(_("Attach at least one file as evidence."))
        return message_post(actor=actor, contract=contract, body=body, files=files,
                            dispute=dispute, as_evidence=evidence, allow_case_worker=True)


def dispute_accept_proposal(*, actor, dispute: Dispute) -> Dispute:
    return dispute_answer_proposal(actor=actor, dispute=dispute, accept=True)


def dispute_reject_proposal(*, actor, dispute: Dispute, reason: str) -> Dispute:
    if not (reason or "").strip():
        raise DomainError(_("Say why you reject the proposal; the mediator reads it."))
    return dispute_answer_proposal(actor=actor, dispute=dispute, accept=False, reason=reason)
