"""The offer transition matrix: action × person × contract state, at the rules and over HTTP.

Spec section 3: the freelancer accepts (with a verified email) or declines while the offer is
open, the client may withdraw it, and only the system expires it once OFFER_EXPIRY_DAYS have
passed. Section 5: a button shows only when its transition is allowed, and a forged POST gets a
clear refusal and changes nothing, never a 500. Every state is reached through the services.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from conftest import login
from contracts.actions import CONTRACT_ACTIONS
from contracts.models import Contract, ContractState
from contracts.models.contract import (
    can_expire,
    can_still_answer,
    is_client,
    is_freelancer,
    is_system,
)
from contracts.services.offers import offer_accept, offer_decline, offer_expire, offer_withdraw
from contracts.tests.factories import make_offer
from marketplace.kernel.actions import available
from marketplace.kernel.fsm import refusal_reason
from marketplace.kernel.models import Event, Notification
from marketplace.tests.factories import FreelancerFactory

pytestmark = pytest.mark.django_db

PAST_DEADLINE = timedelta(days=settings.OFFER_EXPIRY_DAYS, hours=1)

# "late" is an offer still `offered` whose deadline has passed but which the sweep has not yet
# expired: the freelancer may no longer answer it, and only then may the system expire it.
STATES = ["offered", "late", "active", "declined", "withdrawn", "expired"]
OPEN_STATES = {"offered", "late"}
PEOPLE = ["client", "freelancer", "stranger", "mediator", "anonymous"]
PARTIES = ["client", "freelancer"]
ACTIONS = ["accept", "decline", "withdraw"]

# Exactly where the spec allows each action; everything else is refused.
ALLOWED = {
    ("accept", "offered", "freelancer"),
    ("decline", "offered", "freelancer"),
    ("withdraw", "offered", "client"),
    ("withdraw", "late", "client"),
}

# What an allowed action does: target state, event kind, and who is told.
EFFECTS = {
    "accept": (ContractState.ACTIVE, "offer.accepted", "client"),
    "decline": (ContractState.DECLINED, "offer.declined", "client"),
    "withdraw": (ContractState.WITHDRAWN, "offer.withdrawn", "freelancer"),
}

# The refusals the spec asks for, in the rules' own words (each predicate carries its message).
ONLY_FREELANCER = str(is_freelancer.refusal)
ONLY_CLIENT = str(is_client.refusal)
ONLY_SYSTEM = str(is_system.refusal)
OFFER_EXPIRED = str(can_still_answer.refusal)
NOT_EXPIRED_YET = str(can_expire.refusal)
VERIFY_EMAIL = "Verify your email address before accepting an offer."


def not_possible(state: str) -> str:
    """The contract's own words for why nothing of this kind can be done in `state`."""
    return str(Contract.STATE_REFUSALS[state])


def expected_refusal(action: str, state: str, who: str) -> str:
    """The clear reason the spec calls for, for a refused (action, state, person)."""
    if state not in OPEN_STATES:
        return not_possible(state)
    if action in ("accept", "decline") and who != "freelancer":
        return ONLY_FREELANCER
    if action == "withdraw" and who != "client":
        return ONLY_CLIENT
    return OFFER_EXPIRED


def matrix(actions, people, *, states=STATES, refused_only=False) -> list:
    """One parametrize case per (action, state, person), named like `accept-late-client`."""
    return [
        pytest.param(action, state, who, id=f"{action}-{state}-{who}")
        for action in actions
        for state in states
        for who in people
        if not (refused_only and (action, state, who) in ALLOWED)
    ]


# --- reaching each state through the services ------------------------------------------------



@pytest.fixture
def people(client_user, freelancer, stranger, mediator):
    return {"client": client_user, "freelancer": freelancer, "stranger": stranger,
            "mediator": mediator, "anonymous": AnonymousUser()}


@pytest.fixture
def reach(client_user, freelancer, jump):
    """An offer from alice to bob (or the given freelancer), brought to `state` by services."""

    def build(state: str, to=None) -> Contract:
        contract = make_offer(client_user, to or freelancer)
        if state in ("late", "expired"):
            jump(PAST_DEADLINE)
        if state == "active":
            offer_accept(actor=contract.freelancer, contract=contract)
        elif state == "declined":
            offer_decline(actor=contract.freelancer, contract=contract, reason="Fully booked.")
        elif state == "withdrawn":
            offer_withdraw(actor=client_user, contract=contract)
        elif state == "expired":
            offer_expire(contract=contract)
        fresh = Contract.objects.select_related("client", "freelancer").get(pk=contract.pk)
        assert fresh.state == ("offered" if state == "late" else state)
        return fresh

    return build


