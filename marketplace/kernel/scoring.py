"""How a reputation score is computed: pure rules, so the live update, `recompute_reputation`
and every page that shows what a choice will do (the consequences before a click) use the
same code and the same numbers.

The score is a weighted average of the values of a user's ended contracts, started from a
prior: PRIOR_WEIGHT imaginary contracts worth PRIOR. A new account therefore moves slowly (one
event cannot swing it across LOW_TRUST_SCORE); a long history speaks for itself.

- A completed contract is worth COMPLETED, plus or minus RATING_STEP per star above or below 3.
- A cancellation that was the user's fault is worth AT_FAULT by its rank among the user's
  at-fault cancellations (the first 45, the second 15, from the third on 0): repeated ones
  weigh more, counted by rank in the history, never by wall-clock time. A client's
  cancellation the freelancer said was not properly explained counts the same way.
- A cancellation that was not the user's fault (the other party's, or nobody's: ended by
  agreement, scope change, force majeure) and a contract closed for inactivity do not count,
  unless something else happened on it (below); then they count from PRIOR.
- On any contract: each deadline the user left unanswered costs TIMEOUT, each dispute a
  mediator or arbitrator found them at fault costs DISPUTE_LOST, and for a client, a
  cancellation the freelancer said was not properly explained costs NO_COMMUNICATION more.
- Each conduct warning (a mediator upheld a report of an abusive message) counts as one more
  observation worth WARNING.
- The RECENT most recently ended contracts (by rank) count RECENT_WEIGHT times.

A score is shown once MIN_CONTRACTS_FOR_SCORE contracts have ended.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

PRIOR = 75
PRIOR_WEIGHT = 6
COMPLETED = 85
RATING_STEP = 4
AT_FAULT = (45, 15, 0)  # the 1st, 2nd, 3rd and later at-fault cancellations
TIMEOUT = 10
DISPUTE_LOST = 15
NO_COMMUNICATION = 15
WARNING = 10
RECENT = 10
RECENT_WEIGHT = 2
EXPLAINED_LINES = 30  # older contracts are summed into one line, so the total stays exact


@dataclass(slots=True)
class ContractFacts:
    """What one ended contract says about one of its parties."""

    contract_id: int
    rank_key: tuple  # (rank, contract_id): the order of the user's history
    state: str  # completed / cancelled / closed
    role: str  # the party's role on it
    fault: str = ""  # the settlement's fault attribution (cancelled contracts)
    timeouts: int = 0
    disputes_lost: int = 0
    without_communication: bool = False
    rating: int | None = None  # the revealed rating this party received

    @property
    def at_fault(self) -> bool:
        return self.state == "cancelled" and self.fault == self.role

    @property
    def blamed(self) -> bool:
        """A cancellation that counts against this party: their fault, or (for a client) one
        the freelancer said was not properly explained."""
        return self.state == "cancelled" and (self.at_fault or self.without_communication)


def at_fault_value(rank: int) -> int:
    """The value of the user's `rank`-th at-fault cancellation (1-based)."""
    return AT_FAULT[min(rank, len(AT_FAULT)) - 1]


def contract_value(f: ContractFacts, at_fault_rank: int) -> tuple[float | None, list]:
    """What one contract is worth in the average (None: it does not count), and why, as short
    codes (`reason_text` has the words)."""
    reasons: list = []
    if f.state == "completed":
        value, counted = COMPLETED, True
        reasons.append(["completed"])
    elif f.blamed:
        value, counted = at_fault_value(at_fault_rank), True
        reasons.append(["at_fault" if f.at_fault else "blamed", at_fault_rank])
    else:
        value, counted = PRIOR, False
        reasons.append(["not_at_fault" if f.state == "cancelled" else "closed",
                        f.fault if f.state == "cancelled" else ""])
    if f.timeouts:
        value -= TIMEOUT * f.timeouts
        reasons.append(["timeouts", f.timeouts])
    if f.disputes_lost:
        value -= DISPUTE_LOST * f.disputes_lost
        reasons.append(["lost", f.disputes_lost])
    if f.without_communication:
        value -= NO_COMMUNICATION
        reasons.append(["no_communication"])
    if f.rating is not None:
        value += RATING_STEP * (f.rating - 3)
        reasons.append(["rating", f.rating])
    counted = counted or len(reasons) > 1
    return (max(0, min(100, value)) if counted else None), reasons


