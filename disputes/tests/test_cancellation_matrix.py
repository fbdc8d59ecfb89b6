"""The cancellation request transition matrix: state × action × person, for requests by either
side, at the rules and over HTTP (spec section 5).

Who may do what is written below as an explicit table, derived from the spec's text rather than
from the model's predicates. Every state is reached through the services (time by travelling
the clock), never by setting a field, so the ledger and the record stay whole. Where the app
does not yet do what the spec says, a strict xfail states the correct behaviour.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from conftest import login
from contracts.models import (
    Account,
    Contract,
    ContractState,
    Entry,
    LedgerTransaction,
    Message,
    Settlement,
)
from contracts.tests.factories import make_funded_contract, split_record_copies
from disputes.actions import CANCELLATION_ACTIONS
from disputes.models import CancellationProposal, CancellationRequest, Dispute
from disputes.services import cancellations as svc
from disputes.tests.factories import make_request
from marketplace.kernel.actions import available
from marketplace.kernel.fsm import refusal_reason
from marketplace.kernel.models import Event, IdempotencyKey, Notification

pytestmark = pytest.mark.django_db

A_MINUTE = timedelta(minutes=1)
RESPONSE_PERIOD = timedelta(days=settings.CANCELLATION_RESPONSE_DAYS)
DENIAL_PERIOD = timedelta(days=settings.DENIAL_DISPUTE_DAYS)
DIALOGUE_WAIT = timedelta(hours=settings.NEGOTIATION_MIN_HOURS)
MAX_COUNTERS = settings.MAX_COUNTER_PROPOSALS

DIRECTIONS = ["client", "freelancer"]  # who asked to cancel
PEOPLE = ["initiator", "counterparty", "stranger", "mediator"]
# The buttons, in the order a page shows them, and the clock's own transitions.
USER_ACTIONS = ["accept", "counter", "deny", "dispute_cancellation", "dispute_denial",
                "continue", "withdraw"]
SYSTEM_ACTIONS = ["auto_accept", "lapse"]
ALL_ACTIONS = USER_ACTIONS + SYSTEM_ACTIONS
TRANSITION = {"accept": "accept", "counter": "counter_propose", "deny": "deny",
              "dispute_cancellation": "dispute_cancellation", "dispute_denial": "dispute_denial",
              "continue": "continue_contract", "withdraw": "withdraw",
              "auto_accept": "auto_accept", "lapse": "lapse"}

# --- the expected table, from the spec ---------------------------------------------------------
#
# accept:               the party whose turn it is, while open, before the deadline.
# counter:              the party whose turn it is while open (or the freelancer while denied),
#                       before the deadline, with counter-proposals left (MAX_COUNTER_PROPOSALS).
# deny:                 the client, on a freelancer's request, on the client's turn, while open,
#                       before the deadline.
# dispute_cancellation: the freelancer, on a client's request, on the freelancer's turn, while
#                       open, before the deadline.
# dispute_denial:       the freelancer, while denied, before DENIAL_DISPUTE_DAYS end, once the
#                       dialogue gate is open (both parties wrote since the denial, or a
#                       counter-proposal after it was answered, or NEGOTIATION_MIN_HOURS since it).
# continue:             the freelancer, while denied, before the deadline.
# withdraw:             the initiator, while open, whoever's turn; not once the deadline has
#                       passed: by then the silence has decided the request (auto_accepted).
# auto_accept / lapse:  only the system (no user), once the open / denied deadline has passed.
# Strangers and mediators: never. Closed states: nothing, for anyone.
#
# (state, who asked) -> {role: the actions that role may take}. Roles are "client",
# "freelancer" and "system"; a role left out may do nothing.
NOTHING: dict[str, str] = {}
EXPECTED = {
    # --- open, the answering party's turn ---
    ("open_counterparty_turn", "client"): {
        "client": "withdraw", "freelancer": "accept counter dispute_cancellation"},
    ("open_counterparty_turn", "freelancer"): {
        "client": "accept counter deny", "freelancer": "withdraw"},
    # --- open, the initiator's turn (the other side counter-proposed) ---
    ("open_initiator_turn", "client"): {"client": "accept counter withdraw"},
    ("open_initiator_turn", "freelancer"): {"freelancer": "accept counter withdraw"},
    # --- open, both sides used every counter-proposal; the answering party's turn ---
    ("open_counters_used", "client"): {"client": "withdraw", "freelancer": "accept dispute_cancellation"},
    ("open_counters_used", "freelancer"): {"client": "accept deny", "freelancer": "withdraw"},
    # --- open, the freelancer's turn with every counter used (three rounds of deny/counter) ---
    ("open_initiator_turn_counters_used", "freelancer"): {"freelancer": "accept withdraw"},
    # --- open, past the deadline, not yet swept: only the system's auto-acceptance ---
    ("open_past_deadline", "client"): {"system": "auto_accept"},
    ("open_past_deadline", "freelancer"): {"system": "auto_accept"},
    ("open_initiator_turn_past_deadline", "client"): {"system": "auto_accept"},
    ("open_initiator_turn_past_deadline", "freelancer"): {"system": "auto_accept"},
    # --- denied (only a freelancer's request can be) ---
    ("denied_gate_closed", "freelancer"): {"freelancer": "counter continue"},
    ("denied_after_message_before_denial", "freelancer"): {"freelancer": "counter continue"},
    ("denied_just_before_gate", "freelancer"): {"freelancer": "counter continue"},
    ("denied_after_freelancer_message", "freelancer"): {"freelancer": "counter continue"},
    ("denied_after_both_messages", "freelancer"): {
        "freelancer": "counter dispute_denial continue"},
    ("denied_gate_open_by_time", "freelancer"): {"freelancer": "counter dispute_denial continue"},
    ("denied_again_after_counter", "freelancer"): {
        "freelancer": "counter dispute_denial continue"},
    ("denied_counters_used", "freelancer"): {"freelancer": "dispute_denial continue"},
    ("denied_past_deadline", "freelancer"): {"system": "lapse"},
    # --- closed ---
    ("accepted", "client"): NOTHING,
    ("accepted", "freelancer"): NOTHING,
    ("auto_accepted", "client"): NOTHING,
    ("auto_accepted", "freelancer"): NOTHING,
    ("withdrawn", "client"): NOTHING,
    ("withdrawn", "freelancer"): NOTHING,
    ("continued", "freelancer"): NOTHING,
    ("lapsed", "freelancer"): NOTHING,
    ("disputed", "client"): NOTHING,
    ("disputed", "freelancer"): NOTHING,
}

# The refusals a user must be able to read (the spec's words), for some telling cells:
# (state, who asked, person, action) -> a phrase the refusal contains.
TURN = "It is not your turn"
LIMIT = "used all your counter-proposals"
GATE = "try direct dialogue"
LATE = "time to answer has run out"
REFUSALS = {
    ("open_counterparty_turn", "client", "initiator", "accept"): TURN,
    ("open_counterparty_turn", "freelancer", "initiator", "accept"): TURN,
    ("open_counterparty_turn", "client", "initiator", "counter"): TURN,
    ("open_initiator_turn", "client", "counterparty", "accept"): TURN,
    ("open_initiator_turn", "freelancer", "counterparty", "counter"): TURN,
    ("open_initiator_turn", "client", "counterparty", "dispute_cancellation"): TURN,
    ("open_initiator_turn", "freelancer", "counterparty", "deny"): TURN,
    ("denied_gate_closed", "freelancer", "counterparty", "counter"): TURN,
    ("open_counters_used", "client", "counterparty", "counter"): LIMIT,
    ("open_counters_used", "freelancer", "counterparty", "counter"): LIMIT,
    ("open_initiator_turn_counters_used", "freelancer", "initiator", "counter"): LIMIT,
    ("denied_counters_used", "freelancer", "initiator", "counter"): LIMIT,
    ("denied_gate_closed", "freelancer", "initiator", "dispute_denial"): GATE,
    ("denied_after_message_before_denial", "freelancer", "initiator", "dispute_denial"): GATE,
    ("denied_just_before_gate", "freelancer", "initiator", "dispute_denial"): GATE,
    # One side writing is not a dialogue: the refusal names whose message is missing.
    ("denied_after_freelancer_message", "freelancer", "initiator", "dispute_denial"):
        "Still missing: a message from Alice Anders since the denial",
    ("open_past_deadline", "client", "counterparty", "accept"): LATE,
    ("open_past_deadline", "client", "counterparty", "counter"): LATE,
    ("open_past_deadline", "client", "counterparty", "dispute_cancellation"): LATE,
    ("open_past_deadline", "freelancer", "counterparty", "deny"): LATE,
    ("open_initiator_turn_past_deadline", "freelancer", "initiator", "accept"): LATE,
    ("denied_past_deadline", "freelancer", "initiator", "counter"): LATE,
    ("denied_past_deadline", "freelancer", "initiator", "dispute_denial"): LATE,
    ("denied_past_deadline", "freelancer", "initiator", "continue"): LATE,
    ("open_counterparty_turn", "client", "counterparty", "deny"): "Only the client can deny",
    ("open_initiator_turn", "client", "initiator", "deny"): "Only a freelancer's request",
    ("open_counterparty_turn", "freelancer", "counterparty", "dispute_cancellation"):
        "Only the freelancer can dispute",
    ("open_initiator_turn", "freelancer", "initiator", "dispute_cancellation"):
        "Only a client's request",
    ("open_counterparty_turn", "client", "counterparty", "withdraw"): "Only the party who asked",
    ("denied_gate_closed", "freelancer", "counterparty", "continue"): "Only the freelancer",
    ("open_counterparty_turn", "client", "stranger", "accept"): "Only the client and the freelancer",
    ("open_past_deadline", "client", "counterparty", "auto_accept"): "Only the system",
    ("denied_past_deadline", "freelancer", "initiator", "lapse"): "Only the system",
    ("open_counterparty_turn", "client", "system", "auto_accept"): "has not run out yet",
    ("denied_gate_open_by_time", "freelancer", "system", "lapse"): "has not run out yet",
    ("accepted", "client", "counterparty", "accept"):
        str(CancellationRequest.STATE_REFUSALS["accepted"]),
    ("denied_gate_closed", "freelancer", "initiator", "withdraw"):
        str(CancellationRequest.STATE_REFUSALS["denied"]),
    # The silence decided the request at the deadline; the sweep only carries it out.
    ("open_past_deadline", "client", "initiator", "withdraw"): LATE,
    ("open_past_deadline", "freelancer", "initiator", "withdraw"): LATE,
    ("open_initiator_turn_past_deadline", "client", "initiator", "withdraw"): LATE,
    ("open_initiator_turn_past_deadline", "freelancer", "initiator", "withdraw"): LATE,
}


def role_of(direction: str, who: str) -> str | None:
    """The contract role of a person in a request asked by `direction`; None for outsiders."""
    other = "freelancer" if direction == "client" else "client"
    return {"initiator": direction, "counterparty": other, "system": "system"}.get(who)


def expected_allowed(state: str, direction: str, who: str, action: str) -> bool:
    role = role_of(direction, who)
    return role is not None and action in EXPECTED[(state, direction)].get(role, "").split()


# --- reaching each state through the services -------------------------------------------------



@dataclass
class Case:
    request: CancellationRequest
    direction: str
    users: dict
    jump: object = None
    counters: int = 0

    def user(self, who: str):
        return None if who == "system" else self.users[who]

    def reload(self) -> CancellationRequest:
        self.request = (CancellationRequest.objects
                        .select_related("contract", "contract__client", "contract__freelancer")
                        .get(pk=self.request.pk))
        return self.request

    # The steps recipes are written in (each one a service call, as a user would act).
    def counter(self, who: str) -> None:
        self.counters += 1
        svc.cancellation_counter(actor=self.users[who], request=self.request,
                                 amount_cents=20_000 + 1_000 * self.counters, fault="none",
                                 message=f"Counter-proposal number {self.counters}.")

    def deny(self) -> None:
        svc.cancellation_deny(actor=self.users["client"], request=self.request,
                              reason="I still need the work done.")

    def message(self, who: str) -> None:
        svc.cancellation_message(actor=self.users[who], request=self.request,
                                 body="Can we talk about this?")


def _denied_counters_used(c: Case) -> None:
    for _ in range(MAX_COUNTERS):
        c.deny()
        c.counter("freelancer")
    c.deny()


def _open_initiator_turn_counters_used(c: Case) -> None:
    for _ in range(MAX_COUNTERS):
        c.deny()
        c.counter("freelancer")
    c.counter("client")


def _open_counters_used(c: Case) -> None:
    for _ in range(MAX_COUNTERS):
        c.counter("counterparty")
        c.counter("initiator")


def _auto_accepted(c: Case) -> None:
    c.jump(RESPONSE_PERIOD + A_MINUTE)
    svc.cancellation_auto_accept(request=c.request)


def _lapsed(c: Case) -> None:
    c.deny()
    c.jump(DENIAL_PERIOD + A_MINUTE)
    svc.cancellation_lapse(request=c.request)


def _disputed(c: Case) -> None:
    if c.direction == "freelancer":
        c.deny()
        c.message("freelancer")
        c.message("client")
    svc.cancellation_dispute(actor=c.users["freelancer"], request=c.request,
                             reason="This is not fair.")


# state -> (recipe, the request's state afterwards, whose turn it is afterwards)
STATES = {
    "open_counterparty_turn": (lambda c: None, "open", "counterparty"),
    "open_initiator_turn": (lambda c: c.counter("counterparty"), "open", "initiator"),
    "open_counters_used": (_open_counters_used, "open", "counterparty"),
    "open_initiator_turn_counters_used": (_open_initiator_turn_counters_used, "open", "initiator"),
    "open_past_deadline": (lambda c: c.jump(RESPONSE_PERIOD + A_MINUTE), "open", "counterparty"),
    "open_initiator_turn_past_deadline": (
        lambda c: (c.counter("counterparty"), c.jump(RESPONSE_PERIOD + A_MINUTE)),
        "open", "initiator"),
    "denied_gate_closed": (lambda c: c.deny(), "denied", "initiator"),
    "denied_after_message_before_denial": (
        lambda c: (c.message("freelancer"), c.deny()), "denied", "initiator"),
    "denied_just_before_gate": (
        lambda c: (c.deny(), c.jump(DIALOGUE_WAIT - A_MINUTE)), "denied", "initiator"),
    "denied_after_freelancer_message": (
        lambda c: (c.deny(), c.message("freelancer")), "denied", "initiator"),
    "denied_after_both_messages": (
        lambda c: (c.deny(), c.message("freelancer"), c.message("client")), "denied", "initiator"),
    "denied_gate_open_by_time": (
        lambda c: (c.deny(), c.jump(DIALOGUE_WAIT + A_MINUTE)), "denied", "initiator"),
    "denied_again_after_counter": (
        lambda c: (c.deny(), c.counter("freelancer"), c.deny()), "denied", "initiator"),
    "denied_counters_used": (_denied_counters_used, "denied", "initiator"),
    "denied_past_deadline": (
        lambda c: (c.deny(), c.jump(DENIAL_PERIOD + A_MINUTE)), "denied", "initiator"),
    "accepted": (lambda c: svc.cancellation_accept(actor=c.users["counterparty"],
                                                   request=c.request), "accepted", None),
    "auto_accepted": (_auto_accepted, "auto_accepted", None),
    "withdrawn": (lambda c: svc.cancellation_withdraw(actor=c.users["initiator"],
                                                      request=c.request), "withdrawn", None),
    "continued": (lambda c: (c.deny(), svc.cancellation_continue(
        actor=c.users["freelancer"], request=c.request)), "withdrawn", None),
    "lapsed": (_lapsed, "lapsed", None),
    "disputed": (_disputed, "disputed", None),
}


@pytest.fixture
def reach(client_user, freelancer, stranger, mediator, jump):
    """A request by `direction` on a contract between alice and bob ($500 in escrow; $100 to
    the freelancer proposed), brought to `state` through the services."""

    def build(state: str, direction: str) -> Case:
        contract = make_funded_contract(amounts=(50_000,), fund=1, client=client_user,
                                        freelancer=freelancer)
        request = make_request(direction, contract=contract, amount_cents=10_000)
        initiator, counterparty = ((client_user, freelancer) if direction == "client"
                                   else (freelancer, client_user))
        case = Case(request=request, direction=direction, jump=jump, users={
            "initiator": initiator, "counterparty": counterparty, "stranger": stranger,
            "mediator": mediator, "client": client_user, "freelancer": freelancer})
        recipe, request_state, turn = STATES[state]
        recipe(case)
        request = case.reload()
        # The recipe reached what it claims, or every expectation below would be moot.
        assert request.state == request_state
        assert request.turn_user_id == (case.users[turn].pk if turn else None)
        return case

    return build


def matrix_states() -> list:
    return [pytest.param(state, direction, id=f"{state}-{direction}")
            for (state, direction) in EXPECTED]


# --- looking at what happened -----------------------------------------------------------------


def action_url(request, action: str) -> str:
    return reverse("disputes:cancellation_action", args=[request.pk, action])


def form_data(action: str) -> dict:
    if action == "accept":
        return {"idempotency_key": uuid.uuid4().hex}
    if action == "counter":
        return {"amount": "10.00", "fault": "none", "message": "Only the delivered part."}
    if action in ("deny", "dispute_cancellation", "dispute_denial"):
        return {"reason": "The reasons are in the contract thread."}
    return {}


REQUEST_FIELDS = ["state", "turn_user_id", "amount_to_freelancer_cents", "fault",
                  "proposed_by_id", "client_counters", "freelancer_counters", "deadline_at",
                  "denied_at", "denial_reason", "dialogue_at", "closed_at", "timed_out_role"]


def snapshot(case: Case, mailoutbox) -> dict:
    """Everything a refused action must leave as it was."""
    request = CancellationRequest.objects.get(pk=case.request.pk)
    contract = Contract.objects.get(pk=request.contract_id)
    return {
        "request": {name: getattr(request, name) for name in REQUEST_FIELDS},
        "contract": (contract.state, contract.record_head_seq, contract.record_head_hash),
        "milestones": list(contract.milestones.order_by("position").values_list("state", flat=True)),
        "proposals": CancellationProposal.objects.count(),
        "messages": Message.objects.count(),
        "events": Event.objects.count(),
        "ledger": (LedgerTransaction.objects.count(), Entry.objects.count()),
        "balances": dict(Account.objects.values_list("pk", "balance_cents")),
        "settlements": Settlement.objects.count(),
        "disputes": Dispute.objects.count(),
        "notifications": Notification.objects.count(),
        "idempotency_keys": IdempotencyKey.objects.count(),
        "mails": len(mailoutbox),
    }


def flashed(response) -> list[str]:
    """The messages the view queued for the next page (read without following the redirect)."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def shown_buttons(html: str) -> list[tuple[str, str]]:
    block = re.search(r'id="actions">(.*?)</div>', html, re.DOTALL)
    assert block, "the request page has no #actions block"
    return re.findall(r'<a [^>]*href="([^"]+)"[^>]*data-action="([^"]+)"', block.group(1))


