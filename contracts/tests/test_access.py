"""Who may open what: every URL of the project, walked as every kind of user, and CSRF on every POST.

The URL list is discovered from the resolver, so a new URL that takes an id (or any other
argument), or a new page at all, fails these tests until someone says how to check it.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from conftest import login
from contracts.actions import CONTRACT_ACTIONS, MILESTONE_ACTIONS
from contracts.models import (
    Account,
    Attachment,
    Contract,
    Entry,
    Message,
    MessageReport,
    Milestone,
)
from contracts.services.lifecycle import contract_complete
from contracts.services.messages import message_post
from contracts.services.milestones import milestone_approve, milestone_fund, milestone_submit
from contracts.tests.factories import (
    deposit,
    make_active_contract,
    make_funded_contract,
    make_offer,
    new_key,
)
from disputes.actions import CANCELLATION_ACTIONS, DISPUTE_ACTIONS, OFFER_ACTIONS
from disputes.models import CancellationRequest, Dispute, SettlementOffer
from disputes.services.cancellations import (
    cancellation_deny,
    cancellation_dispute,
    cancellation_message,
)
from disputes.services.casework import dispute_assign_mediator, dispute_propose
from disputes.services.disputes import dispute_make_offer, dispute_request_mediation
from disputes.tests.factories import EXPLANATION, make_request
from marketplace.kernel.models import Event, IdempotencyKey, Notification, User
from marketplace.tests.factories import FreelancerFactory, MediatorFactory, StaffFactory
from reputation.actions import APPLICATION_ACTIONS, JOB_ACTIONS
from reputation.models import Application, Feedback, Job
from reputation.services.feedback import feedback_submit
from reputation.services.jobs import job_apply, job_post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(13) + b"access-test-png-payload"
SECRET_TITLE = "Quiet harbour booking engine"
CSRF_SECRET = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6"  # 32 characters: Django's unmasked cookie form


# --- discovering the project's URLs ---------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the route itself for an unnamed pattern
    route: str
    kwargs: tuple[str, ...]
    int_kwargs: tuple[str, ...]  # the ones an <int:...> converter fills: object ids


def _is_third_party(resolver: URLResolver) -> bool:
    """The admin site and allauth's account pages are theirs to test, not ours."""
    if resolver.namespace == "admin" or resolver.app_name == "admin":
        return True
    module = resolver.urlconf_name
    module_name = module if isinstance(module, str) else getattr(module, "__name__", "")
    return module_name.startswith("allauth")


def _arguments(pattern) -> tuple[tuple[str, bool], ...]:
    """Each named argument of a pattern, and whether an int converter fills it."""
    converters = getattr(pattern, "converters", {})
    return tuple((name, isinstance(converters.get(name), IntConverter))
                 for name in pattern.regex.groupindex)


def project_routes() -> list[Route]:
    found: list[Route] = []

    def walk(resolver, prefix: str, namespace: str, inherited: tuple):
        for entry in resolver.url_patterns:
            arguments = inherited + _arguments(entry.pattern)
            if isinstance(entry, URLResolver):
                if _is_third_party(entry):
                    continue
                inner = ":".join(part for part in (namespace, entry.namespace) if part)
                walk(entry, prefix + str(entry.pattern), inner, arguments)
                continue
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            found.append(Route(name=name or route, route=route,
                               kwargs=tuple(sorted(a for a, _ in arguments)),
                               int_kwargs=tuple(sorted(a for a, is_int in arguments if is_int))))

    walk(get_resolver(), "", "", ())
    return found


# --- the world every request is made in: alice (client) and bob (freelancer) ----------------


class World:
    """Objects between alice and bob, each made through the services when first asked for."""

    def __init__(self, client: User, freelancer: User, media_root: Path):
        self.client, self.freelancer, self.media_root = client, freelancer, media_root

    @cached_property
    def offer(self) -> Contract:
        """An offer with one message from bob, carrying one attachment."""
        contract = make_offer(client=self.client, freelancer=self.freelancer, title=SECRET_TITLE)
        message_post(actor=self.freelancer, contract=contract, body="A first calendar draft.",
                     files=[ContentFile(PNG, name="draft.png")])
        return contract

    @cached_property
    def milestone(self) -> Milestone:
        return self.offer.milestones.get()

    @cached_property
    def attachment(self) -> Attachment:
        return Attachment.objects.get(contract=self.offer)

    @cached_property
    def active(self) -> Contract:
        return make_active_contract(client=self.client, freelancer=self.freelancer,
                                    title=SECRET_TITLE)

    def funded(self) -> Contract:
        return make_funded_contract(client=self.client, freelancer=self.freelancer,
                                    title=SECRET_TITLE, amounts=(30_000, 20_000), fund=2, submit=1)

    @cached_property
    def case(self) -> CancellationRequest:
        """Alice asked to cancel; it is bob's turn."""
        return make_request(initiator="client", contract=self.funded())

    def new_dispute(self) -> Dispute:
        """Alice asked to cancel; bob disputed it: the dispute is in direct negotiation."""
        request = make_request(initiator="client", contract=self.funded())
        return cancellation_dispute(actor=self.freelancer, request=request,
                                    reason="The calendar works; the cancellation is unfair.")

    @cached_property
    def dispute(self) -> Dispute:
        return self.new_dispute()

    def new_job(self) -> Job:
        return job_post(actor=self.client, title=SECRET_TITLE, skills="Django",
                        description="A calendar for the harbour office.", budget_cents=50_000)

    @cached_property
    def job(self) -> Job:
        return self.new_job()

    @cached_property
    def application(self) -> Application:
        """Bob applied to alice's job."""
        return job_apply(actor=self.freelancer, job=self.job, cover_note="I built three.",
                         price_cents=45_000)

    @cached_property
    def completed(self) -> Contract:
        contract = make_funded_contract(client=self.client, freelancer=self.freelancer,
                                        title=SECRET_TITLE, amounts=(10_000,), fund=1, submit=1)
        milestone_approve(actor=self.client, milestone=contract.milestones.get())
        return contract_complete(actor=self.client, contract=contract)

    def leave_feedback(self, author: User) -> Feedback:
        return feedback_submit(actor=author, contract=self.completed, rating=5, communication=5,
                               quality_or_clarity=4, professionalism=5,
                               comment="Clear brief, quick answers.")

    @cached_property
    def feedback_about_bob(self) -> Feedback:
        """Both left feedback, so it is public; bob may reply to alice's."""
        feedback = self.leave_feedback(self.client)
        self.leave_feedback(self.freelancer)
        return feedback

    @cached_property
    def settlement_offer(self) -> SettlementOffer:
        """Alice's offer in the dispute; bob may accept it."""
        return dispute_make_offer(actor=self.client, dispute=self.dispute, outcome="continue",
                                  amount_cents=0, fault="none", message="Let us go on.")


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def world(client_user, freelancer, media_root) -> World:
    return World(client_user, freelancer, media_root)