def snapshot(contract: Contract, mailoutbox) -> dict:
    contract = Contract.objects.get(pk=contract.pk)
    return {
        "state": contract.state,
        "head": (contract.record_head_seq, contract.record_head_hash),
        "deadline_at": contract.deadline_at,
        "events": Event.objects.count(),
        "notifications": Notification.objects.count(),
        "mails": len(mailoutbox),
    }


def action_url(contract: Contract, action: str) -> str:
    return reverse("contracts:action", args=[contract.pk, action])


def shown_buttons(html: str) -> list[str]:
    block = re.search(r'id="actions">(.*?)</div>', html, re.DOTALL)
    assert block, "the contract page has no #actions block"
    return re.findall(r'<a [^>]*data-action="([^"]+)"', block.group(1))


def flashed(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- (a) the rules: refusal_reason and the buttons offered -----------------------------------


@pytest.mark.parametrize(("action", "state", "who"), matrix(ACTIONS, PEOPLE))
def test_rules_allow_exactly_what_the_spec_allows(action, state, who, people, reach):
    contract = reach(state)
    user = people[who]
    allowed = (action, state, who) in ALLOWED

    reason = refusal_reason(contract, action, user)

    assert (reason is None) is allowed, reason
    if not allowed:
        assert str(reason).strip()
    buttons = [a.name for a in available(CONTRACT_ACTIONS, contract, user)]
    assert (action in buttons) is allowed


@pytest.mark.parametrize(
    ("action", "state", "who"),
    matrix(ACTIONS, PEOPLE, refused_only=True),
)
def test_each_refusal_says_why(action, state, who, people, reach):
    contract = reach(state)
    reason = refusal_reason(contract, action, people[who])
    assert str(reason) == expected_refusal(action, state, who)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("who", PEOPLE)
def test_no_person_may_expire_an_offer(state, who, people, reach):
    contract = reach(state)
    expected = ONLY_SYSTEM if state in OPEN_STATES else not_possible(state)
    assert refusal_reason(contract, "expire", people[who]) == expected
    assert "expire" not in CONTRACT_ACTIONS
    assert "expire" not in [a.name for a in available(CONTRACT_ACTIONS, contract, people[who])]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("offered", NOT_EXPIRED_YET),
        ("late", None),
        ("active", not_possible("active")),
        ("declined", not_possible("declined")),
        ("withdrawn", not_possible("withdrawn")),
        ("expired", not_possible("expired")),
    ],
)
def test_the_system_expires_an_offer_only_after_its_deadline(state, expected, reach):
    contract = reach(state)
    assert refusal_reason(contract, "expire", None) == expected


def test_the_deadline_is_exactly_offer_expiry_days(reach):
    contract = reach("offered")
    deadline = contract.deadline_at
    expiry = deadline - contract.created_at - timedelta(days=settings.OFFER_EXPIRY_DAYS)
    assert abs(expiry) < timedelta(seconds=1)
    with time_machine.travel(deadline - timedelta(seconds=1), tick=False):
        assert refusal_reason(contract, "expire", None) == NOT_EXPIRED_YET
        assert refusal_reason(contract, "accept", contract.freelancer) is None
    with time_machine.travel(deadline, tick=False):
        assert refusal_reason(contract, "expire", None) is None
        assert refusal_reason(contract, "accept", contract.freelancer) == OFFER_EXPIRED
        assert refusal_reason(contract, "decline", contract.freelancer) == OFFER_EXPIRED


def test_unverified_freelancer_may_decline_but_not_accept(reach):
    unverified = FreelancerFactory(verified=False)
    contract = reach("offered", to=unverified)
    assert refusal_reason(contract, "accept", unverified) == VERIFY_EMAIL
    assert refusal_reason(contract, "decline", unverified) is None
    assert [a.name for a in available(CONTRACT_ACTIONS, contract, unverified)] == ["decline"]


# --- (b) over HTTP: what a forged or honest POST does ---------------------------------------


@pytest.mark.parametrize(("action", "state", "who"), matrix(ACTIONS, PEOPLE))
def test_post_changes_exactly_what_the_spec_allows(
    action, state, who, people, reach, client, mailoutbox, django_capture_on_commit_callbacks
):
    contract = reach(state)
    user = people[who]
    if who != "anonymous":
        login(client, user)
    reason = refusal_reason(contract, action, user)
    before = snapshot(contract, mailoutbox)
    data = {"reason": "Not my field."} if action == "decline" else {}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(contract, action), data, follow=who in PARTIES)

    if (action, state, who) in ALLOWED:
        _assert_done(response, contract, action, user, before, mailoutbox)
    elif who in PARTIES:
        # A refused party is sent back to the contract page with the reason, not a 500.
        assert response.redirect_chain == [(contract.get_absolute_url(), 302)]
        assert response.status_code == 200
        assert flashed(response) == [str(reason)]
        assert snapshot(contract, mailoutbox) == before
    elif who == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == (
            f"{reverse('account_login')}?next={action_url(contract, action)}"
        )
        assert snapshot(contract, mailoutbox) == before
    else:
        # Not a party: the contract does not exist for them.
        assert response.status_code == 404
        assert snapshot(contract, mailoutbox) == before


