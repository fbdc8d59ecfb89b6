"""Pages render for their users, in a constant number of queries, with the right content."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import login
from contracts.models import Contract, Milestone
from contracts.services.messages import message_post
from contracts.tests.factories import make_active_contract, make_offer

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def grow(contract, n: int):
    """Add n milestones and n messages (each message is also an event)."""
    Milestone.objects.bulk_create(
        Milestone(contract=contract, position=100 + i, title=f"Extra {i}", amount_cents=1_000)
        for i in range(n)
    )
    for i in range(n):
        message_post(actor=contract.client, contract=contract, body=f"Note {i}")


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_contract_page_query_count_does_not_grow_with_data(client):
    small, large = make_active_contract(), make_active_contract()
    grow(small, 2)
    grow(large, 100)
    login(client, small.client)
    small_count = count_queries(client, small.get_absolute_url())
    login(client, large.client)
    large_count = count_queries(client, large.get_absolute_url())
    assert small_count == large_count
    assert large_count <= 20


def test_contract_page_budget(client, django_assert_max_num_queries):
    contract = make_active_contract()
    grow(contract, 5)
    login(client, contract.freelancer)
    with django_assert_max_num_queries(20):
        response = client.get(contract.get_absolute_url())
    body = response.content.decode()
    assert 'data-state="active"' in body
    assert "Note 4" in body and 'id="timeline"' in body


def test_record_page_query_count_does_not_grow(client):
    small, large = make_active_contract(), make_active_contract()
    grow(small, 2)
    grow(large, 50)
    login(client, small.client)
    a = count_queries(client, reverse("contracts:record", args=[small.pk]))
    login(client, large.client)
    b = count_queries(client, reverse("contracts:record", args=[large.pk]))
    assert a == b


def test_contract_list_and_dashboard_budgets(client, django_assert_max_num_queries,
                                             client_user, freelancer):
    for i in range(30):
        make_offer(client_user, freelancer, title=f"Offer {i}")
    login(client, freelancer)
    with django_assert_max_num_queries(12):
        dashboard = client.get("/")
    with django_assert_max_num_queries(12):
        listing = client.get("/contracts/")
    # the dashboard is a to-do list: each source shows its 25 most urgent items
    assert dashboard.content.decode().count("Answer the offer") == 25
    assert listing.content.decode().count('data-state="offered"') == 30


def test_dashboard_lists_what_needs_my_action_with_deadlines(client, client_user, freelancer):
    contract = make_offer(client_user, freelancer, title="Logo refresh")
    login(client, freelancer)
    body = client.get("/").content.decode()
    assert "Answer the offer “Logo refresh”" in body
    assert contract.get_absolute_url() in body and "data-deadline" in body
    login(client, client_user)
    body = client.get("/").content.decode()
    assert "Nothing needs your action right now." in body
    assert "awaits" in body


def test_record_page_shows_hashes_and_integrity(client):
    contract = make_active_contract()
    login(client, contract.client)
    body = client.get(reverse("contracts:record", args=[contract.pk])).content.decode()
    assert "Record intact: 2 events" in body
    assert Contract.objects.get(pk=contract.pk).record_head_hash in body


def test_anonymous_sees_the_welcome_page_and_policy(client):
    assert "Create an account" in client.get("/").content.decode()
    policy = client.get("/policy/").content.decode()
    assert "14 days" in policy


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_pages_carry_security_headers(client, client_user):
    login(client, client_user)
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


# A Fernet key (32 url-safe base64 bytes), as `Fernet.generate_key()` makes them.
MFA_KEY = "dGVzdC1vbmx5LWtleS1mb3ItdGhlLWNoZWNrLTAwMDE="


def _production_check(**environment) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items()
           if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "MFA_ENCRYPTION_KEYS")},
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.production",
        "SECRET_KEY": "x" * 20 + "-production-like-secret-key-for-the-check-0123456789",
        "ALLOWED_HOSTS": "marketplace.example.com",
        **environment,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.django_db(databases=[])
def test_production_settings_pass_check_deploy():
    result = _production_check(MFA_ENCRYPTION_KEYS=MFA_KEY)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db(databases=[])
@pytest.mark.parametrize(("keys", "says"), [
    (None, "Set MFA_ENCRYPTION_KEYS in production"),
    ("not-a-fernet-key", "not a Fernet key"),
])
def test_production_refuses_to_start_without_a_real_mfa_key(keys, says):
    """Staff TOTP secrets are encrypted with MFA_ENCRYPTION_KEYS; production never falls back
    to a key derived from SECRET_KEY, as development does."""
    result = _production_check(**({} if keys is None else {"MFA_ENCRYPTION_KEYS": keys}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and says in result.stderr


def _one_of_each_kind(client_user, freelancer):
    """For the freelancer: an offer to answer, milestones to deliver (and some the client
    must fund or review), a cancellation request to answer, an open dispute, and an ended
    contract to leave feedback on: every source of the dashboard."""
    from contracts.tests.factories import make_funded_contract
    from disputes.services.cancellations import cancellation_dispute
    from disputes.tests.factories import make_request
    from reputation.tests.factories import completed_contract

    make_offer(client_user, freelancer, title="Offer to answer")
    make_funded_contract(amounts=(10_000, 20_000, 30_000), fund=2, submit=1,
                         client=client_user, freelancer=freelancer, title="Work in progress")
    make_request("client", contract=make_funded_contract(client=client_user, freelancer=freelancer,
                                                         title="Being cancelled"))
    disputed = make_request("client", fault="freelancer", reason="quality", amount_cents=0,
                            contract=make_funded_contract(client=client_user,
                                                          freelancer=freelancer, title="Disputed"))
    cancellation_dispute(actor=freelancer, request=disputed, reason="The brief was followed.")
    completed_contract(client=client_user, freelancer=freelancer)


def test_dashboard_queries_stay_constant_with_every_kind_of_item(client, client_user, freelancer):
    # Each source loads only the fields the dashboard shows; one left out would be loaded
    # row by row, and the count would grow with the items.
    _one_of_each_kind(client_user, freelancer)
    login(client, freelancer)
    once = count_queries(client, "/")
    body = client.get("/").content.decode()
    for shown in ("Answer the offer “Offer to answer”", "Deliver “Part 2”",
                  "Answer the cancellation request on “Being cancelled”",
                  "Dispute on “Disputed”", "Leave feedback on", "“Part 1” awaits approval"):
        assert shown in body
    assert "Alice Anders" in body  # names come from the narrowed user rows
    for _ in range(2):
        _one_of_each_kind(client_user, freelancer)
    assert count_queries(client, "/") == once
    login(client, client_user)
    assert count_queries(client, "/") == once  # the client's side: the same sources
