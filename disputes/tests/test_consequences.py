"""Consequences before the click: at each decision point the page says what the choice will
do to each side's score, and after the choice the scores are exactly what it said."""

import re

import pytest
from django.urls import reverse

from conftest import later, login
from contracts.tests.factories import make_funded_contract
from disputes import consequences
from disputes.models import CancellationRequest, Dispute
from disputes.services import cancellations as svc
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation
from disputes.tests.test_console import CLAUSE, FINDINGS
from marketplace.kernel.deadlines import process_deadlines
from marketplace.tests.factories import ClientFactory, FreelancerFactory, MediatorFactory
from reputation.models import Reputation
from reputation.tests.factories import completed_contract

pytestmark = pytest.mark.django_db

EXPLANATION = ("Our budget for the quarter was cut, so the second part cannot go ahead; the "
               "first part is paid in full.")
SHOWN = re.compile(r"\((\d+) → (\d+)\)|\(first score: (\d+)\)")


@pytest.fixture
def pair():
    """A client and a freelancer with two completed contracts each, so a third ending gives
    both a visible score."""
    client, freelancer = ClientFactory(first_name="Carla"), FreelancerFactory(first_name="Bob")
    for _ in range(2):
        completed_contract(client=client, freelancer=freelancer)
    return client, freelancer


def funded(pair):
    client, freelancer = pair
    return make_funded_contract(amounts=(30_000, 20_000), fund=2, submit=1, client=client,
                                freelancer=freelancer)


def scores(contract) -> dict[str, int | None]:
    rows = dict(Reputation.objects.filter(user__in=[contract.client, contract.freelancer])
                .values_list("user_id", "score"))
    return {"client": rows.get(contract.client_id), "freelancer": rows.get(contract.freelancer_id)}


def promised(effects) -> dict[str, int | None]:
    return {effect.role: effect.after for effect in effects}


def assert_sentence_states(sentence: str, effects) -> None:
    """The words carry the numbers the effects computed (before → after), for both sides."""
    for effect in effects:
        if effect.counted or effect.before != effect.after:
            expected = (f"({effect.before} → {effect.after})" if effect.before is not None
                        else f"(first score: {effect.after})")
            assert expected in sentence, (expected, sentence)
        else:
            assert "is not affected" in sentence


REASONS = {("client", "client"): "budget", ("client", "freelancer"): "quality",
           ("client", "none"): "mutual", ("freelancer", "client"): "payment",
           ("freelancer", "freelancer"): "unable_to_deliver", ("freelancer", "none"): "mutual"}


def request(contract, role="client", fault="client", amount=10_000):
    """A request by `role` whose reason suggests `fault`."""
    actor = contract.client if role == "client" else contract.freelancer
    return svc.cancellation_request(actor=actor, contract=contract, reason=REASONS[role, fault],
                                    explanation=EXPLANATION, amount_to_freelancer_cents=amount,
                                    fault=fault)


# --- decision points that end the contract -----------------------------------------------

@pytest.mark.parametrize("fault", ["client", "freelancer", "none"])
def test_accepting_does_what_the_accept_page_said(pair, client, fault):
    contract = funded(pair)
    case = request(contract, fault=fault)
    login(client, contract.freelancer)
    page = client.get(reverse("disputes:cancellation_action", args=[case.pk, "accept"]))
    html = page.content.decode()
    effects = consequences.ending_effects(contract, fault=fault)
    sentence = consequences.cancellation_action_sentence("accept", case, contract.freelancer)
    assert 'id="consequence"' in html and _text(sentence) in _text(html)
    assert_sentence_states(sentence, effects)
    svc.cancellation_accept(actor=contract.freelancer, request=case)
    assert scores(contract) == promised(effects)
    # Whose fault it was is the one who counts an at-fault cancellation.
    for effect in effects:
        assert bool(effect.counted) == (effect.role == fault)


def test_the_request_form_says_what_each_fault_would_record(pair, client):
    contract = funded(pair)
    login(client, contract.client)
    html = client.get(reverse("disputes:cancellation_new", args=[contract.pk])).content.decode()
    outcomes = consequences.request_outcomes(contract, contract.client, "client")
    for fault, outcome in outcomes.items():
        assert f'data-consequence-fault="{fault}"' in html
        assert _text(outcome["accepted"]) in _text(html)
        assert _text(outcome["silence"]) in _text(html)
    # Asking with "the freelancer's fault", accepted: the scores the form promised.
    effects = consequences.ending_effects(contract, fault="freelancer")
    assert_sentence_states(outcomes["freelancer"]["accepted"], effects)
    case = request(contract, fault="freelancer")
    svc.cancellation_accept(actor=contract.freelancer, request=case)
    assert scores(contract) == promised(effects)


def test_letting_the_deadline_pass_does_what_the_request_page_said(pair, client):
    contract = funded(pair)
    case = request(contract, role="freelancer", fault="client", amount=45_000)
    login(client, contract.client)
    html = client.get(case.get_absolute_url()).content.decode()
    sentence = consequences.timeout_sentence(case, contract.client)
    effects = consequences.ending_effects(contract, fault="client", timed_out_role="client")
    assert _text(sentence) in _text(html)
    assert "one unanswered deadline" in sentence and "one at-fault cancellation" in sentence
    # ... and the money: capped at the $300.00 of submitted work.
    assert "$300.00 to the freelancer, $200.00 back to the client" in _text(html)
    with later(days=8):
        process_deadlines()
    assert scores(contract) == promised(effects)


