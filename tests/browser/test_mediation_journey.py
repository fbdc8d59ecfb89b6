"""A dispute goes to mediation and is resolved by the mediator's proposal, in three browsers.

The client cancelled for poor quality (the freelancer's fault, nothing to him); the freelancer
disputed. Both parties ask for a mediator; `maya` takes the case in the mediator console and
proposes a split with her findings and the policy clause; both parties accept in the app. The
escrow is divided as proposed (fee half-up on the freelancer's share), and the dispute page,
the wallets, the contract page, the printable record and /stats/ all show the outcome and why.
"""

import pytest
from django.db.models import Sum
from playwright.sync_api import Page, expect

from contracts.models import Account, Entry, LedgerTransaction, Settlement
from contracts.tests.factories import make_funded_contract
from disputes.models import Dispute
from disputes.services.cancellations import cancellation_dispute
from disputes.tests.factories import make_request
from marketplace.tests.factories import ClientFactory, FreelancerFactory, MediatorFactory
from tests.browser.journeys import (
    PASSWORD,
    act,
    check_ledger,
    expect_cents,
    expect_state,
    other_person,
    sign_in,
    wallet_balance,
)
from tests.browser.journeys2 import console_act, console_sign_in

pytestmark = pytest.mark.browser

# Milestone 1 ($300.00) funded and submitted, milestone 2 ($200.00) funded: $500.00 in escrow.
AMOUNTS = (30_000, 20_000)
ESCROW = sum(AMOUNTS)
TO_FREELANCER = 31_235             # $312.35: 10% is 3123.5 cents, so the fee needs rounding
FEE = 3_124                        # half-up to the cent (banker's rounding would give 3123)
NET = TO_FREELANCER - FEE          # $281.11 to the freelancer's wallet
TO_CLIENT = ESCROW - TO_FREELANCER  # $187.65 back to the client
FINDINGS = ("The checkout page was delivered as the written brief describes; the client's "
            "quality complaint names nothing the brief asked for. The second part was not "
            "started, so most of it goes back to the client.")
POLICY = "§3.7 The settlement"


def ask_for_mediator(page: Page, dispute_url: str) -> None:
    page.goto(dispute_url)
    expect_state(page, "negotiation", "Direct negotiation")
    act(page, "#actions", "request_mediation", done="Done: Ask for a mediator.")
    expect(page.locator("#actions a[data-action=request_mediation]")).to_have_count(0)


def accept_proposal(page: Page, dispute_url: str) -> None:
    page.goto(dispute_url)
    expect_state(page, "proposal", "Mediator's proposal")
    proposal = page.locator("#proposal-1")
    expect(proposal).to_contain_text(FINDINGS)
    expect(proposal).to_contain_text(POLICY)
    expect(proposal).to_contain_text("$312.35 to the freelancer")
    act(page, "#actions", "accept_proposal", done="Done: Accept the proposal.")
    expect(page.locator("#actions a[data-action=accept_proposal]")).to_have_count(0)


