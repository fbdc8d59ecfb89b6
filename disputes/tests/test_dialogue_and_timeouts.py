"""Issue 13's rules on their own: the dialogue a denial needs before a dispute, and what
silence records (the terms on the table, amount and fault together, the cap)."""

import pytest
from django.conf import settings

from conftest import later, login
from contracts.models import Settlement
from disputes.consequences import timeout_sentence
from disputes.models import CancellationRequest
from disputes.services import cancellations as svc
from disputes.tests.factories import make_request
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.fsm import refusal_reason

pytestmark = pytest.mark.django_db


def denied():
    request = make_request("freelancer", amounts=(30_000, 20_000), fund=2, submit=1,
                           amount_cents=30_000, fault="client", reason="payment")
    return svc.cancellation_deny(actor=request.contract.client, request=request,
                                 reason="The second part is not delivered yet.")


def gate(request) -> str | None:
    request = CancellationRequest.objects.get(pk=request.pk)
    return refusal_reason(request, "dispute_denial", request.contract.freelancer)


def test_only_the_freelancer_wrote_keeps_the_gate_closed_and_names_the_client():
    request = denied()
    svc.cancellation_message(actor=request.contract.freelancer, request=request, body="Why?")
    reason = gate(request)
    client = request.contract.client.display_name
    assert reason is not None and f"a message from {client} since the denial" in reason
    assert "a message from you" not in reason


def test_only_the_client_wrote_keeps_the_gate_closed_and_names_the_freelancer():
    request = denied()
    svc.cancellation_message(actor=request.contract.client, request=request, body="Finish it.")
    reason = gate(request)
    assert reason is not None and "a message from you since the denial" in reason


def test_both_wrote_opens_the_gate():
    request = denied()
    svc.cancellation_message(actor=request.contract.freelancer, request=request, body="Why?")
    svc.cancellation_message(actor=request.contract.client, request=request, body="Because.")
    assert gate(request) is None


def test_messages_before_the_denial_do_not_count():
    request = make_request("freelancer", amount_cents=10_000, fault="client", reason="payment")
    contract = request.contract
    svc.cancellation_message(actor=contract.freelancer, request=request, body="Before.")
    svc.cancellation_message(actor=contract.client, request=request, body="Before too.")
    request = svc.cancellation_deny(actor=contract.client, request=request, reason="No.")
    assert gate(request) is not None


def test_a_counter_proposal_answered_opens_the_gate():
    request = denied()
    contract = request.contract
    request = svc.cancellation_counter(actor=contract.freelancer, request=request,
                                       amount_cents=20_000, fault="none", message="Less then?")
    # Made, not yet answered: the freelancer's turn is over, the client has to answer.
    request = svc.cancellation_deny(actor=contract.client, request=request, reason="Still no.")
    assert gate(request) is None


def test_the_hours_alone_open_the_gate_and_the_refusal_says_when():
    request = denied()
    reason = gate(request)
    assert "or waiting until" in reason and "(in 1 d 23 h)" in reason
    with later(hours=settings.NEGOTIATION_MIN_HOURS, minutes=1):
        assert gate(request) is None


# --- what silence records ------------------------------------------------------------------

def test_a_silent_counterparty_gets_the_terms_on_the_table_capped(client):
    """The freelancer asks $450 of $500 with $300 submitted, fault the client's; the client
    says nothing. Before the deadline the page says what silence records; after it, that."""
    request = make_request("freelancer", amounts=(30_000, 20_000), fund=2, submit=1,
                           amount_cents=45_000, fault="client", reason="payment")
    contract = request.contract
    login(client, contract.client)
    html = client.get(request.get_absolute_url()).content.decode()
    assert "the terms on the table apply: $300.00 to the freelancer, $200.00 back to the client" in html
    assert "by timeout a freelancer receives at most the $300.00 of submitted work" in html
    sentence = timeout_sentence(request, contract.client)
    assert sentence.startswith("Silence is recorded as the client's fault, with an unanswered "
                               f"deadline for {contract.client.display_name}")
    assert 'id="timeout-consequence"' in html and "Silence is recorded as the client" in html
    with later(days=8):
        process_deadlines()
    settlement = Settlement.objects.get(contract=contract)
    request.refresh_from_db()
    assert (settlement.to_freelancer_cents, settlement.fault) == (30_000, "client")
    assert (request.state, request.timed_out_role) == ("auto_accepted", "client")


def test_a_silent_initiator_after_a_counter_gets_the_counter_terms_and_fault(client):
    """The client asks (fault: the freelancer's); the freelancer counters with no fault; the
    client stays silent: the counter's terms apply, amount and fault together."""
    request = make_request("client", amounts=(30_000, 20_000), fund=2, submit=1,
                           amount_cents=5_000, fault="freelancer", reason="quality")
    contract = request.contract
    request = svc.cancellation_counter(actor=contract.freelancer, request=request,
                                       amount_cents=25_000, fault="none",
                                       message="Nobody's fault: the brief changed.")
    sentence = timeout_sentence(request, contract.client)
    assert sentence.startswith("Silence is recorded as nobody's fault, with an unanswered "
                               f"deadline for {contract.client.display_name}")
    with later(days=8):
        process_deadlines()
    settlement = Settlement.objects.get(contract=contract)
    request.refresh_from_db()
    assert (settlement.to_freelancer_cents, settlement.fault) == (25_000, "none")
    assert request.timed_out_role == "client"
    assert request.initial_fault == "freelancer"  # kept for the record, not applied
