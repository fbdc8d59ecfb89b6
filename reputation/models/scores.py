"""A user's reputation score, stored with the explanation of every contract that moved it."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from marketplace.kernel.db_privileges import DISPOSABLE


class Reputation(models.Model):
    """Freelancer score or client trust score (0–100), recomputed from the record.

    `score` is empty until MIN_CONTRACTS_FOR_SCORE contracts have ended. `explanation` lists,
    per contract, what moved the score and by how many points, so anyone can check it.
    """

    db_privileges = DISPOSABLE  # recompute_reputation deletes and rebuilds the rows

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="reputation")
    role = models.CharField(max_length=16)
    score = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    contracts_ended = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    # Cancellations split by fault: theirs, the other party's, no one's.
    at_fault_cancellations = models.PositiveIntegerField(default=0)
    cancelled_other_fault = models.PositiveIntegerField(default=0, db_default=0)
    cancelled_no_fault = models.PositiveIntegerField(default=0, db_default=0)
    timeouts = models.PositiveIntegerField(default=0)
    disputes_lost = models.PositiveIntegerField(default=0)
    without_communication = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    conduct_warnings = models.PositiveIntegerField(default=0, db_default=0)
    explanation = models.JSONField(default=list)
    # What the score is made of (marketplace.kernel.scoring.Basis): lets a page show what one
    # more ended contract would do to it, without reading the whole history.
    basis = models.JSONField(default=dict, db_default={})
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["role", "score"], name="reputation_rank")]

    def __str__(self) -> str:
        return f"{self.user}: {self.score}"

    @property
    def rating_average(self):
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    @property
    def is_low_trust(self) -> bool:
        return self.score is not None and self.score < settings.LOW_TRUST_SCORE
