"""A dispute: the case after direct answers failed (spec section 6)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from disputes.policy import Fault
from marketplace.kernel.db_privileges import KEPT
from marketplace.kernel.fsm import refusal
from marketplace.kernel.models import WithDeadline


class DisputeState(models.TextChoices):
    NEGOTIATION = "negotiation", _("Direct negotiation")
    MEDIATION = "mediation", _("Mediation")
    PROPOSAL = "proposal", _("Mediator's proposal")
    ARBITRATION = "arbitration", _("Arbitration")
    SETTLED = "settled", _("Settled by agreement")
    RESOLVED = "resolved", _("Resolved by mediation")
    DECIDED = "decided", _("Decided by arbitration")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = (DisputeState.NEGOTIATION, DisputeState.MEDIATION, DisputeState.PROPOSAL,
               DisputeState.ARBITRATION)
OFFER_STATES = (DisputeState.NEGOTIATION, DisputeState.MEDIATION)
MAX_PROPOSAL_ROUNDS = 2  # a proposal, and one revised proposal after a rejection


class DisputeKind(models.TextChoices):
    CANCELLATION = "cancellation", _("The freelancer disputes the client's cancellation")
    DENIAL = "denial", _("The freelancer disputes the client's denial")


class Outcome(models.TextChoices):
    CANCEL = "cancel", _("Cancel the contract and divide the escrow")
    CONTINUE = "continue", _("Continue the contract")


# --- permissions -------------------------------------------------------------------------


def _party_refusal(dispute, user) -> str:
    return _("Only the client and the freelancer of this contract can do this.")


@refusal(_party_refusal)
def is_party(dispute, user) -> bool:
    return dispute.contract.is_party(user)


@refusal(_("Only the party who opened the dispute can withdraw it."))
def is_disputing_party(dispute, user) -> bool:
    return user is not None and user.pk == dispute.opened_by_id


@refusal(_("You have already asked for mediation."))
def has_not_asked_for_mediation(dispute, user) -> bool:
    return is_party(dispute, user) and not dispute.mediation_requested_by(user)


def _mediator_refusal(dispute, user) -> str:
    if user is None or not getattr(user, "is_mediator", False):
        return _("Only a mediator can do this.")
    if dispute.contract.is_party(user):
        return _("Nobody mediates a case they are a party to.")
    return _("Only the case's assigned mediator can do this.")


@refusal(_mediator_refusal)
def is_case_mediator(dispute, user) -> bool:
    return (user is not None and getattr(user, "is_mediator", False)
            and user.pk == dispute.mediator_id and not dispute.contract.is_party(user))


def _mediator_not_party_refusal(dispute, user) -> str:
    if user is None or not getattr(user, "is_mediator", False):
        return _("Only a mediator can assign a case.")
    if dispute.contract.is_party(user):
        return _("Nobody mediates a case they are a party to.")
    return _("You already hold this case.")


@refusal(_mediator_not_party_refusal)
def is_mediator_not_party(dispute, user) -> bool:
    """A mediator who is not a party, and does not hold the case already, may take it."""
    return (user is not None and getattr(user, "is_mediator", False)
            and not dispute.contract.is_party(user) and user.pk != dispute.mediator_id)


# Reassigning a case is the leads' work (spec section 2): the permission comes with the
# `Lead mediators` / `Lead arbitrators` group (a superuser holds every permission).
REASSIGN_MEDIATOR = "disputes.reassign_mediator"
REASSIGN_ARBITRATOR = "disputes.reassign_arbitrator"


def _holds_permission(user, permission: str) -> bool:
    return (user is not None and user.is_active and user.is_staff
            and user.has_perm(permission))


def _lead_refusal(who: str):
    def refuse(dispute, user) -> str:
        if user is not None and dispute.contract.is_party(user):
            return _("Nobody reassigns a case they are a party to.")
        if who == "mediator":
            return _("Only a lead mediator can reassign a case (with a reason on the record).")
        return _("Only a lead arbitrator can reassign a case (with a reason on the record).")
    return refuse


@refusal(_lead_refusal("mediator"))
def is_lead_mediator(dispute, user) -> bool:
    return _holds_permission(user, REASSIGN_MEDIATOR) and not dispute.contract.is_party(user)


@refusal(_lead_refusal("arbitrator"))
def is_lead_arbitrator(dispute, user) -> bool:
    return _holds_permission(user, REASSIGN_ARBITRATOR) and not dispute.contract.is_party(user)


def _eligible_arbitrator_refusal(dispute, user) -> str:
    if user is None or not getattr(user, "is_arbitrator", False):
        return _("Only an arbitrator can take a case to arbitration.")
    if dispute.contract.is_party(user):
        return _("Nobody arbitrates a case they are a party to.")
    if dispute.was_mediated_by(user):
        return _("The arbitrator of a case is never its mediator.")
    return _("You already hold this case.")


@refusal(_eligible_arbitrator_refusal)
def is_eligible_arbitrator(dispute, user) -> bool:
    return (user is not None and getattr(user, "is_arbitrator", False)
            and not dispute.contract.is_party(user) and not dispute.was_mediated_by(user)
            and user.pk != dispute.arbitrator_id)


def _arbitrator_refusal(dispute, user) -> str:
    if user is not None and dispute.was_mediated_by(user):
        return _("The arbitrator of a case is never its mediator.")
    return _("Only the case's assigned arbitrator can decide it.")


@refusal(_arbitrator_refusal)
def is_case_arbitrator(dispute, user) -> bool:
    return (user is not None and getattr(user, "is_arbitrator", False)
            and user.pk == dispute.arbitrator_id and not dispute.was_mediated_by(user)
            and not dispute.contract.is_party(user))


def _responder_refusal(dispute, user) -> str:
    if not dispute.contract.is_party(user):
        return _("Only the client and the freelancer answer a proposal.")
    return _("You have already answered this proposal.")


@refusal(_responder_refusal)
def has_not_answered_proposal(dispute, user) -> bool:
    proposal = dispute.current_proposal
    return (dispute.contract.is_party(user) and proposal is not None
            and proposal.response_of(user) is None)


@refusal(_("Only the system does this, when the time comes."))
def is_system(dispute, user) -> bool:
    return user is None


@refusal(_("Only the case's mediator (or, in arbitration, its arbitrator) can extend a deadline."))
def is_case_worker_of_stage(dispute, user) -> bool:
    if dispute.state == DisputeState.ARBITRATION:
        return is_case_arbitrator(dispute, user)
    return is_case_mediator(dispute, user)


# --- conditions --------------------------------------------------------------------------


@refusal(_("Negotiation goes on until both parties ask for mediation or its time ends."))
def mediation_is_due(dispute) -> bool:
    both = dispute.client_asked_mediation_at and dispute.freelancer_asked_mediation_at
    return bool(both) or (dispute.deadline_at is not None and timezone.now() >= dispute.deadline_at)


@refusal(_("A mediator must take the case first."))
def has_mediator(dispute) -> bool:
    return dispute.mediator_id is not None


@refusal(_("The mediator has already made a proposal and a revised one."))
def proposal_rounds_left(dispute) -> bool:
    return dispute.proposal_rounds < MAX_PROPOSAL_ROUNDS


@refusal(_("The time to answer has run out."))
def before_deadline(dispute) -> bool:
    return dispute.deadline_at is None or timezone.now() < dispute.deadline_at


@refusal(_("The time to answer has not run out yet."))
def deadline_passed(dispute) -> bool:
    return dispute.deadline_at is not None and timezone.now() >= dispute.deadline_at


@refusal(_("The parties' time to answer has run out; silence already counts as acceptance."))
def answers_still_open(dispute) -> bool:
    """A proposal's deadline can move only while it runs (in other stages: the SLA)."""
    return dispute.state != DisputeState.PROPOSAL or before_deadline(dispute)


