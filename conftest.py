"""Project-wide test fixtures: people, and the invariants checked after every database test."""

import os
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.db import connection
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
    config.addinivalue_line(
        "markers", "as_owner: the test does what only the owner role may (DDL, migrate)"
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


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Rendered rows are keyed by their ids, which a rolled-back test hands out again: each
    test starts with an empty page cache."""
    from django.core.cache import caches

    from marketplace.kernel.pagecache import PAGE_CACHE

    caches[PAGE_CACHE].clear()
    yield


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


def app_role_environment(connection) -> dict:
    """Environment for an app server or sweeper started by a test: the test database, reached
    as the app's role (DATABASE_URL), as in production; the owner's role only if there is
    no other."""
    app = settings.APP_DATABASE
    password = f":{quote(app['PASSWORD'], safe='')}" if app["PASSWORD"] else ""
    url = (f"postgres://{quote(app['USER'], safe='')}{password}@{app['HOST'] or '127.0.0.1'}:"
           f"{app['PORT'] or 5432}/{connection.settings_dict['NAME']}")
    return {"DATABASE_URL": url, "MIGRATE_DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "marketplace.settings.test"}
postgres_only = pytest.mark.skipif(
    not IS_POSTGRES, reason="needs PostgreSQL (row locks, concurrent transactions)"
)



def _runs_in_a_test_transaction(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return False
    transactional = marker is not None and (marker.kwargs.get("transaction")
                                            or (marker.args and marker.args[0]))
    no_database = marker is not None and marker.kwargs.get("databases") == []
    return not (transactional or no_database or {"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def as_app_role(request):
    """On PostgreSQL with an app role of its own, a test runs as that role (SET LOCAL ROLE in
    the test's transaction), so every service, page and sweep in the suite proves that the
    privileges the models declare are enough. The owner created the database and keeps what
    only it may do: tests that drop triggers or migrate are marked `as_owner` (or
    `breaks_records`), and tests that commit (transaction=True) flush with TRUNCATE."""
    role = settings.DATABASE_APP_ROLE
    if (not role or not IS_POSTGRES or not _runs_in_a_test_transaction(request)
            or request.node.get_closest_marker("as_owner")
            or request.node.get_closest_marker("breaks_records")):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    # The owner may take the app role only if it was made a member (bin/db-roles does).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [role])
        if cursor.fetchone()[0]:
            cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")
    yield