def snapshot(world: World) -> dict:
    """Everything a request could change, compared before and after."""
    return {
        "contracts": sorted(Contract.objects.values_list("pk", "state")),
        "milestones": sorted(Milestone.objects.values_list("pk", "state")),
        "balances": sorted(Account.objects.values_list("pk", "balance_cents")),
        "ledger_entries": Entry.objects.count(),
        "idempotency_keys": IdempotencyKey.objects.count(),
        "cancellations": sorted(CancellationRequest.objects.values_list(
            "pk", "state", "turn_user_id", "amount_to_freelancer_cents", "fault")),
        "disputes": sorted(Dispute.objects.values_list("pk", "state")),
        "settlement_offers": sorted(SettlementOffer.objects.values_list("pk", "state")),
        "jobs": sorted(Job.objects.values_list("pk", "state")),
        "applications": sorted(Application.objects.values_list("pk", "state")),
        "feedback": sorted(Feedback.objects.values_list("pk", "revealed_at", "reply")),
        "events": Event.objects.count(),
        "messages": Message.objects.count(),
        "attachments": Attachment.objects.count(),
        "notifications": sorted(Notification.objects.values_list("pk", "read_at")),
        "users": sorted(User.objects.values_list("pk", "first_name", "last_name", "timezone",
                                                 "bio", "is_active", "closed_at")),
        "files": sorted(str(p) for p in world.media_root.rglob("*") if p.is_file()),
    }


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        # Reading to the end closes the file (and not the test's database connection).
        return b"".join(response.streaming_content)
    return response.content


def assert_sent_to_login(response, path: str) -> None:
    assert response.status_code == 302, response.status_code
    location = urlsplit(response.url)
    assert location.path == reverse("account_login")
    assert parse_qs(location.query)["next"] == [path]


# --- (a) every id-taking URL × every kind of user --------------------------------------------


@dataclass(frozen=True)
class IdUrl:
    """How to request one id-taking URL in the world, and what an allowed user must get."""

    kwargs: Callable[[World, str], dict]
    proof: Callable[[World], bytes] = lambda w: SECRET_TITLE.encode()  # only for allowed eyes
    variants: Callable[[], list[str]] = lambda: [""]
    # A POST-only URL: the data, where an allowed POST lands, and what it must have written
    # (a GET with `allowed_redirect`: a link that redirects, such as opening a notice).
    post: Callable[[World], dict] | None = None
    allowed_redirect: Callable[[World], str] | None = None
    allowed_effect: Callable[[World, User, dict, dict], None] | None = None
    # Who may open it, when not both parties (and, for CASE_WORKER_URLS, case workers).
    allowed_roles: frozenset[str] | None = None


def _posted(contract_of: Callable[[World], Contract], body: str, **tags: Callable):
    def effect(world: World, user: User, before: dict, after: dict) -> None:
        assert after["messages"] == before["messages"] + 1
        assert after["events"] == before["events"] + 1
        message = Message.objects.latest("id")
        assert (message.contract_id, message.author_id, message.body) == (
            contract_of(world).pk, user.pk, body)
        for tag, of in tags.items():
            assert getattr(message, f"{tag}_id") == of(world).pk
        assert after["contracts"] == before["contracts"]
        assert after["cancellations"] == before["cancellations"]

    return effect


def _offer_notice(world: World) -> Notification:
    return Notification.objects.filter(user=world.freelancer, contract=world.offer).earliest("id")


def _opened(world: World, before: dict, after: dict) -> None:
    assert Notification.objects.get(pk=_offer_notice(world).pk).read_at is not None
    assert {k: v for k, v in after.items() if k != "notifications"} == {
        k: v for k, v in before.items() if k != "notifications"}


def _replied(world: World) -> None:
    feedback = Feedback.objects.get(pk=world.feedback_about_bob.pk)
    assert (feedback.receiver_id, feedback.reply) == (world.freelancer.pk, "Thank you, Alice.")


