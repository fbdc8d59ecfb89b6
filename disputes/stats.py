"""Platform-wide outcome figures for `/stats/`: how cases ended, at which stage, how fast."""

from statistics import median

from django.db.models import Count

from disputes.models import CancellationRequest, CancellationState, Dispute, DisputeState

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


def _median_days(pairs) -> float | None:
    days = [(end - start).total_seconds() / 86400 for start, end in pairs if start and end]
    return round(median(days), 1) if days else None


def outcome_figures() -> dict:
    requests = dict(CancellationRequest.objects.values_list("state").annotate(n=Count("id")))
    disputes = dict(Dispute.objects.values_list("state").annotate(n=Count("id")))
    stages = dict(Dispute.objects.exclude(closed_stage="").values_list("closed_stage")
                  .annotate(n=Count("id")))
    closed_requests = CancellationRequest.objects.exclude(state__in=["open", "denied", "disputed"])
    closed_disputes = Dispute.objects.filter(closed_at__isnull=False)
    return {
        "requests_total": sum(requests.values()),
        "requests_open": requests.get("open", 0) + requests.get("denied", 0),
        "request_endings": _rows(requests, REQUEST_ENDINGS),
        "disputes_total": sum(disputes.values()),
        "disputes_open": sum(disputes.get(s, 0) for s in ("negotiation", "mediation", "proposal",
                                                           "arbitration")),
        "dispute_endings": _rows(disputes, DISPUTE_ENDINGS),
        "dispute_stages": _rows(stages, STAGES),
        "median_request_days": _median_days(closed_requests.values_list("created_at", "closed_at")),
        "median_dispute_days": _median_days(closed_disputes.values_list("created_at", "closed_at")),
    }
