"""Accounts: sign-up with role and time zone, email verification, login, profile, staff groups.

Spec section 2: one role per user chosen at sign-up, a time zone per user (dates shown in it),
a verified email before making or accepting an offer, and staff groups granted only what their
work needs by a post_migrate handler. Public profiles exist only for clients and freelancers.
"""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from conftest import login
from contracts.models import Contract, ContractState
from contracts.services.offers import MilestoneInput, offer_accept, offer_create
from contracts.tests.factories import make_offer
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event, Notification, Role, User
from marketplace.kernel.signals import grant_staff_permissions
from marketplace.tests.factories import ClientFactory, FreelancerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"
NEW_PASSWORD = "a-fresh-Secret-42"
VERIFY_TO_OFFER = "Verify your email address before making an offer."
VERIFY_TO_ACCEPT = "Verify your email address before accepting an offer."


def signup_data(**overrides) -> dict:
    data = {
        "username": "carol", "email": "carol@example.com",
        "password1": "Correct-Horse-7", "password2": "Correct-Horse-7",
        "role": "freelancer", "timezone": "Europe/Paris",
    }
    return {**data, **overrides}


def signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def link_in(mail, path_prefix: str) -> str:
    """The site-relative link starting with `path_prefix` in an email's body."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S+)", mail.body)
    assert match, f"no {path_prefix} link in: {mail.body}"
    return match.group(1)


def nothing_recorded() -> bool:
    return not (Contract.objects.exists() or Event.objects.exists()
                or Notification.objects.exists())


# --- sign-up and email verification -----------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CLIENT, Role.FREELANCER])
def test_signup_stores_role_and_time_zone_and_sends_a_confirmation(
        role, client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # queued mail, sent after commit
        response = client.post(reverse("account_signup"), signup_data(role=role))

    assert response.status_code == 302
    user = User.objects.get(username="carol")
    assert (user.role, user.timezone, user.email) == (role, "Europe/Paris", "carol@example.com")
    assert user.check_password("Correct-Horse-7")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == ("carol@example.com", True, False)
    assert not user.has_verified_email
    assert signed_in_user_id(client) == str(user.pk)
    assert [m.to for m in mailoutbox] == [["carol@example.com"]]
    assert link_in(mailoutbox[0], "/accounts/confirm-email/")


def test_following_the_confirmation_link_verifies_the_address(
        client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), signup_data())
    link = link_in(mailoutbox[0], "/accounts/confirm-email/")
    address = EmailAddress.objects.get(email="carol@example.com")

    assert 'id="verify-email-banner"' in client.get(reverse("dashboard")).content.decode()

    page = client.get(link)
    assert page.status_code == 200
    assert "carol@example.com" in page.content.decode()
    address.refresh_from_db()
    assert not address.verified, "a GET must not confirm (mail scanners follow links)"

    response = client.post(link)
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.verified
    assert User.objects.get(username="carol").has_verified_email
    assert 'id="verify-email-banner"' not in client.get(reverse("dashboard")).content.decode()


def test_a_forged_confirmation_key_verifies_nothing(client, mailoutbox):
    client.post(reverse("account_signup"), signup_data())
    response = client.post(reverse("account_confirm_email", args=["not-a-real-key"]))
    assert response.status_code in (200, 404)
    assert not EmailAddress.objects.get(email="carol@example.com").verified


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Mars/Olympus_Mons"),
        ("timezone", ""),
        ("role", "staff"),
        ("role", ""),
    ],
)
def test_signup_refuses_an_invalid_time_zone_or_role(field, value, client, mailoutbox):
    response = client.post(reverse("account_signup"), signup_data(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not User.objects.filter(username="carol").exists()
    assert not EmailAddress.objects.exists()
    assert mailoutbox == []
    assert signed_in_user_id(client) is None


def test_signup_refuses_an_email_already_in_use(client, client_user, mailoutbox):
    response = client.post(reverse("account_signup"), signup_data(email=client_user.email))
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not User.objects.filter(username="carol").exists()
    assert EmailAddress.objects.filter(email=client_user.email).count() == 1
    assert mailoutbox == []


def test_a_signed_up_freelancer_can_accept_only_after_verifying(
        client, client_user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), signup_data(role="freelancer"))
    carol = User.objects.get(username="carol")
    contract = make_offer(client_user, carol)

    with pytest.raises(DomainError, match=VERIFY_TO_ACCEPT):
        offer_accept(actor=carol, contract=contract)
    assert Contract.objects.get(pk=contract.pk).state == ContractState.OFFERED

    client.post(link_in(mailoutbox[0], "/accounts/confirm-email/"))
    carol = User.objects.get(pk=carol.pk)  # a fresh instance: has_verified_email is cached
    offer_accept(actor=carol, contract=contract)
    assert Contract.objects.get(pk=contract.pk).state == ContractState.ACTIVE


# --- unverified users cannot make or accept offers ---------------------------------------------


def test_unverified_client_cannot_make_an_offer(freelancer, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    unverified = ClientFactory(verified=False)
    with django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(DomainError, match=VERIFY_TO_OFFER):
        offer_create(client=unverified, freelancer=freelancer, title="Logo",
                     description="A logo.", milestones=[MilestoneInput("Logo", 20_000)])
    assert nothing_recorded()
    assert mailoutbox == []


def offer_post_data() -> dict:
    return {
        "title": "Logo design", "description": "A logo in three colours.",
        "milestones-TOTAL_FORMS": "1", "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0", "milestones-MAX_NUM_FORMS": "20",
        "milestones-0-title": "Logo", "milestones-0-amount": "200.00",
        "milestones-0-due_date": "",
    }


def test_offer_page_shows_the_refusal_to_an_unverified_client_and_creates_nothing(
    client, freelancer, mailoutbox, django_capture_on_commit_callbacks
):
    login(client, ClientFactory(verified=False))
    url = reverse("contracts:new") + f"?freelancer={freelancer.username}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, offer_post_data())
    assert response.status_code == 400
    assert VERIFY_TO_OFFER in response.content.decode()
    assert VERIFY_TO_OFFER in response.context["form"].non_field_errors()
    assert nothing_recorded()
    assert mailoutbox == []


def test_the_same_offer_from_a_verified_client_is_made(
    client, client_user, freelancer, mailoutbox, django_capture_on_commit_callbacks
):
    """The control for the test above: the form data is valid, only the email differs."""
    login(client, client_user)
    url = reverse("contracts:new") + f"?freelancer={freelancer.username}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, offer_post_data())
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == contract.get_absolute_url()
    assert (contract.client, contract.freelancer, contract.state) == (
        client_user, freelancer, ContractState.OFFERED)
    assert [m.to for m in mailoutbox] == [[freelancer.email]]


def test_unverified_freelancer_cannot_accept(client_user, mailoutbox,
                                             django_capture_on_commit_callbacks):
    unverified = FreelancerFactory(verified=False)
    contract = make_offer(client_user, unverified)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(DomainError, match=VERIFY_TO_ACCEPT):
        offer_accept(actor=unverified, contract=contract)
    contract.refresh_from_db()
    assert contract.state == ContractState.OFFERED
    assert list(Event.objects.filter(contract=contract).values_list("kind", flat=True)) == [
        "offer.made"]
    assert mailoutbox == []


# --- login, logout, password reset -------------------------------------------------------------


@pytest.mark.parametrize("login_with", ["username", "email"])
def test_login_with_username_or_email(login_with, client, client_user):
    identifier = getattr(client_user, login_with)
    response = client.post(reverse("account_login"), {"login": identifier, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert signed_in_user_id(client) == str(client_user.pk)


def test_login_with_a_wrong_password_fails(client, client_user):
    response = client.post(reverse("account_login"),
                           {"login": client_user.username, "password": "wrong-password"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert signed_in_user_id(client) is None


def test_logout_needs_a_post(client, client_user):
    login(client, client_user)
    response = client.get(reverse("account_logout"))
    assert response.status_code == 200
    assert signed_in_user_id(client) == str(client_user.pk), "a GET must not sign out"

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert signed_in_user_id(client) is None
    assert client.get(reverse("contracts:list")).status_code == 302


def test_password_reset_mails_a_link_that_sets_a_new_password(
        client, client_user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": client_user.email})
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[client_user.email]]

    link = link_in(mailoutbox[0], "/accounts/password/reset/key/")
    page = client.get(link, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    client_user.refresh_from_db()
    assert client_user.check_password(NEW_PASSWORD)
    assert not client_user.check_password(PASSWORD)


# --- profile and time zone ---------------------------------------------------------------------


def profile_data(user, **overrides) -> dict:
    data = {"first_name": user.first_name, "last_name": user.last_name,
            "timezone": user.timezone, "headline": "", "skills": "", "bio": ""}
    return {**data, **overrides}


def test_profile_updates_the_time_zone(client, freelancer):
    login(client, freelancer)
    response = client.post(reverse("profile_settings"),
                           profile_data(freelancer, timezone="Asia/Tokyo", headline="Django dev"))
    assert response.status_code == 302
    freelancer.refresh_from_db()
    assert (freelancer.timezone, freelancer.headline) == ("Asia/Tokyo", "Django dev")


def test_profile_refuses_an_unknown_time_zone(client, freelancer):
    login(client, freelancer)
    response = client.post(reverse("profile_settings"),
                           profile_data(freelancer, timezone="Mars/Olympus_Mons"))
    assert response.status_code == 200
    assert response.context["form"].errors["timezone"]
    freelancer.refresh_from_db()
    assert freelancer.timezone == "UTC"


def test_profile_cannot_change_the_role(client, client_user):
    login(client, client_user)
    client.post(reverse("profile_settings"), profile_data(client_user, role="freelancer"))
    client_user.refresh_from_db()
    assert client_user.role == Role.CLIENT


@time_machine.travel(datetime(2030, 1, 10, 12, 0, tzinfo=UTC), tick=False)
def test_dashboard_shows_deadlines_in_the_users_time_zone(client, client_user, freelancer):
    contract = make_offer(client_user, freelancer)
    assert contract.deadline_at == datetime(2030, 1, 24, 12, 0, tzinfo=UTC)
    login(client, freelancer)

    html = client.get(reverse("dashboard")).content.decode()
    assert "Thu 24 Jan 2030, 12:00 UTC" in html
    assert 'datetime="2030-01-24T12:00:00+00:00"' in html

    client.post(reverse("profile_settings"), profile_data(freelancer, timezone="Asia/Tokyo"))
    html = client.get(reverse("dashboard")).content.decode()
    assert "Thu 24 Jan 2030, 21:00 JST" in html
    assert 'datetime="2030-01-24T21:00:00+09:00"' in html
    assert "12:00 UTC" not in html

    # The client, still in UTC, sees the same deadline in UTC.
    login(client, client_user)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Thu 24 Jan 2030, 12:00 UTC" in html


# --- staff groups ------------------------------------------------------------------------------


GROUPS = ["Mediators", "Arbitrators", "Lead mediators", "Lead arbitrators"]
# What case work reads (scoped to the user's cases by the admins); never wallets, the ledger,
# settlements or the record's admin, which are for superusers.
CASE_READS = {"disputes.view_dispute", "contracts.view_contract", "contracts.view_milestone",
              "contracts.view_message", "contracts.view_attachment"}
NEVER_READ = {"contracts.view_account", "contracts.view_ledgertransaction",
              "contracts.view_entry", "contracts.view_settlement", "marketplace.view_event",
              "marketplace.view_user"}
WRITE_VERBS = ("add_", "change_", "delete_")


def group_perms(name: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename")
    }


def contracts_view_perms() -> set[str]:
    return {f"contracts.view_{m._meta.model_name}"
            for m in apps.get_app_config("contracts").get_models()}


def test_contracts_app_has_models_to_grant():
    assert {"contracts.view_contract", "contracts.view_milestone"} <= contracts_view_perms()


@pytest.mark.parametrize("name", GROUPS)
def test_staff_groups_exist_after_migrate_with_view_permissions(name):
    perms = group_perms(name)
    assert perms >= CASE_READS
    assert not perms & NEVER_READ
    # Mediators also read the reported messages they decide on (policy §5.6).
    reports = {"contracts.view_messagereport"} if name == "Mediators" else set()
    assert {p for p in perms if p.split(".")[1].startswith("view_")} == CASE_READS | reports


@pytest.mark.parametrize("name", GROUPS)
def test_staff_groups_cannot_write_contracts_or_events(name):
    perms = group_perms(name)
    written = {p for p in perms if p.split(".")[1].startswith(WRITE_VERBS)}
    assert not {p for p in written if p.startswith("contracts.")}
    assert not written & {f"marketplace.{verb}event" for verb in WRITE_VERBS}
    # Nothing outside the case work: no users, groups, ledger edits or other apps' writes.
    assert {p.split(".")[0] for p in written} <= {"disputes"}


@pytest.mark.parametrize("worker", ["mediator", "arbitrator"])
def test_case_workers_read_but_never_write_the_record(worker, request):
    user = User.objects.get(pk=request.getfixturevalue(worker).pk)  # fresh permission cache
    assert user.has_perm("contracts.view_contract")
    assert not user.has_perm("marketplace.view_event")  # the record's admin: superusers only
    assert not user.has_perm("contracts.view_account")
    for perm in Permission.objects.filter(content_type__app_label="contracts"):
        if perm.codename.startswith(WRITE_VERBS):
            assert not user.has_perm(f"contracts.{perm.codename}")
    for verb in WRITE_VERBS:
        assert not user.has_perm(f"marketplace.{verb}event")
        assert not user.has_perm(f"marketplace.{verb}user")


def test_granting_again_is_idempotent(mediator):
    before = {name: group_perms(name) for name in GROUPS}
    grant_staff_permissions()
    grant_staff_permissions()
    assert {name: group_perms(name) for name in GROUPS} == before
    assert Group.objects.filter(name__in=GROUPS).count() == 4
    assert mediator.groups.filter(name="Mediators").exists()


def test_granting_again_restores_what_is_missing_and_removes_what_is_extra():
    group = Group.objects.get(name="Mediators")
    before = group_perms("Mediators")
    group.permissions.remove(Permission.objects.get(codename="view_contract"))
    group.permissions.add(Permission.objects.get(codename="delete_contract"))
    grant_staff_permissions()
    assert group_perms("Mediators") == before


@pytest.mark.as_owner  # migrate runs as the owner
def test_migrate_runs_the_grant(mediator):
    Group.objects.get(name="Arbitrators").permissions.clear()
    call_command("migrate", verbosity=0, interactive=False)
    assert CASE_READS | {"disputes.arbitrate_dispute"} <= group_perms("Arbitrators")


# --- public profile ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["client_user", "freelancer"])
def test_public_profile_of_a_client_or_freelancer(who, request, client):
    person = request.getfixturevalue(who)
    response = client.get(reverse("public_profile", args=[person.username]))
    assert response.status_code == 200
    assert response.context["person"] == person
    html = response.content.decode()
    assert person.display_name in html and person.get_role_display() in html


@pytest.mark.parametrize("who", ["mediator", "arbitrator", "unknown", "inactive"])
def test_no_public_profile_for_staff_unknown_or_inactive_names(who, request, client):
    if who == "unknown":
        username = "nobody-by-this-name"
    elif who == "inactive":
        username = FreelancerFactory(is_active=False).username
    else:
        username = request.getfixturevalue(who).username
    response = client.get(reverse("public_profile", args=[username]))
    assert response.status_code == 404
    assert "person" not in (response.context or {})
