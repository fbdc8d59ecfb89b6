"""The dispute room shows offers, proposals, evidence and messages in a fixed number of
queries, with the names and outcomes read from the narrowed rows."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import login
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute

pytestmark = pytest.mark.django_db


def add_round(dispute, i: int):
    """One more offer, one piece of evidence and one message from each side."""
    contract = dispute.contract
    dsvc.dispute_make_offer(actor=contract.client, dispute=dispute, outcome="cancel",
                            amount_cents=1_000 * (i + 1), fault="none", message=f"Offer {i}")
    dsvc.dispute_message(actor=contract.freelancer, dispute=dispute, body=f"Exhibit {i}",
                         files=[ContentFile(b"%PDF-1.4 exhibit", name=f"exhibit-{i}.pdf")],
                         evidence=True)
    dsvc.dispute_message(actor=contract.client, dispute=dispute, body=f"Reply {i}")


def room_queries(client, dispute) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(dispute.get_absolute_url())
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def case_with(rounds: int, mediator):
    dispute = make_dispute()
    for i in range(rounds):
        add_round(dispute, i)
    dispute = in_mediation(dispute, mediator)
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel",
                             amount_cents=20_000, fault="client",
                             findings="Half of the work was delivered as agreed.",
                             policy_clause="§4.6 Outcomes and fault")
    return dispute


def test_dispute_room_queries_stay_constant_as_the_case_grows(client, mediator):
    small_case, large_case = case_with(1, mediator), case_with(6, mediator)
    login(client, small_case.contract.freelancer)
    small, body = room_queries(client, small_case)
    assert small_case.contract.client.display_name in body  # from the narrowed user rows
    assert "exhibit-0.pdf" in body and "Reply 0" in body
    # the outcome, worded in Python: split, fee and what the client gets back
    assert ("<strong>Cancel</strong>: $200.00 to the freelancer <span class=\"small "
            "text-body-secondary\">(they receive $180.00 after the $20.00 fee; $300.00 back "
            "to the client)</span> · fault: the client") in body
    login(client, large_case.contract.freelancer)
    large, body = room_queries(client, large_case)
    assert large == small
    assert "exhibit-5.pdf" in body and "Reply 5" in body and "Offer 5" in body
