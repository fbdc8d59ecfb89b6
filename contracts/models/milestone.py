"""A fixed-price milestone of a contract: the unit of escrow and payment."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from marketplace.models import WithDeadline


class MilestoneState(models.TextChoices):
    PENDING = "pending", _("Pending")
    FUNDED = "funded", _("Funded")
    SUBMITTED = "submitted", _("Submitted")
    RELEASED = "released", _("Released")
    SETTLED = "settled", _("Settled")
    VOID = "void", _("Void")


class Milestone(ConcurrentTransitionMixin, WithDeadline):
    """A deliverable with a fixed price.

    States:
    - pending: agreed, not yet paid into escrow.
    - funded: the client paid it into the contract's escrow.
    - submitted: the freelancer delivered; released automatically after
      MILESTONE_AUTO_RELEASE_DAYS of client silence (`deadline_at`).
    - released: paid to the freelancer, less the platform fee.
    - settled: a settlement divided its escrow (cents each way recorded here).
    - void: never funded, and the contract ended.
    """

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="milestones"
    )
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    state = FSMField(default=MilestoneState.PENDING, choices=MilestoneState.choices, protected=True)

    class Meta:
        ordering = ["contract_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "position"], name="milestone_position"),
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0), name="milestone_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display()})"