# Every URL pattern that takes an argument must be listed here: a test below fails otherwise.
ID_URLS: dict[str, IdUrl] = {
    "contracts:detail": IdUrl(kwargs=lambda w, v: {"pk": w.offer.pk}),
    "contracts:record": IdUrl(kwargs=lambda w, v: {"pk": w.offer.pk}),
    "contracts:action": IdUrl(
        kwargs=lambda w, action: {"pk": w.offer.pk, "action": action},
        variants=lambda: list(CONTRACT_ACTIONS),
    ),
    "contracts:milestone_new": IdUrl(kwargs=lambda w, v: {"pk": w.offer.pk}),
    "contracts:milestone_action": IdUrl(
        kwargs=lambda w, action: {"pk": w.offer.pk, "milestone_pk": w.milestone.pk,
                                  "action": action},
        variants=lambda: list(MILESTONE_ACTIONS),
    ),
    "contracts:message": IdUrl(
        kwargs=lambda w, v: {"pk": w.offer.pk},
        post=lambda w: {"body": "Is the calendar weekly or monthly?"},
        allowed_redirect=lambda w: w.offer.get_absolute_url() + "#thread",
        allowed_effect=_posted(lambda w: w.offer, "Is the calendar weekly or monthly?"),
    ),
    "contracts:attachment": IdUrl(kwargs=lambda w, v: {"pk": w.attachment.pk},
                                  proof=lambda w: PNG),
    # Bob's message on the offer: the report form (the author may open it, never send it).
    "contracts:message_report": IdUrl(
        kwargs=lambda w, v: {"pk": w.offer.pk, "message_pk": w.attachment.message_id}),
    "public_profile": IdUrl(kwargs=lambda w, v: {"username": w.freelancer.username},
                            proof=lambda w: b"Bob Baker"),
    "disputes:cancellation_new": IdUrl(kwargs=lambda w, v: {"pk": w.active.pk}),
    "disputes:cancellation": IdUrl(kwargs=lambda w, v: {"pk": w.case.pk}),
    "disputes:cancellation_action": IdUrl(
        kwargs=lambda w, action: {"pk": w.case.pk, "action": action},
        variants=lambda: list(CANCELLATION_ACTIONS),
    ),
    "disputes:cancellation_message": IdUrl(
        kwargs=lambda w, v: {"pk": w.case.pk},
        post=lambda w: {"body": "Can we talk about the amount?"},
        allowed_redirect=lambda w: w.case.get_absolute_url() + "#dialogue",
        allowed_effect=_posted(lambda w: w.case.contract, "Can we talk about the amount?",
                               cancellation=lambda w: w.case),
    ),
    "disputes:dispute": IdUrl(kwargs=lambda w, v: {"pk": w.dispute.pk}),
    "disputes:dispute_action": IdUrl(
        kwargs=lambda w, action: {"pk": w.dispute.pk, "action": action},
        variants=lambda: list(DISPUTE_ACTIONS),
    ),
    "disputes:offer_action": IdUrl(
        kwargs=lambda w, action: {"pk": w.dispute.pk, "offer_pk": w.settlement_offer.pk,
                                  "action": action},
        variants=lambda: list(OFFER_ACTIONS),
    ),
    "reputation:job": IdUrl(kwargs=lambda w, v: {"pk": w.job.pk}),
    "reputation:job_action": IdUrl(
        kwargs=lambda w, action: {"pk": w.job.pk, "action": action},
        variants=lambda: list(JOB_ACTIONS),
        allowed_roles=frozenset({"client"}),  # only the client who posted the job
    ),
    "reputation:application_action": IdUrl(
        kwargs=lambda w, action: {"pk": w.application.pk, "action": action},
        variants=lambda: list(APPLICATION_ACTIONS),
    ),
    "reputation:feedback": IdUrl(kwargs=lambda w, v: {"pk": w.completed.pk}),
    "reputation:reply": IdUrl(
        kwargs=lambda w, v: {"pk": w.feedback_about_bob.pk},
        proof=lambda w: b"Clear brief, quick answers.",
        post=lambda w: {"reply": "Thank you, Alice."},
        allowed_roles=frozenset({"freelancer"}),  # only the person the feedback is about
        allowed_redirect=lambda w: reverse("public_profile", args=[w.freelancer.username]),
        allowed_effect=lambda w, user, before, after: _replied(w),
    ),
    # Opening bob's notice of the offer: a link (GET) that marks it read and redirects to
    # its page; only bob's own notice, everyone else gets 404 and it stays unread.
    "notifications_open": IdUrl(
        kwargs=lambda w, v: {"pk": _offer_notice(w).pk},
        allowed_roles=frozenset({"freelancer"}),
        allowed_redirect=lambda w: _offer_notice(w).url,
        allowed_effect=lambda w, user, before, after: _opened(w, before, after),
    ),
    "disputes:dispute_message": IdUrl(
        kwargs=lambda w, v: {"pk": w.dispute.pk},
        post=lambda w: {"body": "Which part of the brief is missing?"},
        allowed_redirect=lambda w: w.dispute.get_absolute_url() + "#case-thread",
        allowed_effect=_posted(lambda w: w.dispute.contract, "Which part of the brief is missing?",
                               dispute=lambda w: w.dispute),
    ),
}
# Public by design: profiles (spec section 2) and the job board's open jobs (section 7).
PUBLIC_URLS = {"public_profile", "reputation:job"}
# Case workers read only the contracts of the cases in their queue or held by them (spec
# sections 2 and 9); none of the world's contracts is: their negotiation has no case worker.
# The need-to-know tests (disputes/tests/test_need_to_know.py) open a case worker's own case.
CASE_WORKER_URLS: set[str] = set()

PARTIES = {"client", "freelancer"}
CASE_WORKERS = {"mediator", "arbitrator"}
ROLES = ["anonymous", "client", "freelancer", "stranger", "stranger_freelancer", "staff",
         "mediator", "arbitrator"]


@pytest.fixture
def person(request):
    """The user playing a role; None for anonymous."""

    def get(role: str) -> User | None:
        return {
            "anonymous": lambda: None,
            "client": lambda: request.getfixturevalue("client_user"),
            "freelancer": lambda: request.getfixturevalue("freelancer"),
            "stranger": lambda: request.getfixturevalue("stranger"),
            "stranger_freelancer": lambda: FreelancerFactory(username="eve"),
            # Staff without the Mediators or Arbitrators group: no case-worker rights.
            "staff": lambda: StaffFactory(username="sam"),
            "mediator": lambda: request.getfixturevalue("mediator"),
            "arbitrator": lambda: request.getfixturevalue("arbitrator"),
        }[role]()

    return get


def expected_outcome(name: str, role: str) -> str:
    if name in PUBLIC_URLS:
        return "allowed"
    if role == "anonymous":
        return "login"
    allowed_roles = ID_URLS[name].allowed_roles
    if allowed_roles is not None:
        return "allowed" if role in allowed_roles else "not_found"
    if role in PARTIES or (role in CASE_WORKERS and name in CASE_WORKER_URLS):
        return "allowed"
    return "not_found"


def _request(client, world: World, name: str, kwargs: dict):
    spec = ID_URLS[name]
    path = reverse(name, kwargs=kwargs)
    if spec.post is not None:
        return path, client.post(path, spec.post(world))
    return path, client.get(path)


