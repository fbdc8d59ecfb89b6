"""The score formula on its own: every fault attribution and outcome moves exactly the right
party by the documented points; recency by rank; the minimum number of contracts."""

from dataclasses import replace

import pytest

from marketplace.kernel.scoring import BASE, EXPLAINED_LINES, POINTS, ContractFacts, compute


def facts(n=3, **overrides):
    """n completed contracts, then the overrides applied to the last one."""
    items = [ContractFacts(contract_id=i, rank_key=(i, i), state="completed",
                           role="freelancer") for i in range(1, n + 1)]
    if overrides:
        last = items[-1]
        items[-1] = replace(last, **overrides)
    return items


def test_no_score_below_the_minimum_number_of_contracts():
    assert compute(facts(2)).score is None
    assert compute(facts(3)).score == BASE + 3 * POINTS["completed"] * 2


@pytest.mark.parametrize(("overrides", "delta"), [
    ({"state": "cancelled", "fault": "freelancer"}, POINTS["at_fault"]),
    ({"state": "cancelled", "fault": "client"}, 0),
    ({"state": "cancelled", "fault": "none"}, 0),
    ({"state": "closed"}, 0),
    ({"state": "cancelled", "fault": "none", "timeouts": 1}, POINTS["timeout"]),
    ({"state": "cancelled", "fault": "none", "timeouts": 2}, 2 * POINTS["timeout"]),
    ({"state": "cancelled", "fault": "client", "disputes_lost": 1}, POINTS["dispute_lost"]),
    ({"state": "cancelled", "fault": "none", "without_communication": True},
     POINTS["without_communication"]),
    ({"rating": 5}, POINTS["completed"] + 2 * POINTS["rating_step"]),
    ({"rating": 3}, POINTS["completed"]),
    ({"rating": 1}, POINTS["completed"] - 2 * POINTS["rating_step"]),
])
def test_each_fact_moves_the_score_by_its_documented_points(overrides, delta):
    base = compute(facts(3))
    # the reference: the same history where the last contract had no effect at all
    neutral = compute(facts(3, state="closed"))
    result = compute(facts(3, **overrides))
    assert result.score - neutral.score == delta * 2  # the last contract is recent: ×2
    line = result.explanation[1]
    assert line["contract"] == 3 and line["points"] == delta * 2
    assert base.score >= neutral.score


def test_recent_contracts_count_double_by_rank_not_by_time():
    # two-star ratings (net 0 per contract) keep the total away from the 0–100 bounds
    history = [replace(f, rating=2) for f in facts(15)]
    # make the oldest contract an at-fault cancellation, then the newest
    old_fault = [replace(history[0], state="cancelled", fault="freelancer"), *history[1:]]
    new_fault = [*history[:-1], replace(history[-1], state="cancelled", fault="freelancer")]
    delta_old = compute(history).score - compute(old_fault).score
    delta_new = compute(history).score - compute(new_fault).score
    assert compute(history).score == BASE
    assert delta_old == POINTS["completed"] - POINTS["at_fault"]  # ×1: not among the last 10
    assert delta_new == 2 * (POINTS["completed"] - POINTS["at_fault"])  # ×2


def test_the_score_is_bounded_and_the_explanation_adds_up():
    bad = [ContractFacts(contract_id=i, rank_key=(i, i), state="cancelled",
                         role="client", fault="client", timeouts=1, disputes_lost=1)
           for i in range(8)]
    result = compute(bad)
    assert result.score == 0
    assert sum(line["points"] for line in result.explanation) == result.score
    good = compute(facts(12, rating=5))
    assert good.score == 100
    assert sum(line["points"] for line in good.explanation) == 100


def test_explanation_names_the_contracts_newest_first_and_sums_older_ones():
    result = compute(facts(60))
    contracts = [line["contract"] for line in result.explanation if line["contract"]]
    assert contracts[:3] == [60, 59, 58] and len(contracts) == EXPLAINED_LINES
    assert any(line["title"] == f"{60 - EXPLAINED_LINES} earlier contracts"
               for line in result.explanation)
    assert sum(line["points"] for line in result.explanation) == min(100, result.score)


def test_order_of_input_does_not_matter():
    items = facts(12, state="cancelled", fault="freelancer")
    assert compute(items).score == compute(list(reversed(items))).score
