"""Throttling that cannot be turned against others: over two addresses and two accounts, a
guesser (or a flood) is stopped while nobody else, on the same or another address, is locked
out; the counts live in a cache every worker shares; the address comes from X-Forwarded-For
only through the trusted proxies."""

import pytest
from allauth.account.signals import password_reset
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.handlers.wsgi import WSGIRequest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from conftest import login
from contracts.models import Message
from contracts.tests.factories import make_active_contract
from marketplace.kernel.models import User
from marketplace.kernel.throttle import LOGIN_FAILED, client_address
from marketplace.tests.factories import ClientFactory, FreelancerFactory

pytestmark = pytest.mark.django_db
A, B = "203.0.113.9", "198.51.100.7"  # the guesser's address, and another one
PASSWORD = "pw-for-tests-1"
LIMITS = {
    "login_failed": {"account": "5/900", "address": "12/3600"},
    "signup": {"account": "3/3600", "address": "6/3600"},
    "password_reset": {"account": "3/3600", "address": "6/3600"},
    "message": {"account": "3/600", "address": "8/3600"},
}
throttled = override_settings(THROTTLES=LIMITS)
TOO_MANY_LOGINS = "Too many failed sign-in attempts for this account from your network"


@pytest.fixture
def alice(db):
    return ClientFactory(username="alice", email="alice@example.com")


@pytest.fixture
def bob(db):
    return FreelancerFactory(username="bob", email="bob@example.com")


def sign_in(address: str, name: str, password: str):
    return Client(REMOTE_ADDR=address).post(reverse("account_login"),
                                            {"login": name, "password": password})


# --- the client's address ---------------------------------------------------------------------


def _request(remote="10.0.0.2", forwarded=None) -> WSGIRequest:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "6.6.6.6, 203.0.113.9", "10.0.0.2"),  # no proxy trusted: the header is the client's own
    (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # what our one proxy saw
    (2, "6.6.6.6, 203.0.113.9", "6.6.6.6"),
    (3, "6.6.6.6, 203.0.113.9", "6.6.6.6"),  # fewer hops than proxies: the first proxy's peer
    (1, None, "10.0.0.2"),  # reached the app directly
    (1, "not-an-address", "10.0.0.2"),
    (1, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),  # one subscriber's /64
])
def test_the_client_address_comes_through_trusted_proxies_only(proxies, forwarded, expected):
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_address(_request(forwarded=forwarded)) == expected


def test_a_spoofed_forwarded_for_does_not_escape_the_limit(alice):
    with throttled, override_settings(TRUSTED_PROXY_COUNT=1):
        for i in range(5):  # the client writes its own header; our proxy appends what it saw
            Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, {A}").post(
                reverse("account_login"), {"login": "alice", "password": "wrong"})
        response = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.99, {A}").post(
            reverse("account_login"), {"login": "alice", "password": PASSWORD})
    assert TOO_MANY_LOGINS in response.content.decode()


# --- failed logins: two addresses, two accounts ---------------------------------------------------


@throttled
def test_a_guesser_is_stopped_and_nobody_else_is_locked_out(alice, bob):
    pages = [sign_in(A, "alice", f"guess-{i}").content.decode() for i in range(6)]
    assert all(TOO_MANY_LOGINS not in page for page in pages[:5])
    assert TOO_MANY_LOGINS in pages[5]
    # from that address even the right password waits: guessing cannot go on there
    assert TOO_MANY_LOGINS in sign_in(A, "alice", PASSWORD).content.decode()
    # alice's email is the same account: no second series of guesses that way
    assert TOO_MANY_LOGINS in sign_in(A, "ALICE@example.com", "guess-7").content.decode()
    # bob, behind the same address, signs in at once
    assert sign_in(A, "bob", PASSWORD).status_code == 302
    # alice herself, from another address, signs in at once
    assert sign_in(B, "alice", PASSWORD).status_code == 302
    # and bob's own slip from the guesser's address counts for bob only
    assert TOO_MANY_LOGINS not in sign_in(A, "bob", "typo").content.decode()
    assert User.objects.get(pk=alice.pk).is_active


@throttled
def test_a_password_reset_by_the_owner_forgives_their_failed_attempts(alice):
    for i in range(5):
        sign_in(A, "alice", f"forgotten-{i}")
    assert TOO_MANY_LOGINS in sign_in(A, "alice", PASSWORD).content.decode()
    password_reset.send(sender=User, request=RequestFactory().get("/", REMOTE_ADDR=A), user=alice)
    assert sign_in(A, "alice", PASSWORD).status_code == 302


@throttled
def test_one_address_trying_many_accounts_is_stopped_for_all_of_them_there_only(alice, bob):
    for i in range(12):  # credential stuffing: a few guesses on each of many names
        sign_in(A, f"someone{i}", "guess")
    assert TOO_MANY_LOGINS in sign_in(A, "alice", PASSWORD).content.decode()
    assert sign_in(B, "alice", PASSWORD).status_code == 302
    assert sign_in(B, "bob", PASSWORD).status_code == 302


