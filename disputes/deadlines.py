"""The disputes app's clock: auto-acceptance, lapse, and reminders to the party whose turn it is."""

from datetime import UTC

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from disputes.models import CancellationRequest, CancellationState
from disputes.services.cancellations import cancellation_auto_accept, cancellation_lapse
from marketplace.deadlines import Reminder, Sweep, register


def _when(obj) -> str:
    return date_format(obj.deadline_at.astimezone(UTC), "DATETIME_FORMAT") + " UTC"


def _cancellation_reminder(request) -> str:
    if request.state == CancellationState.DENIED:
        return _("Reminder: your cancellation request on “%(title)s” was denied. Counter-propose, "
                 "continue or dispute by %(when)s, or it lapses and the contract continues.") % {
            "title": request.contract.title, "when": _when(request)}
    return _("Reminder: answer the cancellation request on “%(title)s” by %(when)s, or the "
             "proposed terms apply automatically.") % {
        "title": request.contract.title, "when": _when(request)}


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
