"""The score formula on its own: the worked examples of /policy/, each fact's effect, recency by
rank, repeated at-fault cancellations weighing more, the prior that keeps one event from
swinging a new account, and projections that equal a full recompute."""

from dataclasses import replace

import pytest
from django.conf import settings

from marketplace.kernel.scoring import (
    AT_FAULT,
    COMPLETED,
    DISPUTE_LOST,
    EXPLAINED_LINES,
    NO_COMMUNICATION,
    PRIOR,
    PRIOR_WEIGHT,
    RATING_STEP,
    RECENT_WEIGHT,
    TIMEOUT,
    WARNING,
    Basis,
    ContractFacts,
    compute,
    project,
)


def contract(i, state="completed", role="client", **kwargs) -> ContractFacts:
    return ContractFacts(contract_id=i, rank_key=(i, i), state=state, role=role, **kwargs)


def completed(n, start=1, **kwargs) -> list[ContractFacts]:
    return [contract(i, **kwargs) for i in range(start, start + n)]


def at_fault(i) -> ContractFacts:
    return contract(i, state="cancelled", fault="client")


def reference(weighted_values, warnings=0) -> int:
    """The documented formula, written out independently: a weighted average started from
    PRIOR_WEIGHT contracts worth PRIOR, rounded half up."""
    total = PRIOR * PRIOR_WEIGHT + sum(w * v for w, v in weighted_values) + WARNING * warnings
    weight = PRIOR_WEIGHT + sum(w for w, _ in weighted_values) + warnings
    return int(total / weight + 0.5)


LOW = settings.LOW_TRUST_SCORE


# --- the worked examples on /policy/ --------------------------------------------------------

def test_one_explained_accepted_cancellation_never_brands_a_new_account():
    """Two completed contracts and one cancellation that was her fault (explained, accepted,
    delivered work paid): 73, well above the low-trust line."""
    result = compute([*completed(2), at_fault(3)])
    assert result.score == reference([(2, COMPLETED), (2, COMPLETED), (2, AT_FAULT[0])]) == 73
    assert result.score >= LOW


def test_one_at_fault_cancellation_alone_never_crosses_the_line():
    """Whatever else the history holds (closed, no-fault, not-at-fault contracts), a single
    at-fault cancellation does not make anyone low-trust."""
    for others in (
        [contract(1, state="closed"), contract(2, state="cancelled", fault="none")],
        [contract(1, state="cancelled", fault="freelancer"), contract(2, state="closed")],
        completed(2, rating=1),
    ):
        result = compute([*others, at_fault(3)])
        assert result.score is not None and result.score >= LOW, others


def test_three_at_fault_cancellations_among_the_first_five_cross_the_line():
    result = compute([*completed(2), at_fault(3), at_fault(4), at_fault(5)])
    assert result.score == reference(
        [(2, COMPLETED), (2, COMPLETED), (2, AT_FAULT[0]), (2, AT_FAULT[1]), (2, AT_FAULT[2])])
    assert result.score == 57 and result.score < LOW
    # ... whatever order they came in, and even between excellent contracts
    shuffled = [at_fault(1), contract(2, rating=5), at_fault(3), contract(4, rating=5),
                at_fault(5)]
    assert compute(shuffled).score < LOW


def test_a_no_fault_cancellation_by_agreement_moves_no_score():
    history = completed(3)
    with_agreement = [*history, contract(4, state="cancelled", fault="none")]
    assert compute(with_agreement).score == compute(history).score == 80
    not_mine = [*history, contract(4, state="cancelled", fault="freelancer")]
    assert compute(not_mine).score == 80


def test_repeated_at_fault_cancellations_weigh_more_by_rank():
    values = [line["value"] for line in
              compute([at_fault(1), at_fault(2), at_fault(3), at_fault(4)]).explanation
              if line.get("contract")]
    assert values == [AT_FAULT[2], AT_FAULT[2], AT_FAULT[1], AT_FAULT[0]]  # newest first


