"""In-app notifications; the same text also goes out by email after commit."""

from django.conf import settings
from django.db import models

from ..db_privileges import KEPT


class Notification(models.Model):
    """Something that asks the user to look or act. `key` makes a reminder idempotent: the
    same key is never notified twice to the same user."""

    db_privileges = KEPT  # the app's database role: kernel.db_privileges

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    key = models.CharField(max_length=120, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=models.Q(key__isnull=False),
                name="notification_unique_key_per_user",
            )
        ]

    def __str__(self) -> str:
        return self.text
