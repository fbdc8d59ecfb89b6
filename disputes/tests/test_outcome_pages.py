"""Every way a case can end, read back from every page that states it.

For each ending, the request page, the dispute room, the contract page, the printable record
and the console's case view state the money exactly as the settlement row and its ledger
transaction recorded it (data-outcome figures), the fault shown is the settled fault, no other
outcome amount and no negative amount appears; `export_case` and the notifications agree.
"""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import later, login
from contracts.models import AccountKind, Entry, Settlement
from contracts.tests.factories import make_funded_contract
from disputes.models import CancellationRequest, Dispute
from disputes.services import cancellations as svc
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import make_dispute, make_request
from disputes.tests.test_console import CLAUSE, FINDINGS, in_mediation
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.models import Notification
from marketplace.kernel.money import format_money
from marketplace.tests.factories import ArbitratorFactory, MediatorFactory, SuperuserFactory

pytestmark = pytest.mark.django_db

CENTS = re.compile(r'data-outcome="([a-z-]+)" data-cents="(-?\d+)"')
FAULT = re.compile(r'data-outcome="fault" data-fault="(\w*)"')
NEGATIVE = ("−$", "-$")


# --- each way a case ends, through the services ---------------------------------------------

def accepted():
    request = make_request("client", amount_cents=12_345, fault="client", reason="budget")
    return svc.cancellation_accept(actor=request.contract.freelancer, request=request)


def countered_then_accepted():
    request = make_request("client", amount_cents=10_000, fault="freelancer", reason="quality")
    contract = request.contract
    svc.cancellation_counter(actor=contract.freelancer, request=request, amount_cents=30_000,
                             fault="none", message="The first part was delivered in full.")
    return svc.cancellation_accept(actor=contract.client, request=request)


def by_timeout_without_cap():
    request = make_request("client", amount_cents=20_000, fault="client", reason="budget")
    with later(days=8):
        process_deadlines()
    return request


def by_timeout_with_cap():
    # $500 in escrow, $300 of it submitted: the freelancer asks $450, the client stays silent.
    request = make_request("freelancer", amount_cents=45_000, fault="client", reason="payment")
    with later(days=8):
        process_deadlines()
    return request


def withdrawn():
    request = make_request("client", amount_cents=10_000)
    return svc.cancellation_withdraw(actor=request.contract.client, request=request)


def lapsed():
    request = make_request("freelancer", amount_cents=10_000, fault="client", reason="payment")
    svc.cancellation_deny(actor=request.contract.client, request=request, reason="Not yet.")
    with later(days=8):
        process_deadlines()
    return request


def settled_by_offer():
    dispute = make_dispute()
    offer = dsvc.dispute_make_offer(actor=dispute.contract.client, dispute=dispute,
                                    outcome="cancel", amount_cents=32_000, fault="none",
                                    message="Pay the delivered part and a little more.")
    dsvc.dispute_accept_offer(actor=dispute.contract.freelancer, offer=offer)
    return dispute.cancellation_request


def _proposed(outcome="cancel", amount=25_000, fault="client"):
    mediator = MediatorFactory()
    dispute = in_mediation(make_dispute(), mediator)
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome=outcome,
                             amount_cents=amount, fault=fault, findings=FINDINGS,
                             policy_clause=CLAUSE)
    dispute.refresh_from_db()
    return dispute, mediator


def proposal_accepted():
    dispute, _ = _proposed()
    for party in dispute.contract.parties:
        dsvc.dispute_accept_proposal(actor=party, dispute=dispute)
    return dispute.cancellation_request


def accepted_by_silence():
    dispute, _ = _proposed(amount=27_500, fault="freelancer")
    with later(days=6):
        process_deadlines()
    return dispute.cancellation_request


def _arbitrated(outcome, amount, fault):
    dispute, mediator = _proposed()
    dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute, reason="No.")
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel",
                             amount_cents=26_000, fault="client", findings=FINDINGS,
                             policy_clause=CLAUSE)
    dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute, reason="No.")
    arbitrator = ArbitratorFactory()
    casework.dispute_assign_arbitrator(actor=arbitrator, dispute=dispute)
    casework.dispute_decide(actor=arbitrator, dispute=dispute, outcome=outcome,
                            amount_cents=amount, fault=fault, findings=FINDINGS,
                            policy_clause=CLAUSE)
    return dispute.cancellation_request


def arbitrated_cancel():
    return _arbitrated("cancel", 41_000, "freelancer")


def arbitrated_continue():
    return _arbitrated("continue", 0, "client")


def dispute_withdrawn():
    dispute = make_dispute(request_amount_cents=15_000)
    dsvc.dispute_withdraw(actor=dispute.contract.freelancer, dispute=dispute)
    return dispute.cancellation_request