@dataclass
class Basis:
    """Everything the score is made of, small enough to store with it, so a page can project
    what one more ended contract would do without reading the whole history."""

    ended: int = 0  # contracts ended
    at_fault: int = 0  # cancellations counted against them (the next one's rank is this + 1)
    older_sum: float = 0  # the counted values older than the recent window (weight 1)
    older_count: int = 0
    recent: list = field(default_factory=list)  # the last RECENT values, oldest first (None: not counted)
    warnings: int = 0

    def weights(self) -> tuple[float, float]:
        """(Σ weight × value, Σ weight) over the history."""
        total, weight = self.older_sum + WARNING * self.warnings, self.older_count + self.warnings
        for value in self.recent:
            if value is not None:
                total += RECENT_WEIGHT * value
                weight += RECENT_WEIGHT
        return total, weight

    def exact_score(self) -> float:
        total, weight = self.weights()
        return (PRIOR * PRIOR_WEIGHT + total) / (PRIOR_WEIGHT + weight)

    def score(self) -> int | None:
        if self.ended < settings.MIN_CONTRACTS_FOR_SCORE:
            return None
        return int(Decimal(self.exact_score()).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def add(self, value: float | None, *, at_fault: bool) -> "Basis":
        """The basis with one more ended contract (the most recent), as a new object."""
        basis = Basis(ended=self.ended, at_fault=self.at_fault, older_sum=self.older_sum,
                      older_count=self.older_count, recent=list(self.recent),
                      warnings=self.warnings)
        basis.push(value, at_fault=at_fault)
        return basis

    def push(self, value: float | None, *, at_fault: bool) -> None:
        """One more ended contract (the most recent), in place: `compute` walks a whole
        history this way (a million contracts in `recompute_reputation`) without a new
        object per contract."""
        self.ended += 1
        self.at_fault += at_fault
        self.recent.append(value)
        if len(self.recent) > RECENT:
            dropped = self.recent.pop(0)
            if dropped is not None:
                self.older_sum += dropped
                self.older_count += 1

    def as_dict(self) -> dict:
        return {"ended": self.ended, "at_fault": self.at_fault, "older_sum": self.older_sum,
                "older_count": self.older_count, "recent": self.recent,
                "warnings": self.warnings}

    @classmethod
    def from_dict(cls, data: dict | None) -> "Basis":
        return cls(**data) if data else cls()


def project(basis: Basis, fact: ContractFacts) -> Basis:
    """The basis once `fact` (a contract ending now, the most recent) is added to it."""
    rank = basis.at_fault + 1 if fact.blamed else 0
    value, _reasons = contract_value(fact, rank)
    return basis.add(value, at_fault=fact.blamed)


@dataclass
class Result:
    score: int | None
    counts: dict
    explanation: list = field(default_factory=list)
    basis: Basis = field(default_factory=Basis)


COUNT_KEYS = ["completed", "cancelled", "at_fault_cancellations", "cancelled_other_fault",
              "cancelled_no_fault", "timeouts", "disputes_lost", "without_communication",
              "rating_count", "rating_sum", "conduct_warnings"]


def _count(counts: dict, f: ContractFacts) -> None:
    if f.state == "completed":
        counts["completed"] += 1
    elif f.state == "cancelled":
        counts["cancelled"] += 1
        if f.at_fault:
            counts["at_fault_cancellations"] += 1
        elif f.fault in ("client", "freelancer"):
            counts["cancelled_other_fault"] += 1
        else:
            counts["cancelled_no_fault"] += 1
    counts["timeouts"] += f.timeouts
    counts["disputes_lost"] += f.disputes_lost
    counts["without_communication"] += f.without_communication
    if f.rating is not None:
        counts["rating_count"] += 1
        counts["rating_sum"] += f.rating


def compute(facts: list[ContractFacts], warnings: Iterable[int] = ()) -> Result:
    """The score, its counts, its explanation and its basis from a user's ended contracts (any
    order) and the contracts of their conduct warnings."""
    ordered = sorted(facts, key=lambda f: f.rank_key)
    warned = list(warnings)
    counts = dict.fromkeys(COUNT_KEYS, 0)
    counts["contracts_ended"] = len(ordered)
    counts["conduct_warnings"] = len(warned)
    basis = Basis(warnings=len(warned))
    lines = []
    for f in ordered:
        _count(counts, f)
        rank = basis.at_fault + 1 if f.blamed else 0
        value, reasons = contract_value(f, rank)
        basis.push(value, at_fault=f.blamed)
        lines.append((f.contract_id, value, reasons))
    return Result(score=basis.score(), counts=counts, basis=basis,
                  explanation=_explain(basis, lines, warned))


def _explain(basis: Basis, lines: list, warned: list) -> list[dict]:
    """Each contract's share of the score in points: weight × (value − PRIOR) / total weight,
    so PRIOR plus the shares is the exact score. Uncounted contracts are listed at 0."""
    _total, weight = basis.weights()
    denominator = PRIOR_WEIGHT + weight
    n = len(lines)
    explained_from = n - EXPLAINED_LINES
    explanation = [{"contract": None, "title": "Starting point", "points": PRIOR, "weight": 1,
                    "reasons": [["prior", PRIOR_WEIGHT]]}]
    older = 0.0
    shown = []
    for index, (contract_id, value, reasons) in enumerate(lines):
        w = RECENT_WEIGHT if index >= n - RECENT else 1
        share = 0.0 if value is None else w * (value - PRIOR) / denominator
        if index < explained_from:
            older += share
        else:
            shown.append({"contract": contract_id, "points": round(share, 1), "weight": w,
                          "value": value, "reasons": reasons})
    if explained_from > 0:
        explanation.append({"contract": None, "title": f"{explained_from} earlier contracts",
                            "points": round(older, 1), "weight": 1, "reasons": []})
    for contract_id in warned:
        explanation.append({"contract": contract_id, "points": round((WARNING - PRIOR)
                                                                     / denominator, 1),
                            "weight": 1, "value": WARNING, "reasons": [["warning"]]})
    return explanation + list(reversed(shown))


def reason_text(code: list, *, owner: bool = False) -> str:
    """The words for one reason code of a stored explanation: in the third person for
    visitors, in the first for the person whose profile it is."""
    kind, *args = code
    n = args[0] if args else 0
    their = "your" if owner else "their"
    if kind == "prior":
        return f"every score starts here, as if from {n} average contracts"
    if kind == "completed":
        return f"completed (worth {COMPLETED})"
    if kind in ("at_fault", "blamed"):
        what = (f"cancelled, {their} fault" if kind == "at_fault"
                else "cancelled by you" if owner else "cancelled by them")
        return f"{what}: counted cancellation no. {n} (worth {at_fault_value(n or 1)})"
    if kind == "not_at_fault":
        return ("cancelled by agreement, nobody's fault (no effect)" if n == "none"
                else "cancelled, the other party's fault (no effect)")
    if kind == "closed":
        return "closed for inactivity, no fault (no effect)"
    if kind == "timeouts":
        return (f"{n} unanswered deadline (−{TIMEOUT})" if n == 1
                else f"{n} unanswered deadlines (−{TIMEOUT * n})")
    if kind == "lost":
        return (f"{n} dispute lost (−{DISPUTE_LOST})" if n == 1
                else f"{n} disputes lost (−{DISPUTE_LOST * n})")
    if kind == "no_communication":
        return f"cancelled without proper communication (−{NO_COMMUNICATION})"
    if kind == "rating":
        return f"rated {n}/5 ({RATING_STEP * (n - 3):+d})"
    if kind == "warning":
        return f"a conduct warning for an abusive message (worth {WARNING})"
    return str(kind)


# --- projections for pages below the reputation app ----------------------------------------
#
# The cancellation and dispute pages (a layer below `reputation`) show what a choice will do
# to each side's score. They read each user's stored basis through this lookup, which the
# reputation app registers when it is ready.

_basis_lookup: list[Callable] = []


def register_basis_lookup(lookup: Callable[[list], dict]) -> None:
    """`lookup(users)` -> {user_id: Basis} (reputation's stored bases; empty for none)."""
    _basis_lookup[:] = [lookup]


def bases_of(users: list) -> dict:
    if not _basis_lookup:
        return {}
    return _basis_lookup[0](users)


# --- worked examples (shown on /policy/, checked by the tests) -----------------------------

@dataclass(frozen=True)
class Example:
    title: str
    history: tuple  # (state, fault, extras) per ended contract, oldest first, for a client

    def facts(self) -> list[ContractFacts]:
        return [ContractFacts(contract_id=i, rank_key=(i, i), state=state, role="client",
                              fault=fault, **extras)
                for i, (state, fault, extras) in enumerate(self.history, start=1)]

    def result(self) -> Result:
        return compute(self.facts())


def _c(n: int) -> tuple:
    return (("completed", "", {}),) * n


WORKED_EXAMPLES = (
    Example("A new client: two completed contracts, then one cancellation that was her fault, "
            "explained, accepted by the freelancer and paying for the delivered work",
            (*_c(2), ("cancelled", "client", {}))),
    Example("Three cancellations that were her fault among her first five contracts",
            (*_c(2), *(("cancelled", "client", {}),) * 3)),
    Example("Three completed contracts, then a cancellation by agreement, nobody's fault",
            (*_c(3), ("cancelled", "none", {}))),
    Example("Three completed contracts, then a cancellation she let pass in silence (the terms "
            "on the table applied; not her fault)",
            (*_c(3), ("cancelled", "freelancer", {"timeouts": 1}))),
)
