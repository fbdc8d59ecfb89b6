"""Notify a party in the app and by email; the email leaves only after the commit."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.models import Notification


def notify(*, user, text: str, url: str = "", contract=None, key: str | None = None) -> bool:
    """Create an in-app notification and queue its email for after commit.

    With a `key`, the same user is notified at most once for it (reminders); returns False
    when it was already sent.
    """
    if user is None or not user.is_active:
        return False
    if key is not None:
        if Notification.objects.filter(user=user, key=key).exists():
            return False
        try:
            # A savepoint, so a concurrent duplicate loses quietly without breaking the caller.
            with transaction.atomic():
                Notification.objects.create(
                    user=user, contract=contract, text=text, url=url, key=key,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            return False
    else:
        Notification.objects.create(
            user=user, contract=contract, text=text, url=url, created_at=timezone.now()
        )
    if user.email:
        link = f"{settings.SITE_URL}{url}" if url else settings.SITE_URL
        body = f"{text}\n\n{link}\n\n— Marketplace"
        transaction.on_commit(
            lambda: send_mail(
                subject=f"[Marketplace] {text[:80]}",
                message=body,
                from_email=None,
                recipient_list=[user.email],
                fail_silently=True,
            )
        )
    return True


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