def test_a_counter_accepted_does_what_the_counter_page_said(pair, client):
    contract = funded(pair)
    case = request(contract, fault="freelancer")
    login(client, contract.freelancer)
    html = client.get(reverse("disputes:cancellation_action", args=[case.pk, "counter"])
                      ).content.decode()
    outcomes = consequences.counter_outcomes(case, contract.freelancer)
    assert _text(outcomes["none"]) in _text(html)
    effects = consequences.ending_effects(contract, fault="none")
    case = svc.cancellation_counter(actor=contract.freelancer, request=case, amount_cents=25_000,
                                    fault="none", message="Half, and nobody's fault.")
    svc.cancellation_accept(actor=contract.client, request=case)
    assert scores(contract) == promised(effects)


def _dispute(pair):
    contract = funded(pair)
    case = request(contract, fault="freelancer", amount=0)
    return svc.cancellation_dispute(actor=contract.freelancer, request=case,
                                    reason="The first part was delivered as agreed.")


def test_accepting_an_offer_does_what_the_offer_page_said(pair, client):
    dispute = _dispute(pair)
    contract = dispute.contract
    offer = dsvc.dispute_make_offer(actor=contract.client, dispute=dispute, outcome="cancel",
                                    amount_cents=30_000, fault="client")
    login(client, contract.freelancer)
    html = client.get(reverse("disputes:offer_action", args=[dispute.pk, offer.pk, "accept"])
                      ).content.decode()
    dispute = Dispute.objects.get(pk=dispute.pk)
    sentence = consequences.dispute_action_sentence("offer_accept", dispute,
                                                     contract.freelancer, offer=offer)
    effects = consequences.ending_effects(contract, fault="client")
    assert _text(sentence) in _text(html)
    assert_sentence_states(sentence, effects)
    dsvc.dispute_accept_offer(actor=contract.freelancer, offer=offer)
    assert scores(contract) == promised(effects)  # settled by agreement: nobody lost it


@pytest.mark.parametrize("silence", [False, True], ids=["both-accept", "silence"])
def test_accepting_a_proposal_does_what_the_proposal_page_said(pair, client, silence):
    mediator = MediatorFactory()
    dispute = in_mediation(_dispute(pair), mediator)
    contract = dispute.contract
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel",
                             amount_cents=20_000, fault="client", findings=FINDINGS,
                             policy_clause=CLAUSE)
    login(client, contract.client)
    html = client.get(reverse("disputes:dispute_action", args=[dispute.pk, "accept_proposal"])
                      ).content.decode()
    dispute = Dispute.objects.get(pk=dispute.pk)
    sentence = consequences.dispute_action_sentence("accept_proposal", dispute, contract.client)
    effects = consequences.ending_effects(contract, fault="client", lost_by="client")
    assert _text(sentence) in _text(html) and "a lost dispute" in sentence
    assert "one lost dispute" in sentence
    if silence:
        with later(days=6):
            process_deadlines()
    else:
        for party in contract.parties:
            dsvc.dispute_accept_proposal(actor=party, dispute=dispute)
    assert scores(contract) == promised(effects)


# --- decision points that change no score ----------------------------------------------

@pytest.mark.parametrize("action", ["deny", "withdraw", "dispute_cancellation", "continue",
                                    "reject_proposal"])
def test_choices_that_end_nothing_say_so_and_change_nothing(pair, client, action):
    contract = funded(pair)
    before = scores(contract)
    if action in ("deny", "continue"):
        case = request(contract, role="freelancer", fault="client")
        if action == "continue":
            case = svc.cancellation_deny(actor=contract.client, request=case, reason="No.")
        actor = contract.client if action == "deny" else contract.freelancer
    elif action == "reject_proposal":
        mediator = MediatorFactory()
        dispute = in_mediation(_dispute(pair), mediator)
        casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel",
                                 amount_cents=20_000, fault="client", findings=FINDINGS,
                                 policy_clause=CLAUSE)
        dispute = Dispute.objects.get(pk=dispute.pk)
        sentence = consequences.dispute_action_sentence(action, dispute, dispute.contract.client)
        assert "changes no score" in sentence
        dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute,
                                     reason="Too little.")
        assert scores(dispute.contract) == before  # the same two people
        return
    else:
        case = request(contract, fault="client")
        actor = contract.client if action == "withdraw" else contract.freelancer
    sentence = consequences.cancellation_action_sentence(action, case, actor)
    assert sentence and ("changes no score" in sentence or "changes nobody's score" in sentence)
    login(client, actor)
    html = client.get(reverse("disputes:cancellation_action", args=[case.pk, action])
                      ).content.decode()
    assert _text(sentence) in _text(html)
    {"deny": lambda: svc.cancellation_deny(actor=actor, request=case, reason="Not now."),
     "withdraw": lambda: svc.cancellation_withdraw(actor=actor, request=case),
     "continue": lambda: svc.cancellation_continue(actor=actor, request=case),
     "dispute_cancellation": lambda: svc.cancellation_dispute(actor=actor, request=case,
                                                              reason="Unfair.")}[action]()
    assert scores(contract) == before
    assert CancellationRequest.objects.filter(pk=case.pk).exists()


def test_a_new_account_is_told_when_its_first_score_appears():
    client, freelancer = ClientFactory(), FreelancerFactory()
    completed_contract(client=client, freelancer=freelancer)
    contract = make_funded_contract(amounts=(10_000,), fund=1, client=client,
                                    freelancer=freelancer)
    effects = consequences.ending_effects(contract, fault="client")
    sentence = consequences.sentence("Accepting", effects, freelancer)
    # Two ended contracts after this one: still below the minimum, and it says so.
    assert "no score is shown until 3 contracts have ended" in sentence
    assert all(effect.after is None for effect in effects)


def _text(html: str) -> str:
    """Visible words, whitespace collapsed, HTML entities for quotes undone."""
    text = re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&quot;", '"')
    return re.sub(r"\s+", " ", text).replace("&gt;", ">").strip()
