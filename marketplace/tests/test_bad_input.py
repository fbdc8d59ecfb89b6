"""Bad input is never a 500: NUL and other control characters in any path, query string,
cookie or form field, over every URL pattern of the site; forms refuse control characters on
the field; amounts, closure pseudonyms and the 503 while the database is unreachable."""

import re
import sys
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.utils import DataError, OperationalError
from django.forms import BaseForm, CharField, Textarea
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import login, postgres_only
from contracts.forms import MessageForm, MilestoneForm, OfferForm
from contracts.services.messages import message_post
from disputes.tests.factories import make_dispute
from marketplace.kernel.errors import DomainError
from marketplace.kernel.input import PlainTextMixin
from marketplace.kernel.models import User
from marketplace.kernel.services.accounts import account_close
from marketplace.site.views import server_error
from marketplace.tests.factories import ClientFactory, FreelancerFactory, MediatorFactory
from reputation.forms import JobForm
from reputation.models import Job

pytestmark = pytest.mark.django_db
PROJECT_PACKAGES = ("marketplace", "contracts", "disputes", "reputation")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


ALL_PATTERNS = sorted(set(_walk(get_resolver().url_patterns)))
INT = re.compile(r"<int:(\w+)>")
TEXT = re.compile(r"<(?:str:|path:)?(\w+)>")
GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")


def sample_path(pattern: str, ids: dict, text: str = "x") -> str:
    """A concrete path for a URL pattern: real ids where it takes numbers, `text` elsewhere."""
    path = pattern.replace("^", "").replace("$", "")
    path = INT.sub(lambda m: str(ids.get(m.group(1), 1)), path)
    path = path.replace("<slug:action>", "accept")
    path = TEXT.sub(quote(text, safe=""), path)
    path = GROUP.sub(quote(text, safe=""), path)
    return "/" + path


@pytest.fixture
def world():
    """One of each object the URLs name, so that a path reaches a real view."""
    dispute = make_dispute()
    contract = dispute.contract
    message_post(actor=contract.client, contract=contract, body="Hello")
    job = Job.objects.create(client=contract.client, title="A job", description="Work.",
                             budget_cents=10_000)
    ids = {"pk": contract.pk, "milestone_pk": contract.milestones.first().pk,
           "offer_pk": 1, "content_type_id": 1, "object_id": contract.pk}
    return {"contract": contract, "dispute": dispute, "job": job, "ids": ids,
            "mediator": MediatorFactory()}


def test_every_pattern_is_covered():
    assert len(ALL_PATTERNS) > 100  # the site, allauth and the admin
    assert "u/<str:username>/" in ALL_PATTERNS and "contracts/new/" in ALL_PATTERNS


@pytest.mark.parametrize("pattern", ALL_PATTERNS)
def test_control_characters_in_the_path_or_query_are_a_400_on_every_pattern(pattern, world):
    client = login(Client(), world["contract"].client)
    ids = world["ids"]
    for character in ("\x00", "\x01", "\x1b", "\x7f"):
        probes = [sample_path(pattern, ids) + "?q=" + quote(f"a{character}b"),
                  sample_path(pattern, ids) + "?" + quote(f"k{character}") + "=v"]
        if TEXT.search(pattern) or GROUP.search(pattern):  # a part that takes any text
            probes.append(sample_path(pattern, ids, text=f"a{character}b"))
        for path in probes:
            response = client.get(path)
            assert response.status_code == 400, path
            assert "control character" in response.content.decode()


@pytest.mark.parametrize("pattern", ALL_PATTERNS)
def test_nul_in_a_posted_form_is_a_400_on_every_pattern(pattern, world):
    client = login(Client(), world["contract"].client)
    response = client.post(sample_path(pattern, world["ids"]), {"body": "a\x00b", "q": "ok"})
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


FIELDS = ["body", "title", "description", "reason", "explanation", "message", "comment", "reply",
          "note", "q", "username", "email", "login", "password", "password1", "password2",
          "confirm", "amount", "cover_note", "findings", "policy_clause", "first_name", "skills",
          "bio", "headline", "budget", "price", "until", "fault", "outcome", "role", "timezone"]


@pytest.mark.parametrize("pattern", ALL_PATTERNS)
def test_other_control_characters_in_every_form_field_are_never_a_500(pattern, world):
    """Past the middleware (which takes only NUL from forms), each view's form refuses them or
    the view refuses the request; nothing answers 500."""
    path = sample_path(pattern, world["ids"])
    data = dict.fromkeys(FIELDS, "one\x01two\x1bthree\x0b")
    for who in (None, world["contract"].client, world["mediator"]):
        client = Client(raise_request_exception=False)
        if who is not None:
            login(client, who)
        for method in (client.get, client.post):
            response = method(path, data) if method == client.post else method(path)
            assert response.status_code < 500, (path, who, response.status_code)


def test_the_pages_of_the_review_answer_400_not_500(client, freelancer):
    login(client, ClientFactory())
    assert client.get("/u/a%00b/").status_code == 400
    assert client.get("/contracts/new/?freelancer=bob%00").status_code == 400
    assert client.get("/contracts/new/?freelancer=bob").status_code == 200


