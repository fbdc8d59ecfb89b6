"""Two-factor sign-in (spec section 2): staff must enrol and pass a second factor (TOTP) in
the session before any staff-only page, however they got the session; the stored secret is
encrypted; parties may turn it on; the demo's staff are enrolled and a DEBUG-only command
prints their codes."""

import re
from io import StringIO

import pytest
import time_machine
from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.http import urlencode

from conftest import login, login_without_second_factor
from contracts.models import Attachment
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute
from marketplace.kernel.mfa import (
    current_totp_code,
    enrol_totp,
    is_enrolled,
    totp_code,
    totp_secret,
)
from marketplace.kernel.models import User
from marketplace.tests.factories import ClientFactory, MediatorFactory, StaffFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"  # the factories' password
ENROL = "/accounts/2fa/totp/activate/"
CHALLENGE = "/accounts/2fa/reauthenticate/"
LOGIN_CHALLENGE = "/accounts/2fa/authenticate/"


@pytest.fixture(autouse=True)
def fresh_code_cache():
    """allauth refuses a TOTP code used twice (a cache entry per user and code); user ids
    repeat between tests, so each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def case(mediator, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    dispute = make_dispute()
    dsvc.dispute_message(actor=dispute.contract.freelancer, dispute=dispute, body="The brief.",
                         files=[ContentFile(b"%PDF-1.4 brief", name="brief.pdf")], evidence=True)
    return in_mediation(dispute, mediator)


def staff_pages(dispute) -> list[str]:
    """The staff-only pages of a case worker's own case: the console, the record, the dispute
    room and the files."""
    attachment = Attachment.objects.get(contract=dispute.contract)
    return [
        "/admin/",
        reverse("admin:disputes_dispute_changelist"),
        reverse("admin:disputes_dispute_change", args=[dispute.pk]),
        reverse("admin:disputes_dispute_act", args=[dispute.pk, "message"]),
        reverse("admin:contracts_contract_change", args=[dispute.contract_id]),
        reverse("contracts:record", args=[dispute.contract_id]),
        dispute.get_absolute_url(),
        reverse("contracts:attachment", args=[attachment.pk]),
    ]


def sent_to(response, page: str, next_path: str) -> bool:
    return response.status_code == 302 and response["Location"] == (
        f"{page}?{urlencode({'next': next_path})}")


def password_login(client, username: str, next_path: str = "/"):
    return client.post(f"/accounts/login/?next={next_path}",
                       {"login": username, "password": PASSWORD})


# --- staff are made to enrol and pass ----------------------------------------------------------


def test_staff_without_mfa_are_sent_to_enrol_before_any_staff_page(client, case, mediator):
    assert not is_enrolled(mediator)
    login_without_second_factor(client, mediator)
    for path in staff_pages(case):
        assert sent_to(client.get(path), ENROL, path), path
    # a POST does nothing either: the console's action never runs
    response = client.post(reverse("admin:disputes_dispute_act", args=[case.pk, "message"]),
                           {"body": "Hello both."})
    assert response.status_code == 302 and response["Location"].startswith(ENROL)
    assert not case.contract.messages.filter(author=mediator).exists()
    # the pages needed to enrol stay open (allauth asks for the password first)
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert client.get(response["Location"]).status_code == 200


def test_the_admins_own_login_goes_through_allauth_and_its_second_factor(client, mediator):
    # signed out: the admin's login page hands over to the site's login, with its challenge
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    # signed in with the password only (not enrolled): the admin's login sends to enrolment
    assert password_login(client, "maya", "/admin/").status_code == 302
    assert sent_to(client.get("/admin/login/?next=/admin/"), ENROL, "/admin/login/?next=/admin/")
    assert sent_to(client.get("/admin/"), ENROL, "/admin/")


def test_an_enrolled_staff_member_signs_in_with_a_code_and_the_console_works(client, case,
                                                                            mediator):
    enrol_totp(mediator)
    response = password_login(client, "maya", "/admin/")
    assert (response.status_code, response["Location"]) == (302, LOGIN_CHALLENGE)
    assert client.get("/admin/").status_code == 302  # not signed in until the code
    wrong = client.post(LOGIN_CHALLENGE, {"code": "000000" if current_totp_code(mediator)
                                          != "000000" else "111111"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    response = client.post(LOGIN_CHALLENGE, {"code": current_totp_code(mediator)})
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    for path in staff_pages(case):
        response = client.get(path)
        assert response.status_code == 200, path
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)


def test_a_session_created_before_enrolment_must_pass_the_challenge(client, case, mediator):
    """Signed in with the password while not enrolled; meanwhile TOTP was set up (from
    another browser): that old session has never passed a second factor."""
    login_without_second_factor(client, mediator)
    enrol_totp(mediator)
    for path in staff_pages(case):
        assert sent_to(client.get(path), CHALLENGE, path), path
    # the challenge takes the code and lets the session through
    response = client.post(f"{CHALLENGE}?next=/admin/", {"code": current_totp_code(mediator)})
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200


# allauth announces the new authenticator once the activation's transaction commits: a real
# transaction here, as in production (inside a test's transaction it would never commit).
@pytest.mark.django_db(transaction=True)
def test_enrolling_through_the_pages_passes_the_second_factor_for_the_session(client,
                                                                             mediator):
    assert password_login(client, "maya", "/admin/").status_code == 302
    assert sent_to(client.get("/admin/"), ENROL, "/admin/")
    # allauth asks for the password again before setting up a second factor
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/reauthenticate/")
    assert client.post(response["Location"], {"password": PASSWORD}).status_code == 302
    page = client.get(ENROL)
    assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
    secret = client.session["mfa.totp.secret"]  # what the QR code holds
    response = client.post(ENROL, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    assert is_enrolled(mediator) and totp_secret(mediator) == secret
    # the code typed to enrol was the second factor: the console opens without another
    assert client.get("/admin/").status_code == 200
    assert any(r["method"] == "mfa" for r in get_authentication_records(
        client.get("/admin/").wsgi_request, mediator))


def test_the_helper_tests_use_passes_the_same_check(client, mediator):
    """`login` (conftest) enrols a staff member and writes allauth's record of a passed code;
    without it, force_login alone is sent to enrol. Both, so the helper cannot hide a hole."""
    login_without_second_factor(client, mediator)
    assert sent_to(client.get("/admin/"), ENROL, "/admin/")
    login(client, mediator)
    assert client.get("/admin/").status_code == 200


def test_a_superuser_and_staff_in_no_group_are_held_to_it_too(client):
    for user in (StaffFactory(is_superuser=True), StaffFactory()):
        login_without_second_factor(client, user)
        assert sent_to(client.get("/admin/"), ENROL, "/admin/")
        assert sent_to(client.get("/"), ENROL, "/")


# --- the secret at rest ------------------------------------------------------------------------


def test_the_stored_secret_is_not_the_plain_secret(mediator):
    secret = enrol_totp(mediator)
    stored = Authenticator.objects.filter(user=mediator, type="totp").values_list(
        "data", flat=True).get()["secret"]
    assert stored != secret and secret not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    fernet = Fernet(settings.MFA_ENCRYPTION_KEYS[0].encode())
    assert fernet.decrypt(stored.encode()).decode() == secret
    # recovery codes are derived from a seed, stored encrypted the same way
    seed = Authenticator.objects.get(user=mediator, type="recovery_codes").data["seed"]
    assert seed.startswith("gAAAAA") and len(fernet.decrypt(seed.encode())) >= 20
    # and with another key, nothing decrypts: the database alone gives no second factor
    with pytest.raises(Exception):  # noqa: B017 (cryptography's InvalidToken)
        Fernet(Fernet.generate_key()).decrypt(stored.encode())


def test_keys_rotate_old_secrets_still_work(mediator, settings):
    secret = enrol_totp(mediator)
    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode(),
                                    *settings.MFA_ENCRYPTION_KEYS]
    assert totp_secret(mediator) == secret


# --- parties may turn it on --------------------------------------------------------------------


def test_parties_are_not_forced_and_may_turn_it_on_from_their_profile(client):
    alice = ClientFactory(username="alice")
    login(client, alice)
    assert client.get("/").status_code == 200
    profile = client.get(reverse("profile_settings")).content.decode()
    assert 'id="enable-two-factor"' in profile and 'href="/accounts/2fa/totp/activate/"' in profile
    enrol_totp(alice)
    profile = client.get(reverse("profile_settings")).content.decode()
    assert "Manage two-factor sign-in" in profile and 'id="enable-two-factor"' not in profile
    client.logout()
    response = password_login(client, "alice")
    assert (response.status_code, response["Location"]) == (302, LOGIN_CHALLENGE)
    response = client.post(LOGIN_CHALLENGE, {"code": current_totp_code(alice)})
    assert (response.status_code, response["Location"]) == (302, "/")


# --- the demo ----------------------------------------------------------------------------------


def test_seed_demo_enrols_the_staff_and_demo_totp_prints_their_codes(settings):
    # seed_demo silences mail by setting EMAIL_BACKEND for its process; through the settings
    # fixture, that change ends with this test instead of muting every later one.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", "--force", stdout=StringIO())
    staff = {u.username: u for u in User.objects.filter(username__in=["maya", "arthur", "admin"])}
    assert all(is_enrolled(user) for user in staff.values())
    assert not is_enrolled(User.objects.get(username="alice"))
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_totp", stdout=StringIO())
    settings.DEBUG = True
    out = StringIO()
    with time_machine.travel(1_900_000_000, tick=False):  # TOTP reads time.time()
        call_command("demo_totp", stdout=out)
        expected = {name: current_totp_code(user) for name, user in staff.items()}
    printed = dict(re.findall(r"^(\w+)\s+(\d{6})$", out.getvalue(), re.M))
    assert printed == expected
    with pytest.raises(CommandError, match="Only the demo's staff"):
        call_command("demo_totp", "alice", stdout=StringIO())


def test_a_party_made_staff_is_held_to_it_at_once(client):
    """Promoting someone to the staff closes their existing session until they enrol."""
    person = ClientFactory()
    login(client, person)
    assert client.get("/").status_code == 200
    person.is_staff = True
    person.save()
    assert sent_to(client.get("/"), ENROL, "/")
    MediatorFactory()  # (another staff member changes nothing for this session)
    assert sent_to(client.get("/contracts/"), ENROL, "/contracts/")
