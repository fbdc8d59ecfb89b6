"""The path a case took: steppers that name each end state and the steps it skipped, and one
conversation that holds every event of the case in order."""

import re

import pytest

from conftest import later, login
from disputes.models import CancellationRequest, Dispute
from disputes.services import cancellations as svc
from disputes.stepper import cancellation_steps, dispute_steps
from disputes.tests import test_outcome_pages as endings
from disputes.tests.factories import make_dispute, make_request
from marketplace.kernel.deadlines import process_deadlines

pytestmark = pytest.mark.django_db

STEP = re.compile(r'<li class="(\w+)" data-step-status="\w+"[^>]*>.*?<span class="step-label">(.*?)'
                  r'</span>\s*<span class="step-status">(.*?)</span>', re.S)


def shown_steps(client, url, user) -> list[tuple[str, str, str]]:
    login(client, user)
    html = client.get(url).content.decode()
    return [(status, label.strip(), words.strip()) for status, label, words in STEP.findall(html)]


# Each end state: the request page's steps (label, status) in order.
REQUEST_PATHS = {
    "accepted": [("Request", "done"), ("Answers", "done"), ("Dispute", "skipped"),
                 ("Accepted", "done")],
    "by_timeout_with_cap": [("Request", "done"), ("Answers", "done"),
                            ("Denial and dialogue", "skipped"), ("Dispute", "skipped"),
                            ("Accepted by timeout", "done")],
    "withdrawn": [("Request", "done"), ("Answers", "done"), ("Dispute", "skipped"),
                  ("Withdrawn", "done")],
    "lapsed": [("Request", "done"), ("Answers", "done"), ("Denial and dialogue", "done"),
               ("Dispute", "skipped"), ("Lapsed", "done")],
    "settled_by_offer": [("Request", "done"), ("Answers", "done"), ("Dispute", "done"),
                         ("Settled by agreement", "done")],
    "proposal_accepted": [("Request", "done"), ("Answers", "done"), ("Dispute", "done"),
                          ("Resolved by mediation", "done")],
    "accepted_by_silence": [("Request", "done"), ("Answers", "done"), ("Dispute", "done"),
                            ("Resolved by silence", "done")],
    "arbitrated_continue": [("Request", "done"), ("Answers", "done"), ("Dispute", "done"),
                            ("Decided by arbitration", "done")],
    "dispute_withdrawn": [("Request", "done"), ("Answers", "done"), ("Dispute", "done"),
                          ("Dispute withdrawn", "done")],
}


@pytest.mark.parametrize("ending", list(REQUEST_PATHS))
def test_the_request_stepper_shows_the_path_taken(ending, client):
    make, _state = endings.ENDINGS[ending]
    request = CancellationRequest.objects.get(pk=make().pk)
    steps = shown_steps(client, request.get_absolute_url(), request.contract.client)
    assert [(label, status) for status, label, _ in steps] == REQUEST_PATHS[ending]
    for status, _label, words in steps:
        # Told in words, not by colour alone.
        assert words.startswith({"done": "done", "skipped": "skipped", "current": "current step",
                                 "todo": "not reached yet"}[status])


DISPUTE_PATHS = {
    "settled_by_offer": ["done", "skipped", "skipped", "skipped", "done"],
    "proposal_accepted": ["done", "done", "done", "skipped", "done"],
    "arbitrated_cancel": ["done", "done", "done", "done", "done"],
    "dispute_withdrawn": ["done", "skipped", "skipped", "skipped", "done"],
}


@pytest.mark.parametrize("ending", list(DISPUTE_PATHS))
def test_the_dispute_stepper_marks_skipped_stages_and_names_the_end(ending, client):
    make, _state = endings.ENDINGS[ending]
    request = make()
    dispute = Dispute.objects.get(cancellation_request=request)
    steps = shown_steps(client, dispute.get_absolute_url(), request.contract.freelancer)
    assert [status for status, _, _ in steps] == DISPUTE_PATHS[ending]
    assert steps[-1][1] == str(dispute_steps(dispute, _ending(dispute))[-1].label)
    assert steps[-1][1] != "Outcome"


