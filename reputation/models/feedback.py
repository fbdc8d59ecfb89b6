"""Feedback after a contract ends: double-blind, never editable, one public reply."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.kernel.db_privileges import KEPT

RATING = [MinValueValidator(1), MaxValueValidator(5)]


class FeedbackLocked(Exception):
    pass


class Feedback(models.Model):
    """What one party says about the other once their contract ended.

    Hidden until both parties have submitted or FEEDBACK_WINDOW_DAYS pass (`revealed_at`);
    never edited: once saved, only `revealed_at` (set by the system) and the receiver's one
    public `reply` may be written, once each.
    """

    db_privileges = KEPT  # the app's database role: kernel.db_privileges

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="feedback_given")
    receiver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="feedback_received")
    author_role = models.CharField(max_length=16)
    rating = models.PositiveSmallIntegerField(_("overall rating"), validators=RATING)
    communication = models.PositiveSmallIntegerField(_("communication"), validators=RATING)
    # "Quality of the work" when a client rates; "clarity of the brief" when a freelancer does.
    quality_or_clarity = models.PositiveSmallIntegerField(validators=RATING)
    professionalism = models.PositiveSmallIntegerField(_("professionalism"), validators=RATING)
    comment = models.TextField(_("public comment"), max_length=2000)
    # Asked of the freelancer on a contract the client cancelled; "no" marks that
    # cancellation as "without proper communication" in the client's reputation.
    explained_clearly = models.BooleanField(null=True, blank=True)
    # The contract went through a dispute: the feedback is labelled so.
    after_dispute = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    revealed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reply = models.TextField(_("public reply"), max_length=2000, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "author"], name="one_feedback_per_party"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5),
                                   name="feedback_rating_1_to_5"),
        ]
        indexes = [models.Index(fields=["receiver", "revealed_at"], name="feedback_received")]

    def __str__(self) -> str:
        return f"{self.author} on {self.receiver} (contract #{self.contract_id})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            allowed = {"revealed_at", "reply", "replied_at"}
            fields = set(kwargs.get("update_fields") or [])
            if not fields or not fields <= allowed:
                raise FeedbackLocked("Feedback cannot be edited once submitted.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FeedbackLocked("Feedback cannot be deleted.")

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None

    @property
    def quality_label(self) -> str:
        return _("Quality of the work") if self.author_role == "client" else _("Clarity of the brief")
