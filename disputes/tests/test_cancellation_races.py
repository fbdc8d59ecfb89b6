"""Races on PostgreSQL: two answers at the same moment; two sweepers at the same moment."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import postgres_only
from contracts.models import Account, LedgerTransaction, Settlement
from contracts.tests.test_money_races import race
from disputes.models import CancellationRequest, CancellationState
from disputes.services import cancellations as svc
from disputes.tests.factories import make_request
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event, Notification

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def test_accept_against_withdraw_exactly_one_wins():
    request = make_request("client", amount_cents=20_000, fault="client")
    contract = request.contract
    results = race(lambda: svc.cancellation_accept(actor=contract.freelancer, request=request),
                   lambda: svc.cancellation_withdraw(actor=contract.client, request=request))
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    loser = next(value for kind, value in results if kind == "error")
    assert isinstance(loser, DomainError)
    request.refresh_from_db()
    # The loser is told, in the request's own words, what the winner did.
    assert loser.message == str(CancellationRequest.STATE_REFUSALS[request.state])
    contract.refresh_from_db()
    settlements = Settlement.objects.filter(contract=contract).count()
    if request.state == CancellationState.ACCEPTED:
        assert contract.state == "cancelled" and settlements == 1
    else:
        assert request.state == CancellationState.WITHDRAWN
        assert contract.state == "active" and settlements == 0
    assert LedgerTransaction.objects.filter(kind="settlement").count() == settlements


def test_accept_against_counter_proposal_exactly_one_wins():
    request = make_request("freelancer", amount_cents=20_000, fault="none")
    contract = request.contract
    svc.cancellation_counter(actor=contract.client, request=request, amount_cents=10_000,
                             fault="none", message="Half of that.")
    # the freelancer's turn: accept, while the (stale) client tries another counter
    results = race(
        lambda: svc.cancellation_accept(actor=contract.freelancer, request=request),
        lambda: svc.cancellation_counter(actor=contract.client, request=request, amount_cents=5_000,
                                         fault="none", message="Even less."),
    )
    kinds = [kind for kind, _ in results]
    request.refresh_from_db()
    # The counter can never win here: it is not the client's turn, and once accepted the
    # request is closed. Either way the client is told why, and money moved once.
    assert kinds[0] == "ok" and kinds[1] == "error"
    assert request.state == CancellationState.ACCEPTED
    assert Settlement.objects.get(contract=contract).to_freelancer_cents == 10_000
    assert LedgerTransaction.objects.filter(kind="settlement").count() == 1


def test_accept_against_counter_on_the_same_turn_exactly_one_wins():
    """Both parties can't hold the turn; but the same party double-acting must be serialised."""
    request = make_request("client", amount_cents=20_000, fault="client")
    contract = request.contract
    results = race(
        lambda: svc.cancellation_accept(actor=contract.freelancer, request=request),
        lambda: svc.cancellation_counter(actor=contract.freelancer, request=request,
                                         amount_cents=30_000, fault="client", message="More."),
    )
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    request.refresh_from_db()
    settlements = Settlement.objects.filter(contract=contract)
    if request.state == CancellationState.ACCEPTED:
        assert settlements.get().to_freelancer_cents == 20_000
    else:
        assert request.state == CancellationState.OPEN and request.turn_user == contract.client
        assert request.amount_to_freelancer_cents == 30_000 and not settlements.exists()
    assert Account.objects.get(kind="escrow", contract=contract).balance_cents in (0, 50_000)


def test_two_sweepers_auto_accept_lapse_and_remind_once():
    accepting = [make_request("client", amount_cents=5_000) for _ in range(6)]
    lapsing = [make_request("freelancer") for _ in range(6)]
    for request in lapsing:
        svc.cancellation_deny(actor=request.contract.client, request=request, reason="No.")
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=12), tick=True):
        race(process_deadlines, process_deadlines)  # reminders only
    with time_machine.travel(timezone.now() + timedelta(days=7, hours=1), tick=True):
        results = race(process_deadlines, process_deadlines)
    assert all(kind == "ok" and report.failed == 0 for kind, report in results), results
    handled = {}
    for _, report in results:
        for name, n in report.handled.items():
            handled[name] = handled.get(name, 0) + n
    assert handled.get("cancellation_auto_accept") == 6
    assert handled.get("cancellation_lapse") == 6
    for request in accepting:
        assert Event.objects.filter(contract=request.contract, kind="cancellation.auto_accepted").count() == 1
        assert Settlement.objects.filter(contract=request.contract).count() == 1
    for request in lapsing:
        assert Event.objects.filter(contract=request.contract, kind="cancellation.lapsed").count() == 1
    reminders = Notification.objects.filter(key__startswith="reminder:cancellation")
    keys = list(reminders.values_list("user_id", "key"))
    assert len(keys) == len(set(keys)) == 12  # one "last" reminder per request, never twice
