"""Platform-wide outcome figures for `/stats/`: how cases ended, at which stage, how fast."""

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Window
from django.db.models.functions import RowNumber

from disputes.models import CancellationRequest, CancellationState, Dispute, DisputeState
from marketplace.kernel.compiled import CompiledQuery

REQUEST_ENDINGS = [
    (CancellationState.ACCEPTED, "Terms accepted"),
    (CancellationState.AUTO_ACCEPTED, "Accepted by timeout"),
    (CancellationState.WITHDRAWN, "Withdrawn or continued"),
    (CancellationState.LAPSED, "Denial not disputed"),
    (CancellationState.DISPUTED, "Went to a dispute"),
]
DISPUTE_ENDINGS = [
    (DisputeState.SETTLED, "Settled by the parties"),
    (DisputeState.RESOLVED, "Resolved by a mediator's proposal"),
    (DisputeState.DECIDED, "Decided by an arbitrator"),
    (DisputeState.WITHDRAWN, "Withdrawn"),
]
STAGES = [("negotiation", "Direct negotiation"), ("mediation", "Mediation"),
          ("proposal", "Mediator's proposal"), ("arbitration", "Arbitration")]


def _rows(counts: dict, labels) -> list[dict]:
    total = sum(counts.get(key, 0) for key, _label in labels) or 1
    return [{"key": key, "label": label, "count": counts.get(key, 0),
             "percent": round(100 * counts.get(key, 0) / total)} for key, label in labels]


def _by_state():
    return CancellationRequest.objects.order_by().values("state").annotate(n=Count("id"))


def _disputes_by_state_and_stage():
    return Dispute.objects.order_by().values("state", "closed_stage").annotate(n=Count("id"))


def _middle(queryset):
    """The middle one or two of `queryset`'s cases by how long they took to close (a
    window over the durations, so the database returns two rows, not every case)."""
    took = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    return (queryset.filter(closed_at__isnull=False).annotate(took=took)
            .annotate(position=Window(RowNumber(), order_by=[F("took").asc(), F("id").asc()]),
                      cases=Window(Count("id")))
            .filter(Q(position=(F("cases") + 1) / 2) | Q(position=(F("cases") + 2) / 2))
            .order_by("position").values("took"))


def _middle_requests():
    return _middle(CancellationRequest.objects.exclude(state__in=["open", "denied", "disputed"]))


def _middle_disputes():
    return _middle(Dispute.objects.all())


# Platform-wide figures on every view of /stats/: four reads compiled once (kernel.compiled),
# whatever the number of cases (the medians are found in the database).
REQUESTS_BY_STATE = CompiledQuery(_by_state)
DISPUTES_BY_STATE_AND_STAGE = CompiledQuery(_disputes_by_state_and_stage)
MIDDLE_REQUESTS = CompiledQuery(_middle_requests)
MIDDLE_DISPUTES = CompiledQuery(_middle_disputes)


def _median_days(middle: list[dict]) -> float | None:
    if not middle:
        return None
    seconds = sum(row["took"].total_seconds() for row in middle) / len(middle)
    return round(seconds / 86400, 1)


def outcome_figures() -> dict:
    requests = {row["state"]: row["n"] for row in REQUESTS_BY_STATE.rows()}
    disputes, stages = {}, {}
    for row in DISPUTES_BY_STATE_AND_STAGE.rows():
        disputes[row["state"]] = disputes.get(row["state"], 0) + row["n"]
        if row["closed_stage"]:
            stages[row["closed_stage"]] = stages.get(row["closed_stage"], 0) + row["n"]
    return {
        "requests_total": sum(requests.values()),
        "requests_open": requests.get("open", 0) + requests.get("denied", 0),
        "request_endings": _rows(requests, REQUEST_ENDINGS),
        "disputes_total": sum(disputes.values()),
        "disputes_open": sum(disputes.get(s, 0) for s in ("negotiation", "mediation", "proposal",
                                                           "arbitration")),
        "dispute_endings": _rows(disputes, DISPUTE_ENDINGS),
        "dispute_stages": _rows(stages, STAGES),
        "median_request_days": _median_days(MIDDLE_REQUESTS.rows()),
        "median_dispute_days": _median_days(MIDDLE_DISPUTES.rows()),
    }
