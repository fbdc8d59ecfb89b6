"""The record and the public figures include disputes and their reasoned outcomes."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import login
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute, make_request
from marketplace.tests.factories import MediatorFactory

pytestmark = pytest.mark.django_db
FINDINGS = "Both layouts were delivered; the second needed minor fixes only."
CLAUSE = "§4.6 Outcomes and fault"


def resolved_case(mediator):
    from django.core.files.base import ContentFile

    dispute = make_dispute()
    contract = dispute.contract
    dsvc.dispute_message(actor=contract.freelancer, dispute=dispute, body="The signed brief",
                         files=[ContentFile(b"%PDF-1.4 signed brief", name="brief.pdf")],
                         evidence=True)
    dispute = in_mediation(dispute, mediator)
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel", amount_cents=25_000,
                             fault="client", findings=FINDINGS, policy_clause=CLAUSE)
    dsvc.dispute_accept_proposal(actor=contract.client, dispute=dispute)
    dsvc.dispute_accept_proposal(actor=contract.freelancer, dispute=dispute)
    return dispute


def test_export_case_includes_dispute_evidence_hashes_and_reasoned_outcome(mediator, capsys):
    import hashlib

    dispute = resolved_case(mediator)
    call_command("export_case", str(dispute.contract.pk))
    record = json.loads(capsys.readouterr().out)
    case = record["cancellation_requests"][0]["dispute"]
    assert case["state"] == "resolved" and case["lost_by"] == "client"
    assert case["evidence"][0]["sha256"] == hashlib.sha256(b"%PDF-1.4 signed brief").hexdigest()
    proposal = case["proposals_and_decisions"][0]
    assert (proposal["findings"], proposal["policy_clause"]) == (FINDINGS, CLAUSE)
    assert record["settlement"]["to_freelancer_cents"] == 25_000
    assert record["integrity"]["intact"] is True
    assert {t["kind"] for t in record["ledger"]} >= {"funding", "settlement"}
    assert case["snapshot"]["escrow_cents"] == 50_000


def test_printable_record_shows_the_reasoning_to_parties_and_case_workers(client, mediator, arbitrator):
    dispute = resolved_case(mediator)
    url = reverse("contracts:record", args=[dispute.contract.pk])
    for viewer in (dispute.contract.client, mediator):  # a party, and the case's mediator
        login(client, viewer)
        body = client.get(url).content.decode()
        assert FINDINGS in body and CLAUSE in body and "sha256" in body
    # case workers who never worked the case: it is none of their business
    for outsider in (arbitrator, MediatorFactory()):
        login(client, outsider)
        response = client.get(url)
        assert response.status_code == 404 and FINDINGS not in response.content.decode()


def test_parties_see_the_reasoning_in_the_dispute_room(client, mediator):
    dispute = resolved_case(mediator)
    login(client, dispute.contract.freelancer)
    body = client.get(dispute.get_absolute_url()).content.decode()
    assert FINDINGS in body and CLAUSE in body and "brief.pdf" in body


def test_stats_count_outcomes_stages_and_median_time(client, mediator):
    resolved_case(mediator)
    settled = make_dispute()
    offer = dsvc.dispute_make_offer(actor=settled.contract.client, dispute=settled,
                                    outcome="continue", amount_cents=0, fault="none")
    dsvc.dispute_accept_offer(actor=settled.contract.freelancer, offer=offer)
    make_request("client")  # still open
    body = client.get(reverse("stats")).content.decode()
    assert 'id="disputes-total">2<' in body and 'id="requests-total">3<' in body
    endings = body[body.index('id="dispute-endings"'):]
    assert '<tr data-key="resolved"><td>Resolved by a mediator&#x27;s proposal</td><td class="text-end" data-count="1">' in endings
    stages = body[body.index('id="dispute-stages"'):]
    assert 'data-key="negotiation"' in stages and 'data-key="proposal"' in stages
    assert 'data-count="1"' in stages
    assert "days" in body[body.index('id="median-dispute"'):][:80]


def test_stats_page_is_public_and_constant_in_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        assert client.get(reverse("stats")).status_code == 200
