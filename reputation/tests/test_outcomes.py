"""Each way a contract can end moves exactly the right party's score, by the documented
values, with an explanation naming the contract; recompute_reputation equals the live scores."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Model
from django.utils import timezone

from contracts.services.lifecycle import contract_close_dormant
from contracts.tests.factories import make_active_contract
from disputes.services import cancellations as svc
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute, make_request
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.scoring import AT_FAULT, COMPLETED, DISPUTE_LOST, PRIOR, TIMEOUT
from marketplace.tests.factories import ClientFactory, FreelancerFactory
from reputation.models import Reputation
from reputation.tests.factories import completed_contract

pytestmark = pytest.mark.django_db
FINDINGS = "The record shows the delivered work matched the written brief."
CLAUSE = "§4.6 Outcomes and fault"


def history(client, freelancer, n=2):
    """n completed contracts between them, so the next one decides a visible score."""
    for _ in range(n):
        completed_contract(client=client, freelancer=freelancer)


def scores(*users) -> list:
    return [Reputation.objects.get(user=u).score for u in users]


def last_line(user, contract) -> dict:
    line = next(line for line in Reputation.objects.get(user=user).explanation
                if line["contract"] == contract.pk)
    return line


@pytest.fixture
def pair():
    return ClientFactory(), FreelancerFactory()


def expected_score(value) -> int:
    """Two completed contracts, then this one (value None: it does not count), all recent
    (×2), averaged from the prior, rounded half up."""
    values = [COMPLETED, COMPLETED] + ([] if value is None else [value])
    return int((6 * PRIOR + sum(2 * v for v in values)) / (6 + 2 * len(values)) + 0.5)


@pytest.mark.parametrize(("ending", "client_value", "freelancer_value"), [
    ("accepted_client_fault", AT_FAULT[0], None),
    ("accepted_freelancer_fault", None, AT_FAULT[0]),
    ("accepted_no_fault", None, None),
    ("timeout_client_silent", PRIOR - TIMEOUT, None),  # the freelancer asked, no fault proposed
    ("settled_offer", None, None),
    ("resolved_client_fault", AT_FAULT[0] - DISPUTE_LOST, None),
    ("decided_freelancer_fault", None, AT_FAULT[0] - DISPUTE_LOST),
    ("closed", None, None),
])
def test_outcome_moves_exactly_the_right_party(pair, ending, client_value, freelancer_value):
    client, freelancer = pair
    history(client, freelancer)
    contract = end_contract(ending, client, freelancer)
    assert scores(client, freelancer) == [expected_score(client_value),
                                          expected_score(freelancer_value)]
    assert last_line(client, contract)["value"] == client_value
    assert last_line(freelancer, contract)["value"] == freelancer_value
    before = {r.user_id: (r.score, r.explanation, r.basis) for r in Reputation.objects.all()}
    call_command("recompute_reputation")
    after = {r.user_id: (r.score, r.explanation, r.basis) for r in Reputation.objects.all()}
    assert after == before


def end_contract(ending, client, freelancer) -> Model:
    if ending.startswith("accepted"):
        fault = ending.rsplit("_", 2)[1] if "no_fault" not in ending else "none"
        request = make_request("client", amounts=(10_000,), fund=1, submit=0, amount_cents=0,
                               fault=fault, contract=_funded(client, freelancer))
        svc.cancellation_accept(actor=freelancer, request=request)
        return request.contract
    if ending == "timeout_client_silent":
        request = make_request("freelancer", amounts=(10_000,), fund=1, submit=0, amount_cents=0,
                               fault="none", reason="mutual",
                               contract=_funded(client, freelancer))
        with time_machine.travel(timezone.now() + timedelta(days=7, hours=1), tick=True):
            process_deadlines()
        return request.contract
    if ending == "settled_offer":
        dispute = _dispute(client, freelancer)
        offer = dsvc.dispute_make_offer(actor=client, dispute=dispute, outcome="cancel",
                                        amount_cents=5_000, fault="none")
        dsvc.dispute_accept_offer(actor=freelancer, offer=offer)
        return dispute.contract
    if ending.startswith(("resolved", "decided")):
        fault = "client" if "client" in ending else "freelancer"
        from marketplace.tests.factories import ArbitratorFactory, MediatorFactory

        mediator = MediatorFactory()
        dispute = in_mediation(_dispute(client, freelancer), mediator)
        if ending.startswith("resolved"):
            casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel",
                                     amount_cents=5_000, fault=fault, findings=FINDINGS,
                                     policy_clause=CLAUSE)
            dsvc.dispute_accept_proposal(actor=client, dispute=dispute)
            dsvc.dispute_accept_proposal(actor=freelancer, dispute=dispute)
        else:
            for _ in range(2):
                casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue",
                                         amount_cents=0, fault="none", findings=FINDINGS,
                                         policy_clause=CLAUSE)
                dsvc.dispute_reject_proposal(actor=client, dispute=dispute, reason="no")
            arbitrator = ArbitratorFactory()
            casework.dispute_assign_arbitrator(actor=arbitrator, dispute=dispute)
            casework.dispute_decide(actor=arbitrator, dispute=dispute, outcome="cancel",
                                    amount_cents=0, fault=fault, findings=FINDINGS,
                                    policy_clause=CLAUSE)
        return dispute.contract
    if ending == "closed":
        contract = make_active_contract(client=client, freelancer=freelancer)
        with time_machine.travel(timezone.now() + timedelta(days=91), tick=True):
            contract_close_dormant(contract=contract)
        return contract
    raise AssertionError(ending)


def _funded(client, freelancer):
    from contracts.tests.factories import make_funded_contract

    return make_funded_contract(amounts=(10_000,), fund=1, client=client, freelancer=freelancer)


def _dispute(client, freelancer):
    request = make_request("client", amounts=(10_000,), fund=1, submit=1, amount_cents=0,
                           fault="freelancer", reason="quality",
                           contract=_funded_submitted(client, freelancer))
    return svc.cancellation_dispute(actor=freelancer, request=request, reason="Delivered.")


def _funded_submitted(client, freelancer):
    from contracts.tests.factories import make_funded_contract

    return make_funded_contract(amounts=(10_000,), fund=1, submit=1, client=client,
                                freelancer=freelancer)


def test_withdrawn_and_lapsed_requests_move_nobody(pair):
    client, freelancer = pair
    history(client, freelancer, n=3)
    before = scores(client, freelancer)
    withdrawn = make_request("client", amounts=(10_000,), fund=1, submit=0,
                             contract=_funded(client, freelancer))
    svc.cancellation_withdraw(actor=client, request=withdrawn)
    lapsed = make_request("freelancer", amounts=(10_000,), fund=1, submit=0,
                          contract=_funded(client, freelancer))
    svc.cancellation_deny(actor=client, request=lapsed, reason="No.")
    with time_machine.travel(timezone.now() + timedelta(days=8), tick=True):
        process_deadlines()
    lapsed.refresh_from_db()
    assert lapsed.state == "lapsed"
    assert scores(client, freelancer) == before


def test_a_lost_dispute_with_the_contract_continuing_counts_when_the_contract_ends(pair, mediator):
    client, freelancer = pair
    history(client, freelancer)
    dispute = in_mediation(make_dispute(), mediator)
    assert dispute.contract.client != client  # a separate pair: the loser is this client
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue", amount_cents=0,
                             fault="client", findings=FINDINGS, policy_clause=CLAUSE)
    dsvc.dispute_accept_proposal(actor=dispute.contract.client, dispute=dispute)
    dsvc.dispute_accept_proposal(actor=dispute.contract.freelancer, dispute=dispute)
    dispute.refresh_from_db()
    assert dispute.lost_by == "client"
    assert not Reputation.objects.filter(user=dispute.contract.client, disputes_lost__gt=0).exists()
