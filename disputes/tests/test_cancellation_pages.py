"""Cancellation pages: the request form, the request's page, the dashboard, query budgets."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import login
from contracts.models import ContractState
from contracts.tests.factories import make_funded_contract
from disputes.models import CancellationRequest
from disputes.services import cancellations as svc
from disputes.tests.factories import EXPLANATION, make_request

pytestmark = pytest.mark.django_db


def test_request_form_creates_a_request_and_shows_the_escrow(client):
    contract = make_funded_contract(amounts=(30_000, 20_000), fund=2, submit=1)
    login(client, contract.freelancer)
    page = client.get(reverse("disputes:cancellation_new", args=[contract.pk]))
    body = page.content.decode()
    assert 'data-escrow-cents="50000"' in body
    assert "The client stopped responding (default fault: the client)" in body
    assert "I want" not in body  # freelancer reasons only
    response = client.post(reverse("disputes:cancellation_new", args=[contract.pk]), {
        "reason": "client_unresponsive", "explanation": EXPLANATION, "amount": "300.00",
        "fault": "client"})
    request = CancellationRequest.objects.get(contract=contract)
    assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
    assert (request.amount_to_freelancer_cents, request.fault, request.initiator_role) == (
        30_000, "client", "freelancer")


@pytest.mark.parametrize(("data", "error"), [
    ({"explanation": "Short"}, "Ensure this value has at least 50 characters"),
    ({"amount": "500.01"}, "At most the $500.00 in escrow."),
    ({"amount": "-1"}, "Write the amount like 1500.00"),
    ({"amount": "1e2"}, "Write the amount like 1500.00"),
    ({"reason": "quality"}, "Select a valid choice"),  # a client's reason, not a freelancer's
    ({"fault": "everyone"}, "Select a valid choice"),
])
def test_request_form_errors_are_clear_and_create_nothing(client, data, error):
    contract = make_funded_contract(amounts=(30_000, 20_000), fund=2)
    login(client, contract.freelancer)
    form = {"reason": "mutual", "explanation": EXPLANATION, "amount": "10.00", "fault": "none", **data}
    response = client.post(reverse("disputes:cancellation_new", args=[contract.pk]), form)
    assert response.status_code == 400 and error in response.content.decode()
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE and not CancellationRequest.objects.exists()


def test_request_form_for_a_contract_already_in_a_case_explains_and_redirects(client):
    request = make_request("client")
    login(client, request.contract.freelancer)
    response = client.get(reverse("disputes:cancellation_new", args=[request.contract.pk]), follow=True)
    assert response.redirect_chain[-1][0] == request.get_absolute_url()
    assert "A cancellation request is open on this contract" in response.content.decode()


def test_request_page_shows_terms_turn_deadline_dialogue_and_stepper(client):
    request = make_request("client", amount_cents=12_345, fault="client")
    contract = request.contract
    svc.cancellation_message(actor=contract.freelancer, request=request, body="Why now?")
    login(client, contract.freelancer)
    body = client.get(request.get_absolute_url()).content.decode()
    assert "It is your turn." in body and "data-deadline" in body
    assert "$123.45" in body and "$376.55" in body  # to the freelancer / back to the client
    assert "Why now?" in body and 'aria-current="step"' in body
    actions_block = body.split('id="actions"')[1].split("</div>")[0]
    assert set(re.findall(r'data-action="([a-z_]+)"', actions_block)) == {
        "accept", "counter", "dispute_cancellation"}
    login(client, contract.client)
    body = client.get(request.get_absolute_url()).content.decode()
    assert "Waiting for" in body and 'data-action="withdraw"' in body and 'data-action="accept"' not in body


def test_request_page_query_count_does_not_grow_with_the_dialogue(client):
    small, large = make_request("client"), make_request("client")
    for i in range(2):
        svc.cancellation_message(actor=small.contract.freelancer, request=small, body=f"m{i}")
    for i in range(30):
        svc.cancellation_message(actor=large.contract.freelancer, request=large, body=f"m{i}")
    counts = []
    for request in (small, large):
        login(client, request.contract.client)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(request.get_absolute_url()).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] and counts[0] <= 20


def test_dashboard_lists_requests_awaiting_me(client):
    request = make_request("client")
    login(client, request.contract.freelancer)
    body = client.get("/").content.decode()
    assert "Answer the cancellation request on" in body and request.get_absolute_url() in body
    login(client, request.contract.client)
    assert "awaits" in client.get("/").content.decode()


def test_contract_page_links_the_open_request(client):
    request = make_request("freelancer")
    login(client, request.contract.client)
    body = client.get(request.contract.get_absolute_url()).content.decode()
    assert 'id="case-banner"' in body and request.get_absolute_url() in body
    assert 'data-action="request_cancellation"' not in body


def _position(html: str, pattern: str) -> int:
    found = re.search(pattern, html)
    assert found, pattern
    return found.start()


@pytest.mark.parametrize("form", ["request", "counter"])
def test_the_preview_of_the_terms_comes_before_the_submit_button(client, form):
    """Read before sending: the preview, the fault's consequences and the amount field all
    precede the submit button (on a phone, the page is read in this order)."""
    if form == "request":
        contract = make_funded_contract(amounts=(30_000, 20_000), fund=2, submit=1)
        login(client, contract.freelancer)
        url = reverse("disputes:cancellation_new", args=[contract.pk])
    else:
        case = make_request("client")
        login(client, case.contract.freelancer)
        url = reverse("disputes:cancellation_action", args=[case.pk, "counter"])
    html = client.get(url).content.decode()
    submit = _position(html, r'<button[^>]*type="submit"[^>]*>(?:(?!</button>).)*'
                             r'(?:Send the request|Counter)')
    form_start = _position(html, r'<form method="post"(?! action="/accounts/logout)')
    assert form_start < _position(html, r'name="amount"') < _position(
        html, r'id="terms-preview"') < submit
    assert _position(html, r'id="consequences"') < submit
