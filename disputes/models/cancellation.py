"""A request to end an active contract, and the answers to it (spec section 5)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from disputes.policy import Fault, reason_label
from marketplace.kernel.db_privileges import KEPT
from marketplace.kernel.fsm import refusal
from marketplace.kernel.models import AppendOnlyModel, WithDeadline


class CancellationState(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    AUTO_ACCEPTED = "auto_accepted", _("Accepted by timeout")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DENIED = "denied", _("Denied")
    LAPSED = "lapsed", _("Lapsed")
    DISPUTED = "disputed", _("Disputed")


CLOSED_STATES = {CancellationState.ACCEPTED, CancellationState.AUTO_ACCEPTED,
                 CancellationState.WITHDRAWN, CancellationState.LAPSED, CancellationState.DISPUTED}


# --- permissions: who may act (whose turn it is) ------------------------------------------


def _turn_refusal(request, user) -> str:
    if not request.contract.is_party(user):
        return _("Only the client and the freelancer of this contract can answer.")
    return _("It is not your turn: the other party has to answer first.")


@refusal(_turn_refusal)
def is_turn(request, user) -> bool:
    return user is not None and user.pk == request.turn_user_id


def _role_turn_refusal(role: str):
    def reason(request, user) -> str:
        if is_turn(request, user):
            return (_("Only the client can deny a request.") if role == "client"
                    else _("Only the freelancer can dispute a cancellation."))
        return _turn_refusal(request, user)

    return reason


@refusal(_role_turn_refusal("client"))
def is_client_turn(request, user) -> bool:
    return is_turn(request, user) and user.pk == request.contract.client_id


@refusal(_role_turn_refusal("freelancer"))
def is_freelancer_turn(request, user) -> bool:
    return is_turn(request, user) and user.pk == request.contract.freelancer_id


@refusal(_("Only the party who asked to cancel can withdraw the request."))
def is_initiator(request, user) -> bool:
    return user is not None and user.pk == request.initiator_id


@refusal(_("Only the freelancer can do this."))
def is_freelancer(request, user) -> bool:
    return user is not None and user.pk == request.contract.freelancer_id


@refusal(_("Only the system does this, when the time comes."))
def is_system(request, user) -> bool:
    return user is None


# --- conditions: state and time -----------------------------------------------------------


def _time_left(when) -> str:
    seconds = max(int((when - timezone.now()).total_seconds()), 60)
    hours, minutes = divmod(seconds // 60, 60)
    if hours >= 24:
        return _("in %(d)s d %(h)s h") % {"d": hours // 24, "h": hours % 24}
    return _("in %(h)s h %(m)s min") % {"h": hours, "m": minutes}


@refusal(_("The time to answer has run out."))
def before_deadline(request) -> bool:
    return request.deadline_at is None or timezone.now() < request.deadline_at


@refusal(_("The time to answer has not run out yet."))
def deadline_passed(request) -> bool:
    return request.deadline_at is not None and timezone.now() >= request.deadline_at


@refusal(_("You have used all your counter-proposals; accept, or decline as the policy allows."))
def has_counter_proposals_left(request) -> bool:
    return request.counters_left(request.turn_role) > 0


@refusal(_("Only a freelancer's request can be denied; to decline a client's request, dispute it."))
def asked_by_freelancer(request) -> bool:
    return request.initiator_role == "freelancer"


@refusal(_("Only a client's request can be disputed directly; a freelancer's request is "
           "disputed after a denial."))
def asked_by_client(request) -> bool:
    return request.initiator_role == "client"


def _gate_refusal(request) -> str:
    return _("Before disputing the decision, try direct dialogue. Still missing: %(missing)s.") % {
        "missing": request.dialogue_missing()}


@refusal(_gate_refusal)
def dialogue_attempted(request) -> bool:
    return request.dialogue_gate_open


class CancellationRequest(ConcurrentTransitionMixin, WithDeadline):
    """A party's request to end an active contract, with proposed terms.

    States:
    - open: waiting for the party whose turn it is (`turn_user`) until `deadline_at`.
    - accepted: both agreed to the current terms; settled; the contract is cancelled.
    - auto_accepted: the deadline passed in silence; the terms on the table applied (amount and
      fault), the amount capped for the freelancer at the value of submitted work; the silent
      party's timeout is recorded.
    - withdrawn: the initiator took it back, or the freelancer continued after a denial.
    - denied: the client refused a freelancer's request; the freelancer may counter-propose,
      dispute (after trying dialogue) or continue, until `deadline_at`.
    - lapsed: a denial was not disputed in time; the contract continues.
    - disputed: a dispute holds the case.
    """

    db_privileges = KEPT  # the app's database role: kernel.db_privileges
    # Why an action cannot be taken in each state (fsm.state_refusal), in plain words.
    STATE_REFUSALS = {
        CancellationState.OPEN: _("This request is still waiting for an answer."),
        CancellationState.ACCEPTED: _("This request was accepted and the contract cancelled."),
        CancellationState.AUTO_ACCEPTED: _("This request was accepted when its deadline passed, and the contract cancelled."),
        CancellationState.WITHDRAWN: _("This request was withdrawn; the contract continues."),
        CancellationState.DENIED: _("The client denied this request."),
        CancellationState.LAPSED: _("The denial was not disputed in time, so the request lapsed; the contract continues."),
        CancellationState.DISPUTED: _("This request became a dispute: the dispute room holds the case now."),
    }

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="cancellation_requests"
    )
    initiator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    initiator_role = models.CharField(max_length=16)
    reason = models.CharField(_("reason"), max_length=40)
    explanation = models.TextField(_("explanation"))
    state = FSMField(default=CancellationState.OPEN, choices=CancellationState.choices,
                     protected=True, db_index=True)
    # The terms on the table: what the escrow pays the freelancer, and whose fault it is.
    amount_to_freelancer_cents = models.BigIntegerField()
    fault = models.CharField(max_length=16, choices=Fault.choices)
    # The fault the initiator first proposed (kept for the record; by timeout the terms on the
    # table apply, amount and fault together).
    initial_fault = models.CharField(max_length=16, choices=Fault.choices)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    turn_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    client_counters = models.PositiveSmallIntegerField(default=0)
    freelancer_counters = models.PositiveSmallIntegerField(default=0)
    # Escrow and submitted work are frozen while the request is open (no money moves).
    escrow_cents = models.BigIntegerField()
    submitted_value_cents = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    denied_at = models.DateTimeField(null=True, blank=True)
    denial_reason = models.TextField(blank=True)
    # The dialogue after a denial (spec section 5): when each party last wrote since the
    # latest denial, when the freelancer countered after it, and when the dialogue counted
    # (both wrote, or a counter-proposal was answered), which opens disputing.
    client_wrote_at = models.DateTimeField(null=True, blank=True)
    freelancer_wrote_at = models.DateTimeField(null=True, blank=True)
    countered_after_denial_at = models.DateTimeField(null=True, blank=True)
    dialogue_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Who stayed silent until a deadline passed (counts in reputation), if anyone.
    timed_out_role = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(state__in=["open", "denied"]),
                name="one_live_cancellation_request_per_contract",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_to_freelancer_cents__gte=0)
                & models.Q(amount_to_freelancer_cents__lte=models.F("escrow_cents")),
                name="cancellation_terms_within_escrow",
            ),
        ]

    def __str__(self) -> str:
        return f"Cancellation request #{self.pk} on contract #{self.contract_id}"

    def get_absolute_url(self) -> str:
        return reverse("disputes:cancellation", args=[self.pk])

    # --- derived facts ----------------------------------------------------------------------

    @property
    def reason_label(self) -> str:
        return reason_label(self.initiator_role, self.reason)

    @property
    def turn_role(self) -> str:
        if self.turn_user_id is None:
            return ""
        return "client" if self.turn_user_id == self.contract.client_id else "freelancer"

    def counters_left(self, role: str) -> int:
        used = self.client_counters if role == "client" else self.freelancer_counters
        return max(settings.MAX_COUNTER_PROPOSALS - used, 0)

    @property
    def to_client_cents(self) -> int:
        return self.escrow_cents - self.amount_to_freelancer_cents

    @property
    def timeout_amount_cents(self) -> int:
        """By timeout a freelancer receives no more than the value of submitted work."""
        return min(self.amount_to_freelancer_cents, self.submitted_value_cents)

    @property
    def dialogue_opens_at(self):
        """When disputing a denial opens by time alone."""
        if self.denied_at is None:
            return None
        return self.denied_at + timedelta(hours=settings.NEGOTIATION_MIN_HOURS)

    @property
    def dialogue_gate_open(self) -> bool:
        """Disputing a denial needs direct dialogue first: both parties wrote since the
        denial, or a counter-proposal was made and answered, or NEGOTIATION_MIN_HOURS passed."""
        if self.dialogue_at is not None:
            return True
        opens = self.dialogue_opens_at
        return opens is not None and timezone.now() >= opens

    def note_message(self, *, by, at) -> None:
        """A party wrote about the request; after a denial, that is dialogue."""
        if self.denied_at is None or at < self.denied_at:
            return
        if by.pk == self.contract.client_id:
            self.client_wrote_at = at
        elif by.pk == self.contract.freelancer_id:
            self.freelancer_wrote_at = at
        if self.client_wrote_at and self.freelancer_wrote_at:
            self.dialogue_at = self.dialogue_at or at

    def missing_messages(self) -> str:
        """Whose message the dialogue still lacks since the denial, in words ("" if none)."""
        parts = []
        if not self.freelancer_wrote_at:
            parts.append(str(_("a message from you since the denial")))
        if not self.client_wrote_at:
            parts.append(str(_("a message from %(name)s since the denial")
                             % {"name": self.contract.client.display_name}))
        return str(_(" and ")).join(parts)

    def dialogue_missing(self) -> str:
        """What the dialogue still lacks before the freelancer may dispute, in words."""
        ways = [self.missing_messages(),
                str(_("or a counter-proposal that %(name)s answers")
                    % {"name": self.contract.client.display_name})]
        opens = self.dialogue_opens_at
        if opens is not None:
            ways.append(str(_("or waiting until %(when)s (%(left)s)") % {
                "when": date_format(timezone.localtime(opens), "D j M Y, H:i T"),
                "left": _time_left(opens)}))
        return ", ".join(ways)

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES

    # --- transitions (each changes only this row; the services do the rest) ----------------

    @transition(field=state, source=CancellationState.OPEN, target=CancellationState.ACCEPTED,
                permission=is_turn, conditions=[before_deadline])
    def accept(self):
        self._close()

    @transition(field=state, source=[CancellationState.OPEN, CancellationState.DENIED],
                target=CancellationState.OPEN, permission=is_turn,
                conditions=[before_deadline, has_counter_proposals_left])
    def counter_propose(self, *, by, amount_cents: int, fault: str, response_period):
        if self.turn_role == "client":
            self.client_counters += 1
        else:
            self.freelancer_counters += 1
        if self.state == CancellationState.DENIED:
            # The freelancer answers the denial with new terms: once the client answers them,
            # the dialogue counts.
            self.countered_after_denial_at = timezone.now()
        elif self.countered_after_denial_at is not None:
            self.dialogue_at = self.dialogue_at or timezone.now()
        self.amount_to_freelancer_cents = amount_cents
        self.fault = fault
        self.proposed_by = by
        self.turn_user = self.contract.other_party(by)
        self.start_deadline(now=timezone.now(), duration=response_period)

    @transition(field=state, source=CancellationState.OPEN, target=CancellationState.DENIED,
                permission=is_client_turn, conditions=[before_deadline, asked_by_freelancer])
    def deny(self, *, reason: str, dispute_period):
        if self.countered_after_denial_at is not None:
            # A denial of the freelancer's counter-proposal answers it: dialogue took place.
            self.dialogue_at = self.dialogue_at or timezone.now()
        self.client_wrote_at = self.freelancer_wrote_at = None
        self.denied_at = timezone.now()
        self.denial_reason = reason
        self.turn_user = self.contract.freelancer
        self.start_deadline(now=self.denied_at, duration=dispute_period)

    @transition(field=state, source=CancellationState.OPEN, target=CancellationState.DISPUTED,
                permission=is_freelancer_turn, conditions=[before_deadline, asked_by_client])
    def dispute_cancellation(self):
        self._close()

    @transition(field=state, source=CancellationState.DENIED, target=CancellationState.DISPUTED,
                permission=is_freelancer, conditions=[before_deadline, dialogue_attempted])
    def dispute_denial(self):
        self._close()

    @transition(field=state, source=CancellationState.OPEN, target=CancellationState.WITHDRAWN,
                permission=is_initiator, conditions=[before_deadline])
    def withdraw(self):
        self._close()

    @transition(field=state, source=CancellationState.DENIED, target=CancellationState.WITHDRAWN,
                permission=is_freelancer, conditions=[before_deadline])
    def continue_contract(self):
        self._close()

    @transition(field=state, source=CancellationState.OPEN,
                target=CancellationState.AUTO_ACCEPTED, permission=is_system,
                conditions=[deadline_passed])
    def auto_accept(self):
        self.timed_out_role = self.turn_role
        self._close()

    @transition(field=state, source=CancellationState.DENIED, target=CancellationState.LAPSED,
                permission=is_system, conditions=[deadline_passed])
    def lapse(self):
        self._close()

    @transition(field=state, source=CancellationState.DISPUTED, target=CancellationState.WITHDRAWN,
                permission=is_system)
    def end_with_dispute_withdrawn(self):
        """The freelancer withdrew their dispute of a denial: the request ends withdrawn."""

    def _close(self) -> None:
        self.closed_at = timezone.now()
        self.turn_user = None
        self.clear_deadline()


class CancellationProposal(AppendOnlyModel):
    """One set of terms put on the table: the request itself, then each counter-proposal."""

    request = models.ForeignKey(CancellationRequest, on_delete=models.PROTECT,
                                related_name="proposals")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    amount_to_freelancer_cents = models.BigIntegerField()
    fault = models.CharField(max_length=16, choices=Fault.choices)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Terms by {self.proposed_by} on request #{self.request_id}"
