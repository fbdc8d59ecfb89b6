"""Security: login rate limits that cannot lock a victim out from elsewhere, headers and CSP
on every page, and closing an account (pseudonymised, record and ledger intact)."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from conftest import login
from contracts.models import Account, Entry
from contracts.services.offers import offer_decline
from contracts.tests.factories import deposit, make_offer
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event, User
from marketplace.kernel.services.accounts import account_close
from marketplace.kernel.services.record import verify_chain
from marketplace.tests.factories import ClientFactory, FreelancerFactory

pytestmark = pytest.mark.django_db
LIMITS = {"login_failed": {"account": "5/900", "address": "100/3600"}}


def try_login(address: str, login_name: str, password: str):
    return Client(REMOTE_ADDR=address).post(reverse("account_login"),
                                            {"login": login_name, "password": password})


@override_settings(THROTTLES=LIMITS)
def test_failed_logins_are_limited_and_never_lock_the_victim_out():
    """More in test_throttle.py (two addresses, two accounts, shared cache, proxies)."""
    victim = ClientFactory(username="victim")
    pages = [try_login("203.0.113.9", "victim", "wrong").content.decode() for _ in range(6)]
    assert all("Too many failed sign-in attempts" not in page for page in pages[:5])
    assert "Too many failed sign-in attempts" in pages[5]  # the attacker's address is stopped
    # from that address even the right password waits: guessing cannot go on there
    assert try_login("203.0.113.9", "victim", "pw-for-tests-1").status_code == 200
    # the victim, from another address, logs in at once with the right password
    response = try_login("198.51.100.7", "victim", "pw-for-tests-1")
    assert response.status_code == 302
    # and even from the attacker's address the account itself was never locked
    caches[settings.THROTTLE_CACHE].clear()
    assert try_login("203.0.113.9", "victim", "pw-for-tests-1").status_code == 302
    assert User.objects.get(pk=victim.pk).is_active


PUBLIC_PAGES = ["/", "/policy/", "/stats/", "/freelancers/", "/jobs/", "/accounts/login/",
                "/accounts/signup/", "/accounts/password/reset/", "/healthz"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_security_headers_and_csp_on_public_pages(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_carry_no_inline_script(client):
    """CSP forbids inline script; a page with one would break silently in browsers."""
    offer = make_offer()
    login(client, offer.client)
    for path in ["/", offer.get_absolute_url(), "/wallet/", "/contracts/new/?freelancer="
                 + offer.freelancer.username, reverse("contracts:record", args=[offer.pk])]:
        body = client.get(path).content.decode()
        for chunk in body.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), f"inline script on {path}"
        assert " style=" not in body, f"inline style attribute on {path}"


def test_closing_an_account_pseudonymises_and_keeps_the_record_verifiable(client):
    offer = make_offer()
    freelancer = offer.freelancer
    offer_decline(actor=freelancer, contract=offer, reason="Booked.")
    deposit(freelancer, 500)
    with pytest.raises(DomainError, match="Withdraw the money"):
        account_close(actor=freelancer)
    from contracts.services.wallets import wallet_withdraw
    from contracts.tests.factories import new_key

    wallet_withdraw(actor=freelancer, amount_cents=500, idempotency_key=new_key())
    events_before = list(Event.objects.filter(contract=offer).values_list("hash", flat=True))
    entries_before = Entry.objects.filter(account__user=freelancer).count()
    login(client, freelancer)
    bad = client.post(reverse("account_close"), {"confirm": "not me"})
    assert bad.status_code == 400
    response = client.post(reverse("account_close"), {"confirm": freelancer.username})
    assert response.status_code == 302
    closed = User.objects.get(pk=freelancer.pk)
    assert closed.username == f"closed-{closed.pk}" and not closed.is_active
    assert closed.first_name == closed.last_name == closed.skills == ""
    assert "@closed.invalid" in closed.email and not closed.has_usable_password()
    assert not closed.emailaddress_set.exists()
    assert list(Event.objects.filter(contract=offer).values_list("hash", flat=True)) == events_before
    offer.refresh_from_db()
    assert verify_chain(offer) is None
    assert Entry.objects.filter(account__user=closed).count() == entries_before
    assert Account.objects.get(kind="wallet", user=closed).balance_cents == 0
    call_command("verify_records")
    call_command("check_ledger")
    # the session ended and the profile is gone
    assert client.get("/wallet/").status_code == 302
    assert client.get(f"/u/{closed.username}/").status_code == 404
    record = Client()
    login(record, offer.client)
    body = record.get(reverse("contracts:record", args=[offer.pk])).content.decode()
    assert f"Closed account #{closed.pk}" in body and "Booked." in body


def test_an_account_with_a_live_contract_cannot_close():
    offer = make_offer()
    with pytest.raises(DomainError, match="open contract"):
        account_close(actor=offer.client)
    assert User.objects.get(pk=offer.client.pk).is_active


def test_a_closed_account_cannot_log_in():
    user = FreelancerFactory()
    account_close(actor=user)
    assert try_login("192.0.2.1", user.email, "pw-for-tests-1").status_code == 200