@throttled
def test_successful_logins_count_nothing(alice):
    for _ in range(8):
        assert sign_in(A, "alice", PASSWORD).status_code == 302


def test_the_counts_are_shared_by_every_worker_in_their_own_cache(alice):
    """Not the page cache and not one process's memory: another worker (a new connection to
    the cache) sees the failures one worker counted."""
    assert settings.THROTTLE_CACHE != "default"
    assert isinstance(caches[settings.THROTTLE_CACHE], DatabaseCache)  # no REDIS_URL here
    with throttled:
        for _ in range(5):
            sign_in(A, "alice", "wrong")
        other_worker = caches.create_connection(settings.THROTTLE_CACHE)
        request = _request(remote=A)
        original = caches[settings.THROTTLE_CACHE]
        assert other_worker is not original
        caches[settings.THROTTLE_CACHE] = other_worker
        try:
            assert LOGIN_FAILED.refusal(request, f"user:{alice.pk}") is not None
        finally:
            caches[settings.THROTTLE_CACHE] = original


# --- sign-up, password reset, messages ------------------------------------------------------------


def sign_up(address: str, email: str, username: str):
    return Client(REMOTE_ADDR=address).post(reverse("account_signup"), {
        "email": email, "username": username, "password1": "a-Long-pass-123",
        "password2": "a-Long-pass-123", "role": "client", "timezone": "UTC"})


TOO_MANY_SIGNUPS = "Too many sign-ups from your network"


@throttled
def test_signups_for_one_email_are_stopped_and_others_can_still_sign_up():
    attempts = [sign_up(A, "target@example.com", f"flood{i}") for i in range(4)]
    assert attempts[0].status_code == 302  # the first one created the account
    assert TOO_MANY_SIGNUPS in attempts[3].content.decode()
    assert sign_up(A, "neighbour@example.com", "neighbour").status_code == 302
    assert sign_up(B, "elsewhere@example.com", "elsewhere").status_code == 302
    assert User.objects.filter(username__in=["neighbour", "elsewhere", "flood0"]).count() == 3


@throttled
def test_mistyped_passwords_at_sign_up_cost_nothing():
    for _ in range(5):
        bad = Client(REMOTE_ADDR=A).post(reverse("account_signup"), {
            "email": "careful@example.com", "username": "careful", "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-124", "role": "client", "timezone": "UTC"})
        assert bad.status_code == 200 and TOO_MANY_SIGNUPS not in bad.content.decode()
    assert sign_up(A, "careful@example.com", "careful").status_code == 302


@throttled
def test_mass_signups_from_one_address_are_stopped_there_only():
    for i in range(6):
        assert sign_up(A, f"bot{i}@example.com", f"bot{i}").status_code == 302
    assert TOO_MANY_SIGNUPS in sign_up(A, "bot6@example.com", "bot6").content.decode()
    assert sign_up(B, "person@example.com", "person").status_code == 302
    assert not User.objects.filter(username="bot6").exists()


def reset(address: str, email: str):
    return Client(REMOTE_ADDR=address).post(reverse("account_reset_password"), {"email": email})


TOO_MANY_RESETS = "Too many password reset requests from your network"


@throttled
def test_reset_requests_for_one_inbox_are_stopped_and_nobody_else_is(
        alice, bob, mailoutbox, django_capture_on_commit_callbacks):
    # Account mails are queued with the request's commit; the test runs them at once.
    with django_capture_on_commit_callbacks(execute=True):
        responses = [reset(A, "alice@example.com") for _ in range(4)]
    assert [r.status_code for r in responses[:3]] == [302, 302, 302]
    assert TOO_MANY_RESETS in responses[3].content.decode()
    assert len(mailoutbox) == 3  # the flood reached the inbox three times, not more
    with django_capture_on_commit_callbacks(execute=True):
        assert reset(A, "bob@example.com").status_code == 302  # a neighbour resets their own
        assert reset(B, "alice@example.com").status_code == 302  # alice, from elsewhere
    assert len(mailoutbox) == 5


TOO_FAST = "You are sending messages faster than anyone writes them"


@throttled
def test_a_message_flood_is_stopped_and_the_other_party_still_writes(client):
    contract = make_active_contract()
    url = reverse("contracts:message", args=[contract.pk])
    flooder = login(Client(REMOTE_ADDR=A), contract.client)
    for i in range(3):
        assert flooder.post(url, {"body": f"Message {i}"}).status_code == 302
    refused = flooder.post(url, {"body": "Message 4"}, follow=True)
    assert TOO_FAST in refused.content.decode()
    assert Message.objects.filter(contract=contract).count() == 3  # nothing more was saved
    # the other party, behind the same address or not, writes as usual
    for address in (A, B):
        other = login(Client(REMOTE_ADDR=address), contract.freelancer)
        page = other.post(url, {"body": f"Reply from {address}"}, follow=True).content.decode()
        assert TOO_FAST not in page
    assert Message.objects.filter(contract=contract, author=contract.freelancer).count() == 2
