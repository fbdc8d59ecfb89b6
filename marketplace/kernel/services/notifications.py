"""Notify a party in the app and by email. The email is a delivery row and a queued task
written in the caller's transaction: the event, the notice and the mail commit together or
not at all, and a worker sends the mail (marketplace.kernel.mail)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from marketplace.kernel.compiled import CompiledQuery, Read
from marketplace.kernel.mail.delivery import enqueue_deliveries
from marketplace.kernel.models import EmailFrequency, MailDelivery, Notification


def notify(*, user, text: str, url: str = "", contract=None, key: str | None = None,
           urgent: bool = False, deadline: datetime | None = None, details: str = "") -> bool:
    """Create an in-app notification and queue its email in the current transaction.

    `urgent` notices (deadline reminders, case decisions) are mailed at once whatever the
    user's preference; others wait for the daily digest of a user who chose one. `deadline`
    is shown in the recipient's time zone. `details` go into the email only (a copy to keep,
    too long for the in-app list). With a `key`, the same user is notified at most once for
    it (reminders); returns False when it was already sent.
    """
    if user is None or not user.is_active:
        return False
    notification = Notification(user=user, contract=contract, text=text, url=url, key=key,
                                urgent=urgent, deadline_at=deadline, details=details,
                                created_at=timezone.now(),
                                digest_pending=_waits_for_digest(user, urgent))
    if key is not None:
        if Notification.objects.filter(user=user, key=key).exists():
            return False
        try:
            # A savepoint, so a concurrent duplicate loses quietly without breaking the caller.
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            return False
    else:
        notification.save()
    _queue_mails([notification])
    return True


def notify_many(items: list[tuple]) -> None:
    """Several plain notifications at once: (user, text, url, contract) each; one insert for
    the notices, one for their mails and one task per hundred mails."""
    now = timezone.now()
    rows = [Notification(user=user, contract=contract, text=text, url=url, created_at=now,
                         digest_pending=_waits_for_digest(user, False))
            for user, text, url, contract in items if user is not None and user.is_active]
    Notification.objects.bulk_create(rows)
    _queue_mails(rows)


def _waits_for_digest(user, urgent: bool) -> bool:
    return bool(user.email) and not urgent and user.email_frequency == EmailFrequency.DAILY


def _queue_mails(notifications: list[Notification]) -> None:
    """A delivery row per notice to mail now, and the tasks that send them."""
    now = timezone.now()
    deliveries = MailDelivery.objects.bulk_create([
        MailDelivery(key=f"notice:{n.pk}:{n.user_id}", recipient_id=n.user_id, notification=n,
                     summary=n.text[:200], created_at=now, due_at=now)
        for n in notifications if n.user.email and not n.digest_pending
    ])
    if deliveries:
        enqueue_deliveries([d.pk for d in deliveries])


def _unread_of(user_id: int):
    return (Notification.objects.filter(user_id=user_id, read_at__isnull=True)
            .values("user_id").annotate(unread=Count("id")).order_by())


# Every signed-in page shows the count: compiled once (kernel.compiled).
UNREAD_OF = CompiledQuery(_unread_of)


def unread_read(user) -> Read:
    """The read behind `unread_count`, for a page to send with its own reads in one round
    trip (kernel.compiled.together), then `keep_unread`: the frame asks nothing more."""
    return UNREAD_OF.read(user_id=user.pk)


def keep_unread(user, rows: list[dict]) -> None:
    """The count `unread_read` read, for `unread_count` to give for the rest of the request
    (a page reads it as it reads what it shows, and renders its frame right after)."""
    user.unread_read_with_page = rows[0]["unread"] if rows else 0


def unread_count(user) -> int:
    known = getattr(user, "unread_read_with_page", None)
    if known is not None:
        return known
    row = UNREAD_OF.first(user_id=user.pk)
    return row["unread"] if row else 0


BADGE_CAP = 99


def badge_text(count: int) -> str:
    """The navigation's badge: a count people can take in at a glance, capped at "99+"."""
    return f"{BADGE_CAP}+" if count > BADGE_CAP else str(count)


def safe_target(url: str) -> str | None:
    """A notice's link when it is a path on this site; None otherwise. Notices are written by
    our services with paths, but opening one redirects, so the redirect must never leave the
    site whatever a row holds (no scheme, no host, no protocol-relative "//")."""
    if (url.startswith("/") and not url.startswith(("//", "/\\"))
            and url_has_allowed_host_and_scheme(url, allowed_hosts=set())):
        return url
    return None


def notification_open(*, user, notification_id: int) -> Notification | None:
    """Opening a notice marks it read (once; opening it again keeps the first moment). Only
    the user's own notice: None for anyone else's, so an id tells nothing."""
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at)
    return notification


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