ENDINGS = {
    "accepted": (accepted, "accepted"),
    "countered_then_accepted": (countered_then_accepted, "accepted"),
    "by_timeout_without_cap": (by_timeout_without_cap, "auto_accepted"),
    "by_timeout_with_cap": (by_timeout_with_cap, "auto_accepted"),
    "withdrawn": (withdrawn, "withdrawn"),
    "lapsed": (lapsed, "lapsed"),
    "settled_by_offer": (settled_by_offer, "settled"),
    "proposal_accepted": (proposal_accepted, "resolved"),
    "accepted_by_silence": (accepted_by_silence, "resolved_by_silence"),
    "arbitrated_cancel": (arbitrated_cancel, "decided"),
    "arbitrated_continue": (arbitrated_continue, "decided"),
    "dispute_withdrawn": (dispute_withdrawn, "dispute_withdrawn"),
}


# --- what the rows say ----------------------------------------------------------------------

def recorded(contract) -> dict | None:
    """The settlement row, checked against its own ledger transaction, as page figures."""
    settlement = Settlement.objects.filter(contract=contract).first()
    if settlement is None:
        return None
    legs = {}
    for kind, user_id, amount in Entry.objects.filter(
            transaction=settlement.ledger_transaction).values_list(
            "account__kind", "account__user_id", "amount_cents"):
        legs[(kind, user_id if kind == AccountKind.WALLET else None)] = amount
    figures = {"escrow": settlement.escrow_cents, "to-freelancer": settlement.to_freelancer_cents,
               "fee": settlement.fee_cents, "freelancer-net": settlement.freelancer_net_cents,
               "to-client": settlement.to_client_cents}
    # The row and the ledger transaction say the same thing (an empty escrow moves nothing,
    # and has no transaction).
    if settlement.ledger_transaction_id is None:
        assert settlement.escrow_cents == 0
    assert legs.get(("escrow", None), 0) == -figures["escrow"]
    assert legs.get(("wallet", contract.freelancer_id), 0) == figures["freelancer-net"]
    assert legs.get(("wallet", contract.client_id), 0) == figures["to-client"]
    assert legs.get(("fees", None), 0) == figures["fee"]
    return {"cents": figures, "fault": settlement.fault}


def pages(client, request) -> dict[str, str]:
    """Every page that states the case's outcome, as the parties and a case worker see it."""
    contract = request.contract
    dispute = Dispute.objects.filter(cancellation_request=request).first()
    shown = {}
    login(client, contract.client)
    shown["request page"] = client.get(request.get_absolute_url()).content.decode()
    shown["contract page"] = client.get(contract.get_absolute_url()).content.decode()
    shown["record page"] = _case_section(client.get(
        reverse("contracts:record", args=[contract.pk])).content.decode(), request.pk)
    if dispute is not None:
        login(client, contract.freelancer)
        shown["dispute room"] = client.get(dispute.get_absolute_url()).content.decode()
        login(client, _case_worker(dispute))
        shown["console case view"] = client.get(
            reverse("admin:disputes_dispute_change", args=[dispute.pk])).content.decode()
    return shown


def _case_section(html: str, pk: int) -> str:
    """The record page without the other cases' sections: it lists every case of the
    contract, each stating its own ending (a contract that went on after one case can end by
    another)."""
    for match in reversed(list(re.finditer(r'<section class="[^"]*case-record[^"]*" '
                                           r'id="case-(\d+)">', html))):
        if int(match.group(1)) != pk:
            end = html.find("</section>", match.start()) + len("</section>")
            html = html[:match.start()] + html[end:]
    return html


def _case_worker(dispute):
    """Whoever worked the case; a case settled before mediation had none (a superuser)."""
    return dispute.arbitrator or dispute.mediator or SuperuserFactory()


def assert_states_the_recorded_outcome(name: str, html: str, expected: dict | None) -> None:
    for sign in NEGATIVE:
        assert sign not in html, f"{name}: a negative amount is shown"
    figures = CENTS.findall(html)
    if expected is None:
        assert not figures, f"{name}: outcome money shown for a case that moved none: {figures}"
        return
    assert {key for key, _ in figures} == set(expected["cents"]), f"{name}: {figures}"
    for key, cents in figures:
        assert int(cents) == expected["cents"][key], f"{name}: {key} {cents}"
    faults = set(FAULT.findall(html))
    assert faults == {expected["fault"]}, f"{name}: fault shown {faults}"


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_every_page_states_the_recorded_outcome(ending, client):
    make, state = ENDINGS[ending]
    request = CancellationRequest.objects.get(pk=make().pk)
    expected = recorded(request.contract)
    shown = pages(client, request)
    for name, html in shown.items():
        assert response_ok(html), name
        assert_states_the_recorded_outcome(name, html, expected)
        assert f'data-outcome-code="{state}"' in html, f"{name}: the end state is not named"
    if expected is None:
        assert 'data-outcome="continues"' in shown["request page"]


