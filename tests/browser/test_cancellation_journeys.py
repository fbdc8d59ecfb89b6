"""The cancellation policy in two browsers, on an active contract with money in escrow.

(a) The freelancer asks to cancel, the client denies, the freelancer must try direct dialogue
    before disputing, then disputes: the case opens in direct negotiation.
(b) The client asks to cancel, the freelancer counter-proposes, the client accepts: the escrow
    is divided exactly as the terms say, fee half-up, on every page and in the ledger.
"""

import pytest
from django.db.models import Sum
from playwright.sync_api import Page, expect

from contracts.models import Account, Contract, Entry, LedgerTransaction, Settlement
from contracts.tests.factories import make_funded_contract
from disputes.models import CancellationRequest, Dispute
from disputes.services.cancellations import cancellation_accept
from disputes.tests.factories import make_request
from marketplace.tests.factories import ClientFactory, FreelancerFactory
from tests.browser.journeys import (
    PASSWORD,
    act,
    check_ledger,
    expect_cents,
    expect_message,
    expect_state,
    other_person,
    sign_in,
    wallet_balance,
)

pytestmark = pytest.mark.browser

# Milestone 1 ($300.00) funded and submitted, milestone 2 ($200.00) funded: $500.00 in escrow.
AMOUNTS = (30_000, 20_000)
ESCROW = sum(AMOUNTS)
EXPLANATION = {
    "freelancer": "The delivered checkout page has waited two weeks for review and the client "
                  "does not answer about the second part, so I cannot plan my work.",
    "client": "Our budget for this quarter was cut, so we cannot go on with the second part; "
              "the first part is useful and we want to pay for it fairly.",
}


@pytest.fixture
def parties(db):
    carla = ClientFactory(username="carla", first_name="Carla", last_name="Cruz")
    bob = FreelancerFactory(username="bob", first_name="Bob", last_name="Baker")
    return carla, bob


def funded_contract(carla, bob) -> Contract:
    return make_funded_contract(amounts=AMOUNTS, fund=2, submit=1, client=carla, freelancer=bob,
                                title="Shop checkout")


def expect_preview(page: Page, *, freelancer: str, fee: str, net: str, client: str) -> None:
    preview = page.locator("#terms-preview")
    for key, text in (("freelancer", freelancer), ("fee", fee), ("net", net), ("client", client)):
        expect(preview.locator(f"[data-preview={key}]")).to_have_text(text)


def open_cancellation_form(page: Page, contract_url: str) -> None:
    """From the contract page, the button leads to the request form."""
    page.goto(contract_url)
    with page.expect_response(f"{contract_url}cancel/") as response:
        page.locator("#actions a[data-action=request_cancellation]").click()
    assert response.value.status == 200, f"the request form answered {response.value.status}"
    expect(page.locator("h1")).to_have_text("Ask to end this contract")
    # The form's script (fault from the reason, live preview) runs once the page has loaded;
    # choosing a reason before that was a race the test sometimes lost.
    page.wait_for_load_state("load")


def new_events(contract: Contract, after_seq: int) -> list[str]:
    return list(contract.events.filter(seq__gt=after_seq).order_by("seq")
                .values_list("kind", flat=True))


