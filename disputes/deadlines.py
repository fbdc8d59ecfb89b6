"""The disputes app's clock: auto-acceptance, lapse, and reminders to the party whose turn it is."""

from django.utils.translation import gettext as _

from disputes.models import CancellationRequest, CancellationState, Dispute, DisputeState
from disputes.selectors import overdue_q
from disputes.services.cancellations import cancellation_auto_accept, cancellation_lapse
from disputes.services.casework import dispute_flag_overdue
from disputes.services.disputes import dispute_resolve_by_silence, dispute_start_mediation
from marketplace.kernel.deadlines import Reminder, Sweep, register
from marketplace.kernel.times import moment_for


def _cancellation_reminder(request, user) -> str:
    if request.state == CancellationState.DENIED:
        return _("Reminder: your cancellation request on “%(title)s” was denied. Counter-propose, "
                 "continue or dispute by %(when)s, or it lapses and the contract continues.") % {
            "title": request.contract.title, "when": moment_for(user, request.deadline_at)}
    return _("Reminder: answer the cancellation request on “%(title)s” by %(when)s, or the "
             "proposed terms apply automatically.") % {
        "title": request.contract.title, "when": moment_for(user, request.deadline_at)}


def _overdue(now):
    return Dispute.objects.filter(overdue_since__isnull=True).filter(overdue_q(now))


def _dispute_reminder_people(dispute) -> list:
    if dispute.state == DisputeState.PROPOSAL:
        proposal = dispute.current_proposal
        return [u for u in dispute.contract.parties if proposal and proposal.response_of(u) is None]
    return list(dispute.contract.parties)


def _dispute_reminder(dispute, user) -> str:
    if dispute.state == DisputeState.PROPOSAL:
        return _("Reminder: answer the mediator's proposal on “%(title)s” by %(when)s; silence "
                 "counts as acceptance.") % {"title": dispute.contract.title, "when": moment_for(user, dispute.deadline_at)}
    return _("Reminder: direct negotiation on “%(title)s” ends %(when)s; then a mediator steps "
             "in.") % {"title": dispute.contract.title, "when": moment_for(user, dispute.deadline_at)}


def register_all() -> None:
    register(Sweep(
        name="cancellation_auto_accept",
        due=lambda now: CancellationRequest.objects.filter(state=CancellationState.OPEN,
                                                           deadline_at__lte=now),
        handle=lambda request: cancellation_auto_accept(request=request),
    ))
    register(Sweep(
        name="cancellation_lapse",
        due=lambda now: CancellationRequest.objects.filter(state=CancellationState.DENIED,
                                                           deadline_at__lte=now),
        handle=lambda request: cancellation_lapse(request=request),
    ))
    register(Reminder(
        name="cancellation",
        live=lambda: CancellationRequest.objects.filter(
            state__in=[CancellationState.OPEN, CancellationState.DENIED]
        ).select_related("contract", "turn_user"),
        recipients=lambda request: [request.turn_user] if request.turn_user_id else [],
        text=_cancellation_reminder,
        url=lambda request: request.get_absolute_url(),
    ))
    register(Sweep(
        name="dispute_mediation_start",
        due=lambda now: Dispute.objects.filter(state=DisputeState.NEGOTIATION, deadline_at__lte=now),
        handle=lambda dispute: dispute_start_mediation(dispute=dispute),
    ))
    register(Sweep(
        name="dispute_proposal_silence",
        due=lambda now: Dispute.objects.filter(state=DisputeState.PROPOSAL, deadline_at__lte=now),
        handle=lambda dispute: dispute_resolve_by_silence(dispute=dispute),
    ))
    register(Sweep(name="dispute_sla_overdue", due=_overdue,
                   handle=lambda dispute: dispute_flag_overdue(dispute=dispute)))
    register(Reminder(
        name="dispute",
        live=lambda: Dispute.objects.filter(
            state__in=[DisputeState.NEGOTIATION, DisputeState.PROPOSAL]
        ).select_related("contract", "contract__client", "contract__freelancer"),
        recipients=_dispute_reminder_people,
        text=_dispute_reminder,
        url=lambda dispute: dispute.get_absolute_url(),
    ))
