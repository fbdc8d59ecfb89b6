"""The console's case view holds the whole case: the milestones now, with amounts, states and
delivery notes; each proposal round with each party's answer and reason beside it, superseded
rounds marked; forms that make the case worker pick the fault; message templates to edit
before sending; and pages that say in words what happened, each error once."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import login
from contracts.models import Message
from contracts.services.milestones import milestone_submit
from contracts.tests.factories import make_funded_contract
from disputes.models import Dispute
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.services.cancellations import cancellation_dispute
from disputes.tests.factories import in_mediation, make_dispute, make_request
from marketplace.kernel.models import Event

pytestmark = pytest.mark.django_db

FINDINGS = "The brief asked for two layouts; both were delivered, one needed small fixes."
CLAUSE = "§4.6 Outcomes and fault"
NOTE = "Checkout page live on staging; the test card numbers are in the README."


def case_url(dispute) -> str:
    return reverse("admin:disputes_dispute_change", args=[dispute.pk])


def act_url(dispute, action: str) -> str:
    return reverse("admin:disputes_dispute_act", args=[dispute.pk, action])


def section(body: str, element_id: str) -> str:
    return body.split(f'id="{element_id}"', 1)[1].split("</table>", 1)[0]


def propose(mediator, dispute, amount=20_000, fault="client"):
    return casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel",
                                    amount_cents=amount, fault=fault, findings=FINDINGS,
                                    policy_clause=CLAUSE)


@pytest.fixture
def delivered_case(mediator, client_user, freelancer):
    """Milestone 1 ($300) delivered with a note, milestone 2 ($200) funded, milestone 3
    ($100) pending; the client cancelled, bob disputed; maya mediates."""
    contract = make_funded_contract(amounts=(30_000, 20_000, 10_000), fund=2, submit=0,
                                    client=client_user, freelancer=freelancer)
    milestone_submit(actor=freelancer, milestone=contract.milestones.get(position=1), note=NOTE)
    request = make_request("client", contract=contract, amount_cents=0, fault="freelancer",
                           reason="quality")
    dispute = cancellation_dispute(actor=freelancer, request=request,
                                   reason="The work matches the written brief.")
    return in_mediation(dispute, mediator)


def test_the_milestones_now_with_amounts_states_and_delivery_notes(client, mediator,
                                                                  delivered_case):
    login(client, mediator)
    table = section(client.get(case_url(delivered_case)).content.decode(), "case-milestones")
    rows = re.findall(r'<tr data-milestone-state="(\w+)"><td>(\d)</td><td>([^<]+)(?:<br>.*?)?</td>'
                      r'<td class="nowrap">([^<]+)</td><td>([^<]+)</td>'
                      r'<td class="nowrap">([^<]+)</td><td>(.*?)</td></tr>', table, re.S)
    assert [(r[0], r[1], r[2], r[3], r[4], r[6]) for r in rows] == [
        ("submitted", "1", "Part 1", "$300.00", "Submitted", NOTE),
        ("funded", "2", "Part 2", "$200.00", "Funded", "—"),
        ("pending", "3", "Part 3", "$100.00", "Pending", "—"),
    ]
    assert rows[0][5] != "—" and rows[1][5] == "—"  # when it was delivered


def test_each_round_shows_each_partys_answer_and_reason_and_superseded_rounds(
        client, mediator, delivered_case):
    dispute = delivered_case
    contract = dispute.contract
    propose(mediator, dispute)
    dsvc.dispute_reject_proposal(actor=contract.client, dispute=dispute,
                                 reason="Part 1 still fails on mobile.")
    login(client, mediator)
    body = client.get(case_url(dispute)).content.decode()
    round1 = body.split('id="round-1"', 1)[1].split("</div>", 1)[0]
    assert "Rejected: a revised proposal is due." in round1
    assert re.search(r'data-answer="rejected"><strong>rejected</strong><br>Reason: Part 1 still '
                     r"fails on mobile.</td>", round1)
    # the freelancer never answered, and now cannot: the round is over, not "no answer yet"
    assert '<td class="answer answer-none" data-answer="none"><strong>no answer: the round had ' \
           "ended</strong></td>" in round1
    assert "no answer yet" not in round1 and "superseded" not in round1

    propose(mediator, Dispute.objects.get(pk=dispute.pk), amount=25_000, fault="none")
    dsvc.dispute_accept_proposal(actor=contract.freelancer, dispute=dispute)
    body = client.get(case_url(dispute)).content.decode()
    round1 = body.split('id="round-1"', 1)[1].split("</div>", 1)[0]
    round2 = body.split('id="round-2"', 1)[1].split("</div>", 1)[0]
    assert 'class="console-proposal superseded"' in body.split('id="round-1"', 1)[0][-80:]
    assert '<span class="console-badge superseded">superseded</span>' in round1
    assert "Superseded by the revised proposal (round 2)." in round1
    assert "Part 1 still fails on mobile." in round1  # the reason stays with its round
    assert "Awaiting the parties&#x27; answers." in round2 and "superseded" not in round2
    answers = re.findall(r'data-answer="(\w+)"><strong>([^<]+)</strong>', round2)
    assert answers == [("waiting", "no answer yet"), ("accepted", "accepted")]
    assert "$250.00" in round2 and FINDINGS in round2 and CLAUSE in round2


def test_the_reason_shown_is_the_one_the_record_holds(client, mediator, delivered_case):
    """The reason comes from the rejection's own event, for that proposal and that party."""
    dispute = delivered_case
    propose(mediator, dispute)
    dsvc.dispute_reject_proposal(actor=dispute.contract.freelancer, dispute=dispute,
                                 reason="The client's brief never mentioned mobile.")
    event = Event.objects.get(kind="dispute.proposal_rejected")
    assert event.data["reason"] == "The client's brief never mentioned mobile."
    login(client, mediator)
    round1 = client.get(case_url(dispute)).content.decode().split('id="round-1"', 1)[1]
    answers = re.findall(r'data-answer="(\w+)"><strong>([^<]+)</strong>(?:<br>Reason: ([^<]+))?',
                         round1.split("</div>", 1)[0])
    assert answers == [("none", "no answer: the round had ended", ""),
                       ("rejected", "rejected", "The client&#x27;s brief never mentioned mobile.")]


