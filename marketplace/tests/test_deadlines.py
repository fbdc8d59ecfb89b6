"""The clock: offer expiry and reminders, moved in time, idempotent, and safe in parallel."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from conftest import later, postgres_only
from contracts.models import Contract, ContractState
from contracts.tests.factories import make_offer
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.models import Event, Notification
from marketplace.tests.factories import ClientFactory, FreelancerFactory


@pytest.mark.django_db
def test_offer_expires_only_once_its_deadline_passed(client_user, freelancer, capsys):
    contract = make_offer(client_user, freelancer)
    with later(days=13, hours=23):
        call_command("process_deadlines")
    contract.refresh_from_db()
    assert contract.state == ContractState.OFFERED
    with later(days=14, minutes=1):
        call_command("process_deadlines")
        call_command("process_deadlines")  # idempotent: the second run finds nothing due
    contract.refresh_from_db()
    assert contract.state == ContractState.EXPIRED
    assert Event.objects.filter(contract=contract, kind="offer.expired").count() == 1
    assert "offer_expiry: 1" in capsys.readouterr().out


@pytest.mark.django_db
def test_reminders_halfway_and_one_day_before_once_each_on_both_channels(
    client_user, freelancer, mailoutbox, django_capture_on_commit_callbacks
):
    contract = make_offer(client_user, freelancer)
    mailoutbox.clear()

    def reminders():
        return list(Notification.objects.filter(user=freelancer, key__startswith="reminder:")
                    .order_by("created_at").values_list("key", flat=True))

    with later(days=6, hours=23), django_capture_on_commit_callbacks(execute=True):
        process_deadlines()
    assert reminders() == []
    with later(days=7, minutes=1), django_capture_on_commit_callbacks(execute=True):
        process_deadlines()
        process_deadlines()
    assert len(reminders()) == 1 and reminders()[0].endswith(":half")
    with later(days=13, minutes=1), django_capture_on_commit_callbacks(execute=True):
        process_deadlines()
        process_deadlines()
    assert len(reminders()) == 2 and reminders()[1].endswith(":last")
    reminder_mails = [m for m in mailoutbox if "Reminder" in m.subject]
    assert [m.to for m in reminder_mails] == [[freelancer.email], [freelancer.email]]
    events = Event.objects.filter(contract=contract, kind="reminder.sent")
    assert [e.data["which"] for e in events.order_by("seq")] == ["half", "last"]
    assert all(e.actor is None for e in events)


@pytest.mark.django_db
def test_a_late_sweep_sends_only_the_last_reminder(client_user, freelancer):
    make_offer(client_user, freelancer)
    with later(days=13, hours=2):
        process_deadlines()
    keys = list(Notification.objects.filter(key__startswith="reminder:").values_list("key", flat=True))
    assert len(keys) == 1 and keys[0].endswith(":last")


@pytest.mark.django_db
def test_no_reminder_for_an_answered_offer(client_user, freelancer):
    from contracts.services.offers import offer_accept

    contract = make_offer(client_user, freelancer)
    offer_accept(actor=freelancer, contract=contract)
    with later(days=13, hours=2):
        process_deadlines()
    assert not Notification.objects.filter(key__startswith="reminder:").exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_expire_each_offer_once():
    client, freelancer = ClientFactory(), FreelancerFactory()
    offers = [make_offer(client, freelancer, title=f"Offer {i}") for i in range(40)]
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def sweeper():
        try:
            with time_machine.travel(timezone.now() + timedelta(days=15), tick=True):
                barrier.wait()
                reports.append(process_deadlines(only=["offer_expiry"]))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.handled.get("offer_expiry", 0) for r in reports) == len(offers)
    assert sum(r.failed for r in reports) == 0
    assert set(Contract.objects.values_list("state", flat=True)) == {ContractState.EXPIRED}
    for offer in offers:
        assert Event.objects.filter(contract=offer, kind="offer.expired").count() == 1


@pytest.mark.django_db
def test_a_failing_batch_is_redone_item_by_item(client_user, freelancer, monkeypatch):
    from marketplace.kernel import deadlines

    offers = [make_offer(client_user, freelancer, title=f"Offer {i}") for i in range(3)]
    sweep = deadlines.SWEEPS["offer_expiry"]

    def broken_batch(ids):
        raise RuntimeError("a bad row")

    monkeypatch.setitem(deadlines.SWEEPS, "offer_expiry",
                        deadlines.Sweep(name=sweep.name, due=sweep.due, handle=sweep.handle,
                                        contract_of=sweep.contract_of, handle_batch=broken_batch))
    with later(days=15):
        report = process_deadlines(only=["offer_expiry"])
    assert report.handled == {"offer_expiry": 3} and report.failed == 0
    assert {o.state for o in Contract.objects.filter(pk__in=[o.pk for o in offers])} == {"expired"}


@pytest.mark.django_db
def test_batch_and_single_expiry_write_the_same_record(client_user, freelancer):
    from contracts.services.offers import offer_expire, offers_expire_due

    one, many = make_offer(client_user, freelancer), make_offer(client_user, freelancer)
    with later(days=15):
        offer_expire(contract=one)
        assert offers_expire_due(ids=[many.pk]) == 1
    single = Event.objects.filter(contract=one).order_by("-seq").first()
    batch = Event.objects.filter(contract=many).order_by("-seq").first()
    assert (single.kind, single.text, single.actor, single.from_state, single.to_state) == (
        batch.kind, batch.text, batch.actor, batch.from_state, batch.to_state)
    assert Notification.objects.filter(contract=one).count() == Notification.objects.filter(
        contract=many).count() == 3  # the offer, and the expiry to both parties
    assert set(many.milestones.values_list("state", flat=True)) == {"void"}
