"""One-time form keys: the first POST carrying a key acts, any repeat of it does not."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..db_privileges import KEPT


class IdempotencyKey(models.Model):
    """A form's one-time key (money-moving forms carry one): the first POST with it acts."""

    db_privileges = KEPT  # the app's database role: kernel.db_privileges

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    # Where to send the user when a repeat arrives (what the first request led to).
    result_url = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
