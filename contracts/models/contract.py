"""The contract between a client and a freelancer, from offer to its end."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from marketplace.kernel.db_privileges import KEPT
from marketplace.kernel.fsm import refusal
from marketplace.kernel.models import WithDeadline


class ContractState(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACTIVE = "active", _("Active")
    CANCELLATION_REQUESTED = "cancellation_requested", _("Cancellation requested")
    DISPUTED = "disputed", _("Disputed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    CLOSED = "closed", _("Closed")


ENDED_STATES = {
    ContractState.COMPLETED,
    ContractState.CANCELLED,
    ContractState.DECLINED,
    ContractState.WITHDRAWN,
    ContractState.EXPIRED,
    ContractState.CLOSED,
}


# --- permissions: who may act (they see the user) -----------------------------------------


@refusal(_("Only the freelancer this offer was made to can answer it."))
def is_freelancer(contract, user) -> bool:
    return user is not None and user.pk == contract.freelancer_id


def _accept_refusal(contract, user) -> str:
    if not is_freelancer(contract, user):
        return is_freelancer.refusal
    return _("Verify your email address before accepting an offer.")


@refusal(_accept_refusal)
def is_verified_freelancer(contract, user) -> bool:
    return is_freelancer(contract, user) and user.has_verified_email


@refusal(_("Only the client of this contract can do this."))
def is_client(contract, user) -> bool:
    return user is not None and user.pk == contract.client_id


@refusal(_("Only the system does this, when the time comes."))
def is_system(contract, user) -> bool:
    return user is None


@refusal(_("Only the client and the freelancer of this contract can ask to end it."))
def is_party(contract, user) -> bool:
    return contract.is_party(user)


@refusal(_("Only the outcome of a cancellation request or a dispute does this."))
def by_case_outcome(contract, user) -> bool:
    return user is None


# --- conditions: rules about state and time (they see only the contract) -------------------


@refusal(_("This offer has expired."))
def can_still_answer(contract) -> bool:
    return contract.deadline_at is None or timezone.now() < contract.deadline_at


@refusal(_("The offer has not expired yet."))
def can_expire(contract) -> bool:
    return contract.deadline_at is not None and timezone.now() >= contract.deadline_at


# Milestone states whose money sits in escrow (kept here as values: milestone.py imports us).
ESCROW_MILESTONE_STATES = ("funded", "submitted")


# These read the contract's milestones through `.all()`, so a page that already loaded them
# (prefetch) asks the database nothing more to decide which buttons to show.


@refusal(_("Money is still in escrow: approve or settle every funded milestone first."))
def has_no_escrow(contract) -> bool:
    return not any(m.state in ESCROW_MILESTONE_STATES for m in contract.milestones.all())


@refusal(_("Nothing has been delivered and paid yet. To end the contract, request a "
           "cancellation instead."))
def has_paid_work(contract) -> bool:
    return any(m.state == "released" for m in contract.milestones.all())


@refusal(_("The contract has had recent activity."))
def is_dormant(contract) -> bool:
    quiet_since = timezone.now() - timedelta(days=settings.DORMANT_CONTRACT_DAYS)
    return contract.last_activity_at <= quiet_since


class Contract(ConcurrentTransitionMixin, WithDeadline):
    """A client's offer to a freelancer and, once accepted, the work and money between them.

    States:
    - offered: waiting for the freelancer; expires after OFFER_EXPIRY_DAYS (`deadline_at`).
    - active: work in progress; the client may add and fund milestones.
    - cancellation_requested: a party asked to end it; no money moves but by settlement.
    - disputed: a dispute holds the case; no money moves but by its outcome.
    - completed: the client ended it with nothing left in escrow.
    - cancelled: ended by a cancellation settlement or a dispute's outcome.
    - declined / withdrawn / expired: the offer was refused, taken back, or left unanswered.
    - closed: ended for inactivity (no escrow, no activity for DORMANT_CONTRACT_DAYS), no fault.
    """

    db_privileges = KEPT  # the app's database role: kernel.db_privileges
    # Why an action cannot be taken in each state (fsm.state_refusal), in plain words.
    STATE_REFUSALS = {
        ContractState.OFFERED: _("The freelancer has not answered this offer yet."),
        ContractState.ACTIVE: _("This offer was accepted: the contract is under way."),
        ContractState.CANCELLATION_REQUESTED: _("A cancellation request is open on this contract. Until it is answered, nothing else changes and no money moves."),
        ContractState.DISPUTED: _("This contract is in dispute. Until the case is closed, nothing else changes and no money moves."),
        ContractState.COMPLETED: _("This contract was completed; it can no longer change."),
        ContractState.CANCELLED: _("This contract was cancelled; it can no longer change."),
        ContractState.DECLINED: _("The freelancer declined this offer."),
        ContractState.WITHDRAWN: _("The client withdrew this offer."),
        ContractState.EXPIRED: _("This offer expired without an answer."),
        ContractState.CLOSED: _("This contract was closed after a long time without activity."),
    }

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contracts_as_client"
    )
    freelancer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contracts_as_freelancer"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    state = FSMField(
        default=ContractState.OFFERED, choices=ContractState.choices, protected=True, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Head of the record's hash chain: a removed tail no longer matches it.
    record_head_seq = models.PositiveIntegerField(default=0)
    record_head_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "state"], name="contract_client_state"),
            models.Index(fields=["freelancer", "state"], name="contract_freelancer_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(client=models.F("freelancer")), name="contract_two_parties"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:detail", args=[self.pk])

    # --- parties ---------------------------------------------------------------------------

    def is_party(self, user) -> bool:
        return user is not None and user.pk in (self.client_id, self.freelancer_id)

    def other_party(self, user):
        return self.freelancer if user.pk == self.client_id else self.client

    @property
    def parties(self) -> list:
        return [self.client, self.freelancer]

    @property
    def is_ended(self) -> bool:
        return self.state in ENDED_STATES

    # --- offer transitions -----------------------------------------------------------------

    @transition(
        field=state,
        source=ContractState.OFFERED,
        target=ContractState.ACTIVE,
        permission=is_verified_freelancer,
        conditions=[can_still_answer],
    )
    def accept(self):
        self.accepted_at = timezone.now()
        self.clear_deadline()

    @transition(
        field=state,
        source=ContractState.OFFERED,
        target=ContractState.DECLINED,
        permission=is_freelancer,
        conditions=[can_still_answer],
    )
    def decline(self):
        self._end()

    @transition(
        field=state,
        source=ContractState.OFFERED,
        target=ContractState.WITHDRAWN,
        permission=is_client,
    )
    def withdraw(self):
        self._end()

    @transition(
        field=state,
        source=ContractState.OFFERED,
        target=ContractState.EXPIRED,
        permission=is_system,
        conditions=[can_expire],
    )
    def expire(self):
        self._end()

    # --- ending an active contract without a case ------------------------------------------

    @transition(
        field=state,
        source=ContractState.ACTIVE,
        target=ContractState.COMPLETED,
        permission=is_client,
        conditions=[has_no_escrow, has_paid_work],
    )
    def complete(self):
        self._end()

    @transition(
        field=state,
        source=ContractState.ACTIVE,
        target=ContractState.CLOSED,
        permission=is_system,
        conditions=[has_no_escrow, is_dormant],
    )
    def close_dormant(self):
        self._end()

    # --- cases: a cancellation request, then possibly a dispute ----------------------------

    @transition(field=state, source=ContractState.ACTIVE,
                target=ContractState.CANCELLATION_REQUESTED, permission=is_party)
    def request_cancellation(self):
        pass

    @transition(field=state, source=ContractState.CANCELLATION_REQUESTED,
                target=ContractState.DISPUTED, permission=by_case_outcome)
    def escalate(self):
        pass

    @transition(field=state,
                source=[ContractState.CANCELLATION_REQUESTED, ContractState.DISPUTED],
                target=ContractState.ACTIVE, permission=by_case_outcome)
    def resume(self):
        pass

    @transition(field=state,
                source=[ContractState.CANCELLATION_REQUESTED, ContractState.DISPUTED],
                target=ContractState.CANCELLED, permission=by_case_outcome)
    def cancel(self):
        self._end()

    def _end(self) -> None:
        self.ended_at = timezone.now()
        self.clear_deadline()