def gate_notice(html: str) -> str | None:
    block = re.search(r'id="dialogue-gate">(.*?)</div>', html, re.DOTALL)
    return re.sub(r"\s+", " ", block.group(1)) if block else None


def wallet(user) -> int:
    """A wallet's balance; a wallet is opened by its first entry, so none yet holds 0."""
    account = Account.objects.filter(kind="wallet", user=user).first()
    return account.balance_cents if account else 0


def fee_of(cents: int) -> int:
    """PLATFORM_FEE_PERCENT of the freelancer's share, half-up to the cent (spec section 3)."""
    fee = Decimal(cents) * settings.PLATFORM_FEE_PERCENT / 100
    return int(fee.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- the matrix: every state × action × person, for requests by either side -------------------


# A representative set of POSTs by a party: every action allowed at least once for each
# direction it applies to, and the telling refusals (turn, counter limit, dialogue gate,
# deadline, wrong role, wrong kind of request, closed). Allowed or refused comes from EXPECTED.
POSTS = [
    # open, the answering party's turn
    ("open_counterparty_turn", "client", "counterparty", "accept"),
    ("open_counterparty_turn", "client", "counterparty", "counter"),
    ("open_counterparty_turn", "client", "counterparty", "dispute_cancellation"),
    ("open_counterparty_turn", "client", "initiator", "withdraw"),
    ("open_counterparty_turn", "client", "initiator", "accept"),
    ("open_counterparty_turn", "client", "initiator", "counter"),
    ("open_counterparty_turn", "client", "counterparty", "deny"),
    ("open_counterparty_turn", "client", "counterparty", "withdraw"),
    ("open_counterparty_turn", "client", "counterparty", "continue"),
    ("open_counterparty_turn", "freelancer", "counterparty", "accept"),
    ("open_counterparty_turn", "freelancer", "counterparty", "deny"),
    ("open_counterparty_turn", "freelancer", "initiator", "withdraw"),
    ("open_counterparty_turn", "freelancer", "initiator", "counter"),
    ("open_counterparty_turn", "freelancer", "counterparty", "dispute_cancellation"),
    ("open_counterparty_turn", "freelancer", "initiator", "continue"),
    # open, the initiator's turn
    ("open_initiator_turn", "client", "initiator", "accept"),
    ("open_initiator_turn", "client", "initiator", "deny"),
    ("open_initiator_turn", "client", "counterparty", "dispute_cancellation"),
    ("open_initiator_turn", "client", "counterparty", "accept"),
    ("open_initiator_turn", "freelancer", "initiator", "counter"),
    ("open_initiator_turn", "freelancer", "initiator", "withdraw"),
    ("open_initiator_turn", "freelancer", "initiator", "dispute_cancellation"),
    ("open_initiator_turn", "freelancer", "counterparty", "deny"),
    ("open_initiator_turn", "freelancer", "counterparty", "counter"),
    # the counter-proposal limit
    ("open_counters_used", "client", "counterparty", "dispute_cancellation"),
    ("open_counters_used", "client", "counterparty", "counter"),
    ("open_counters_used", "freelancer", "counterparty", "accept"),
    ("open_counters_used", "freelancer", "counterparty", "deny"),
    ("open_counters_used", "freelancer", "counterparty", "counter"),
    ("open_initiator_turn_counters_used", "freelancer", "initiator", "counter"),
    ("denied_counters_used", "freelancer", "initiator", "counter"),
    # past the answer deadline, not yet swept
    ("open_past_deadline", "client", "counterparty", "accept"),
    ("open_past_deadline", "client", "counterparty", "dispute_cancellation"),
    ("open_past_deadline", "client", "initiator", "withdraw"),
    ("open_past_deadline", "freelancer", "counterparty", "deny"),
    ("open_past_deadline", "freelancer", "counterparty", "counter"),
    ("open_initiator_turn_past_deadline", "client", "initiator", "counter"),
    ("open_initiator_turn_past_deadline", "freelancer", "initiator", "withdraw"),
    # denied: the freelancer's answers and the dialogue gate
    ("denied_gate_closed", "freelancer", "initiator", "counter"),
    ("denied_gate_closed", "freelancer", "initiator", "continue"),
    ("denied_gate_closed", "freelancer", "initiator", "dispute_denial"),
    ("denied_gate_closed", "freelancer", "initiator", "accept"),
    ("denied_gate_closed", "freelancer", "initiator", "withdraw"),
    ("denied_gate_closed", "freelancer", "counterparty", "deny"),
    ("denied_gate_closed", "freelancer", "counterparty", "counter"),
    ("denied_gate_closed", "freelancer", "counterparty", "continue"),
    ("denied_gate_closed", "freelancer", "counterparty", "dispute_denial"),
    ("denied_after_message_before_denial", "freelancer", "initiator", "dispute_denial"),
    ("denied_just_before_gate", "freelancer", "initiator", "dispute_denial"),
    ("denied_after_freelancer_message", "freelancer", "initiator", "dispute_denial"),
    ("denied_after_both_messages", "freelancer", "initiator", "dispute_denial"),
    ("denied_gate_open_by_time", "freelancer", "initiator", "dispute_denial"),
    ("denied_again_after_counter", "freelancer", "initiator", "dispute_denial"),
    ("denied_past_deadline", "freelancer", "initiator", "continue"),
    ("denied_past_deadline", "freelancer", "initiator", "dispute_denial"),
    ("denied_past_deadline", "freelancer", "initiator", "counter"),
    # closed
    ("accepted", "client", "initiator", "withdraw"),
    ("accepted", "freelancer", "counterparty", "accept"),
    ("auto_accepted", "client", "counterparty", "accept"),
    ("auto_accepted", "freelancer", "counterparty", "counter"),
    ("withdrawn", "freelancer", "initiator", "withdraw"),
    ("withdrawn", "client", "counterparty", "dispute_cancellation"),
    ("continued", "freelancer", "initiator", "dispute_denial"),
    ("lapsed", "freelancer", "initiator", "counter"),
    ("lapsed", "freelancer", "initiator", "continue"),
    ("disputed", "client", "counterparty", "dispute_cancellation"),
    ("disputed", "freelancer", "initiator", "continue"),
]
# Refused by the rules: a POST to one dispute action must never run the other.
ALIASED_DISPUTE_POSTS = [
    ("open_counterparty_turn", "client", "counterparty", "dispute_denial"),
    # refused, but with the other action's reason ("Only the freelancer can dispute…")
    ("open_counterparty_turn", "freelancer", "counterparty", "dispute_denial"),
    ("denied_after_both_messages", "freelancer", "initiator", "dispute_cancellation"),
    ("denied_gate_open_by_time", "freelancer", "initiator", "dispute_cancellation"),
]


# The request page renders its buttons from available() (checked in every state above); the
# page itself is looked at in these states, which between them show every button.
PAGE_STATES = {
    ("open_counterparty_turn", "client"), ("open_counterparty_turn", "freelancer"),
    ("open_initiator_turn", "freelancer"), ("open_counters_used", "client"),
    ("open_past_deadline", "freelancer"), ("denied_gate_closed", "freelancer"),
    ("denied_after_both_messages", "freelancer"), ("denied_counters_used", "freelancer"),
    ("accepted", "client"), ("disputed", "freelancer"),
}


def allowed_posts() -> list:
    return [pytest.param(*post, id="-".join(post)) for post in POSTS if expected_allowed(*post)]


def refused_posts() -> dict[tuple, list]:
    """The refused POSTs grouped by (state, who asked): a refusal changes nothing, so one
    state can take them all in turn."""
    groups: dict[tuple, list] = {}
    for state, direction, who, action in POSTS:
        if not expected_allowed(state, direction, who, action):
            groups.setdefault((state, direction), []).append((who, action))
    return groups


@pytest.mark.parametrize(("state", "direction"), matrix_states())
def test_each_state_allows_exactly_what_the_spec_allows(
    state, direction, reach, client, mailoutbox, django_capture_on_commit_callbacks
):
    """For every state, with requests by either side:
    (a) the rules: refusal_reason is None exactly for the allowed cells (all four people and
        the system, all nine actions), available() offers exactly the allowed actions, and the
        telling refusals say why;
    (b) in a selection of states, the request page shows each party exactly those buttons;
    (c) the refused POSTs listed for this state are explained and change nothing."""
    case = reach(state, direction)
    wrong = rule_mismatches(case, state)
    assert not wrong, "\n".join(wrong)
    if (state, direction) in PAGE_STATES:
        for who in ("initiator", "counterparty"):
            login(client, case.users[who])
            response = client.get(case.request.get_absolute_url())
            assert response.status_code == 200
            expected = [(action_url(case.request, a), a) for a in USER_ACTIONS
                        if expected_allowed(state, direction, who, a)]
            assert shown_buttons(response.content.decode()) == expected, who
    check_refused_posts(case, state, refused_posts().get((state, direction), []), client,
                        mailoutbox, django_capture_on_commit_callbacks)


def rule_mismatches(case: Case, state: str) -> list[str]:
    request, direction = case.request, case.direction
    wrong = []
    for who in [*PEOPLE, "system"]:
        user = case.user(who)
        for action in ALL_ACTIONS:
            reason = refusal_reason(request, TRANSITION[action], user)
            allowed = expected_allowed(state, direction, who, action)
            if (reason is None) != allowed:
                wrong.append(f"{who} {action}: expected {'allowed' if allowed else 'refused'}, "
                             f"got {'allowed' if reason is None else repr(str(reason))}")
            elif reason is not None and not str(reason).strip():
                wrong.append(f"{who} {action}: refused without a reason")
            phrase = REFUSALS.get((state, direction, who, action))
            if phrase and phrase not in str(reason):
                wrong.append(f"{who} {action}: refusal {reason!r} does not say {phrase!r}")
        if who != "system":
            offered = [a.name for a in available(CANCELLATION_ACTIONS, request, user)]
            expected = [a for a in USER_ACTIONS if expected_allowed(state, direction, who, a)]
            if offered != expected:
                wrong.append(f"{who} is offered {offered}, expected {expected}")
    return wrong


def check_refused_posts(case: Case, state: str, cells, client, mailoutbox, capture) -> None:
    """A refused party is sent back to the request's page with the rule's reason as a
    message, never a 500, and nothing at all changes."""
    before = snapshot(case, mailoutbox)
    logged_in = None
    for who, action in cells:
        assert not expected_allowed(state, case.direction, who, action)
        user = case.users[who]
        if user != logged_in:
            login(client, user)
            logged_in = user
        refusal = refusal_reason(case.request, TRANSITION[action], user)

        with capture(execute=True):
            response = client.post(action_url(case.request, action), form_data(action))

        where = f"{who} {action}"
        assert (response.status_code, response.get("Location")) == (
            302, case.request.get_absolute_url()), where
        assert flashed(response) == [str(refusal)], where
        phrase = REFUSALS.get((state, case.direction, who, action))
        assert phrase is None or phrase in str(refusal), where
        assert snapshot(case, mailoutbox) == before, where
        client.cookies.pop("messages", None)  # this message was read; don't carry it over


@pytest.mark.parametrize(("state", "direction", "who", "action"), [
    pytest.param(*post, id="-".join(post)) for post in ALIASED_DISPUTE_POSTS])
def test_a_post_runs_only_its_own_action(state, direction, who, action, reach, client,
                                         mailoutbox, django_capture_on_commit_callbacks):
    """A forged POST of an action the rules refuse must be refused with that action's reason,
    even when a sibling action would be allowed (spec §5: a forged POST gets a clear refusal
    and changes nothing)."""
    case = reach(state, direction)
    check_refused_posts(case, state, [(who, action)], client, mailoutbox,
                        django_capture_on_commit_callbacks)


# --- allowed POSTs do what the spec says ------------------------------------------------------


@pytest.mark.parametrize(("state", "direction", "who", "action"), allowed_posts())
def test_allowed_post_does_what_the_spec_says(
    state, direction, who, action, reach, client, mailoutbox, django_capture_on_commit_callbacks
):
    case = reach(state, direction)
    user = case.users[who]
    login(client, user)
    before = snapshot(case, mailoutbox)
    wallets = (wallet(case.users["client"]), wallet(case.users["freelancer"]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(case.request, action), form_data(action))

    # A dispute continues on its own page; every other answer lands back on the request's.
    dispute = Dispute.objects.filter(cancellation_request=case.request).first()
    landing = dispute.get_absolute_url() if dispute else case.request.get_absolute_url()
    assert (response.status_code, response["Location"]) == (302, landing)
    assert flashed(response) == [f"Done: {CANCELLATION_ACTIONS[action].label}."]
    assert_effects(case, action, user, before, wallets, mailoutbox)


# What an allowed action does: the request's state, the contract's state, the events appended
# (in order), and who is told.
EFFECTS = {
    "accept": ("accepted", "cancelled", ["cancellation.accepted", "settlement.executed"],
               {"client", "freelancer"}),
    "counter": ("open", "cancellation_requested", ["cancellation.countered"], {"other"}),
    "deny": ("denied", "cancellation_requested", ["cancellation.denied"], {"freelancer"}),
    "dispute_cancellation": ("disputed", "disputed", ["cancellation.disputed", "dispute.opened"],
                             {"client", "freelancer"}),
    "dispute_denial": ("disputed", "disputed", ["cancellation.disputed", "dispute.opened"],
                       {"client", "freelancer"}),
    "continue": ("withdrawn", "active", ["cancellation.continued", "contract.resumed"],
                 {"client"}),
    "withdraw": ("withdrawn", "active", ["cancellation.withdrawn", "contract.resumed"],
                 {"other"}),
}


def assert_effects(case: Case, action: str, user, before: dict, wallets: tuple,
                   mailoutbox) -> None:
    request_state, contract_state, kinds, told = EFFECTS[action]
    request = case.reload()
    contract = request.contract
    other = contract.other_party(user)
    terms = before["request"]
    assert (request.state, contract.state) == (request_state, contract_state)

    new_events = list(Event.objects.filter(contract=contract).order_by("seq"))[-len(kinds):]
    assert Event.objects.count() == before["events"] + len(kinds)
    assert [e.kind for e in new_events] == kinds
    assert new_events[0].actor == user
    assert new_events[0].data["request_id"] == request.pk

    people = {"client": contract.client, "freelancer": contract.freelancer, "other": other}
    recipients = {people[name] for name in told}
    notes = Notification.objects.order_by("id")[before["notifications"]:]
    assert {n.user for n in notes} == recipients
    copies, others = split_record_copies(mailoutbox[before["mails"]:])
    assert sorted(m.to[0] for m in others) == sorted(u.email for u in recipients)
    # a contract that ended gives each party its copy of the record's final digest
    ended = contract.state == ContractState.CANCELLED
    assert sorted(m.to[0] for m in copies) == (
        sorted([contract.client.email, contract.freelancer.email]) if ended else [])

    if action == "accept":
        amount = terms["amount_to_freelancer_cents"]
        settlement = Settlement.objects.get(contract=contract)
        assert (settlement.to_freelancer_cents, settlement.to_client_cents, settlement.fault) == (
            amount, 50_000 - amount, terms["fault"])
        assert LedgerTransaction.objects.count() == before["ledger"][0] + 1
        client_before, freelancer_before = wallets
        assert wallet(contract.freelancer) == freelancer_before + amount - fee_of(amount)
        assert wallet(contract.client) == client_before + 50_000 - amount
        assert Account.objects.get(kind="escrow", contract=contract).balance_cents == 0
        assert request.turn_user_id is None and request.closed_at is not None
        return
    # Nothing but an acceptance moves money.
    assert (LedgerTransaction.objects.count(), Entry.objects.count()) == before["ledger"]
    assert dict(Account.objects.values_list("pk", "balance_cents")) == before["balances"]
    assert Settlement.objects.count() == before["settlements"]
    if action == "counter":
        role = "client" if user == contract.client else "freelancer"
        assert request.turn_user == other
        assert (request.amount_to_freelancer_cents, request.fault, request.proposed_by) == (
            1_000, "none", user)
        assert getattr(request, f"{role}_counters") == terms[f"{role}_counters"] + 1
        assert request.deadline_at == pytest.approx(timezone.now() + RESPONSE_PERIOD,
                                                    abs=timedelta(minutes=1))
        assert CancellationProposal.objects.filter(request=request).latest("id").message == (
            "Only the delivered part.")
        if terms["state"] == "denied":
            # A counter after a denial is dialogue once the client answers it.
            assert request.countered_after_denial_at is not None
    elif action == "deny":
        assert request.turn_user == contract.freelancer
        assert request.denial_reason == "The reasons are in the contract thread."
        assert request.deadline_at == pytest.approx(timezone.now() + DENIAL_PERIOD,
                                                    abs=timedelta(minutes=1))
    elif action.startswith("dispute"):
        dispute = Dispute.objects.get(cancellation_request=request)
        assert (dispute.state, dispute.opened_by, dispute.contract) == (
            "negotiation", user, contract)
        assert dispute.kind == ("denial" if action == "dispute_denial" else "cancellation")
    else:  # withdraw, continue: the contract goes on
        assert request.turn_user_id is None and request.closed_at is not None
        assert Dispute.objects.count() == before["disputes"]


# --- the tables, and the exact edges of time ------------------------------------------------


def test_the_tables_are_consistent():
    """Every state is reached for each direction it has; every listed refusal is a refused
    cell; every action named in the table exists."""
    assert {state for state, _ in EXPECTED} == set(STATES)
    for roles in EXPECTED.values():
        assert set(roles) <= {"client", "freelancer", "system"}
        for actions in roles.values():
            assert set(actions.split()) <= set(ALL_ACTIONS)
    assert set(USER_ACTIONS) == set(CANCELLATION_ACTIONS)
    for state, direction, who, action in REFUSALS:
        assert (state, direction) in EXPECTED
        assert not expected_allowed(state, direction, who, action)
    # Denied states exist only for a freelancer's request: only those can be denied.
    assert all(d == "freelancer" for s, d in EXPECTED if s.startswith("denied"))
    # The POSTs tried over HTTP name real cells, and every action a party may take in some
    # state, for either direction, is tried at least once where it is allowed.
    for post in POSTS + ALIASED_DISPUTE_POSTS:
        assert post[:2] in EXPECTED and post[2] in PEOPLE and post[3] in USER_ACTIONS, post
    for direction in DIRECTIONS:
        somewhere = {a for (state, d), roles in EXPECTED.items() if d == direction
                     for role, actions in roles.items() if role != "system"
                     for a in actions.split()}
        tried = {p[3] for p in POSTS if p[1] == direction and expected_allowed(*p)}
        assert tried == somewhere, direction


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_the_answer_deadline_is_exact(direction, reach):
    """Up to the deadline the party whose turn it is may answer and the system may not
    auto-accept; from the deadline on, the reverse."""
    case = reach("open_counterparty_turn", direction)
    request, answering = case.request, case.users["counterparty"]
    initiator = case.users["initiator"]
    assert request.deadline_at == request.created_at + RESPONSE_PERIOD
    with time_machine.travel(request.deadline_at - timedelta(seconds=1), tick=False):
        assert refusal_reason(request, "accept", answering) is None
        assert refusal_reason(request, "counter_propose", answering) is None
        assert refusal_reason(request, "withdraw", initiator) is None
        assert "has not run out yet" in refusal_reason(request, "auto_accept", None)
    with time_machine.travel(request.deadline_at, tick=False):
        assert LATE in refusal_reason(request, "accept", answering)
        assert LATE in refusal_reason(request, "counter_propose", answering)
        assert LATE in refusal_reason(request, "withdraw", initiator)
        assert refusal_reason(request, "auto_accept", None) is None


def test_the_denial_deadline_and_the_dialogue_gate_are_exact(reach):
    """The gate opens exactly NEGOTIATION_MIN_HOURS after the denial (and its refusal says
    so); the freelancer's answers end, and the lapse becomes due, exactly at the deadline."""
    case = reach("denied_gate_closed", "freelancer")
    request, freelancer = case.request, case.users["freelancer"]
    opens = request.denied_at + DIALOGUE_WAIT
    with time_machine.travel(opens - timedelta(seconds=1), tick=False):
        reason = refusal_reason(request, "dispute_denial", freelancer)
        assert GATE in reason and "or waiting until" in reason and "(in 0 h 1 min)" in reason
    with time_machine.travel(opens, tick=False):
        assert refusal_reason(request, "dispute_denial", freelancer) is None
    assert request.deadline_at == request.denied_at + DENIAL_PERIOD
    with time_machine.travel(request.deadline_at - timedelta(seconds=1), tick=False):
        assert refusal_reason(request, "continue_contract", freelancer) is None
        assert refusal_reason(request, "dispute_denial", freelancer) is None
        assert "has not run out yet" in refusal_reason(request, "lapse", None)
    with time_machine.travel(request.deadline_at, tick=False):
        for name in ("continue_contract", "dispute_denial", "counter_propose"):
            assert LATE in refusal_reason(request, name, freelancer)
        assert refusal_reason(request, "lapse", None) is None


# --- other ways in: GET, bad forms, outsiders, anonymous, the clock, a double click -----------


@pytest.mark.parametrize(("state", "direction"), [
    ("open_counterparty_turn", "freelancer"),
    ("denied_gate_closed", "freelancer"),
    ("open_past_deadline", "client"),
])
def test_get_shows_a_confirmation_or_the_refusal_and_changes_nothing(state, direction, reach,
                                                                     client, mailoutbox):
    case = reach(state, direction)
    before = snapshot(case, mailoutbox)
    for who in ("initiator", "counterparty"):
        user = case.users[who]
        login(client, user)
        for action in USER_ACTIONS:
            response = client.get(action_url(case.request, action))
            assert response.status_code == 200, (who, action)
            html = response.content.decode()
            if expected_allowed(state, direction, who, action):
                assert 'id="confirm"' in html and 'id="refusal"' not in html, (who, action)
            else:
                assert 'id="confirm"' not in html and 'id="refusal"' in html, (who, action)
                assert response.context["refusal"] == refusal_reason(
                    case.request, TRANSITION[action], user)
    assert snapshot(case, mailoutbox) == before


BAD_FORMS = [
    ("counter", {"amount": "500.01", "fault": "none", "message": "All of it, and a cent."},
     "At most the $500.00 in escrow."),
    ("counter", {"amount": "-1.00", "fault": "none", "message": "Less than nothing."},
     "Write the amount like 1500.00"),
    ("counter", {"amount": "10.00", "fault": "everyone", "message": "Whose fault?"},
     "Select a valid choice."),
    ("counter", {"amount": "10.00", "fault": "none", "message": ""}, "This field is required."),
    ("deny", {"reason": ""}, "This field is required."),
    ("accept", {"idempotency_key": "not a key!"}, "This form is out of date."),
]


def test_an_allowed_party_posting_a_bad_form_is_told_and_nothing_changes(reach, client,
                                                                         mailoutbox):
    case = reach("open_counterparty_turn", "freelancer")
    login(client, case.users["counterparty"])
    before = snapshot(case, mailoutbox)
    for action, data, error in BAD_FORMS:
        response = client.post(action_url(case.request, action), data)
        assert response.status_code == 400, (action, data)
        assert error in response.content.decode(), (action, data)
        assert snapshot(case, mailoutbox) == before, (action, data)


def test_an_accept_without_its_one_time_key_is_told_why(reach, client, mailoutbox):
    case = reach("open_counterparty_turn", "freelancer")
    login(client, case.users["counterparty"])
    before = snapshot(case, mailoutbox)
    response = client.post(action_url(case.request, "accept"), {})
    assert snapshot(case, mailoutbox) == before
    assert response.status_code == 400
    assert "This form is out of date." in response.content.decode()


OUTSIDER_STATES = [
    pytest.param("open_counterparty_turn", "client", id="open-client"),
    pytest.param("open_counterparty_turn", "freelancer", id="open-freelancer"),
    pytest.param("denied_after_both_messages", "freelancer", id="denied-gate-open"),
    pytest.param("accepted", "client", id="accepted"),
]


@pytest.mark.parametrize(("state", "direction"), OUTSIDER_STATES)
def test_outsiders_get_404_and_change_nothing(state, direction, reach, client, mailoutbox,
                                              django_capture_on_commit_callbacks):
    """Not a party: the request does not exist for them (404, so ids do not leak), whatever
    they post; a mediator works cases in the console, not here."""
    case = reach(state, direction)
    request = case.request
    message_url = reverse("disputes:cancellation_message", args=[request.pk])
    before = snapshot(case, mailoutbox)
    for who in ("stranger", "mediator"):
        login(client, case.users[who])
        with django_capture_on_commit_callbacks(execute=True):
            for action in ALL_ACTIONS:
                url = action_url(request, action)
                assert client.post(url, form_data(action)).status_code == 404, (who, action)
            assert client.get(action_url(request, "accept")).status_code == 404, who
            assert client.get(request.get_absolute_url()).status_code == 404, who
            assert client.post(message_url, {"body": "Hello?"}).status_code == 404, who
    assert snapshot(case, mailoutbox) == before


def test_anonymous_posts_go_to_the_login_page_and_change_nothing(reach, client, mailoutbox):
    case = reach("open_counterparty_turn", "client")
    before = snapshot(case, mailoutbox)
    for action in USER_ACTIONS:
        url = action_url(case.request, action)
        response = client.post(url, form_data(action))
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={url}"
    assert snapshot(case, mailoutbox) == before


@pytest.mark.parametrize(("state", "direction", "action"), [
    ("open_past_deadline", "client", "auto_accept"),
    ("denied_past_deadline", "freelancer", "lapse"),
])
def test_the_clocks_actions_cannot_be_posted_even_when_due(state, direction, action, reach,
                                                            client, mailoutbox):
    case = reach(state, direction)
    assert refusal_reason(case.request, TRANSITION[action], None) is None  # it is due
    before = snapshot(case, mailoutbox)
    for who in ("initiator", "counterparty"):
        login(client, case.users[who])
        assert client.post(action_url(case.request, action)).status_code == 404
    assert snapshot(case, mailoutbox) == before


def test_a_repeated_accept_settles_once(reach, client, mailoutbox):
    case = reach("open_counterparty_turn", "client")
    login(client, case.users["counterparty"])
    data = form_data("accept")
    first = client.post(action_url(case.request, "accept"), data)
    assert flashed(first) == [f"Done: {CANCELLATION_ACTIONS['accept'].label}."]
    after_first = snapshot(case, mailoutbox)
    response = client.post(action_url(case.request, "accept"), data)
    # (The first message was never shown, so it still rides along in the message cookie.)
    # ... and it links to what the first one did.
    assert flashed(response)[-1] == ("This was already done; nothing was repeated. "
                                     f'<a href="{case.request.get_absolute_url()}">'
                                     "See what was done.</a>")
    assert snapshot(case, mailoutbox) == after_first
    assert Settlement.objects.filter(contract=case.request.contract).count() == 1


# --- the dialogue-gate notice on the request page ---------------------------------------------


# The notice's deadline: when disputing opens, as a date and a countdown.
COUNTDOWN = r'data-deadline="{iso}">disputing opens <time[^>]*>[^<]*</time> <small[^>]*>\((.*?)\)</small>'


@pytest.mark.parametrize(("state", "countdown"), [
    ("denied_gate_closed", r"in 1 day, 23 hours|in 2 days"),
    ("denied_after_message_before_denial", r"in 1 day, 23 hours|in 2 days"),
    ("denied_just_before_gate", r"in 1 minute"),
])
def test_closed_gate_notice_says_how_to_open_it_and_the_time_left(state, countdown, reach,
                                                                  client):
    case = reach(state, "freelancer")
    login(client, case.users["freelancer"])
    html = client.get(case.request.get_absolute_url()).content.decode()
    notice = gate_notice(html)
    assert notice is not None
    # Every way: dialogue (messages both ways, or a counter-proposal answered) now, or
    # waiting out the hours; and whose message is still missing.
    assert "send a message" in notice and "counter-proposal" in notice
    assert "a message from" in notice
    opens = (case.request.denied_at + DIALOGUE_WAIT).isoformat()
    found = re.search(COUNTDOWN.format(iso=re.escape(opens)), notice)
    assert found, notice
    assert re.fullmatch(countdown, found.group(1)), found.group(1)
    assert "dispute_denial" not in [a for _, a in shown_buttons(html)]


@pytest.mark.parametrize(("state", "says"), [
    ("denied_after_both_messages", "Direct dialogue took place"),
    ("denied_again_after_counter", "Direct dialogue took place"),
    ("denied_gate_open_by_time", f"{settings.NEGOTIATION_MIN_HOURS} hours have passed since the denial"),
])
def test_open_gate_notice_says_which_way_opened_it(state, says, reach, client):
    case = reach(state, "freelancer")
    login(client, case.users["freelancer"])
    html = client.get(case.request.get_absolute_url()).content.decode()
    notice = gate_notice(html)
    assert notice is not None and says in notice and "may now dispute" in notice
    assert "disputing opens" not in notice
    assert "dispute_denial" in [a for _, a in shown_buttons(html)]