# --- each fact ---------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "value"), [
    ({}, COMPLETED),
    ({"rating": 5}, COMPLETED + 2 * RATING_STEP),
    ({"rating": 1}, COMPLETED - 2 * RATING_STEP),
    ({"state": "cancelled", "fault": "client"}, AT_FAULT[0]),
    ({"state": "cancelled", "fault": "none"}, None),
    ({"state": "cancelled", "fault": "freelancer"}, None),
    ({"state": "closed"}, None),
    ({"state": "cancelled", "fault": "none", "timeouts": 1}, PRIOR - TIMEOUT),
    ({"state": "cancelled", "fault": "freelancer", "disputes_lost": 1}, PRIOR - DISPUTE_LOST),
    ({"state": "cancelled", "fault": "client", "disputes_lost": 1}, AT_FAULT[0] - DISPUTE_LOST),
    ({"state": "cancelled", "fault": "none", "without_communication": True},
     AT_FAULT[0] - NO_COMMUNICATION),
])
def test_each_fact_gives_its_documented_value(overrides, value):
    history = completed(2)
    last = contract(3, **overrides)
    result = compute([*history, last])
    line = next(line for line in result.explanation if line.get("contract") == 3)
    assert line["value"] == value
    counted = [(2, COMPLETED), (2, COMPLETED)] + ([] if value is None else [(2, value)])
    assert result.score == reference(counted)


def test_conduct_warnings_count_as_observations():
    result = compute(completed(3), warnings=[7, 8])
    assert result.counts["conduct_warnings"] == 2
    assert result.score == reference([(2, COMPLETED)] * 3, warnings=2)
    assert compute(completed(3), warnings=[7]).score >= LOW  # one warning alone: no brand


def test_recent_contracts_count_double_by_rank_not_by_time():
    history = completed(15)
    old_fault = [at_fault(1), *history[1:]]
    new_fault = [*history[:-1], at_fault(15)]
    old = reference([(1, AT_FAULT[0])] + [(1, COMPLETED)] * 4 + [(RECENT_WEIGHT, COMPLETED)] * 10)
    new = reference([(1, COMPLETED)] * 5 + [(RECENT_WEIGHT, COMPLETED)] * 9
                    + [(RECENT_WEIGHT, AT_FAULT[0])])
    assert compute(old_fault).score == old and compute(new_fault).score == new
    assert new < old


def test_no_score_below_the_minimum_number_of_contracts():
    n = settings.MIN_CONTRACTS_FOR_SCORE
    assert compute(completed(n - 1)).score is None
    assert compute(completed(n)).score is not None
    # closed and no-fault contracts count towards the minimum (they ended), not the average
    assert compute([*completed(n - 1), contract(9, state="closed")]).score == reference(
        [(2, COMPLETED)] * (n - 1))


# --- the explanation and the basis ---------------------------------------------------------

def test_the_explanation_adds_up_to_the_score():
    for history in ([*completed(4), at_fault(5), contract(6, state="cancelled", fault="none",
                                                          timeouts=1)],
                    completed(60, rating=4), [at_fault(i) for i in range(1, 9)]):
        result = compute(history, warnings=[1])
        total = sum(line["points"] for line in result.explanation)
        assert abs(total - result.basis.exact_score()) < 0.05 * len(result.explanation)
        assert result.score == int(result.basis.exact_score() + 0.5)


def test_explanation_names_the_contracts_newest_first_and_sums_older_ones():
    result = compute(completed(60))
    contracts = [line["contract"] for line in result.explanation if line["contract"]]
    assert contracts[:3] == [60, 59, 58] and len(contracts) == EXPLAINED_LINES
    assert any(line.get("title") == f"{60 - EXPLAINED_LINES} earlier contracts"
               for line in result.explanation)


def test_order_of_input_does_not_matter():
    items = [*completed(6), at_fault(7), at_fault(8), contract(9, rating=2)]
    assert compute(items).score == compute(list(reversed(items))).score


@pytest.mark.parametrize("n", [0, 1, 2, 3, 9, 10, 11, 25])
@pytest.mark.parametrize("last", [
    {"state": "completed", "rating": 4}, {"state": "cancelled", "fault": "client"},
    {"state": "cancelled", "fault": "none", "timeouts": 1},
    {"state": "cancelled", "fault": "freelancer"}, {"state": "closed"},
])
def test_a_projection_equals_a_recompute_with_the_contract_added(n, last):
    history = [*completed(n // 2), *[at_fault(i) for i in range(100, 100 + n - n // 2)]]
    history = [replace(f, rank_key=(i, f.contract_id)) for i, f in enumerate(history)]
    stored = Basis.from_dict(compute(history).basis.as_dict())  # as stored and read back
    added = contract(999, role="client", **last)
    added = replace(added, rank_key=(len(history), 999))
    assert project(stored, added).score() == compute([*history, added]).score
    assert project(stored, added).as_dict() == compute([*history, added]).basis.as_dict()