MATRIX = [
    pytest.param(name, variant, role, id=f"{name}{'/' + variant if variant else ''}-{role}")
    for name, spec in ID_URLS.items()
    for variant in spec.variants()
    for role in ROLES
]


def test_every_url_with_arguments_is_covered_by_the_access_matrix():
    taking_arguments = {r.name for r in project_routes() if r.kwargs}
    unknown = taking_arguments - set(ID_URLS)
    assert not unknown, f"new URLs taking an id: add them to ID_URLS in {__file__}: {unknown}"
    stale = set(ID_URLS) - taking_arguments
    assert not stale, f"ID_URLS lists URLs that no longer exist: {stale}"


def test_url_discovery_sees_the_project_and_skips_admin_and_allauth():
    routes = {r.name: r for r in project_routes()}
    assert routes["contracts:action"].kwargs == ("action", "pk")
    assert routes["contracts:action"].int_kwargs == ("pk",)
    assert routes["public_profile"].kwargs == ("username",)
    assert "profile_settings" in routes  # ours, though it lives under accounts/
    assert not any(r.route.startswith("admin/") for r in routes.values())
    assert "account_login" not in routes
    assert not any(name.startswith("admin:") for name in routes)


@pytest.mark.parametrize(("name", "actions"), [
    ("contracts:action", CONTRACT_ACTIONS),
    ("contracts:milestone_action", MILESTONE_ACTIONS),
    ("disputes:cancellation_action", CANCELLATION_ACTIONS),
    ("disputes:dispute_action", DISPUTE_ACTIONS),
    ("disputes:offer_action", OFFER_ACTIONS),
    ("reputation:job_action", JOB_ACTIONS),
    ("reputation:application_action", APPLICATION_ACTIONS),
])
def test_the_matrix_covers_every_action(name, actions):
    covered = {variant for url, variant, role in (p.values for p in MATRIX) if url == name}
    assert covered == set(actions)
    if name == "contracts:action":
        assert {"accept", "decline", "withdraw"} <= covered


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "variant", "role"), MATRIX)
def test_access_matrix(client, world, person, name, variant, role):
    spec = ID_URLS[name]
    user = person(role)
    if user is not None:
        login(client, user)
    kwargs = spec.kwargs(world, variant)
    proof = spec.proof(world)
    before = snapshot(world)

    path, response = _request(client, world, name, kwargs)
    content = body_of(response)
    after = snapshot(world)

    outcome = expected_outcome(name, role)
    if outcome == "login":
        assert_sent_to_login(response, path)
        assert proof not in content
        assert after == before
    elif outcome == "not_found":
        # 404, never 403: an id must not tell a stranger that the object exists.
        assert response.status_code == 404, response.status_code
        assert proof not in content
        assert after == before
    elif spec.allowed_redirect is not None:  # a POST, or a link that redirects
        assert response.status_code == 302, response.status_code
        assert response.url == spec.allowed_redirect(world)
        spec.allowed_effect(world, user, before, after)
    else:
        assert response.status_code == 200, response.status_code
        assert proof in content
        assert after == before, "a GET changed something"


# Each integer id of each URL is tried with a value that matches nothing.
ID_KWARGS = [
    pytest.param(route.name, kwarg, id=f"{route.name}-{kwarg}")
    for route in project_routes() if route.name in ID_URLS and route.name not in PUBLIC_URLS
    for kwarg in route.int_kwargs
]


def test_every_id_of_every_url_is_tried_missing():
    tried = {tuple(p.values) for p in ID_KWARGS}
    assert {("contracts:detail", "pk"), ("contracts:attachment", "pk"),
            ("contracts:milestone_action", "pk"), ("contracts:milestone_action", "milestone_pk"),
            ("disputes:cancellation", "pk"), ("disputes:offer_action", "offer_pk")} <= tried


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwarg"), ID_KWARGS)
def test_a_missing_id_is_the_same_404_a_stranger_gets(client, world, name, kwarg):
    """A party asking for an id that does not exist gets what a stranger gets: 404."""
    login(client, world.client)
    spec = ID_URLS[name]
    kwargs = {**spec.kwargs(world, spec.variants()[0]), kwarg: 10**9}
    before = snapshot(world)
    _, response = _request(client, world, name, kwargs)
    assert response.status_code == 404
    assert snapshot(world) == before


def _foreign_milestone(world: World, stranger: User, action: str) -> tuple[str, Callable]:
    deposit(world.client, 100_000)
    others = make_active_contract(client=stranger, freelancer=FreelancerFactory(username="eve"))
    foreign = others.milestones.get()
    path = reverse("contracts:milestone_action", kwargs={
        "pk": world.active.pk, "milestone_pk": foreign.pk, "action": action})
    return path, lambda: Milestone.objects.get(pk=foreign.pk).state


def _foreign_offer(world: World, stranger: User, action: str) -> tuple[str, Callable]:
    eve = FreelancerFactory(username="eve")
    request = make_request(initiator="client", contract=make_funded_contract(
        client=stranger, freelancer=eve, amounts=(30_000,), fund=1, submit=0))
    dispute = cancellation_dispute(actor=eve, request=request, reason="Unfair.")
    foreign = dispute_make_offer(actor=eve, dispute=dispute, outcome="continue", amount_cents=0,
                                 fault="none")
    path = reverse("disputes:offer_action", kwargs={
        "pk": world.dispute.pk, "offer_pk": foreign.pk, "action": action})
    return path, lambda: SettlementOffer.objects.get(pk=foreign.pk).state


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(("make", "action"), [
    *[pytest.param(_foreign_milestone, a, id=f"milestone-{a}") for a in MILESTONE_ACTIONS],
    *[pytest.param(_foreign_offer, a, id=f"offer-{a}") for a in OFFER_ACTIONS],
])
def test_an_object_of_someone_elses_case_is_404_through_my_own(client, world, stranger, make,
                                                               action, method):
    """A nested id (milestone, offer) must belong to the contract or dispute in the URL."""
    path, state_of = make(world, stranger, action)
    login(client, world.client)
    state, before = state_of(), snapshot(world)
    response = getattr(client, method)(path, {**ACTION_DATA, "idempotency_key": new_key()})
    assert response.status_code == 404
    assert snapshot(world) == before
    assert state_of() == state


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["nobody-here", "maya", "arthur"])
def test_public_profiles_exist_only_for_clients_and_freelancers(client, world, mediator,
                                                                arbitrator, username):
    response = client.get(reverse("public_profile", kwargs={"username": username}))
    assert response.status_code == 404
    assert username.encode() not in response.content


