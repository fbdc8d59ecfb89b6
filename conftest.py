"""Project-wide test fixtures: people, and the invariants checked after every database test."""

import os
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from marketplace.tests.factories import (
    ArbitratorFactory,
    ClientFactory,
    FreelancerFactory,
    MediatorFactory,
)
from marketplace.tests.mfa import pass_second_factor


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "breaks_records: the test tampers with the record on purpose; skip the check"
    )


@pytest.fixture
def client_user(db):
    return ClientFactory(username="alice", first_name="Alice", last_name="Anders")


@pytest.fixture
def freelancer(db):
    return FreelancerFactory(username="bob", first_name="Bob", last_name="Baker")


@pytest.fixture
def stranger(db):
    return ClientFactory(username="mallory", first_name="Mallory", last_name="Mole")


@pytest.fixture
def mediator(db):
    return MediatorFactory(username="maya", first_name="Maya", last_name="Mendes")


@pytest.fixture
def arbitrator(db):
    return ArbitratorFactory(username="arthur", first_name="Arthur", last_name="Arnold")


def login(client, user):
    """Sign `user` in on the test client; staff with their second factor passed (enrolled
    first if needed), as the console requires. `login_without_second_factor` leaves it out."""
    login_without_second_factor(client, user)
    if user.is_staff:
        pass_second_factor(client, user)
    return client


def login_without_second_factor(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def later(**delta):
    """The clock moved forward by `delta` (a context manager; ticking, so time still passes)."""
    return time_machine.travel(timezone.now() + timedelta(**delta), tick=True)


@pytest.fixture
def jump():
    """Move the clock forward for the rest of the test (ticking, so time still passes)."""
    travellers = []

    def go(delta: timedelta) -> None:
        traveller = time_machine.travel(timezone.now() + delta, tick=True)
        traveller.start()
        travellers.append(traveller)

    yield go
    for traveller in reversed(travellers):
        traveller.stop()


# Invariants checked after every test that used the database, while its data still exists
# (a fixture's teardown would run after the database was rolled back). Apps add checks here.
INVARIANT_CHECKS = []


def records_intact():
    from contracts.models import Contract
    from marketplace.kernel.services.record import verify_chain

    broken = [str(link) for c in Contract.objects.all() if (link := verify_chain(c))]
    assert not broken, f"record broken after the test: {broken}"


def ledger_balances():
    from contracts.ledger_checks import ledger_problems

    problems = ledger_problems()
    assert not problems, f"ledger invariant broken after the test: {problems}"


INVARIANT_CHECKS.extend([records_intact, ledger_balances])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    uses_db = any(f in item.fixturenames for f in ("db", "transactional_db", "live_server"))
    if uses_db and not item.get_closest_marker("breaks_records"):
        for check in INVARIANT_CHECKS:
            check()
    return result


IS_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
postgres_only = pytest.mark.skipif(
    not IS_POSTGRES, reason="needs PostgreSQL (row locks, concurrent transactions)"
)