def response_ok(html: str) -> bool:
    return "<html" in html and "Server Error" not in html


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_export_and_notifications_state_the_recorded_outcome(ending):
    make, state = ENDINGS[ending]
    request = make()
    contract = request.contract
    expected = recorded(contract)
    out = StringIO()
    call_command("export_case", str(contract.pk), stdout=out)
    exported = json.loads(out.getvalue())
    case = next(c for c in exported["cancellation_requests"] if c["id"] == request.pk)
    assert case["ending"]["code"] == state
    if expected is None:
        assert exported["settlement"] is None and case["ending"]["settlement"] is None
        assert case["ending"]["continues"] is True
        return
    for exported_settlement in (exported["settlement"], case["ending"]["settlement"]):
        assert {"escrow": exported_settlement["escrow_cents"],
                "to-freelancer": exported_settlement["to_freelancer_cents"],
                "fee": exported_settlement["fee_cents"],
                "freelancer-net": exported_settlement["freelancer_net_cents"],
                "to-client": exported_settlement["to_client_cents"]} == expected["cents"]
        assert exported_settlement["fault"] == expected["fault"]
    notice = Notification.objects.filter(user=contract.client, text__contains="was cancelled and "
                                         "settled").get()
    cents = expected["cents"]
    for key in ("to-freelancer", "freelancer-net", "fee", "to-client"):
        assert format_money(cents[key]) in notice.text, (key, notice.text)


def test_the_cap_is_stated_with_what_was_asked_and_why():
    request = by_timeout_with_cap()
    contract = request.contract
    settlement = Settlement.objects.get(contract=contract)
    assert (settlement.to_freelancer_cents, settlement.to_client_cents) == (30_000, 20_000)
    from disputes.endings import request_ending

    request.refresh_from_db()
    ending = request_ending(request)
    assert (ending.cap.asked_cents, ending.cap.paid_cents, ending.cap.submitted_cents) == (
        45_000, 30_000, 30_000)
    assert "$450.00" in ending.summary and "$300.00" in ending.summary


def test_no_outcome_is_stated_while_the_case_runs(client):
    request = make_request("client", amount_cents=10_000)
    login(client, request.contract.client)
    html = client.get(request.get_absolute_url()).content.decode()
    assert not CENTS.findall(html) and "data-outcome-code" not in html


def test_a_ledger_that_disagrees_with_the_settlement_is_flagged(client):
    """The outcome box vouches for the settlement only when its ledger transaction agrees."""
    from contracts.outcomes import settled_outcome

    request = accepted()
    settlement = Settlement.objects.get(contract=request.contract)
    assert settled_outcome(settlement).ledger_agrees
    forged = Settlement(contract=request.contract, escrow_cents=settlement.escrow_cents,
                        to_freelancer_cents=settlement.to_freelancer_cents + 100,
                        to_client_cents=settlement.to_client_cents - 100,
                        fee_cents=settlement.fee_cents, fault="none", source="x", how="x",
                        ledger_transaction_id=settlement.ledger_transaction_id)
    assert not settled_outcome(forged, request.contract).ledger_agrees


def test_offers_on_a_closed_case_split_the_frozen_escrow(client):
    """Offers and proposals on a closed case split the case's escrow, not the emptied one."""
    request = settled_by_offer()
    dispute = Dispute.objects.get(cancellation_request=request)
    login(client, request.contract.client)
    html = client.get(dispute.get_absolute_url()).content.decode()
    # $320.00 of $500.00: they receive $288.00 after the $32.00 fee; $180.00 back.
    assert "they receive $288.00 after the $32.00 fee; $180.00 back to the client" in html


def test_the_proposal_carried_out_is_marked_and_a_superseded_one_says_so(client):
    request = arbitrated_cancel()
    dispute = Dispute.objects.get(cancellation_request=request)
    login(client, request.contract.client)
    html = client.get(dispute.get_absolute_url()).content.decode()
    assert html.count("data-superseded") == 1  # round 1 was superseded by round 2
    assert "This decision was carried out" in html


def test_contracts_without_a_case_show_no_outcome(client):
    contract = make_funded_contract()
    login(client, contract.client)
    html = client.get(contract.get_absolute_url()).content.decode()
    assert 'id="case-banner"' not in html


@pytest.mark.parametrize("make", [lapsed, withdrawn, arbitrated_continue])
def test_the_contract_page_says_the_contract_continued(make, client):
    request = make()
    login(client, request.contract.client)
    html = client.get(request.contract.get_absolute_url()).content.decode()
    assert 'id="case-banner"' in html and "No money moved" in html
    assert "This contract is in dispute" not in html