def test_mediator_proposes_a_split_and_both_parties_accept(page: Page, browser, live_server):
    carla = ClientFactory(username="carla", first_name="Carla", last_name="Cruz")
    bob = FreelancerFactory(username="bob", first_name="Bob", last_name="Baker")
    maya = MediatorFactory(username="maya", first_name="Maya", last_name="Moss")
    contract = make_funded_contract(amounts=AMOUNTS, fund=2, submit=1, client=carla,
                                    freelancer=bob, title="Shop checkout")
    request = make_request("client", contract=contract, amount_cents=0, fault="freelancer",
                           reason="quality")
    dispute = cancellation_dispute(actor=bob, request=request,
                                   reason="The checkout page matches the written brief.")
    setup_seq = contract.events.order_by("-seq").values_list("seq", flat=True).first()
    base_url = live_server.url
    dispute_url = f"{base_url}/disputes/{dispute.pk}/"
    contract_url = f"{base_url}{contract.get_absolute_url()}"

    with other_person(browser, base_url) as bob_page, other_person(browser, base_url) as maya_page:
        # The freelancer asks for a mediator; the client sees that he did, and asks too.
        sign_in(bob_page, "bob", PASSWORD)
        ask_for_mediator(bob_page, dispute_url)
        expect(bob_page.locator("#mediation-requests")).to_contain_text("You asked for a mediator.")
        sign_in(page, "carla", PASSWORD)
        page.goto(dispute_url)
        expect(page.locator("#mediation-requests")).to_contain_text(
            "The other party asked for a mediator")
        ask_for_mediator(page, dispute_url)
        expect_state(page, "mediation", "Mediation")
        expect(page.locator("#stage")).to_contain_text("Waiting for a mediator to take the case.")

        # The mediator finds the case in the console's queue of unassigned cases...
        console_sign_in(maya_page, "maya", PASSWORD)
        maya_page.goto("/admin/disputes/dispute/")
        maya_page.locator("#changelist-filter").get_by_role("link", name="Unassigned").click()
        rows = maya_page.locator("#result_list tbody tr")
        expect(rows).to_have_count(1)
        expect(rows).to_contain_text("$500.00")
        rows.get_by_role("link", name=f"#{dispute.pk} Shop checkout").click()
        expect(maya_page.locator("#case [data-state]")).to_have_attribute("data-state", "mediation")
        expect(maya_page.locator("#console-actions a[data-action=propose]")).to_have_count(0)

        # ... takes it, and proposes a split with her findings and the policy clause.
        console_act(maya_page, "assign_to_me", done="You now hold this case")
        expect(maya_page.locator("#case-mediator")).to_have_text("Maya Moss")
        console_act(maya_page, "propose", done="Proposal sent to both parties.",
                    check=["input[name=outcome][value=cancel]"],
                    select={"#id_fault": "client", "#id_policy_clause": POLICY},
                    fill={"#id_amount": "312.35", "#id_findings": FINDINGS})
        expect(maya_page.locator("#case [data-state]")).to_have_attribute("data-state", "proposal")
        expect(maya_page.locator("#case .console-proposal")).to_contain_text(FINDINGS)

        # The parties see her reasoning; the freelancer accepts, then the client.
        accept_proposal(bob_page, dispute_url)
        expect(bob_page.locator("#proposal-1")).to_contain_text("Freelancer: accepted")
        expect_state(bob_page, "proposal", "Mediator's proposal")
        accept_proposal(page, dispute_url)
        expect_state(page, "resolved", "Resolved by mediation")
        expect(page.locator("#stage")).to_contain_text(
            "The contract was cancelled and the escrow divided.")
        for party_page in (page, bob_page):
            party_page.goto(dispute_url)
            expect_state(party_page, "resolved", "Resolved by mediation")
            expect(party_page.locator("#proposal-1")).to_contain_text(FINDINGS)
            expect(party_page.locator("#proposal-1")).to_contain_text(POLICY)
            expect(party_page.locator("#proposal-1")).to_contain_text(
                "Client: accepted · Freelancer: accepted")

        # Wallets and the contract page: the split, the fee half-up on the freelancer's share.
        wallet_balance(page, TO_CLIENT)
        wallet_balance(bob_page, NET)
        for party_page in (page, bob_page):
            party_page.goto(contract_url)
            expect_state(party_page, "cancelled", "Cancelled")
            expect_cents(party_page.locator("#escrow-balance"), 0)
            expect_cents(party_page.locator("#client-paid"), ESCROW)
            expect_cents(party_page.locator("#freelancer-received"), NET)
            expect_cents(party_page.locator("#client-refunded"), TO_CLIENT)
            expect(party_page.locator("#money")).to_contain_text("after fees of $31.24")

        # The printable record keeps the reasoning; the mediator may open it too.
        page.goto(f"{contract_url}record/")
        case = page.locator(f"#case-{request.pk}")
        expect(case).to_contain_text(f"Dispute #{dispute.pk} — Resolved by mediation")
        expect(case).to_contain_text("mediator Maya Moss")
        expect(case).to_contain_text(f"Findings: {FINDINGS}")
        expect(case).to_contain_text(f"Policy relied on: {POLICY}")
        expect(page.locator("#chain-status")).to_contain_text("Record intact")
        maya_page.goto(f"{contract_url}record/")
        expect(maya_page.locator(f"#case-{request.pk}")).to_contain_text(FINDINGS)

        # The public figures count one dispute resolved by mediation, closed at the proposal.
        page.goto("/stats/")
        resolved = page.locator("#dispute-endings tr[data-key=resolved] td[data-count]")
        expect(resolved).to_have_attribute("data-count", "1")
        expect(page.locator("#dispute-stages tr[data-key=proposal] td[data-count]")
               ).to_have_attribute("data-count", "1")
        expect(page.locator("#disputes-total")).to_have_text("1")

    # The database agrees.
    dispute.refresh_from_db()
    contract.refresh_from_db()
    assert (dispute.state, dispute.mediator, dispute.outcome, dispute.outcome_fault,
            dispute.lost_by, dispute.closed_stage) == (
        "resolved", maya, "cancel", "client", "client", "proposal")
    proposal = dispute.proposals.get()
    assert (proposal.kind, proposal.author, proposal.amount_to_freelancer_cents, proposal.fault,
            proposal.findings, proposal.policy_clause, proposal.client_response,
            proposal.freelancer_response) == (
        "proposal", maya, TO_FREELANCER, "client", FINDINGS, POLICY, "accepted", "accepted")
    settlement = Settlement.objects.get()
    assert (settlement.contract, settlement.escrow_cents, settlement.to_freelancer_cents,
            settlement.to_client_cents, settlement.fee_cents, settlement.fault,
            settlement.source) == (contract, ESCROW, TO_FREELANCER, TO_CLIENT, FEE, "client",
                                   f"dispute:{dispute.pk}")
    assert contract.state == "cancelled"
    assert Account.objects.get(kind="wallet", user=carla).balance_cents == TO_CLIENT
    assert Account.objects.get(kind="wallet", user=bob).balance_cents == NET
    assert Account.objects.get(kind="escrow", contract=contract).balance_cents == 0
    fees = Entry.objects.filter(account__kind="fees").aggregate(s=Sum("amount_cents"))["s"]
    assert fees == FEE
    assert list(LedgerTransaction.objects.order_by("id").values_list("kind", flat=True)) == [
        "deposit", "funding", "funding", "settlement"]
    kinds = list(contract.events.filter(seq__gt=setup_seq).order_by("seq")
                 .values_list("kind", flat=True))
    assert kinds == [
        "dispute.mediation_requested", "dispute.mediation_requested", "dispute.mediation_started",
        "dispute.mediator_assigned", "dispute.proposed", "dispute.proposal_accepted",
        "dispute.proposal_accepted", "dispute.resolved", "settlement.executed"]
    assert Dispute.objects.filter(state="resolved").count() == 1
    check_ledger()
