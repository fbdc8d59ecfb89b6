"""Disputes, the platform's side (spec section 6): mediators and arbitrators take cases,
extend deadlines, propose resolutions and decide; the clock flags overdue cases. The admin
console calls these services, exactly as the app calls the parties' ones."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from disputes.models import Dispute, Proposal, ProposalKind
from marketplace.kernel import fsm
from marketplace.kernel.clauses import cited_clause
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import User
from marketplace.kernel.services.notifications import notify
from marketplace.kernel.times import moment_for, moment_utc

from . import outcomes
from .common import lock_case
from .disputes import record, run, tell_parties


def _console_url(dispute) -> str:
    return f"/admin/disputes/dispute/{dispute.pk}/change/"


def _require_reasons(findings: str, policy_clause: str) -> tuple[str, str]:
    findings, policy_clause = (findings or "").strip(), (policy_clause or "").strip()
    if len(findings) < 20:
        raise DomainError(_("Write the findings (at least 20 characters): the parties see them."))
    if not policy_clause:
        raise DomainError(_("Name the policy clause the outcome relies on."))
    if cited_clause(policy_clause) is None:
        raise DomainError(_("Cite a clause of the policy by its number, e.g. “§3.3 Silence is "
                            "an answer”: the parties follow the link to read it."))
    return findings, policy_clause


def _require_reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message)
    return reason


def _case_workers(group: str, *, except_ids=()):
    return (User.objects.filter(groups__name=group, is_active=True, is_staff=True)
            .exclude(pk__in=[pk for pk in except_ids if pk]))


def dispute_assign_mediator(*, actor, dispute: Dispute) -> Dispute:
    """A mediator takes a case nobody holds (never one they are a party to); both parties
    are told. Taking a held case is a reassignment (`dispute_reassign_mediator`)."""
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        from_state = run(dispute, "assign_mediator", actor, mediator=actor)
        record(dispute, actor, "dispute.mediator_assigned", from_state,
               f"{actor.display_name} took the case as its mediator.",
               {"mediator_id": actor.pk})
        tell_parties(dispute, _("%(name)s is now the mediator of the dispute on “%(title)s”.")
                     % {"name": actor.display_name, "title": contract.title})
    return dispute


def _check_mediator(dispute, contract, mediator) -> None:
    if not mediator.is_mediator:
        raise DomainError(_("%(name)s is not a mediator.") % {"name": mediator.display_name})
    if contract.is_party(mediator):
        raise DomainError(_("Nobody mediates a case they are a party to."))
    if mediator.pk == dispute.mediator_id:
        raise DomainError(_("%(name)s already holds this case.") % {"name": mediator.display_name})


def dispute_reassign_mediator(*, actor, dispute: Dispute, mediator: User, reason: str) -> Dispute:
    """A lead mediator gives the case to a mediator (themself included), taking it from
    whoever held it. The reason goes on the record; the displaced mediator, the new one and
    both parties are told."""
    reason = _require_reason(reason, _("Say why the case changes hands; it goes on the record."))
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        fsm.check_allowed(dispute, "reassign_mediator", actor)
        _check_mediator(dispute, contract, mediator)
        previous = dispute.mediator
        from_state = run(dispute, "reassign_mediator", actor, mediator=mediator)
        record(dispute, actor, "dispute.mediator_reassigned", from_state,
               f"{actor.display_name} reassigned the case to mediator {mediator.display_name}"
               + (f", taking it from {previous.display_name}" if previous else "")
               + f". Reason: {reason}",
               {"mediator_id": mediator.pk, "previous_mediator_id": previous and previous.pk,
                "reason": reason})
        _tell_of_reassignment(dispute, actor, previous, mediator, reason, role=_("mediator"))
    return dispute


def _tell_of_reassignment(dispute, actor, previous, new, reason: str, *, role: str) -> None:
    contract = dispute.contract
    tell_parties(dispute, _("%(name)s is now the %(role)s of the dispute on “%(title)s”.")
                 % {"name": new.display_name, "role": role, "title": contract.title})
    if previous is not None and previous.pk != actor.pk:
        notify(user=previous, contract=contract, url=_console_url(dispute),
               text=_("%(who)s reassigned dispute #%(id)s to %(name)s: %(reason)s")
               % {"who": actor.display_name, "id": dispute.pk, "name": new.display_name,
                  "reason": reason})
    if new.pk != actor.pk:
        notify(user=new, contract=contract, url=_console_url(dispute),
               text=_("%(who)s assigned you dispute #%(id)s.")
               % {"who": actor.display_name, "id": dispute.pk})


def dispute_recuse(*, actor, dispute: Dispute, reason: str) -> Dispute:
    """The case's mediator hands it back to the queue, saying why; the other mediators and
    both parties are told."""
    reason = _require_reason(reason, _("Say why you recuse yourself."))
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        from_state = run(dispute, "recuse", actor)
        record(dispute, actor, "dispute.mediator_recused", from_state,
               f"Mediator {actor.display_name} recused themself: {reason}", {"reason": reason})
        tell_parties(dispute, _("%(name)s stepped down as the mediator of the dispute on "
                                "“%(title)s”; another mediator will take the case.")
                     % {"name": actor.display_name, "title": contract.title})
        for mediator in _case_workers("Mediators", except_ids=[actor.pk, contract.client_id,
                                                                contract.freelancer_id]):
            notify(user=mediator, contract=contract, url=_console_url(dispute),
                   text=_("Dispute #%(id)s is back in the queue.") % {"id": dispute.pk})
    return dispute


def dispute_extend_deadline(*, actor, dispute: Dispute, until, reason: str) -> Dispute:
    """The case's mediator (or arbitrator) moves the current deadline later, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the deadline moves."))
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        current = dispute.deadline_at if dispute.state == "proposal" else dispute.sla_due_at
        if until <= timezone.now() or (current and until <= current):
            raise DomainError(_("The new deadline must be later than the current one."))
        if until > timezone.now() + timedelta(days=30):
            raise DomainError(_("A deadline can move at most 30 days ahead."))
        from_state = run(dispute, "extend_deadline", actor, until=until)
        record(dispute, actor, "dispute.deadline_extended", from_state,
               f"{actor.display_name} extended the deadline to {moment_utc(until)}: {reason}",
               {"until": until.isoformat(), "reason": reason})
        for user in contract.parties:
            notify(user=user, contract=contract, url=dispute.get_absolute_url(), deadline=until,
                   text=_("The deadline in the dispute on “%(title)s” moved to %(when)s.")
                   % {"title": contract.title, "when": moment_for(user, until)})
    return dispute


