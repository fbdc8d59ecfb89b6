"""A fixed-price milestone of a contract: the unit of escrow and payment."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from marketplace.kernel.db_privileges import KEPT
from marketplace.kernel.fsm import refusal
from marketplace.kernel.models import WithDeadline

from .contract import ContractState


class MilestoneState(models.TextChoices):
    PENDING = "pending", _("Pending")
    FUNDED = "funded", _("Funded")
    SUBMITTED = "submitted", _("Submitted")
    RELEASED = "released", _("Released")
    SETTLED = "settled", _("Settled")
    VOID = "void", _("Void")


IN_ESCROW = (MilestoneState.FUNDED, MilestoneState.SUBMITTED)


# --- permissions ----------------------------------------------------------------------------


@refusal(_("Only the client of this contract can do this."))
def is_client(milestone, user) -> bool:
    return user is not None and user.pk == milestone.contract.client_id


@refusal(_("Only the freelancer of this contract can do this."))
def is_freelancer(milestone, user) -> bool:
    return user is not None and user.pk == milestone.contract.freelancer_id


@refusal(_("Only the system does this, when the time comes."))
def is_system(milestone, user) -> bool:
    return user is None


@refusal(_("Only the settlement of a case does this."))
def is_settlement(milestone, user) -> bool:
    return user is None


# --- conditions -----------------------------------------------------------------------------


@refusal(_("Money moves only while the contract is active; while a cancellation request or "
           "dispute is open, only its settlement moves it."))
def contract_is_active(milestone) -> bool:
    return milestone.contract.state == ContractState.ACTIVE


@refusal(_("The client still has time to review this delivery."))
def review_time_is_over(milestone) -> bool:
    return milestone.deadline_at is not None and timezone.now() >= milestone.deadline_at


@refusal(_("Only a case being settled divides escrow."))
def contract_is_being_settled(milestone) -> bool:
    return milestone.contract.state in (
        ContractState.CANCELLATION_REQUESTED, ContractState.DISPUTED
    )


@refusal(_("Pending milestones are voided only when the contract ends."))
def contract_has_ended(milestone) -> bool:
    return milestone.contract.is_ended


class Milestone(ConcurrentTransitionMixin, WithDeadline):
    """A deliverable with a fixed price.

    States:
    - pending: agreed, not yet paid into escrow.
    - funded: the client paid it into the contract's escrow.
    - submitted: the freelancer delivered; released automatically after
      MILESTONE_AUTO_RELEASE_DAYS of client silence (`deadline_at`). While a cancellation
      request or dispute is open the clock is paused (`paused_remaining`).
    - released: paid to the freelancer, less the platform fee (`fee_cents`).
    - settled: a settlement divided its escrow (cents each way recorded here).
    - void: never funded, and the contract ended.
    """

    db_privileges = KEPT  # the app's database role: kernel.db_privileges
    # Why an action cannot be taken in each state (fsm.state_refusal), in plain words.
    STATE_REFUSALS = {
        MilestoneState.PENDING: _("This milestone is not funded yet."),
        MilestoneState.FUNDED: _("This milestone is funded and waits for the freelancer to deliver."),
        MilestoneState.SUBMITTED: _("This milestone was delivered and waits for the client's review."),
        MilestoneState.RELEASED: _("This milestone was already paid to the freelancer."),
        MilestoneState.SETTLED: _("A settlement already divided this milestone's money."),
        MilestoneState.VOID: _("This milestone was voided when the contract ended."),
    }

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="milestones"
    )
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    state = FSMField(default=MilestoneState.PENDING, choices=MilestoneState.choices, protected=True)
    funded_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    # What was left of the review period when a case paused it; restored when it closes.
    paused_remaining = models.DurationField(null=True, blank=True)
    fee_cents = models.BigIntegerField(default=0)
    settled_to_freelancer_cents = models.BigIntegerField(null=True, blank=True)
    settled_to_client_cents = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["contract_id", "position"]
        indexes = [models.Index(fields=["state", "deadline_at"], name="milestone_due")]
        constraints = [
            models.UniqueConstraint(fields=["contract", "position"], name="milestone_position"),
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0), name="milestone_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display()})"

    @property
    def in_escrow(self) -> bool:
        return self.state in IN_ESCROW

    @property
    def paid_to_freelancer_cents(self) -> int:
        """Net of the platform fee, for a released milestone; gross share for a settled one."""
        if self.state == MilestoneState.RELEASED:
            return self.amount_cents - self.fee_cents
        if self.state == MilestoneState.SETTLED:
            return self.settled_to_freelancer_cents or 0
        return 0

    @transition(field=state, source=MilestoneState.PENDING, target=MilestoneState.FUNDED,
                permission=is_client, conditions=[contract_is_active])
    def fund(self):
        self.funded_at = timezone.now()

    @transition(field=state, source=MilestoneState.FUNDED, target=MilestoneState.SUBMITTED,
                permission=is_freelancer, conditions=[contract_is_active])
    def submit(self, *, review_period):
        self.submitted_at = timezone.now()
        self.start_deadline(now=self.submitted_at, duration=review_period)

    @transition(field=state, source=MilestoneState.SUBMITTED, target=MilestoneState.RELEASED,
                permission=is_client, conditions=[contract_is_active])
    def approve(self, *, fee_cents: int):
        self._release(fee_cents)

    @transition(field=state, source=MilestoneState.SUBMITTED, target=MilestoneState.FUNDED,
                permission=is_client, conditions=[contract_is_active])
    def request_changes(self):
        # The review clock restarts on the next submission.
        self.clear_deadline()

    @transition(field=state, source=MilestoneState.SUBMITTED, target=MilestoneState.RELEASED,
                permission=is_system, conditions=[contract_is_active, review_time_is_over])
    def auto_release(self, *, fee_cents: int):
        self._release(fee_cents)

    @transition(field=state, source=list(IN_ESCROW), target=MilestoneState.SETTLED,
                permission=is_settlement, conditions=[contract_is_being_settled])
    def settle(self, *, to_freelancer_cents: int):
        self.settled_to_freelancer_cents = to_freelancer_cents
        self.settled_to_client_cents = self.amount_cents - to_freelancer_cents
        self.clear_deadline()
        self.paused_remaining = None

    @transition(field=state, source=MilestoneState.PENDING, target=MilestoneState.VOID,
                permission=is_system, conditions=[contract_has_ended])
    def void(self):
        pass

    def _release(self, fee_cents: int) -> None:
        self.released_at = timezone.now()
        self.fee_cents = fee_cents
        self.clear_deadline()