@refusal(_("Both parties have to accept the proposal first."))
def both_accepted(dispute) -> bool:
    proposal = dispute.current_proposal
    return proposal is not None and proposal.accepted_by_both


@refusal(_("An arbitrator must take the case first."))
def has_arbitrator(dispute) -> bool:
    return dispute.arbitrator_id is not None


@refusal(_("This case already has a mediator. Taking it over is a reassignment, which only a "
           "lead mediator makes, with a reason."))
def has_no_mediator(dispute) -> bool:
    return dispute.mediator_id is None


@refusal(_("This case already has an arbitrator. Taking it over is a reassignment, which only "
           "a lead arbitrator makes, with a reason."))
def has_no_arbitrator(dispute) -> bool:
    return dispute.arbitrator_id is None


class Dispute(ConcurrentTransitionMixin, WithDeadline):
    """A case a cancellation request escalated into.

    States:
    - negotiation: the parties exchange settlement offers directly; either may ask for
      mediation; once both asked, or after NEGOTIATION_DAYS (`deadline_at`), → mediation.
    - mediation: a mediator takes the case (only while nobody holds it; a lead mediator may
      reassign it, with a reason; its mediator may recuse), reads the record, messages both
      parties, may extend the deadline, and proposes a resolution (SLA: MEDIATION_SLA_DAYS
      from `mediation_started_at`). Offers may still be exchanged and accepted.
    - proposal: the mediator's proposal awaits both parties until `deadline_at`
      (PROPOSAL_RESPONSE_DAYS; silence counts as acceptance). A rejection sends the case back
      to mediation for one revised proposal; rejecting that → arbitration.
    - arbitration: an arbitrator (never the mediator, never a party) takes the case (a lead
      arbitrator may reassign it, with a reason; its arbitrator may recuse) and decides,
      bindingly (SLA: ARBITRATION_SLA_DAYS from `arbitration_started_at`).
    - settled / resolved / decided: closed by an accepted offer, an accepted proposal, or a
      decision; the outcome has executed.
    - withdrawn: the disputing party gave up before a decision.
    """

    db_privileges = KEPT  # the app's database role: kernel.db_privileges
    # Why an action cannot be taken in each state (fsm.state_refusal), in plain words.
    STATE_REFUSALS = {
        DisputeState.NEGOTIATION: _("The parties are still negotiating directly."),
        DisputeState.MEDIATION: _("The case is with a mediator."),
        DisputeState.PROPOSAL: _("The mediator's proposal is waiting for the parties' answers."),
        DisputeState.ARBITRATION: _("The case is with an arbitrator."),
        DisputeState.SETTLED: _("The parties settled this dispute; it is closed."),
        DisputeState.RESOLVED: _("This dispute was resolved by mediation; it is closed."),
        DisputeState.DECIDED: _("An arbitrator decided this dispute; it is closed."),
        DisputeState.WITHDRAWN: _("This dispute was withdrawn; it is closed."),
    }

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="disputes")
    cancellation_request = models.OneToOneField(
        "disputes.CancellationRequest", on_delete=models.PROTECT, related_name="dispute"
    )
    kind = models.CharField(max_length=16, choices=DisputeKind.choices)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    reason = models.TextField(_("reason"))
    state = FSMField(default=DisputeState.NEGOTIATION, choices=DisputeState.choices,
                     protected=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The contract as it stood when the dispute opened: scope, milestones, escrow, messages.
    snapshot = models.JSONField(default=dict)
    client_asked_mediation_at = models.DateTimeField(null=True, blank=True)
    freelancer_asked_mediation_at = models.DateTimeField(null=True, blank=True)
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="mediated_disputes")
    # Everyone who ever held the case as mediator: none of them may arbitrate it.
    past_mediator_ids = models.JSONField(default=list, blank=True)
    arbitrator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="arbitrated_disputes")
    mediation_started_at = models.DateTimeField(null=True, blank=True, db_index=True)
    arbitration_started_at = models.DateTimeField(null=True, blank=True, db_index=True)
    proposal_rounds = models.PositiveSmallIntegerField(default=0)
    # A mediator or arbitrator may move their stage's SLA, with a reason on the record.
    sla_extended_until = models.DateTimeField(null=True, blank=True)
    # Set by the clock when the stage's SLA passed without a proposal or a decision.
    overdue_since = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The outcome that executed, and whom a mediator's resolution or an arbitrator's
    # decision found at fault (the party who "lost" the dispute), if anyone.
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_fault = models.CharField(max_length=16, choices=Fault.choices, blank=True)
    lost_by = models.CharField(max_length=16, blank=True)
    # The stage the case was in when it closed (for the public outcome figures).
    closed_stage = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("mediate_dispute", "Can mediate disputes"),
            ("arbitrate_dispute", "Can arbitrate disputes"),
            ("reassign_mediator", "Can reassign a case to another mediator"),
            ("reassign_arbitrator", "Can reassign a case to another arbitrator"),
        ]

    def __str__(self) -> str:
        return f"Dispute #{self.pk} on contract #{self.contract_id}"

    def get_absolute_url(self) -> str:
        return reverse("disputes:dispute", args=[self.pk])

    # --- derived facts ----------------------------------------------------------------------

    def was_mediated_by(self, user) -> bool:
        return user is not None and (user.pk == self.mediator_id
                                     or user.pk in self.past_mediator_ids)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def role_of(self, user) -> str:
        if user is None:
            return ""
        if user.pk == self.contract.client_id:
            return "client"
        if user.pk == self.contract.freelancer_id:
            return "freelancer"
        return ""

    def mediation_requested_by(self, user):
        role = self.role_of(user)
        return getattr(self, f"{role}_asked_mediation_at", None) if role else None

    @property
    def current_proposal(self):
        if not hasattr(self, "_current_proposal"):
            self._current_proposal = (self.proposals.filter(kind=ProposalKind.PROPOSAL)
                                      .order_by("-round").first())
        return self._current_proposal

    @property
    def sla_due_at(self):
        if self.sla_extended_until and self.state in (DisputeState.MEDIATION,
                                                      DisputeState.ARBITRATION):
            return self.sla_extended_until
        if self.state == DisputeState.MEDIATION and self.mediation_started_at:
            return self.mediation_started_at + timedelta(days=settings.MEDIATION_SLA_DAYS)
        if self.state == DisputeState.ARBITRATION and self.arbitration_started_at:
            return self.arbitration_started_at + timedelta(days=settings.ARBITRATION_SLA_DAYS)
        return None

    @property
    def is_overdue(self) -> bool:
        due = self.sla_due_at
        return due is not None and timezone.now() >= due

    @property
    def case_escrow_cents(self) -> int:
        """The escrow this case divides: frozen when the cancellation was requested (no money
        moves while a case runs), so it still reads right after a settlement emptied it."""
        return self.cancellation_request.escrow_cents

    @property
    def escrow_cents(self) -> int:
        return sum(m.amount_cents for m in self.contract.milestones.all() if m.in_escrow)

    # --- transitions (each changes only this row; services do the rest) --------------------

    @transition(field=state, source=list(OFFER_STATES), target=None, permission=is_party)
    def make_offer(self):
        """An offer on the table (validated only: the Offer row is the service's)."""

    @transition(field=state, source=list(OFFER_STATES), target=DisputeState.SETTLED,
                permission=is_party)
    def accept_offer(self, *, outcome: str, fault: str):
        self._close(outcome, fault)

    @transition(field=state, source=DisputeState.NEGOTIATION, target=None,
                permission=has_not_asked_for_mediation)
    def request_mediation(self, *, by):
        setattr(self, f"{self.role_of(by)}_asked_mediation_at", timezone.now())

    @transition(field=state, source=DisputeState.NEGOTIATION, target=DisputeState.MEDIATION,
                permission=is_system, conditions=[mediation_is_due])
    def start_mediation(self):
        self.mediation_started_at = timezone.now()
        self.clear_deadline()

    @transition(field=state, source=[DisputeState.MEDIATION, DisputeState.PROPOSAL],
                target=None, permission=is_mediator_not_party, conditions=[has_no_mediator])
    def assign_mediator(self, *, mediator):
        """A mediator takes a case nobody holds."""
        self._set_mediator(mediator)

    @transition(field=state, source=[DisputeState.MEDIATION, DisputeState.PROPOSAL],
                target=None, permission=is_lead_mediator)
    def reassign_mediator(self, *, mediator):
        """A lead mediator gives the case to a mediator (taking it from its holder, if any)."""
        self._set_mediator(mediator)

    def _set_mediator(self, mediator) -> None:
        self.mediator = mediator
        if mediator.pk not in self.past_mediator_ids:
            self.past_mediator_ids = [*self.past_mediator_ids, mediator.pk]

    @transition(field=state, source=[DisputeState.MEDIATION, DisputeState.PROPOSAL],
                target=None, permission=is_case_mediator)
    def recuse(self):
        self.mediator = None

    @transition(field=state, source=[DisputeState.MEDIATION, DisputeState.PROPOSAL,
                                     DisputeState.ARBITRATION],
                target=None, permission=is_case_worker_of_stage,
                conditions=[answers_still_open])
    def extend_deadline(self, *, until):
        """In a proposal: the parties' time to answer. In mediation or arbitration: the
        stage's SLA, openly, with the reason in the record."""
        if self.state == DisputeState.PROPOSAL:
            self.start_deadline(now=timezone.now(), duration=until - timezone.now())
        else:
            self.sla_extended_until = until
            self.overdue_since = None

    @transition(field=state, source=DisputeState.MEDIATION, target=DisputeState.PROPOSAL,
                permission=is_case_mediator, conditions=[proposal_rounds_left])
    def propose(self, *, response_period):
        self.proposal_rounds += 1
        self.overdue_since = None
        self.sla_extended_until = None
        self.start_deadline(now=timezone.now(), duration=response_period)

    @transition(field=state, source=DisputeState.PROPOSAL, target=None,
                permission=has_not_answered_proposal, conditions=[before_deadline])
    def accept_proposal(self):
        """One party's acceptance (recorded on the proposal by the service)."""

    @transition(field=state, source=DisputeState.PROPOSAL,
                target=RETURN_VALUE(DisputeState.MEDIATION, DisputeState.ARBITRATION),
                permission=has_not_answered_proposal, conditions=[before_deadline])
    def reject_proposal(self):
        self.clear_deadline()
        if self.proposal_rounds < MAX_PROPOSAL_ROUNDS:
            # Back to the mediator for one revised proposal: the SLA clock starts again.
            self.mediation_started_at = timezone.now()
            self.sla_extended_until = None
            return DisputeState.MEDIATION
        self.arbitration_started_at = timezone.now()
        # The mediator's SLA extension was for mediation; arbitration has its own clock.
        self.sla_extended_until = None
        self.overdue_since = None
        return DisputeState.ARBITRATION

    @transition(field=state, source=DisputeState.PROPOSAL, target=DisputeState.RESOLVED,
                permission=is_system, conditions=[both_accepted])
    def resolve(self, *, outcome: str, fault: str):
        self._close(outcome, fault, found_at_fault=True)

    @transition(field=state, source=DisputeState.PROPOSAL, target=DisputeState.RESOLVED,
                permission=is_system, conditions=[deadline_passed])
    def resolve_by_silence(self, *, outcome: str, fault: str):
        self._close(outcome, fault, found_at_fault=True)

    @transition(field=state, source=DisputeState.ARBITRATION, target=None,
                permission=is_eligible_arbitrator, conditions=[has_no_arbitrator])
    def assign_arbitrator(self, *, arbitrator):
        """An arbitrator takes a case nobody arbitrates."""
        self.arbitrator = arbitrator

    @transition(field=state, source=DisputeState.ARBITRATION, target=None,
                permission=is_lead_arbitrator)
    def reassign_arbitrator(self, *, arbitrator):
        """A lead arbitrator gives the case to an arbitrator (taking it from its holder, if any)."""
        self.arbitrator = arbitrator

    @transition(field=state, source=DisputeState.ARBITRATION, target=None,
                permission=is_case_arbitrator)
    def recuse_arbitration(self):
        self.arbitrator = None

    @transition(field=state, source=DisputeState.ARBITRATION, target=DisputeState.DECIDED,
                permission=is_case_arbitrator, conditions=[has_arbitrator])
    def decide(self, *, outcome: str, fault: str):
        self._close(outcome, fault, found_at_fault=True)

    @transition(field=state, source=list(OPEN_STATES), target=DisputeState.WITHDRAWN,
                permission=is_disputing_party)
    def withdraw(self):
        self._close("", "")

    @transition(field=state, source=list(OPEN_STATES), target=None, permission=is_system)
    def flag_overdue(self):
        self.overdue_since = self.overdue_since or timezone.now()

    def _close(self, outcome: str, fault: str, found_at_fault: bool = False) -> None:
        self.closed_stage = self.state  # still the source state inside a transition
        self.outcome = outcome
        self.outcome_fault = fault
        if found_at_fault and fault in (Fault.CLIENT, Fault.FREELANCER):
            self.lost_by = fault
        self.closed_at = timezone.now()
        self.overdue_since = None
        self.clear_deadline()