def dispute_propose(*, actor, dispute: Dispute, outcome: str, amount_cents: int, fault: str,
                    findings: str, policy_clause: str) -> Proposal:
    """The case's mediator proposes a resolution with findings and the policy clause; open
    offers lapse; both parties have PROPOSAL_RESPONSE_DAYS to answer (silence accepts)."""
    findings, policy_clause = _require_reasons(findings, policy_clause)
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        fsm.check_allowed(dispute, "propose", actor)
        amount = outcomes.check_outcome(outcome, amount_cents, fault, dispute.escrow_cents)
        from_state = run(dispute, "propose", actor,
                         response_period=timedelta(days=settings.PROPOSAL_RESPONSE_DAYS))
        proposal = Proposal.objects.create(
            dispute=dispute, kind=ProposalKind.PROPOSAL, author=actor, round=dispute.proposal_rounds,
            outcome=outcome, amount_to_freelancer_cents=amount, fault=fault, findings=findings,
            policy_clause=policy_clause)
        lapsed = outcomes.lapse_open_offers(dispute)
        record(dispute, actor, "dispute.proposed", from_state,
               f"Mediator {actor.display_name} proposed (round {proposal.round}): "
               f"{outcomes.describe(outcome, amount, fault)}. Findings: {findings} "
               f"Policy: {policy_clause}"
               + (" " + ngettext("%(n)d open offer lapsed.", "%(n)d open offers lapsed.", lapsed)
                  % {"n": lapsed} if lapsed else ""),
               {"proposal_id": proposal.pk, "outcome": outcome, "amount_to_freelancer_cents": amount,
                "fault": fault})
        tell_parties(dispute, _("The mediator proposed a resolution for “%(title)s”. Accept or "
                                "reject it within %(days)s days; silence counts as acceptance.")
                     % {"title": contract.title, "days": settings.PROPOSAL_RESPONSE_DAYS})
    return proposal


def dispute_assign_arbitrator(*, actor, dispute: Dispute) -> Dispute:
    """An arbitrator (never the case's mediator, never a party) takes a case nobody
    arbitrates; both parties are told. Taking a held case is a reassignment."""
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        from_state = run(dispute, "assign_arbitrator", actor, arbitrator=actor)
        record(dispute, actor, "dispute.arbitrator_assigned", from_state,
               f"Arbitrator {actor.display_name} took the case.", {"arbitrator_id": actor.pk})
        tell_parties(dispute, _("%(name)s is arbitrating the dispute on “%(title)s”.")
                     % {"name": actor.display_name, "title": contract.title})
    return dispute


def _check_arbitrator(dispute, contract, arbitrator) -> None:
    if not arbitrator.is_arbitrator:
        raise DomainError(_("%(name)s is not an arbitrator.") % {"name": arbitrator.display_name})
    if contract.is_party(arbitrator):
        raise DomainError(_("Nobody arbitrates a case they are a party to."))
    if dispute.was_mediated_by(arbitrator):
        raise DomainError(_("The arbitrator of a case is never its mediator."))
    if arbitrator.pk == dispute.arbitrator_id:
        raise DomainError(_("%(name)s already holds this case.")
                          % {"name": arbitrator.display_name})


