"""How a reputation score is computed: a pure function of the facts of a user's ended
contracts, so the incremental update and `recompute_reputation` give identical results.

Every score starts at BASE. Each ended contract moves it by the points below, times its
weight: the user's 10 most recently ended contracts (by rank in their history, never by
wall-clock age) count double. The score is clamped to 0–100 and shown only once
MIN_CONTRACTS_FOR_SCORE contracts have ended.
"""

from dataclasses import dataclass, field

from django.conf import settings

BASE = 70
RECENT = 10  # the last RECENT ended contracts weigh RECENT_WEIGHT
RECENT_WEIGHT = 2
POINTS = {
    "completed": 2,  # a contract brought to completion
    "at_fault": -12,  # a cancellation that was this party's fault
    "timeout": -6,  # each time this party let a cancellation deadline pass in silence
    "dispute_lost": -10,  # each dispute a mediator's resolution or arbitrator found them at fault
    "without_communication": -6,  # a client's cancellation the freelancer said was not explained
    "rating_step": 2,  # per star above or below 3 in the rating received on that contract
}
EXPLAINED_LINES = 30  # older contracts are summed into one line, so the total stays exact


@dataclass(slots=True)
class ContractFacts:
    """What one ended contract says about one of its parties."""

    contract_id: int
    rank_key: tuple  # (ended_at, contract_id): the order of the user's history
    state: str  # completed / cancelled / closed
    role: str  # the party's role on it
    fault: str = ""  # the settlement's fault attribution (cancelled contracts)
    timeouts: int = 0
    disputes_lost: int = 0
    without_communication: bool = False
    rating: int | None = None  # the revealed rating this party received


@dataclass
class Result:
    score: int | None
    counts: dict
    explanation: list = field(default_factory=list)


def _contract_points(f: ContractFacts) -> tuple[int, list]:
    """The points one contract gives, and why, as short codes (`reason_text` has the words;
    the stored explanation stays small enough to rewrite every score quickly)."""
    points, reasons = 0, []
    if f.state == "completed":
        points += POINTS["completed"]
        reasons.append(["completed"])
    elif f.state == "cancelled":
        if f.fault == f.role:
            points += POINTS["at_fault"]
            reasons.append(["at_fault"])
        else:
            reasons.append(["not_at_fault"])
    else:
        reasons.append(["closed"])
    if f.timeouts:
        points += POINTS["timeout"] * f.timeouts
        reasons.append(["timeouts", f.timeouts])
    if f.disputes_lost:
        points += POINTS["dispute_lost"] * f.disputes_lost
        reasons.append(["lost", f.disputes_lost])
    if f.without_communication:
        points += POINTS["without_communication"]
        reasons.append(["no_communication"])
    if f.rating is not None:
        points += (f.rating - 3) * POINTS["rating_step"]
        reasons.append(["rating", f.rating])
    return points, reasons


def reason_text(code: list) -> str:
    """The words for one reason code of a stored explanation."""
    kind, *args = code
    n = args[0] if args else 0
    return {
        "completed": f"completed ({POINTS['completed']:+d})",
        "at_fault": f"cancelled, your fault ({POINTS['at_fault']:+d})",
        "not_at_fault": "cancelled, not your fault (no effect)",
        "closed": "closed for inactivity, no fault (no effect)",
        "timeouts": f"{n} unanswered deadline(s) ({POINTS['timeout'] * n:+d})",
        "lost": f"{n} dispute(s) lost ({POINTS['dispute_lost'] * n:+d})",
        "no_communication": ("cancelled without proper communication "
                             f"({POINTS['without_communication']:+d})"),
        "rating": f"rated {n}/5 ({(n - 3) * POINTS['rating_step']:+d})",
    }.get(kind, kind)


def _points(f: ContractFacts) -> int:
    """The same sum as _contract_points, without its words (most lines are never shown)."""
    points = POINTS["completed"] if f.state == "completed" else 0
    if f.state == "cancelled" and f.fault == f.role:
        points += POINTS["at_fault"]
    points += POINTS["timeout"] * f.timeouts + POINTS["dispute_lost"] * f.disputes_lost
    if f.without_communication:
        points += POINTS["without_communication"]
    if f.rating is not None:
        points += (f.rating - 3) * POINTS["rating_step"]
    return points


def compute(facts: list[ContractFacts]) -> Result:
    """The score and its explanation from a user's ended contracts (any order)."""
    ordered = sorted(facts, key=lambda f: f.rank_key)
    n = len(ordered)
    recent_from, explained_from = n - RECENT, n - EXPLAINED_LINES
    counts = dict.fromkeys(["completed", "cancelled", "at_fault_cancellations", "timeouts",
                            "disputes_lost", "without_communication", "rating_count",
                            "rating_sum"], 0)
    counts["contracts_ended"] = n
    total, older, recent = BASE, 0, []
    for index, f in enumerate(ordered):
        if f.state == "completed":
            counts["completed"] += 1
        elif f.state == "cancelled":
            counts["cancelled"] += 1
            if f.fault == f.role:
                counts["at_fault_cancellations"] += 1
        counts["timeouts"] += f.timeouts
        counts["disputes_lost"] += f.disputes_lost
        counts["without_communication"] += f.without_communication
        if f.rating is not None:
            counts["rating_count"] += 1
            counts["rating_sum"] += f.rating
        weight = RECENT_WEIGHT if index >= recent_from else 1
        if index >= explained_from:
            points, reasons = _contract_points(f)
            recent.append({"contract": f.contract_id, "points": points * weight,
                           "weight": weight, "reasons": reasons})
        else:
            points = _points(f)
            older += points * weight
        total += points * weight
    explanation = [{"contract": None, "title": "Starting score", "points": BASE, "weight": 1,
                    "reasons": []}]
    if explained_from > 0:
        explanation.append({"contract": None, "title": f"{explained_from} earlier contracts",
                            "points": older, "weight": 1, "reasons": []})
    explanation += reversed(recent)
    score = max(0, min(100, total))
    if score != total:
        explanation.insert(1, {"contract": None, "title": "Kept within 0–100",
                               "points": score - total, "weight": 1, "reasons": []})
    if n < settings.MIN_CONTRACTS_FOR_SCORE:
        score = None
    return Result(score=score, counts=counts, explanation=explanation)