def test_freelancer_asks_client_denies_freelancer_talks_then_disputes(
        page: Page, browser, live_server, parties):
    carla, bob = parties
    contract = funded_contract(carla, bob)
    setup_seq = contract.record_head_seq
    contract_url = f"{live_server.url}{contract.get_absolute_url()}"

    with other_person(browser, live_server.url) as carla_page:
        # The freelancer asks to cancel; the form pre-fills the fault from the reason and
        # previews the money, and refuses an explanation that is too short.
        sign_in(page, "bob", PASSWORD)
        open_cancellation_form(page, contract_url)
        page.select_option("#id_reason", "availability")
        expect(page.locator("#id_fault")).to_have_value("freelancer")
        page.select_option("#id_reason", "payment")
        expect(page.locator("#id_fault")).to_have_value("client")
        page.fill("#id_amount", "300.05")
        expect_preview(page, freelancer="$300.05", fee="$30.01", net="$270.04", client="$199.95")
        page.fill("#id_explanation", "The client does not answer.")
        page.get_by_role("button", name="Send the request").click()
        expect(page.locator("#cancellation-form")).to_contain_text("at least 50 characters")
        assert not CancellationRequest.objects.exists()
        page.fill("#id_explanation", EXPLANATION["freelancer"])
        page.get_by_role("button", name="Send the request").click()
        expect_message(page, "Your request was sent. The other party has to answer.")
        expect_state(page, "open", "Open")
        case = CancellationRequest.objects.get()
        case_url = f"{live_server.url}{case.get_absolute_url()}"
        assert page.url == case_url
        expect(page.locator("#actions a[data-action=withdraw]")).to_be_visible()

        # The client opens it from the contract page and denies it, with a reason.
        sign_in(carla_page, "carla", PASSWORD)
        carla_page.goto(contract_url)
        expect_state(carla_page, "cancellation_requested", "Cancellation requested")
        carla_page.locator("#case-banner").get_by_role("link", name="Open the request").click()
        expect(carla_page).to_have_url(case_url)
        expect(carla_page.locator("#turn")).to_contain_text("It is your turn.")
        expect(carla_page.locator("#actions a[data-action=dispute_cancellation]")).to_have_count(0)
        act(carla_page, "#actions", "deny",
            fill={"#id_reason": "The review is late because I was ill; I will review this week."},
            done="Done: Deny the request.")
        expect_state(carla_page, "denied", "Denied")

        # The freelancer may not dispute yet: the page says why, and offers no button.
        page.goto(case_url)
        expect_state(page, "denied", "Denied")
        gate = page.locator("#dialogue-gate")
        expect(gate).to_contain_text("Before you can dispute the decision, try direct dialogue")
        expect(gate).to_contain_text("a message from Carla Cruz since the denial")
        expect(gate).to_contain_text("disputing opens")
        expect(page.locator("#actions a[data-action=dispute_denial]")).to_have_count(0)
        expect(page.locator("#actions a[data-action=counter]")).to_be_visible()
        # Typing the address of the action gives the same explanation, not a form.
        page.goto(f"{case_url}do/dispute_denial/")
        expect(page.locator("#refusal")).to_contain_text(
            "Before disputing the decision, try direct dialogue")
        expect(page.locator("#confirm")).to_have_count(0)

        # He writes to the client: one side writing is not yet a dialogue.
        page.goto(case_url)
        form = page.locator("#case-message-form")
        body = "Could you review the checkout page by Friday? Otherwise I have to dispute."
        form.locator("textarea[name=body]").fill(body)
        form.get_by_role("button", name="Send message").click()
        expect_message(page, "Message sent.")
        expect(page.locator("#dialogue")).to_contain_text(body)
        expect(page.locator("#dialogue-gate")).to_contain_text("a message from Carla Cruz")
        expect(page.locator("#actions a[data-action=dispute_denial]")).to_have_count(0)

        # The client answers; now both have been heard, and he may dispute.
        carla_page.goto(case_url)
        reply = carla_page.locator("#case-message-form")
        reply.locator("textarea[name=body]").fill("I cannot promise Friday; next month at best.")
        reply.get_by_role("button", name="Send message").click()
        expect_message(carla_page, "Message sent.")
        page.goto(case_url)
        expect(page.locator("#dialogue-gate")).to_contain_text("Direct dialogue took place")
        act(page, "#actions", "dispute_denial",
            fill={"#id_reason": "Four weeks without review is not a reason to deny."},
            done="Done: Dispute the decision.")
        # the freelancer lands straight in the dispute room
        dispute = Dispute.objects.get()
        expect(page).to_have_url(f"{live_server.url}/disputes/{dispute.pk}/")
        expect_state(page, "negotiation", "Direct negotiation")
        expect(page.locator("#stage")).to_contain_text("Try to agree directly")

        # The client sees the dispute on the contract page.
        carla_page.goto(contract_url)
        expect_state(carla_page, "disputed", "Disputed")
        expect(carla_page.locator("#case-banner")).to_contain_text("This contract is in dispute.")
        expect_cents(carla_page.locator("#escrow-balance"), ESCROW)

    case.refresh_from_db()
    contract.refresh_from_db()
    assert case.state == "disputed"
    assert case.dialogue_at is not None
    assert (dispute.state, dispute.kind, dispute.opened_by, dispute.cancellation_request) == (
        "negotiation", "denial", bob, case)
    assert contract.state == "disputed"
    assert not Settlement.objects.exists()
    assert Account.objects.get(kind="escrow", contract=contract).balance_cents == ESCROW
    assert new_events(contract, setup_seq) == [
        "cancellation.requested", "cancellation.denied", "message.posted", "message.posted",
        "cancellation.disputed", "dispute.opened"]
    check_ledger()