@pytest.mark.parametrize("action", ["propose", "decide"])
def test_no_fault_is_preselected_and_one_must_be_picked(client, mediator, arbitrator, action):
    dispute = in_mediation(make_dispute(), mediator)
    worker = mediator
    if action == "decide":
        for _ in range(2):
            propose(mediator, dispute)
            dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute,
                                         reason="No.")
        casework.dispute_assign_arbitrator(actor=arbitrator, dispute=dispute)
        worker = arbitrator
    login(client, worker)
    form = client.get(act_url(dispute, action)).content.decode()
    select = form.split('name="fault"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\w*)"', select) == ["", "client", "freelancer", "none"]
    assert '<option value="" selected>— choose —</option>' in select
    assert "selected" not in select.split("— choose —", 1)[1]
    assert 'checked' not in form.split('name="outcome"', 1)[0][-200:]  # no outcome picked either
    before = (Dispute.objects.get(pk=dispute.pk).state, dispute.proposals.count())
    data = {"outcome": "cancel", "amount": "200.00", "findings": FINDINGS,
            "policy_clause": CLAUSE, "idempotency_key": uuid.uuid4().hex}
    response = client.post(act_url(dispute, action), data)
    assert response.status_code == 400
    assert re.search(r'id="id_fault_errors"><li>This field is required.</li>',
                     response.content.decode())
    assert (Dispute.objects.get(pk=dispute.pk).state, dispute.proposals.count()) == before


def test_message_templates_fill_the_form_to_edit_before_sending(client, mediator,
                                                                delivered_case,
                                                                django_capture_on_commit_callbacks):
    dispute = delivered_case
    login(client, mediator)
    page = client.get(act_url(dispute, "message")).content.decode()
    offered = re.findall(r'data-notice="(\w+)"', page)
    assert offered == ["request_evidence", "deadline_extended"]  # no proposal to explain yet
    page = client.get(act_url(dispute, "message") + "?notice=request_evidence").content.decode()
    body = page.split('name="body"', 1)[1].split("</textarea>", 1)[0]
    assert "Hello Alice Anders and Bob Baker," in body
    assert "I am Maya Mendes and I am working on your dispute about" in body
    assert "Please add it as evidence on the dispute page by" in body
    # she edits it, and what she sends is what the parties read
    sent = "Hello both,\n\nplease add the signed brief and the staging link as evidence."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(act_url(dispute, "message") + "?notice=request_evidence",
                               {"body": sent}, follow=True)
    assert "Message sent to both parties." in response.content.decode()
    assert Message.objects.filter(contract=dispute.contract).latest("id").body == sent

    propose(mediator, dispute)
    page = client.get(act_url(dispute, "message") + "?notice=proposal_explained").content.decode()
    assert re.findall(r'data-notice="(\w+)"', page) == [
        "request_evidence", "proposal_explained", "deadline_extended"]
    body = page.split('name="body"', 1)[1].split("</textarea>", 1)[0]
    assert "I have proposed how to end this dispute: the contract is cancelled; $200.00" in body
    assert f"Why: {FINDINGS}" in body
    assert "your silence counts as acceptance" in body


def test_pages_say_what_happened_in_words(client, mediator, delivered_case):
    login(client, mediator)
    data = {"outcome": "cancel", "amount": "200.00", "fault": "client", "findings": FINDINGS,
            "policy_clause": CLAUSE}
    response = client.post(act_url(delivered_case, "propose"), data, follow=True)
    text = response.content.decode()
    assert "Proposal sent to both parties. They have until" in text
    assert "silence counts as acceptance." in text and "Done:" not in text


def test_a_past_deadline_error_is_printed_once(client, mediator, delivered_case):
    login(client, mediator)
    earlier = (timezone.now() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(act_url(delivered_case, "extend"),
                           {"until": earlier, "reason": "Waiting for the bank."})
    assert response.status_code == 400
    assert response.content.decode().count(
        "The new deadline must be later than the current one.") == 1