ACTION_URLS = {
    "contracts:action": (CONTRACT_ACTIONS, lambda w, a: {"pk": w.offer.pk, "action": a}),
    "contracts:milestone_action": (MILESTONE_ACTIONS, lambda w, a: {
        "pk": w.offer.pk, "milestone_pk": w.milestone.pk, "action": a}),
    "disputes:cancellation_action": (CANCELLATION_ACTIONS,
                                     lambda w, a: {"pk": w.case.pk, "action": a}),
    "disputes:dispute_action": (DISPUTE_ACTIONS, lambda w, a: {"pk": w.dispute.pk, "action": a}),
    "disputes:offer_action": (OFFER_ACTIONS, lambda w, a: {
        "pk": w.dispute.pk, "offer_pk": w.settlement_offer.pk, "action": a}),
}
ACTION_CASES = [pytest.param(url, action, id=f"{url}/{action}")
                for url, (actions, _) in ACTION_URLS.items() for action in actions]
# Every field any action's form may ask for; a form ignores the ones it does not have.
ACTION_DATA = {"reason": "The calendar must show weeks.", "note": "Delivered on staging.",
               "message": "Half of it is done.", "amount": "0.00", "fault": "none",
               "outcome": "continue"}


@pytest.mark.django_db
@pytest.mark.parametrize("url", list(ACTION_URLS))
@pytest.mark.parametrize("role", ["client", "freelancer", "stranger"])
def test_an_unknown_action_is_404(client, world, person, role, url):
    login(client, person(role))
    kwargs = {**ACTION_URLS[url][1](world, "x"), "action": "delete"}
    before = snapshot(world)
    response = client.post(reverse(url, kwargs=kwargs))
    assert response.status_code == 404
    assert snapshot(world) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "action"), ACTION_CASES)
@pytest.mark.parametrize("role", ["anonymous", "stranger", "stranger_freelancer", "staff",
                                  "mediator", "arbitrator"])
def test_a_forged_action_post_from_outside_changes_nothing(client, world, person, role, url,
                                                           action):
    user = person(role)
    if user is not None:
        login(client, user)
    path = reverse(url, kwargs=ACTION_URLS[url][1](world, action))
    before = snapshot(world)
    response = client.post(path, {**ACTION_DATA, "idempotency_key": new_key()})
    if user is None:
        assert_sent_to_login(response, path)
    else:
        assert response.status_code == 404
    assert snapshot(world) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "action"), ACTION_CASES)
@pytest.mark.parametrize("role", sorted(PARTIES))
def test_a_party_action_post_runs_only_when_the_rules_allow_it(client, world, person, role, url,
                                                              action):
    """The party the rules allow acts and is recorded; anyone else is refused, never a 500."""
    user = person(role)
    login(client, user)
    actions, kwargs_of = ACTION_URLS[url]
    kwargs = kwargs_of(world, action)
    obj = {"contracts:action": lambda: world.offer,
           "contracts:milestone_action": lambda: world.milestone,
           "disputes:cancellation_action": lambda: world.case,
           "disputes:dispute_action": lambda: world.dispute,
           "disputes:offer_action": lambda: world.settlement_offer}[url]()
    contract_id = (obj.dispute.contract_id if isinstance(obj, SettlementOffer)
                   else getattr(obj, "contract_id", obj.pk))
    allowed = actions[action].refusal(obj, user) is None
    last_seq = Event.objects.filter(contract_id=contract_id).latest("seq").seq
    before = snapshot(world)

    response = client.post(reverse(url, kwargs=kwargs),
                           {**ACTION_DATA, "idempotency_key": new_key()})

    assert response.status_code == 302, response.status_code
    if allowed:
        event = Event.objects.filter(contract_id=contract_id).latest("seq")
        assert event.seq > last_seq
        assert event.actor_id == user.pk
    else:
        assert snapshot(world) == before


@pytest.mark.django_db
@pytest.mark.parametrize("denied", [False, True], ids=["open-request", "denied-request"])
def test_a_dispute_action_refused_on_its_page_is_refused_on_post(client, world, denied):
    """Each dispute action runs only its own transition: on an open request of the client,
    "dispute the decision" is refused (there is no denial); on a denied request, "dispute the
    cancellation" is refused (the freelancer disputes the denial instead)."""
    if denied:
        request = make_request(initiator="freelancer", contract=world.funded())
        request = cancellation_deny(actor=world.client, request=request, reason="Keep going.")
        cancellation_message(actor=world.freelancer, request=request, body="Can we talk?")
        request.refresh_from_db()
        action = "dispute_cancellation"
    else:
        request, action = world.case, "dispute_denial"
    refusal = CANCELLATION_ACTIONS[action].refusal(request, world.freelancer)
    assert refusal is not None  # the confirmation page shows this and no button
    login(client, world.freelancer)
    state, before = request.state, snapshot(world)

    response = client.post(
        reverse("disputes:cancellation_action", kwargs={"pk": request.pk, "action": action}),
        {"reason": "Unfair."})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == state
    assert not Dispute.objects.filter(cancellation_request=request).exists()
    assert snapshot(world) == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["accept_proposal", "reject_proposal"])
def test_answering_a_proposal_that_does_not_exist_is_refused_not_a_500(client, world, action):
    login(client, world.client)
    dispute = world.dispute
    assert dispute.current_proposal is None
    assert DISPUTE_ACTIONS[action].refusal(dispute, world.client) is not None
    before = snapshot(world)
    client.raise_request_exception = False

    response = client.post(
        reverse("disputes:dispute_action", kwargs={"pk": dispute.pk, "action": action}),
        {"reason": "No.", "idempotency_key": new_key()})

    assert response.status_code == 302, response.status_code
    assert response.url == dispute.get_absolute_url()
    assert snapshot(world) == before


