"""Races on PostgreSQL: two requests at the same moment move money exactly once."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import postgres_only
from contracts.models import Account, LedgerTransaction, MilestoneState
from contracts.services.milestones import milestone_approve, milestone_auto_release, milestone_fund
from contracts.tests.factories import deposit, make_active_contract, make_funded_contract, new_key
from marketplace.kernel.errors import DomainError
from marketplace.tests.factories import ClientFactory

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls in threads released together; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_funding_two_milestones_from_a_wallet_that_covers_one():
    client = ClientFactory()
    first = make_active_contract(client=client, amounts=(60_000,)).milestones.get()
    second = make_active_contract(client=client, amounts=(60_000,)).milestones.get()
    deposit(client, 100_000)
    results = race(lambda: milestone_fund(actor=client, milestone=first),
                   lambda: milestone_fund(actor=client, milestone=second))
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    loser = next(value for kind, value in results if kind == "error")
    assert isinstance(loser, DomainError) and "less than the $600.00 needed" in loser.message
    assert Account.objects.get(kind="wallet", user=client).balance_cents == 40_000
    states = sorted(m.state for m in (first, second) if m.refresh_from_db() is None)
    assert states == [MilestoneState.FUNDED, MilestoneState.PENDING]
    assert LedgerTransaction.objects.filter(kind="funding").count() == 1


def test_approving_while_the_sweeper_auto_releases_pays_once():
    contract = make_funded_contract(amounts=(20_000,), submit=1)
    milestone = contract.milestones.get()
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1), tick=True):
        results = race(lambda: milestone_approve(actor=contract.client, milestone=milestone),
                       lambda: milestone_auto_release(milestone=milestone))
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    assert LedgerTransaction.objects.filter(kind="release").count() == 1
    assert Account.objects.get(kind="wallet", user=contract.freelancer).balance_cents == 18_000
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.RELEASED


def test_the_same_deposit_posted_twice_at_once_deposits_once():
    user = ClientFactory()
    key = new_key()

    def post():
        browser = Client()
        browser.force_login(user)
        return browser.post(reverse("contracts:wallet_deposit"),
                            {"deposit-amount": "250.00", "deposit-idempotency_key": key}).status_code

    results = race(post, post)
    assert list(results) == [("ok", 302), ("ok", 302)]
    assert LedgerTransaction.objects.filter(kind="deposit").count() == 1
    assert Account.objects.get(kind="wallet", user=user).balance_cents == 25_000