def dispute_reassign_arbitrator(*, actor, dispute: Dispute, arbitrator: User,
                                reason: str) -> Dispute:
    """A lead arbitrator gives the case to an eligible arbitrator (themself included),
    taking it from whoever held it; the reason goes on the record, and the displaced
    arbitrator, the new one and both parties are told."""
    reason = _require_reason(reason, _("Say why the case changes hands; it goes on the record."))
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        fsm.check_allowed(dispute, "reassign_arbitrator", actor)
        _check_arbitrator(dispute, contract, arbitrator)
        previous = dispute.arbitrator
        from_state = run(dispute, "reassign_arbitrator", actor, arbitrator=arbitrator)
        record(dispute, actor, "dispute.arbitrator_reassigned", from_state,
               f"{actor.display_name} reassigned the case to arbitrator "
               f"{arbitrator.display_name}"
               + (f", taking it from {previous.display_name}" if previous else "")
               + f". Reason: {reason}",
               {"arbitrator_id": arbitrator.pk,
                "previous_arbitrator_id": previous and previous.pk, "reason": reason})
        _tell_of_reassignment(dispute, actor, previous, arbitrator, reason,
                              role=_("arbitrator"))
    return dispute


def dispute_recuse_arbitration(*, actor, dispute: Dispute, reason: str) -> Dispute:
    """The case's arbitrator hands it back to the queue, saying why; the other arbitrators
    who may take it, and both parties, are told."""
    reason = _require_reason(reason, _("Say why you recuse yourself."))
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        from_state = run(dispute, "recuse_arbitration", actor)
        record(dispute, actor, "dispute.arbitrator_recused", from_state,
               f"Arbitrator {actor.display_name} recused themself: {reason}", {"reason": reason})
        tell_parties(dispute, _("%(name)s stepped down as the arbitrator of the dispute on "
                                "“%(title)s”; another arbitrator will take the case.")
                     % {"name": actor.display_name, "title": contract.title})
        for arbitrator in _case_workers("Arbitrators", except_ids=[
                actor.pk, contract.client_id, contract.freelancer_id,
                *dispute.past_mediator_ids]):
            notify(user=arbitrator, contract=contract, url=_console_url(dispute),
                   text=_("Dispute #%(id)s is back in the arbitration queue.") % {"id": dispute.pk})
    return dispute


def dispute_decide(*, actor, dispute: Dispute, outcome: str, amount_cents: int, fault: str,
                   findings: str, policy_clause: str) -> Proposal:
    """The case's arbitrator decides, bindingly, with findings and the policy clause; the
    outcome executes at once. Arbitration costs the parties nothing."""
    findings, policy_clause = _require_reasons(findings, policy_clause)
    with transaction.atomic():
        _contract, dispute = lock_case(Dispute, dispute)
        fsm.check_allowed(dispute, "decide", actor)
        amount = outcomes.check_outcome(outcome, amount_cents, fault, dispute.escrow_cents)
        decision = Proposal.objects.create(
            dispute=dispute, kind=ProposalKind.DECISION, author=actor, round=1, outcome=outcome,
            amount_to_freelancer_cents=amount, fault=fault, findings=findings,
            policy_clause=policy_clause)
        from_state = run(dispute, "decide", actor, outcome=outcome, fault=fault)
        record(dispute, actor, "dispute.decided", from_state,
               f"Arbitrator {actor.display_name} decided: {outcomes.describe(outcome, amount, fault)}."
               f" Findings: {findings} Policy: {policy_clause}",
               {"decision_id": decision.pk, "lost_by": dispute.lost_by})
        outcomes.execute(dispute=dispute, outcome=outcome, amount_cents=amount, fault=fault,
                         how="arbitrator's decision", actor=actor)
    return decision


def dispute_flag_overdue(*, dispute: Dispute) -> Dispute:
    """System: the stage's SLA passed without a proposal or a decision; flag and tell."""
    with transaction.atomic():
        contract, dispute = lock_case(Dispute, dispute)
        if not dispute.is_overdue or dispute.overdue_since:
            raise DomainError("not overdue, or already flagged")
        from_state = run(dispute, "flag_overdue", None)
        stage = dispute.get_state_display().lower()
        record(dispute, None, "dispute.overdue", from_state,
               f"The case is overdue: no {'decision' if dispute.state == 'arbitration' else 'proposal'} "
               f"within the {stage} SLA.")
        holder = dispute.arbitrator if dispute.state == "arbitration" else dispute.mediator
        group = "Arbitrators" if dispute.state == "arbitration" else "Mediators"
        people = [holder] if holder else User.objects.filter(groups__name=group, is_active=True,
                                                             is_staff=True)
        for person in people:
            notify(user=person, contract=contract, url=_console_url(dispute),
                   text=_("Dispute #%(id)s is overdue.") % {"id": dispute.pk},
                   key=f"overdue:{dispute.pk}:{dispute.state}:{dispute.sla_due_at:%Y%m%d%H%M}",
                   urgent=True)
    return dispute