class OfferState(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    LAPSED = "lapsed", _("Lapsed")


@refusal(_("Only the other party can accept an offer."))
def is_offer_recipient(offer, user) -> bool:
    return offer.dispute.contract.is_party(user) and user.pk != offer.made_by_id


@refusal(_("Offers lapse only when the case moves on."))
def is_offer_system(offer, user) -> bool:
    return user is None


class SettlementOffer(ConcurrentTransitionMixin, models.Model):
    """A party's offer during negotiation or mediation: outcome, split and fault.

    States: open (the other party may accept it), accepted, lapsed (the case moved to a
    proposal or arbitration, or the dispute closed otherwise).
    """

    db_privileges = KEPT  # the app's database role: kernel.db_privileges
    # Why an action cannot be taken in each state (fsm.state_refusal), in plain words.
    STATE_REFUSALS = {
        OfferState.OPEN: _("This offer is still open."),
        OfferState.ACCEPTED: _("This offer was already accepted."),
        OfferState.LAPSED: _("This offer lapsed when the case moved on."),
    }

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="offers")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    amount_to_freelancer_cents = models.BigIntegerField(default=0)
    fault = models.CharField(max_length=16, choices=Fault.choices)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    state = FSMField(default=OfferState.OPEN, choices=OfferState.choices, protected=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Offer #{self.pk} by {self.made_by}"

    @transition(field=state, source=OfferState.OPEN, target=OfferState.ACCEPTED,
                permission=is_offer_recipient)
    def accept(self):
        pass

    @transition(field=state, source=OfferState.OPEN, target=OfferState.LAPSED,
                permission=is_offer_system)
    def lapse(self):
        pass


class ProposalKind(models.TextChoices):
    PROPOSAL = "proposal", _("Mediator's proposal")
    DECISION = "decision", _("Arbitrator's decision")


class Proposal(models.Model):
    """A mediator's proposed resolution or an arbitrator's binding decision, with reasons.

    The parties' answers to a proposal are recorded here (`client_response`,
    `freelancer_response`); a decision needs none.
    """

    db_privileges = KEPT  # the app's database role: kernel.db_privileges

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="proposals")
    kind = models.CharField(max_length=16, choices=ProposalKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    round = models.PositiveSmallIntegerField(default=1)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    amount_to_freelancer_cents = models.BigIntegerField(default=0)
    fault = models.CharField(max_length=16, choices=Fault.choices)
    findings = models.TextField(_("findings"))
    policy_clause = models.CharField(_("policy clause relied on"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    client_response = models.CharField(max_length=16, blank=True)  # accepted / rejected / silence
    freelancer_response = models.CharField(max_length=16, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "kind", "round"], name="one_proposal_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on dispute #{self.dispute_id}"

    def response_of(self, user) -> str | None:
        role = self.dispute.role_of(user)
        if not role:
            return None
        return getattr(self, f"{role}_response") or None

    @property
    def accepted_by_both(self) -> bool:
        return self.client_response == "accepted" and self.freelancer_response == "accepted"
