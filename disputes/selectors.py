"""Reads of cancellation requests and disputes, scoped to the parties (404 for anyone else)."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import (
    Case,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from contracts import access
from contracts.models import Milestone
from disputes.access import cases_visible_to
from disputes.endings import request_ending
from disputes.models import (
    CancellationRequest,
    CancellationState,
    Dispute,
    DisputeState,
)
from disputes.models.dispute import OPEN_STATES, REASSIGN_ARBITRATOR, REASSIGN_MEDIATOR
from marketplace.kernel.compiled import CompiledQuery, Read, fields_of, instance
from marketplace.kernel.models import User


def _party_filter(user) -> Q:
    return Q(contract__client=user) | Q(contract__freelancer=user)


def cancellation_for_party(user, pk: int) -> CancellationRequest:
    try:
        return (CancellationRequest.objects.filter(_party_filter(user))
                .select_related("contract", "contract__client", "contract__freelancer",
                                "initiator", "turn_user", "proposed_by", "dispute")
                .defer("dispute__snapshot")
                .get(pk=pk))
    except CancellationRequest.DoesNotExist as exc:
        raise Http404 from exc


def _dispute_by_id(pk: int) -> Dispute:
    # The frozen snapshot can be large and only the record and the console show it.
    try:
        return User.with_names(
            Dispute.objects.defer("snapshot").select_related("contract", "cancellation_request"),
            "contract__client", "contract__freelancer", "mediator", "arbitrator",
            "opened_by").get(pk=pk)
    except Dispute.DoesNotExist as exc:
        raise Http404 from exc


def dispute_for_party(user, pk: int) -> Dispute:
    """The dispute if `user` is a party to it, else 404. Found by id and checked in Python:
    the party filter across joins made the database plan longer than it ran."""
    dispute = _dispute_by_id(pk)
    if not dispute.contract.is_party(user):
        raise Http404
    return dispute


def dispute_for_reader(user, pk: int) -> Dispute:
    """The dispute if `user` is a party to it, or staff who needs to know its contract (a
    case worker of its case: `disputes.access`); else 404."""
    dispute = _dispute_by_id(pk)
    contract = dispute.contract
    if contract.is_party(user):
        return dispute
    if access.reads_as_staff(user, contract) and access.readable_contracts(user).filter(
            pk=contract.pk).exists():
        return dispute
    raise Http404


def _disputes_awaiting_of(user_id: int):
    return (Dispute.objects.filter(Q(contract__client_id=user_id)
                                   | Q(contract__freelancer_id=user_id), state__in=OPEN_STATES)
            .order_by("deadline_at", "id")
            .values("id", "state", "deadline_at", "contract__title")[:25])


# The dashboard's reads: compiled once (kernel.compiled), values only.
DISPUTES_AWAITING_OF = CompiledQuery(_disputes_awaiting_of)


def disputes_awaiting_read(user) -> Read:
    return DISPUTES_AWAITING_OF.read(user_id=user.pk)


def disputes_awaiting(user, rows: list[dict] | None = None) -> list[dict]:
    """Open disputes of the user's contracts (a party always has something to watch),
    soonest deadline first (at most 25), as rows (`rows`: as `disputes_awaiting_read` read
    them)."""
    return disputes_awaiting_read(user).rows() if rows is None else rows


def _latest_case_of(contract_id: int):
    # The dispute's frozen snapshot can be large; only the record and the console show it.
    return (CancellationRequest.objects.filter(contract_id=contract_id)
            .order_by("-created_at", "-id")
            .values(*fields_of(CancellationRequest),
                    *(name for name in fields_of(Dispute, "dispute__")
                      if name != "dispute__snapshot"),
                    *(f"turn_user__{name}" for name in User.NAME_FIELDS))[:1])


LATEST_CASE_OF = CompiledQuery(_latest_case_of)


def current_case(contract):
    """The contract's latest cancellation request (with its dispute and whose turn it is),
    or None. Read on every contract page: compiled once (kernel.compiled)."""
    row = LATEST_CASE_OF.first(contract_id=contract.pk)
    if row is None:
        return None
    case = instance(CancellationRequest, row)
    case.contract = contract
    if row["turn_user_id"] is not None:
        case.turn_user = instance(User, row, "turn_user__")
    dispute = instance(Dispute, row, "dispute__") if row["dispute__id"] is not None else None
    if dispute is not None:
        dispute.contract = contract
        dispute.cancellation_request = case
    # Cached either way, so asking for `case.dispute` never reads the database again.
    CancellationRequest.dispute.related.set_cached_value(case, dispute)
    return case


def current_case_with_ending(contract):
    """The case the contract page shows, with how it ended once it has (`.ending`)."""
    case = current_case(contract)
    if case is not None:
        case.contract = contract
        case.ending = request_ending(case) if case.is_closed else None
    return case


def _live_requests_of(user_id: int):
    return (CancellationRequest.objects.filter(
        Q(contract__client_id=user_id) | Q(contract__freelancer_id=user_id),
        state__in=[CancellationState.OPEN, CancellationState.DENIED])
        .order_by("deadline_at", "id")
        .values("id", "state", "deadline_at", "amount_to_freelancer_cents", "escrow_cents",
                "submitted_value_cents", "contract__title", *User.name_values("turn_user"))[:50])


LIVE_REQUESTS_OF = CompiledQuery(_live_requests_of)


def live_requests_read(user) -> Read:
    return LIVE_REQUESTS_OF.read(user_id=user.pk)


def live_requests(user, rows: list[dict] | None = None) -> list[dict]:
    """The user's live cancellation requests (whoever's move it is), soonest deadline first
    (at most 50), as rows with the name of whose turn it is (`rows`: as
    `live_requests_read` read them)."""
    rows = live_requests_read(user).rows() if rows is None else rows
    for row in rows:
        row["turn_user_name"] = User.name_in(row, "turn_user")
    return rows


def overdue_q(now):
    """Cases past their stage's SLA without a proposal or decision (flagged or not yet)."""
    mediation_due = now - timedelta(days=settings.MEDIATION_SLA_DAYS)
    arbitration_due = now - timedelta(days=settings.ARBITRATION_SLA_DAYS)
    return (
        Q(state=DisputeState.MEDIATION, sla_extended_until__isnull=True,
          mediation_started_at__lte=mediation_due)
        | Q(state=DisputeState.ARBITRATION, sla_extended_until__isnull=True,
            arbitration_started_at__lte=arbitration_due)
        | Q(state__in=[DisputeState.MEDIATION, DisputeState.ARBITRATION],
            sla_extended_until__lte=now)
    )