@pytest.mark.django_db
@pytest.mark.parametrize("accept", [True, False], ids=["accept", "reject"])
def test_the_proposal_service_itself_refuses_when_there_is_no_proposal(world, accept):
    """Not only the page: any caller of the service gets a refusal, never an AttributeError."""
    from disputes.services.disputes import dispute_answer_proposal
    from marketplace.kernel.errors import DomainError

    dispute = world.dispute
    before = snapshot(world)
    with pytest.raises(DomainError):
        dispute_answer_proposal(actor=world.client, dispute=dispute, accept=accept,
                                reason="No.")
    assert snapshot(world) == before


# --- (b) CSRF: every state-changing POST refuses a request without a token -------------------


@dataclass(frozen=True)
class Post:
    user: User
    path: str
    data: dict
    effect: Callable[[], None]  # asserts the change a valid POST makes


def _contract_stages(world: World) -> Iterator[tuple[Contract, object]]:
    """(contract, milestone) at each step of a contract's life, reached through the services:
    the offer; an active contract whose milestone is pending (the client can afford it), then
    funded, submitted, and released."""
    yield world.offer, world.milestone
    contract = make_active_contract(client=world.client, freelancer=world.freelancer)
    milestone = contract.milestones.get()
    deposit(world.client, milestone.amount_cents)
    yield contract, milestone
    for step, actor in ((milestone_fund, world.client), (milestone_submit, world.freelancer),
                        (milestone_approve, world.client)):
        milestone = step(actor=actor, milestone=milestone)
        contract.refresh_from_db()
        milestone.contract = contract
        yield contract, milestone


def _case_stages(world: World) -> Iterator[tuple[Contract, object]]:
    """(contract, cancellation request): asked by the client; asked by the freelancer; denied;
    denied after both parties wrote (direct dialogue)."""
    request = make_request(initiator="client", contract=world.funded())
    yield request.contract, request
    request = make_request(initiator="freelancer", contract=world.funded())
    yield request.contract, request
    request = cancellation_deny(actor=world.client, request=request, reason="Keep going.")
    yield request.contract, request
    cancellation_message(actor=world.freelancer, request=request, body="Can we talk?")
    cancellation_message(actor=world.client, request=request, body="Yes, tomorrow.")
    request.refresh_from_db()
    yield request.contract, request


def _dispute_stages(world: World) -> Iterator[tuple[Contract, object]]:
    """(contract, dispute): in negotiation; then with the mediator's proposal on the table."""
    dispute = world.new_dispute()
    yield dispute.contract, dispute
    mediator = MediatorFactory()
    dispute_request_mediation(actor=world.client, dispute=dispute)
    dispute_request_mediation(actor=world.freelancer, dispute=dispute)
    dispute_assign_mediator(actor=mediator, dispute=dispute)
    dispute.refresh_from_db()
    dispute_propose(actor=mediator, dispute=dispute, outcome="continue", amount_cents=0,
                    fault="none", findings="The brief was met for the first milestone.",
                    policy_clause="§4.6 Outcomes and fault")
    dispute.refresh_from_db()
    yield dispute.contract, dispute


def _offer_stages(world: World) -> Iterator[tuple[Contract, object]]:
    """(contract, settlement offer): alice's offer in a dispute in negotiation."""
    dispute = world.new_dispute()
    offer = dispute_make_offer(actor=world.client, dispute=dispute, outcome="continue",
                               amount_cents=0, fault="none", message="Let us go on.")
    yield dispute.contract, offer


def _transition_post(world: World, name: str, *, url: str, actions: dict, stages,
                     on_contract: bool) -> Post:
    """A POST of action `name` by the party allowed to run it, at the first stage it may."""
    for contract, subject in stages(world):
        obj = contract if on_contract else subject
        user = next((u for u in (world.freelancer, world.client)
                     if actions[name].refusal(obj, u) is None), None)
        if user is not None:
            break
    else:
        pytest.fail(f"no party may run {name!r} at any stage of {stages.__name__}: extend it")
    kwargs = {"pk": obj.pk, "action": name}
    if url == "contracts:milestone_action":
        kwargs = {"pk": contract.pk, "milestone_pk": obj.pk, "action": name}
    if url == "disputes:offer_action":
        kwargs = {"pk": obj.dispute_id, "offer_pk": obj.pk, "action": name}
    last_seq = Event.objects.filter(contract=contract).latest("seq").seq

    def effect():
        event = Event.objects.filter(contract=contract).latest("seq")
        assert event.seq > last_seq and event.actor_id == user.pk

    return Post(user=user, path=reverse(url, kwargs=kwargs), effect=effect,
                data={**ACTION_DATA, "idempotency_key": new_key()})


def _action_post(world: World, action: str) -> Post:
    return _transition_post(world, action, url="contracts:action", actions=CONTRACT_ACTIONS,
                            stages=_contract_stages, on_contract=True)


def _milestone_action_post(world: World, action: str) -> Post:
    return _transition_post(world, action, url="contracts:milestone_action",
                            actions=MILESTONE_ACTIONS, stages=_contract_stages,
                            on_contract=False)


def _cancellation_action_post(world: World, action: str) -> Post:
    return _transition_post(world, action, url="disputes:cancellation_action",
                            actions=CANCELLATION_ACTIONS, stages=_case_stages,
                            on_contract=False)


def _dispute_action_post(world: World, action: str) -> Post:
    return _transition_post(world, action, url="disputes:dispute_action",
                            actions=DISPUTE_ACTIONS, stages=_dispute_stages, on_contract=False)


def _offer_action_post(world: World, action: str) -> Post:
    return _transition_post(world, action, url="disputes:offer_action",
                            actions=OFFER_ACTIONS, stages=_offer_stages, on_contract=False)


