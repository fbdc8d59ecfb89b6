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
EXPLAINED_LINES = 50  # older contracts are summed into one line, so the total stays exact


@dataclass(frozen=True)
class ContractFacts:
    """What one ended contract says about one of its parties."""

    contract_id: int
    title: str
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


def _contract_points(f: ContractFacts) -> tuple[int, list[str]]:
    points, reasons = 0, []
    if f.state == "completed":
        points += POINTS["completed"]
        reasons.append(f"completed ({POINTS['completed']:+d})")
    elif f.state == "cancelled":
        if f.fault == f.role:
            points += POINTS["at_fault"]
            reasons.append(f"cancelled, your fault ({POINTS['at_fault']:+d})")
        else:
            reasons.append("cancelled, not your fault (no effect)")
    else:
        reasons.append("closed for inactivity, no fault (no effect)")
    if f.timeouts:
        points += POINTS["timeout"] * f.timeouts
        reasons.append(f"{f.timeouts} unanswered deadline(s) ({POINTS['timeout'] * f.timeouts:+d})")
    if f.disputes_lost:
        points += POINTS["dispute_lost"] * f.disputes_lost
        reasons.append(f"{f.disputes_lost} dispute(s) lost ({POINTS['dispute_lost'] * f.disputes_lost:+d})")
    if f.without_communication:
        points += POINTS["without_communication"]
        reasons.append(f"cancelled without proper communication ({POINTS['without_communication']:+d})")
    if f.rating is not None:
        step = (f.rating - 3) * POINTS["rating_step"]
        points += step
        reasons.append(f"rated {f.rating}/5 ({step:+d})")
    return points, reasons


def compute(facts: list[ContractFacts]) -> Result:
    """The score and its explanation from a user's ended contracts (any order)."""
    ordered = sorted(facts, key=lambda f: f.rank_key)
    counts = {
        "contracts_ended": len(ordered),
        "completed": sum(f.state == "completed" for f in ordered),
        "cancelled": sum(f.state == "cancelled" for f in ordered),
        "at_fault_cancellations": sum(f.state == "cancelled" and f.fault == f.role for f in ordered),
        "timeouts": sum(f.timeouts for f in ordered),
        "disputes_lost": sum(f.disputes_lost for f in ordered),
        "without_communication": sum(f.without_communication for f in ordered),
        "rating_count": sum(f.rating is not None for f in ordered),
        "rating_sum": sum(f.rating or 0 for f in ordered),
    }
    lines, total = [], BASE
    recent_from = len(ordered) - RECENT
    for index, f in enumerate(ordered):
        points, reasons = _contract_points(f)
        weight = RECENT_WEIGHT if index >= recent_from else 1
        total += points * weight
        lines.append({"contract": f.contract_id, "title": f.title, "points": points * weight,
                      "weight": weight, "reasons": reasons})
    older, recent = lines[:-EXPLAINED_LINES], lines[-EXPLAINED_LINES:]
    explanation = [{"contract": None, "title": "Starting score", "points": BASE, "weight": 1,
                    "reasons": ["every account starts here"]}]
    if older:
        explanation.append({"contract": None, "title": f"{len(older)} earlier contracts",
                            "points": sum(line["points"] for line in older), "weight": 1,
                            "reasons": ["summed"]})
    explanation += list(reversed(recent))
    score = max(0, min(100, total))
    if score != total:
        explanation.insert(1, {"contract": None, "title": "Kept within 0–100",
                               "points": score - total, "weight": 1, "reasons": ["bounded"]})
    if len(ordered) < settings.MIN_CONTRACTS_FOR_SCORE:
        score = None
    return Result(score=score, counts=counts, explanation=explanation)