def unassigned_q():
    return (Q(state__in=[DisputeState.MEDIATION, DisputeState.PROPOSAL], mediator__isnull=True)
            | Q(state=DisputeState.ARBITRATION, arbitrator__isnull=True))


NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


def due_at():
    """The case's current deadline in SQL, to sort by (as `Dispute.sla_due_at` in mediation
    and arbitration, the answering deadline otherwise; none once closed)."""
    def after(field: str, days: int):
        return ExpressionWrapper(F(field) + timedelta(days=days), output_field=DateTimeField())

    sla_states = [DisputeState.MEDIATION, DisputeState.ARBITRATION]
    return Case(
        When(state__in=sla_states, sla_extended_until__isnull=False,
             then=F("sla_extended_until")),
        When(state=DisputeState.MEDIATION,
             then=after("mediation_started_at", settings.MEDIATION_SLA_DAYS)),
        When(state=DisputeState.ARBITRATION,
             then=after("arbitration_started_at", settings.ARBITRATION_SLA_DAYS)),
        When(state__in=[DisputeState.NEGOTIATION, DisputeState.PROPOSAL], then=F("deadline_at")),
        default=Value(None), output_field=DateTimeField())


def console_queue():
    """The console's queue: every dispute with what the columns show, annotated in SQL
    (the escrow)."""
    escrow = (Milestone.objects.filter(contract=OuterRef("contract_id"),
                                       state__in=["funded", "submitted"])
              .values("contract_id").annotate(total=Sum("amount_cents")).values("total")[:1])
    return (User.with_names(Dispute.objects.defer("snapshot", "contract__description")
                            .select_related("contract"),
                            "contract__client", "contract__freelancer", "mediator",
                            "arbitrator")
            .annotate(escrow_total=Coalesce(Subquery(escrow), Value(0))))


def by_deadline(descending: bool = False):
    """Soonest deadline first (or last); cases without one (closed) after the others either
    way, on every database. An expression, not an annotation: the admin also orders plain
    querysets of disputes (a message's link to its case) by its ModelAdmin's ordering."""
    expression = Coalesce(due_at(), Value(NO_DEADLINE))
    return expression.desc() if descending else expression.asc()


def cases_held_by(user):
    """The open cases `user` works now: as mediator until arbitration, then as arbitrator;
    soonest deadline first (the dashboard's "My cases")."""
    return (console_queue().filter(
        Q(state__in=[DisputeState.MEDIATION, DisputeState.PROPOSAL], mediator=user)
        | Q(state=DisputeState.ARBITRATION, arbitrator=user))
        .order_by(by_deadline(), "id"))


def queue_waiting(user):
    """The cases in `user`'s queue that nobody holds yet: waiting for a mediator if they
    mediate, for an arbitrator if they arbitrate (need to know applies)."""
    everyone = user.is_superuser
    waiting = Q(pk__in=[])
    if everyone or user.is_mediator or user.has_perm(REASSIGN_MEDIATOR):
        waiting |= Q(state__in=[DisputeState.MEDIATION, DisputeState.PROPOSAL],
                     mediator__isnull=True)
    if everyone or user.is_arbitrator or user.has_perm(REASSIGN_ARBITRATOR):
        waiting |= Q(state=DisputeState.ARBITRATION, arbitrator__isnull=True)
    return Dispute.objects.filter(cases_visible_to(user)).filter(waiting)