def _dispute_message_post(world: World, variant: str) -> Post:
    dispute = world.dispute
    data = {"body": "About the brief.", "note": "About the brief."}
    if variant == "evidence":
        data.update(kind="evidence",
                    files=SimpleUploadedFile("brief.txt", b"The brief, page 2.\n", "text/plain"))

    def effect():
        assert Message.objects.filter(dispute=dispute).count() == 1
        assert Attachment.objects.filter(contract=dispute.contract).count() == (
            variant == "evidence")

    return Post(user=world.client, data=data, effect=effect,
                path=reverse("disputes:dispute_message", kwargs={"pk": dispute.pk}))


def _job_apply_post(world: World, variant: str) -> Post:
    job = world.new_job()

    def effect():
        assert Application.objects.filter(job=job, freelancer=world.freelancer).count() == 1

    return Post(user=world.freelancer, path=reverse("reputation:job", kwargs={"pk": job.pk}),
                data={"cover_note": "I built three.", "price": "450.00"}, effect=effect)


def _job_new_post(world: World, variant: str) -> Post:
    def effect():
        assert Job.objects.filter(client=world.client, title="Spa booking").count() == 1

    return Post(user=world.client, path=reverse("reputation:job_new"), effect=effect,
                data={"title": "Spa booking", "description": "A calendar for the spa.",
                      "skills": "Django", "budget": "300.00"})


def _state_changes(obj) -> Callable[[], None]:
    state = obj.state

    def effect():
        obj.refresh_from_db()
        assert obj.state != state

    return effect


def _party_action_post(world: World, url_name: str, actions: dict, obj, action: str) -> Post:
    """The POST of `action` on `obj` by whichever party its rules allow."""
    user = next((u for u in (world.client, world.freelancer) if actions[action].allows(obj, u)),
                None)
    assert user is not None, f"no party may run {action!r} on {obj!r}: extend the world"
    return Post(user=user, path=reverse(url_name, kwargs={"pk": obj.pk, "action": action}),
                data={}, effect=_state_changes(obj))


def _job_action_post(world: World, action: str) -> Post:
    return _party_action_post(world, "reputation:job_action", JOB_ACTIONS, world.new_job(),
                              action)


def _application_action_post(world: World, action: str) -> Post:
    return _party_action_post(world, "reputation:application_action", APPLICATION_ACTIONS,
                              world.application, action)


def _feedback_post(world: World, variant: str) -> Post:
    contract = world.completed

    def effect():
        assert Feedback.objects.filter(contract=contract, author=world.client).count() == 1

    return Post(user=world.client, effect=effect,
                path=reverse("reputation:feedback", kwargs={"pk": contract.pk}),
                data={"rating": "5", "communication": "5", "quality_or_clarity": "4",
                      "professionalism": "5", "comment": "Clear and quick."})


def _reply_post(world: World, variant: str) -> Post:
    return Post(user=world.freelancer, data={"reply": "Thank you, Alice."},
                path=reverse("reputation:reply", kwargs={"pk": world.feedback_about_bob.pk}),
                effect=lambda: _replied(world))


def _account_close_post(world: World, variant: str) -> Post:
    def effect():
        world.client.refresh_from_db()
        assert world.client.closed_at is not None

    return Post(user=world.client, path=reverse("account_close"), effect=effect,
                data={"confirm": world.client.username})


def _message_post(world: World, variant: str) -> Post:
    data = {"body": "Here is the schedule."}
    if variant == "with-file":
        data["files"] = SimpleUploadedFile("schedule.txt", b"Mon-Fri 9-17\n", "text/plain")
    contract = world.offer
    before = (Message.objects.count(), Attachment.objects.count())

    def effect():
        assert Message.objects.count() == before[0] + 1
        assert Attachment.objects.count() == before[1] + (variant == "with-file")

    return Post(user=world.client, data=data, effect=effect,
                path=reverse("contracts:message", kwargs={"pk": contract.pk}))


def _message_report_post(world: World, variant: str) -> Post:
    message = world.attachment.message

    def effect():
        report = MessageReport.objects.get()
        assert (report.message_id, report.reporter_id, report.state) == (
            message.pk, world.client.pk, "open")

    return Post(user=world.client, data={"reason": "He called me names in this message."},
                effect=effect, path=reverse("contracts:message_report", kwargs={
                    "pk": world.offer.pk, "message_pk": message.pk}))


def _cancellation_message_post(world: World, variant: str) -> Post:
    case = world.case

    def effect():
        assert Message.objects.filter(cancellation=case, body="About the amount.").count() == 1

    return Post(user=world.client, data={"body": "About the amount."}, effect=effect,
                path=reverse("disputes:cancellation_message", kwargs={"pk": case.pk}))


def _cancellation_new_post(world: World, variant: str) -> Post:
    contract = world.active

    def effect():
        assert CancellationRequest.objects.filter(contract=contract).count() == 1

    return Post(user=world.client, effect=effect,
                path=reverse("disputes:cancellation_new", kwargs={"pk": contract.pk}),
                data={"reason": "mutual", "explanation": EXPLANATION, "amount": "0.00",
                      "fault": "none"})


def _offer_post(world: World, variant: str) -> Post:
    data = {
        "title": "Second booking page", "description": "Another calendar, for the spa.",
        "milestones-TOTAL_FORMS": "1", "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0", "milestones-MAX_NUM_FORMS": "20",
        "milestones-0-title": "Design", "milestones-0-amount": "250.00",
        "milestones-0-due_date": "",
    }

    def effect():
        assert Contract.objects.filter(client=world.client, freelancer=world.freelancer,
                                       title="Second booking page").count() == 1

    return Post(user=world.client, data=data, effect=effect,
                path=f"{reverse('contracts:new')}?freelancer={world.freelancer.username}")


def _milestone_new_post(world: World, variant: str) -> Post:
    contract = world.active

    def effect():
        assert contract.milestones.filter(title="Extra page", amount_cents=4_000).count() == 1

    return Post(user=world.client, effect=effect,
                path=reverse("contracts:milestone_new", kwargs={"pk": contract.pk}),
                data={"title": "Extra page", "amount": "40.00", "due_date": ""})


def _wallet_balance(user: User) -> int:
    return (Account.objects.filter(kind="wallet", user=user)
            .values_list("balance_cents", flat=True).first() or 0)


