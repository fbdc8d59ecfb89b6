"""Faults and races on PostgreSQL: a connection killed mid-request, two sweeper processes
over thousands of due items, and two app servers with two sweepers on one database."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, connections
from django.urls import reverse
from django.utils import timezone

from conftest import app_role_environment, login, postgres_only
from contracts.models import Contract, ContractState, LedgerTransaction
from contracts.tests.factories import make_funded_contract, new_key
from marketplace.kernel.models import Event
from marketplace.tests.factories import ClientFactory, FreelancerFactory

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]
BASE_DIR = Path(__file__).resolve().parent.parent


def test_a_connection_killed_mid_request_leaves_no_partial_write(client, monkeypatch):
    contract = make_funded_contract(amounts=(10_000,), fund=1, submit=1)
    milestone = contract.milestones.get()
    events_before = Event.objects.filter(contract=contract).count()
    from contracts.services import milestones as service

    real_post = service.post_transactions

    def die_midway(postings):
        # The milestone row is already updated in this transaction; now the server dies.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real_post(postings)

    monkeypatch.setattr(service, "post_transactions", die_midway)
    login(client, contract.client)
    url = reverse("contracts:milestone_action", args=[contract.pk, milestone.pk, "approve"])
    with pytest.raises(DatabaseError):
        client.post(url, {"idempotency_key": new_key()})
    connections.close_all()
    monkeypatch.setattr(service, "post_transactions", real_post)
    milestone.refresh_from_db()
    assert milestone.state == "submitted"
    assert Event.objects.filter(contract=contract).count() == events_before
    assert not LedgerTransaction.objects.filter(kind="release").exists()
    # the next request works, on a fresh connection, and does the job once
    login(client, contract.client)
    response = client.post(url, {"idempotency_key": new_key()})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.state == "released"
    assert LedgerTransaction.objects.filter(kind="release").count() == 1


class _Stop(Exception):
    pass


def test_the_sweeper_loop_carries_on_after_losing_its_database_connection(monkeypatch, capsys):
    import time_machine
    from django.core.management import call_command

    from contracts.tests.factories import make_offer
    from marketplace.kernel.management.commands import process_deadlines as command

    offer = make_offer()
    rounds = []
    clock = time_machine.travel(timezone.now() + timedelta(days=15))

    def sleep(seconds):
        rounds.append(seconds)
        if len(rounds) == 2:
            raise _Stop
        # While the sweeper sleeps the database restarts (its connection is gone) and the
        # offer falls due.
        with connection.cursor() as cursor, pytest.raises(DatabaseError):
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        clock.start()

    monkeypatch.setattr(command.time, "sleep", sleep)
    try:
        with pytest.raises(_Stop):
            call_command("process_deadlines", "--loop", "--interval", "60")
    finally:
        clock.stop()
    assert rounds == [60, 60]
    out = capsys.readouterr().out
    assert "process_deadlines: 0 handled, 0 skipped, 0 failed" in out
    assert "process_deadlines: 1 handled (offer_expiry: 1), 0 skipped, 0 failed" in out
    offer.refresh_from_db()
    assert offer.state == ContractState.EXPIRED
    assert Event.objects.filter(contract=offer, kind="offer.expired").count() == 1


def _subprocess_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(app_role_environment(connection))
    return env


def test_two_sweeper_processes_handle_thousands_of_due_items_once():
    client, freelancer = ClientFactory(), FreelancerFactory()
    past = timezone.now() - timedelta(minutes=1)
    Contract.objects.bulk_create(
        Contract(client=client, freelancer=freelancer, title=f"Offer {i}", description="d",
                 deadline_at=past) for i in range(2000))
    env = _subprocess_env()
    command = [sys.executable, "manage.py", "process_deadlines", "--only", "offer_expiry"]
    workers = [subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE,  # noqa: S603
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=600) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    handled = [int(out.split("offer_expiry: ")[1].split(")")[0]) if "offer_expiry: " in out else 0
               for out, _err in outputs]
    assert sum(handled) == 2000 and min(handled) > 0, outputs  # both worked, none twice
    assert Contract.objects.filter(state=ContractState.EXPIRED).count() == 2000
    assert Event.objects.filter(kind="offer.expired").count() == 2000
    assert Event.objects.filter(kind="offer.expired").values("contract").distinct().count() == 2000
