"""The daily digest: notices that can wait, mailed together to people who chose it.

A notice waits at most a day: once a person's oldest waiting notice is a day old, every
waiting notice goes out in one mail, so nobody gets more than about one digest a day.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import MailDelivery, Notification, User

from .delivery import enqueue_deliveries

DIGEST_EVERY = timedelta(days=1)


def digests_due(now: datetime) -> QuerySet:
    """People whose oldest notice waiting for a digest has waited a day."""
    waiting = Notification.objects.filter(digest_pending=True,
                                          created_at__lte=now - DIGEST_EVERY)
    return User.objects.filter(pk__in=waiting.values("user_id"))


def send_digest(user_stub) -> MailDelivery:
    """Put every notice waiting for this person's digest into one mail, and queue it."""
    with transaction.atomic():
        # Locked, so two sweepers never put the same notice in two digests.
        waiting = list(Notification.objects.select_for_update()
                       .filter(user_id=user_stub.pk, digest_pending=True)
                       .order_by("created_at", "pk"))
        if not waiting or waiting[0].created_at > timezone.now() - DIGEST_EVERY:
            raise DomainError("no digest due")
        try:
            with transaction.atomic():
                delivery = MailDelivery.objects.create(
                    key=f"digest:{user_stub.pk}:{waiting[0].pk}", recipient_id=user_stub.pk,
                    summary=ngettext("Daily digest: %(count)s notice",
                                     "Daily digest: %(count)s notices", len(waiting))
                    % {"count": len(waiting)},
                    created_at=timezone.now(), due_at=timezone.now())
        except IntegrityError as exc:
            raise DomainError("digest already sent") from exc
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(
            digest_pending=False, digest=delivery)
        enqueue_deliveries([delivery.pk])
    return delivery