def test_a_nul_in_a_cookie_is_a_400(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert client.get("/").status_code == 400


# --- forms -------------------------------------------------------------------------------------


def _project_forms() -> list[type]:
    found, todo = [], list(BaseForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        module = cls.__module__
        if module.startswith(PROJECT_PACKAGES) and ".tests" not in module:
            found.append(cls)
    return found


def test_every_form_of_the_project_checks_its_text():
    forms = _project_forms()
    assert len(forms) > 20
    unchecked = [f"{f.__module__}.{f.__name__}" for f in forms if not issubclass(f, PlainTextMixin)]
    assert unchecked == [], "derive these from marketplace.kernel.input.Form or ModelForm"


@pytest.mark.parametrize(("form", "field", "data"), [
    (OfferForm, "title", {"title": "Logo\tdesign", "description": "A logo."}),
    (OfferForm, "description", {"title": "Logo", "description": "A logo\x1b[31m in red."}),
    (MilestoneForm, "title", {"title": "Part\r\none", "amount": "10"}),
    (JobForm, "skills", {"title": "Job", "description": "Work.", "skills": "SQL\x07",
                         "budget": "10"}),
    (MessageForm, "body", {"body": "Hello\x0cthere"}),
])
def test_a_text_field_refuses_control_characters_with_a_message_on_the_field(form, field, data):
    bound = form(data)
    assert not bound.is_valid()
    assert "Remove the control characters" in " ".join(bound.errors[field])


def test_multi_line_text_keeps_tabs_and_line_breaks():
    form = MessageForm({"body": "Line one\r\n\tindented line two\nthree"})
    assert form.is_valid(), form.errors
    assert isinstance(MessageForm.base_fields["body"].widget, Textarea)
    assert isinstance(OfferForm.base_fields["title"], CharField)


# --- the database refuses: a 503 that recovers, and a last guard for NUL ------------------------


def _raise(error):
    def fail(*args, **kwargs):
        raise error
    return fail


def test_an_unreachable_database_gives_a_friendly_503_and_the_page_comes_back(monkeypatch):
    user = ClientFactory()
    client = login(Client(raise_request_exception=False), user)
    outage = OperationalError("connection to server at 127.0.0.1, port 5432 failed")
    # the session is read in a middleware, before any view: the outage is met there
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", _raise(outage))
    for path in ("/", "/wallet/", "/policy/"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response["Retry-After"] == "30"
        body = response.content.decode()
        assert "Back in a moment" in body and "nothing you saved before is lost" in body
    monkeypatch.undo()
    assert client.get("/wallet/").status_code == 200


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_real_database_outage_answers_503_then_recovers(monkeypatch):
    """The connection's server goes away (a closed port, as during a restart): 503 with
    Retry-After; once it is back, the next request works without anyone restarting us."""
    user = ClientFactory()
    client = login(Client(raise_request_exception=False), user)
    port = connection.settings_dict["PORT"]
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")  # nothing listens there
    try:
        response = client.get("/wallet/")
        assert response.status_code == 503 and response["Retry-After"] == "30"
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert client.get("/wallet/").status_code == 200


def test_a_nul_the_database_refuses_is_a_400_and_other_errors_stay_500():
    request = RequestFactory().get("/")
    for error, status in ((DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
                           400), (ZeroDivisionError("a bug"), 500)):
        try:
            raise error
        except type(error):
            assert sys.exc_info()[1] is error
            assert server_error(request).status_code == status


# --- closure pseudonyms --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["closed-1", "Closed-42", "CLOSED-x"])
def test_sign_up_refuses_the_prefix_of_closed_accounts(client, name):
    response = client.post("/accounts/signup/", {
        "email": "someone@example.com", "username": name, "password1": "a-Long-pass-123",
        "password2": "a-Long-pass-123", "role": "client", "timezone": "UTC"})
    assert response.status_code == 200
    assert "are kept for closed accounts" in response.content.decode()
    assert not User.objects.filter(email="someone@example.com").exists()


def test_a_name_taken_before_the_prefix_was_reserved_cannot_block_a_closure():
    victim = FreelancerFactory()
    squatter = ClientFactory(username=f"Closed-{victim.pk}")  # e.g. made by an administrator
    account_close(actor=victim)
    victim.refresh_from_db()
    assert not victim.is_active and victim.closed_at is not None
    assert victim.username.startswith(f"closed-{victim.pk}-") and victim.username != squatter.username
    assert victim.email == f"{victim.username}@closed.invalid"


def test_closing_twice_is_refused_not_a_500():
    user = FreelancerFactory()
    account_close(actor=user)
    with pytest.raises(DomainError):
        account_close(actor=user)


def test_project_forms_are_found_in_every_app():
    modules = {f.__module__.split(".")[0] for f in _project_forms()}
    assert {"contracts", "disputes", "reputation", "marketplace"} <= modules
