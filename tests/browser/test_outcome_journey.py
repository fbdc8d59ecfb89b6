"""What the parties read after a case ended, in the browser: the figures the settlement and its
ledger transaction recorded, never a refund computed from the emptied escrow; and a deposit
sent twice is either refused as already done or asked about first.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import later
from contracts.models import LedgerTransaction, Settlement
from contracts.tests.factories import make_funded_contract
from disputes.models import CancellationRequest
from disputes.services import cancellations as svc
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation
from marketplace.kernel.deadlines import process_deadlines
from marketplace.tests.factories import (
    ArbitratorFactory,
    ClientFactory,
    FreelancerFactory,
    MediatorFactory,
)
from tests.browser.journeys import PASSWORD, expect_cents, expect_message, sign_in, wallet_balance

pytestmark = pytest.mark.browser

FINDINGS = "The first two parts were delivered and used; the third was never started."
CLAUSE = "§3.7 The settlement"


@pytest.fixture
def parties(db):
    alice = ClientFactory(username="alice", first_name="Alice", last_name="Anders")
    bob = FreelancerFactory(username="bob", first_name="Bob", last_name="Baker")
    return alice, bob


def expect_outcome(page: Page, *, escrow, to_freelancer, fee, net, to_client, fault) -> None:
    box = page.locator(".outcome").first
    for key, cents in (("escrow", escrow), ("to-freelancer", to_freelancer), ("fee", fee),
                       ("freelancer-net", net), ("to-client", to_client)):
        expect_cents(box.locator(f"[data-outcome={key}]"), cents)
    expect(box.locator("[data-outcome=fault]")).to_have_attribute("data-fault", fault)
    assert not re.search(r"[−-]\$", page.content()), "a negative amount is shown"


def test_a_decided_dispute_reads_as_settled(page: Page, live_server, parties):
    """$800 in escrow; the arbitrator gives the freelancer $500: $450 after the $50 fee
    reaches Bob, $300 goes back to Alice — on every page either of them opens."""
    alice, bob = parties
    contract = make_funded_contract(amounts=(50_000, 30_000), fund=2, submit=1, client=alice,
                                    freelancer=bob, title="Inventory dashboard")
    request = svc.cancellation_request(
        actor=alice, contract=contract, reason="quality", amount_to_freelancer_cents=0,
        fault="freelancer", explanation="The dashboard does not load the stock levels we agreed "
                                        "on, and the second part never started.")
    dispute = svc.cancellation_dispute(actor=bob, request=request,
                                       reason="The first part was delivered as agreed.")
    mediator = MediatorFactory()
    dispute = in_mediation(dispute, mediator)
    for _round in range(2):
        casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel",
                                 amount_cents=40_000, fault="none", findings=FINDINGS,
                                 policy_clause=CLAUSE)
        dsvc.dispute_reject_proposal(actor=alice, dispute=dispute, reason="Too much.")
    arbitrator = ArbitratorFactory()
    casework.dispute_assign_arbitrator(actor=arbitrator, dispute=dispute)
    casework.dispute_decide(actor=arbitrator, dispute=dispute, outcome="cancel",
                            amount_cents=50_000, fault="client", findings=FINDINGS,
                            policy_clause=CLAUSE)
    settlement = Settlement.objects.get(contract=contract)
    assert (settlement.to_freelancer_cents, settlement.fee_cents, settlement.to_client_cents) == (
        50_000, 5_000, 30_000)
    figures = {"escrow": 80_000, "to_freelancer": 50_000, "fee": 5_000, "net": 45_000,
               "to_client": 30_000, "fault": "client"}

    sign_in(page, "bob", PASSWORD)
    page.goto(dispute.get_absolute_url())
    expect(page.locator("#stepper li").last).to_contain_text("Decided by arbitration")
    expect_outcome(page, **figures)
    expect(page.locator("#decision")).to_contain_text("$300.00 back to the client")
    page.goto(contract.get_absolute_url())
    expect(page.locator("#case-banner")).not_to_contain_text("in dispute")
    expect_outcome(page, **figures)
    wallet_balance(page, 45_000)

    page.context.clear_cookies()
    sign_in(page, "alice", PASSWORD)
    page.goto(request.get_absolute_url())
    expect_outcome(page, **figures)
    page.goto(f"/contracts/{contract.pk}/record/")
    expect_outcome(page, **figures)
    wallet_balance(page, 30_000)


def test_a_timeout_with_the_cap_reads_as_paid(page: Page, live_server, parties):
    """The freelancer asks $900 of $1,000 with $600 of work submitted; the client stays
    silent. By timeout the freelancer receives at most the submitted work: $600 (less the
    fee), $400 back — and the pages say so, and why."""
    alice, bob = parties
    contract = make_funded_contract(amounts=(60_000, 40_000), fund=2, submit=1, client=alice,
                                    freelancer=bob, title="Mobile app MVP")
    request = svc.cancellation_request(
        actor=bob, contract=contract, reason="payment", amount_to_freelancer_cents=90_000,
        fault="client", explanation="The delivered screens have waited three weeks for review "
                                    "and the client does not answer my messages.")
    with later(days=8):
        process_deadlines()
    request = CancellationRequest.objects.get(pk=request.pk)
    assert request.state == "auto_accepted"
    figures = {"escrow": 100_000, "to_freelancer": 60_000, "fee": 6_000, "net": 54_000,
               "to_client": 40_000, "fault": Settlement.objects.get(contract=contract).fault}

    sign_in(page, "alice", PASSWORD)
    page.goto(request.get_absolute_url())
    expect(page.locator("#stepper li").last).to_contain_text("Accepted by timeout")
    expect_outcome(page, **figures)
    cap = page.locator("[data-outcome=cap]")
    expect(cap).to_contain_text("$900.00")
    expect(cap).to_contain_text("$600.00 of submitted work")
    expect(page.locator("#conversation [data-kind='cancellation.auto_accepted']")).to_be_visible()
    page.goto(f"/contracts/{contract.pk}/record/")
    expect_outcome(page, **figures)
    expect(page.locator("body")).not_to_contain_text("$900.00 to the freelancer of")


def _deposit(page: Page, amount: str) -> None:
    form = page.locator("#deposit-form")
    form.locator("[name=deposit-amount]").fill(amount)
    form.get_by_role("button", name="Deposit").click()


@pytest.mark.usefixtures("parties")
def test_a_deposit_sent_again_is_done_once_or_asked_about(page: Page, live_server):
    sign_in(page, "alice", PASSWORD)
    page.goto("/wallet/")
    form = page.locator("#deposit-form")
    form.locator("[name=deposit-amount]").fill("50.00")
    sent = {name: form.locator(f"[name={name}]").input_value()
            for name in ("csrfmiddlewaretoken", "deposit-amount", "deposit-idempotency_key")}
    form.get_by_role("button", name="Deposit").click()
    expect_message(page, "$50.00 deposited into your wallet.")

    # The same form again (same one-time key): done once, and the page says so with a link.
    html = page.request.post(f"{live_server.url}/wallet/deposit/", form=sent).text()
    assert "This was already done; nothing was repeated." in html
    assert "See what was done." in html
    assert LedgerTransaction.objects.filter(kind="deposit").count() == 1

    # Back, then deposit the same amount: either the browser kept the old form (same key:
    # already done) or it fetched a fresh one (new key: asked first). Never a silent second.
    page.go_back()
    _deposit(page, "50.00")
    asked = page.locator("#confirm-repeat")
    expect(page.locator("#messages, #confirm-repeat").first).to_be_visible()
    if asked.count():
        expect(asked).to_contain_text("You deposited $50.00 at")
        page.locator("#confirm-repeat-no").click()
    else:
        expect_message(page, "This was already done")
    assert LedgerTransaction.objects.filter(kind="deposit").count() == 1

    # A fresh form with the same amount asks; saying yes deposits a second time.
    page.goto("/wallet/")
    _deposit(page, "50.00")
    expect(page.locator("#confirm-repeat")).to_contain_text("Deposit again?")
    expect_cents(page.locator("#wallet-balance"), 5_000)
    page.locator("#confirm-repeat-yes").click()
    expect_message(page, "$50.00 deposited into your wallet.")
    expect_cents(page.locator("#wallet-balance"), 10_000)
    assert LedgerTransaction.objects.filter(kind="deposit").count() == 2

    # A different amount is not a repeat: no question.
    _deposit(page, "20.00")
    expect_message(page, "$20.00 deposited into your wallet.")
