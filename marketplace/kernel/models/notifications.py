"""In-app notifications, and the delivery row of each email that carries them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..db_privileges import KEPT


class Notification(models.Model):
    """Something that asks the user to look or act. `key` makes a reminder idempotent: the
    same key is never notified twice to the same user.

    `urgent` notices (deadline reminders, case decisions) are emailed at once whatever the
    user's preference; `digest_pending` marks a notice waiting for the user's daily digest.
    """

    db_privileges = KEPT  # the app's database role: kernel.db_privileges

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=300)
    # Mailed only, never shown in the app: e.g. a copy of the record's final digest and the
    # latest signed checkpoint when a contract ends (too long for the list, kept by mail).
    details = models.TextField(blank=True, db_default="")
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    key = models.CharField(max_length=120, null=True, blank=True)
    # The deadline the notice is about, shown in the recipient's time zone (page and mail).
    deadline_at = models.DateTimeField(null=True, blank=True)
    # Database defaults too: bulk loads (bench/dataset.py) write rows with COPY.
    urgent = models.BooleanField(default=False, db_default=False)
    digest_pending = models.BooleanField(default=False, db_default=False)
    digest = models.ForeignKey(
        "MailDelivery", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="digest_items",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["user", "created_at"], name="notification_digest_pending",
                         condition=models.Q(digest_pending=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=models.Q(key__isnull=False),
                name="notification_unique_key_per_user",
            )
        ]

    def __str__(self) -> str:
        return self.text


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed: gave up after every retry")
    DROPPED = "dropped", _("Not sent: no address to send to")


class MailDelivery(models.Model):
    """One email to one person, written in the same transaction as what it announces.

    Its unique `key` (one per notification and recipient, or per digest) and the Message-ID
    derived from it make sending idempotent: a task that runs twice, or two tasks for the
    same mail, send it once once it is recorded as sent. A send in flight holds a short claim
    (`claimed_until`), so a duplicate task running at the same moment leaves it alone.
    """

    db_privileges = KEPT  # retried and marked sent, never removed: kernel.db_privileges

    key = models.CharField(max_length=120, unique=True)
    # Empty only for an account mail to an address with no account (a password reset).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="+"
    )
    # The notice this mail carries; empty for a digest (its notices point to it) and for an
    # account mail, which carries the message allauth rendered (subject, bodies, to).
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(null=True, blank=True)
    summary = models.CharField(max_length=200)  # what the mail is about, for the console
    state = models.CharField(max_length=8, choices=DeliveryState.choices,
                             default=DeliveryState.PENDING)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()  # when the next attempt is due
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mail")
        verbose_name_plural = _("mail queue")
        indexes = [
            models.Index(fields=["due_at"], name="maildelivery_pending",
                         condition=models.Q(state="pending")),
            models.Index(fields=["state", "failed_at"], name="maildelivery_state"),
        ]

    def __str__(self) -> str:
        return f"{self.summary} → {self.recipient_id}"

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt: a mail sent twice after a crash between the
        server accepting it and the row recording it is collapsed by mail clients."""
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "marketplace"
        return f"<{self.key.replace(':', '.')}@{domain}>"


class DeadLetter(MailDelivery):
    """The console's list of mails that failed after every retry (state FAILED)."""

    class Meta:
        proxy = True
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters (mail that failed every retry)")