def _assert_done(response, contract, action, user, before, mailoutbox):
    target, kind, told = EFFECTS[action]
    assert response.redirect_chain == [(contract.get_absolute_url(), 302)]
    assert flashed(response) == [f"Done: {CONTRACT_ACTIONS[action].label}."]
    contract = Contract.objects.select_related("client", "freelancer").get(pk=contract.pk)
    assert contract.state == target
    assert Event.objects.count() == before["events"] + 1
    event = Event.objects.get(contract=contract, seq=contract.record_head_seq)
    assert (event.kind, event.actor, event.from_state, event.to_state) == (
        kind, user, ContractState.OFFERED, target)
    recipient = getattr(contract, told)
    assert Notification.objects.count() == before["notifications"] + 1
    latest = Notification.objects.order_by("-id").first()
    assert (latest.user, latest.contract) == (recipient, contract)
    assert contract.title in latest.text
    assert len(mailoutbox) == before["mails"] + 1
    assert mailoutbox[-1].to == [recipient.email]
    assert contract.title in mailoutbox[-1].subject


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("who", PEOPLE)
def test_expire_cannot_be_posted_by_anyone(
    state, who, people, reach, client, mailoutbox, django_capture_on_commit_callbacks
):
    contract = reach(state)
    if who != "anonymous":
        login(client, people[who])
    before = snapshot(contract, mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(contract, "expire"))
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 404
    assert snapshot(contract, mailoutbox) == before


def test_unverified_freelancer_posting_accept_is_told_to_verify(
    reach, client, mailoutbox, django_capture_on_commit_callbacks
):
    unverified = FreelancerFactory(verified=False)
    contract = reach("offered", to=unverified)
    login(client, unverified)
    before = snapshot(contract, mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(contract, "accept"), follow=True)
    assert response.redirect_chain == [(contract.get_absolute_url(), 302)]
    assert flashed(response) == [VERIFY_EMAIL]
    assert snapshot(contract, mailoutbox) == before
    assert shown_buttons(response.content.decode()) == ["decline"]
    assert "Verify your email address to accept this offer." in response.content.decode()


def test_the_email_leaves_only_after_the_commit(
    reach, client, freelancer, mailoutbox, django_capture_on_commit_callbacks
):
    """The test client runs inside the test's transaction: nothing commits, so nothing is
    mailed until the on-commit callbacks run."""
    contract = reach("offered")
    login(client, freelancer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(action_url(contract, "accept"))
    assert Contract.objects.get(pk=contract.pk).state == ContractState.ACTIVE
    assert Notification.objects.filter(user=contract.client, contract=contract).count() == 1
    assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mailoutbox] == [[contract.client.email]]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", PARTIES)
def test_get_shows_a_confirmation_or_the_refusal_and_changes_nothing(
    action, who, people, reach, client, mailoutbox
):
    contract = reach("offered")
    user = people[who]
    login(client, user)
    before = snapshot(contract, mailoutbox)
    response = client.get(action_url(contract, action))
    assert response.status_code == 200
    html = response.content.decode()
    if (action, "offered", who) in ALLOWED:
        assert 'id="confirm"' in html and 'id="refusal"' not in html
    else:
        assert 'id="confirm"' not in html and 'id="refusal"' in html
        assert response.context["refusal"] == refusal_reason(contract, action, user)
    assert snapshot(contract, mailoutbox) == before


# --- the buttons on the contract page -------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("who", PARTIES)
def test_contract_page_shows_exactly_the_allowed_buttons(state, who, people, reach, client):
    contract = reach(state)
    login(client, people[who])
    response = client.get(contract.get_absolute_url())
    assert response.status_code == 200
    expected = [action for action in ACTIONS if (action, state, who) in ALLOWED]
    # Only the offer buttons: the page also carries actions of later stages (tested there).
    assert [b for b in shown_buttons(response.content.decode()) if b in ACTIONS] == expected
    assert [a.name for a in response.context["actions"] if a.name in ACTIONS] == expected


@pytest.mark.parametrize("who", ["stranger", "mediator", "anonymous"])
def test_contract_page_is_hidden_from_non_parties(who, people, reach, client):
    contract = reach("offered")
    if who != "anonymous":
        login(client, people[who])
    response = client.get(contract.get_absolute_url())
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 404
    assert contract.title not in response.content.decode()