def _wallet_post(world: World, variant: str) -> Post:
    deposit(world.client, 5_000)
    before = _wallet_balance(world.client)
    change = {"deposit": +2_500, "withdraw": -2_500}[variant]

    def effect():
        assert _wallet_balance(world.client) == before + change

    return Post(user=world.client, effect=effect, path=reverse(f"contracts:wallet_{variant}"),
                data={f"{variant}-amount": "25.00", f"{variant}-idempotency_key": new_key()})


def _notifications_read_post(world: World, variant: str) -> Post:
    world.offer  # noqa: B018 (the offer notifies bob)
    assert Notification.objects.filter(user=world.freelancer, read_at__isnull=True).exists()

    def effect():
        assert not Notification.objects.filter(user=world.freelancer,
                                               read_at__isnull=True).exists()

    return Post(user=world.freelancer, path=reverse("notifications_read"), data={},
                effect=effect)


def _profile_post(world: World, variant: str) -> Post:
    def effect():
        world.client.refresh_from_db()
        assert (world.client.first_name, world.client.timezone) == ("Alicia", "Europe/Paris")

    return Post(user=world.client, path=reverse("profile_settings"), effect=effect,
                data={"first_name": "Alicia", "last_name": "Anders",
                      "timezone": "Europe/Paris", "bio": "Hotels."})


# Every page of the project is either here (it changes something on POST)...
STATE_CHANGING: dict[str, tuple[Callable[[World, str], Post], Callable[[], list[str]]]] = {
    "contracts:action": (_action_post, lambda: list(CONTRACT_ACTIONS)),
    "contracts:milestone_action": (_milestone_action_post, lambda: list(MILESTONE_ACTIONS)),
    "contracts:milestone_new": (_milestone_new_post, lambda: [""]),
    "contracts:message": (_message_post, lambda: ["text", "with-file"]),
    "contracts:message_report": (_message_report_post, lambda: [""]),
    "contracts:new": (_offer_post, lambda: [""]),
    "contracts:wallet_deposit": (_wallet_post, lambda: ["deposit"]),
    "contracts:wallet_withdraw": (_wallet_post, lambda: ["withdraw"]),
    "disputes:cancellation_new": (_cancellation_new_post, lambda: [""]),
    "disputes:cancellation_action": (_cancellation_action_post,
                                     lambda: list(CANCELLATION_ACTIONS)),
    "disputes:cancellation_message": (_cancellation_message_post, lambda: [""]),
    "disputes:dispute_action": (_dispute_action_post, lambda: list(DISPUTE_ACTIONS)),
    "disputes:offer_action": (_offer_action_post, lambda: list(OFFER_ACTIONS)),
    "disputes:dispute_message": (_dispute_message_post, lambda: ["message", "evidence"]),
    "reputation:job": (_job_apply_post, lambda: ["apply"]),
    "reputation:job_new": (_job_new_post, lambda: [""]),
    "reputation:job_action": (_job_action_post, lambda: list(JOB_ACTIONS)),
    "reputation:application_action": (_application_action_post,
                                      lambda: list(APPLICATION_ACTIONS)),
    "reputation:feedback": (_feedback_post, lambda: [""]),
    "reputation:reply": (_reply_post, lambda: [""]),
    "notifications_read": (_notifications_read_post, lambda: [""]),
    "profile_settings": (_profile_post, lambda: [""]),
    "account_close": (_account_close_post, lambda: [""]),
}
# ...or here (it only reads).
# (Opening a notice marks the viewer's own notice read on GET: it is a link, idempotent, and
# changes nothing anyone else sees, so a forged cross-site request can do no harm.)
READ_ONLY = {
    "dashboard", "notifications", "notifications_open", "public_profile", "policy", "healthz", "robots.txt",
    "contracts:list", "contracts:detail", "contracts:record", "contracts:attachment",
    "contracts:wallet", "disputes:cancellation", "disputes:dispute", "stats",
    "reputation:directory", "reputation:jobs",
}

CSRF_CASES = [
    pytest.param(name, variant, id=f"{name}{'/' + variant if variant else ''}")
    for name, (_, variants) in STATE_CHANGING.items()
    for variant in variants()
]


def test_every_page_is_classified_as_state_changing_or_read_only():
    names = {r.name for r in project_routes()}
    unclassified = names - set(STATE_CHANGING) - READ_ONLY
    assert not unclassified, f"classify these URLs in {__file__}: {unclassified}"
    assert not set(STATE_CHANGING) & READ_ONLY
    stale = (set(STATE_CHANGING) | READ_ONLY) - names
    assert not stale, f"these URLs no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "variant"), CSRF_CASES)
def test_a_post_without_csrf_token_is_refused_and_changes_nothing(world, name, variant):
    build, _ = STATE_CHANGING[name]
    post = build(world, variant)
    browser = login(Client(enforce_csrf_checks=True), post.user)
    before = snapshot(world)

    response = browser.post(post.path, post.data)

    assert response.status_code == 403
    assert snapshot(world) == before


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "variant"), CSRF_CASES)
def test_the_same_post_with_a_csrf_token_does_change_something(world, name, variant):
    """The control: the refused request above is refused for its missing token alone."""
    build, _ = STATE_CHANGING[name]
    post = build(world, variant)
    browser = login(Client(enforce_csrf_checks=True), post.user)
    browser.cookies["csrftoken"] = CSRF_SECRET
    before = snapshot(world)

    response = browser.post(post.path, {**post.data, "csrfmiddlewaretoken": CSRF_SECRET})

    assert response.status_code == 302, response.status_code
    assert snapshot(world) != before
    post.effect()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "variant"), CSRF_CASES)
def test_a_post_with_a_wrong_csrf_token_is_refused(world, name, variant):
    build, _ = STATE_CHANGING[name]
    post = build(world, variant)
    browser = login(Client(enforce_csrf_checks=True), post.user)
    browser.cookies["csrftoken"] = CSRF_SECRET
    before = snapshot(world)

    response = browser.post(post.path, {**post.data, "csrfmiddlewaretoken": "B" * 32})

    assert response.status_code == 403
    assert snapshot(world) == before