def _ending(dispute):
    from disputes.endings import dispute_ending

    return dispute_ending(dispute)


def test_an_open_request_waits_for_the_party_whose_turn_it_is(client):
    request = make_request("client", amount_cents=10_000)
    steps = cancellation_steps(request)
    assert (steps[1].status, steps[1].detail) == ("current", "waiting for the freelancer")
    request = svc.cancellation_counter(actor=request.contract.freelancer, request=request,
                                       amount_cents=20_000, fault="none",
                                       message="Half of it, please.")
    steps = cancellation_steps(request)
    assert (steps[1].status, steps[1].detail) == ("current", "waiting for the client")
    assert [s.status for s in steps] == ["done", "current", "todo", "todo"]


def test_a_denied_request_is_current_at_the_dialogue():
    request = make_request("freelancer", amount_cents=10_000, fault="client", reason="payment")
    request = svc.cancellation_deny(actor=request.contract.client, request=request,
                                    reason="Not yet.")
    assert [s.status for s in cancellation_steps(request)] == [
        "done", "done", "current", "todo", "todo"]


# --- one conversation --------------------------------------------------------------------------

def conversation_kinds(client, url, user) -> list[str]:
    login(client, user)
    html = client.get(url).content.decode()
    section = html.split('id="conversation"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'data-kind="([a-z_.]+)"', section)


def test_the_request_page_lists_the_denial_and_the_timeout():
    request = make_request("freelancer", amount_cents=10_000, fault="client", reason="payment")
    svc.cancellation_deny(actor=request.contract.client, request=request,
                          reason="The second part is not delivered.")
    with later(days=8):
        process_deadlines()
    from django.test import Client

    kinds = conversation_kinds(Client(), request.get_absolute_url(), request.contract.freelancer)
    assert kinds[0] == "cancellation.requested"
    assert "cancellation.denied" in kinds
    assert kinds[-2:] == ["cancellation.lapsed", "contract.resumed"]


def test_the_request_page_lists_the_counter_and_the_acceptance(client):
    request = endings.countered_then_accepted()
    kinds = conversation_kinds(client, request.get_absolute_url(), request.contract.client)
    assert kinds == ["cancellation.requested", "cancellation.countered",
                     "cancellation.accepted", "settlement.executed"]


def test_the_request_page_lists_the_acceptance_by_timeout(client):
    request = endings.by_timeout_with_cap()
    kinds = conversation_kinds(client, request.get_absolute_url(), request.contract.client)
    assert kinds[0] == "cancellation.requested"
    assert kinds[-2:] == ["cancellation.auto_accepted", "settlement.executed"]


def test_a_dispute_room_starts_with_the_request_dialogue(client):
    dispute = make_dispute("denial")  # the freelancer wrote after the denial, then disputed
    contract = dispute.contract
    login(client, contract.client)
    html = client.get(dispute.get_absolute_url()).content.decode()
    section = html.split('id="conversation"', 1)[1].split("</ol>", 1)[0]
    assert "No messages yet" not in html
    message = section.index("Stage one was delivered; can we settle that part?")
    opened = section.index('data-kind="dispute.opened"')
    assert section.index('data-kind="cancellation.requested"') < message < opened
    assert section.index('data-kind="cancellation.denied"') < message


def test_the_conversation_stops_where_the_case_ended(client):
    """Events after a case (the contract going on) are not part of it."""
    request = endings.withdrawn()
    contract = request.contract
    from contracts.services.messages import message_post

    message_post(actor=contract.client, contract=contract, body="Back to work then.")
    kinds = conversation_kinds(client, request.get_absolute_url(), contract.client)
    assert kinds[-1] == "contract.resumed" and "message.posted" not in kinds
