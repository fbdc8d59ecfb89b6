"""The reputation app's clock: reveal feedback when its window closes."""

from datetime import timedelta

from django.conf import settings

from marketplace.kernel.deadlines import Sweep, register
from reputation.models import Feedback
from reputation.services.feedback import feedback_reveal_window


def register_all() -> None:
    register(Sweep(
        name="feedback_reveal",
        due=lambda now: Feedback.objects.filter(
            revealed_at__isnull=True,
            contract__ended_at__lte=now - timedelta(days=settings.FEEDBACK_WINDOW_DAYS)),
        handle=lambda feedback: feedback_reveal_window(feedback=feedback),
    ))
