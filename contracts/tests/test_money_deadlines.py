"""Money on the clock: auto-release after client silence, and the dormant close."""

from datetime import timedelta

import pytest
from django.db import transaction

from conftest import later
from contracts.models import Account, ContractState, LedgerTransaction, MilestoneState
from contracts.services.messages import message_post
from contracts.services.milestones import milestone_request_changes, milestone_submit
from contracts.tests.factories import make_active_contract, make_funded_contract
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.models import Event, Notification
from marketplace.kernel.services.record import record_event

pytestmark = pytest.mark.django_db



def test_auto_release_after_the_review_period_once(mailoutbox, django_capture_on_commit_callbacks):
    contract = make_funded_contract(amounts=(40_000,), submit=1)
    milestone = contract.milestones.get()
    with later(days=13, hours=23):
        process_deadlines()
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.SUBMITTED
    mailoutbox.clear()
    with later(days=14, minutes=1), django_capture_on_commit_callbacks(execute=True):
        first = process_deadlines()
        second = process_deadlines()
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.RELEASED and milestone.fee_cents == 4_000
    assert first.handled.get("milestone_auto_release") == 1
    assert "milestone_auto_release" not in second.handled
    assert LedgerTransaction.objects.filter(kind="release").count() == 1
    assert Account.objects.get(kind="wallet", user=contract.freelancer).balance_cents == 36_000
    event = Event.objects.get(contract=contract, kind="milestone.auto_release")
    assert event.actor is None and "automatically after 14 days" in event.text
    assert sorted(m.to[0] for m in mailoutbox) == sorted([contract.client.email, contract.freelancer.email])


def test_review_reminders_go_to_the_client_halfway_and_a_day_before():
    contract = make_funded_contract(amounts=(10_000,), submit=1)
    with later(days=7, minutes=1):
        process_deadlines()
    with later(days=13, minutes=1):
        process_deadlines()
        process_deadlines()
    keys = list(Notification.objects.filter(user=contract.client, key__startswith="reminder:milestone_review")
                .order_by("created_at").values_list("key", flat=True))
    assert [k.rsplit(":", 1)[1] for k in keys] == ["half", "last"]


def test_request_changes_stops_the_clock_and_resubmission_restarts_it():
    contract = make_funded_contract(amounts=(10_000,), submit=1)
    milestone = contract.milestones.get()
    with later(days=10):
        milestone_request_changes(actor=contract.client, milestone=milestone, reason="Fix it")
        milestone_submit(actor=contract.freelancer, milestone=milestone)
    with later(days=20):  # 10 days after the resubmission: not yet
        process_deadlines()
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.SUBMITTED
    with later(days=24, minutes=5):
        process_deadlines()
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.RELEASED


def test_dormant_contract_without_escrow_closes_with_no_fault():
    contract = make_active_contract(amounts=(10_000,))
    with later(days=89):
        process_deadlines()
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    with later(days=90, minutes=1):
        process_deadlines()
        process_deadlines()
    contract.refresh_from_db()
    assert contract.state == ContractState.CLOSED
    assert set(contract.milestones.values_list("state", flat=True)) == {MilestoneState.VOID}
    closed = Event.objects.filter(contract=contract, kind="contract.closed")
    assert closed.count() == 1 and "No fault" in closed.get().text


def test_activity_or_escrow_keeps_a_contract_open():
    talking = make_active_contract()
    with later(days=60):
        message_post(actor=talking.freelancer, contract=talking, body="Still on it.")
    funded = make_funded_contract(amounts=(10_000,))
    with later(days=100):
        process_deadlines()
    talking.refresh_from_db()
    funded.refresh_from_db()
    assert talking.state == ContractState.ACTIVE  # 40 days since the last message
    assert funded.state == ContractState.ACTIVE  # money in escrow is never abandoned


def test_system_events_do_not_count_as_activity():
    contract = make_active_contract()
    before = contract.last_activity_at
    with later(days=5), transaction.atomic():
        record_event(contract=contract, actor=None, kind="reminder.sent", text="Reminder")
    contract.refresh_from_db()
    assert contract.last_activity_at == before
    with later(days=6), transaction.atomic():
        record_event(contract=contract, actor=contract.client, kind="message.posted", text="Hi")
    contract.refresh_from_db()
    assert contract.last_activity_at > before + timedelta(days=5)