def test_client_asks_freelancer_counters_client_accepts(page: Page, browser, live_server,
                                                        parties):
    carla, bob = parties
    contract = funded_contract(carla, bob)
    contract_url = f"{live_server.url}{contract.get_absolute_url()}"
    # Bob's counter-proposal: $234.65 to him; 10% is 2346.5 cents, half-up 2347.
    to_freelancer, fee = 23_465, 2_347
    to_client = ESCROW - to_freelancer

    with other_person(browser, live_server.url) as bob_page:
        # The client asks to cancel; her reason's default fault is her own.
        sign_in(page, "carla", PASSWORD)
        open_cancellation_form(page, contract_url)
        page.select_option("#id_reason", "budget")
        expect(page.locator("#id_fault")).to_have_value("client")
        page.fill("#id_amount", "100.00")
        expect_preview(page, freelancer="$100.00", fee="$10.00", net="$90.00", client="$400.00")
        page.fill("#id_explanation", EXPLANATION["client"])
        page.get_by_role("button", name="Send the request").click()
        expect_message(page, "Your request was sent. The other party has to answer.")
        case = CancellationRequest.objects.get()
        case_url = f"{live_server.url}{case.get_absolute_url()}"

        # The freelancer counter-proposes; the form previews the fee, rounded half-up.
        sign_in(bob_page, "bob", PASSWORD)
        bob_page.goto(case_url)
        expect(bob_page.locator("#turn")).to_contain_text("It is your turn.")
        expect(bob_page.locator("#actions a[data-action=deny]")).to_have_count(0)
        bob_page.locator("#actions a[data-action=counter]").click()
        bob_page.fill("#id_amount", "234.65")
        expect_preview(bob_page, freelancer="$234.65", fee="$23.47", net="$211.18",
                       client="$265.35")
        bob_page.select_option("#id_fault", "client")
        bob_page.fill("#id_message", "The first part is delivered; most of it should be paid.")
        bob_page.locator("#confirm").click()
        expect_message(bob_page, "Done: Counter-propose.")
        expect_state(bob_page, "open", "Open")
        expect(bob_page.locator("#turn")).to_contain_text("Waiting for Carla Cruz.")

        # The client accepts the new terms: the settlement executes at once.
        page.goto(case_url)
        expect(page.locator("[data-terms-freelancer]").first).to_have_attribute(
            "data-terms-freelancer", str(to_freelancer))
        act(page, "#actions", "accept", done="Done: Accept the terms.")
        expect_state(page, "accepted", "Accepted")
        wallet_balance(page, to_client)
        page.goto(contract_url)
        expect_state(page, "cancelled", "Cancelled")
        expect_cents(page.locator("#escrow-balance"), 0)
        expect_cents(page.locator("#client-paid"), ESCROW)
        expect_cents(page.locator("#client-refunded"), to_client)

        wallet_balance(bob_page, to_freelancer - fee)
        bob_page.goto(contract_url)
        expect_cents(bob_page.locator("#escrow-balance"), 0)
        expect_cents(bob_page.locator("#client-refunded"), to_client)
        expect_cents(bob_page.locator("#freelancer-received"), to_freelancer - fee)

    settlement = Settlement.objects.get()
    assert (settlement.contract, settlement.escrow_cents, settlement.to_freelancer_cents,
            settlement.to_client_cents, settlement.fee_cents, settlement.fault,
            settlement.source) == (contract, ESCROW, to_freelancer, to_client, fee, "client",
                                   f"cancellation:{case.pk}")
    assert settlement.ledger_transaction.kind == "settlement"
    assert Account.objects.get(kind="wallet", user=carla).balance_cents == to_client
    assert Account.objects.get(kind="wallet", user=bob).balance_cents == to_freelancer - fee
    assert Account.objects.get(kind="escrow", contract=contract).balance_cents == 0
    fees = Entry.objects.filter(account__kind="fees").aggregate(s=Sum("amount_cents"))["s"]
    assert fees == fee
    assert list(LedgerTransaction.objects.order_by("id").values_list("kind", flat=True)) == [
        "deposit", "funding", "funding", "settlement"]
    case.refresh_from_db()
    contract.refresh_from_db()
    assert (case.state, case.amount_to_freelancer_cents, case.fault) == (
        "accepted", to_freelancer, "client")
    assert contract.state == "cancelled"
    first, second = contract.milestones.order_by("position")
    assert (first.state, first.settled_to_freelancer_cents, first.settled_to_client_cents) == (
        "settled", to_freelancer, AMOUNTS[0] - to_freelancer)
    assert (second.state, second.settled_to_freelancer_cents, second.settled_to_client_cents) == (
        "settled", 0, AMOUNTS[1])
    check_ledger()


def test_contract_page_shows_what_the_freelancer_received_from_a_settlement(
        page: Page, live_server, parties):
    carla, bob = parties
    case = make_request(initiator="client", contract=funded_contract(carla, bob),
                        amount_cents=23_465)
    cancellation_accept(actor=bob, request=case)
    sign_in(page, "bob", PASSWORD)
    page.goto(case.contract.get_absolute_url())
    expect_state(page, "cancelled", "Cancelled")
    expect(page.locator("#money")).to_contain_text("after fees of $23.47", timeout=1_000)
    expect_cents(page.locator("#freelancer-received"), 23_465 - 2_347)
