"""Notify a party in the app and by email; the email leaves only after the commit."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from marketplace.kernel.models import Notification


def notify(*, user, text: str, url: str = "", contract=None, key: str | None = None,
           details: str = "") -> bool:
    """Create an in-app notification and queue its email for after commit.

    With a `key`, the same user is notified at most once for it (reminders); returns False
    when it was already sent. `details` go into the email only (a copy to keep, too long for
    the in-app list).
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
        body = "\n\n".join(part for part in (text, details, link, "— Marketplace") if part)
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


def notify_many(items: list[tuple]) -> None:
    """Several plain notifications at once: (user, text, url, contract) each; one insert, and
    their emails in one connection after commit."""
    now = timezone.now()
    rows = [Notification(user=user, contract=contract, text=text, url=url, created_at=now)
            for user, text, url, contract in items if user is not None and user.is_active]
    Notification.objects.bulk_create(rows)
    mails = [EmailMessage(subject=f"[Marketplace] {n.text[:80]}",
                          body=f"{n.text}\n\n{settings.SITE_URL}{n.url}\n\n— Marketplace",
                          to=[n.user.email]) for n in rows if n.user.email]
    if mails:
        transaction.on_commit(lambda: _send_all(mails, get_connection))


def _send_all(mails, get_connection) -> None:
    try:
        get_connection(fail_silently=True).send_messages(mails)
    except Exception:

        logging.getLogger(__name__).exception("sending %s notification mails failed", len(mails))
