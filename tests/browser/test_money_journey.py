"""Money through a whole contract, in two browsers: the client deposits, makes an offer, the
freelancer accepts, the client funds, the freelancer delivers, the client approves, and the
freelancer withdraws. After every step the amounts on the pages, the ledger and `check_ledger`
agree, down to the cent of a fee that needs rounding.
"""

import pytest
from django.db.models import Sum
from playwright.sync_api import Page, expect

from contracts.models import Account, Contract, Entry, LedgerTransaction
from marketplace.kernel.models import IdempotencyKey
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

DEPOSIT = 15_000        # $150.00
MILESTONE = 12_345      # $123.45: 10% is 1234.5 cents, so the fee needs rounding
FEE = 1_235             # half-up to the cent (banker's rounding would give 1234)
NET = MILESTONE - FEE   # $111.10 to the freelancer
SECOND = 8_000          # $80.00, more than the client has left after funding the first
WITHDRAWAL = 10_000     # $100.00


def expect_money_panel(page: Page, *, escrow: int, paid: int, received: int) -> None:
    expect_cents(page.locator("#escrow-balance"), escrow)
    expect_cents(page.locator("#client-paid"), paid)
    expect_cents(page.locator("#freelancer-received"), received)


def expect_milestone(page: Page, pk: int, state: str) -> None:
    expect(page.locator(f"#milestone-{pk} span[data-state]")).to_have_attribute("data-state", state)


def deposit_with_double_click_and_retry(page: Page, base_url: str) -> None:
    """A double click sends one request; a retried POST (same one-time key) moves no money."""
    form = page.locator("#deposit-form")
    form.locator("[name=deposit-amount]").fill("150.00")
    sent = {name: form.locator(f"[name={name}]").input_value()
            for name in ("csrfmiddlewaretoken", "deposit-amount", "deposit-idempotency_key")}
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    form.get_by_role("button", name="Deposit").dblclick()
    expect_message(page, "$150.00 deposited into your wallet.")
    expect_cents(page.locator("#wallet-balance"), DEPOSIT)
    assert [r.url for r in posts] == [f"{base_url}/wallet/deposit/"]

    # The browser sends the same form again (a retry after a dropped connection, say).
    response = page.request.post(f"{base_url}/wallet/deposit/", form=sent)
    assert response.ok
    html = response.text()  # the wallet page it was redirected to
    assert "This was already done; nothing was repeated." in html
    assert f'id="wallet-balance" data-cents="{DEPOSIT}"' in html
    assert html.count("Deposit by carla") == 1  # one line in the statement
    assert LedgerTransaction.objects.filter(kind="deposit").count() == 1
    assert IdempotencyKey.objects.filter(key=sent["deposit-idempotency_key"]).count() == 1


def make_offer(page: Page) -> str:
    page.goto("/contracts/new/?freelancer=bob")
    page.fill("#id_title", "Shop checkout")
    page.fill("#id_description", "A checkout page with card payments and receipts.")
    page.fill("#id_milestones-0-title", "Checkout page")
    page.fill("#id_milestones-0-amount", "123.45")
    page.get_by_role("button", name="Add a milestone").click()
    page.fill("#id_milestones-1-title", "Receipts")
    page.fill("#id_milestones-1-amount", "80.00")
    page.get_by_role("button", name="Send offer").click()
    expect_message(page, "Your offer was sent to Bob Baker.")
    expect_state(page, "offered", "Offered")
    return page.url


def test_deposit_offer_fund_submit_approve_withdraw(page: Page, browser, live_server):
    carla = ClientFactory(username="carla", first_name="Carla", last_name="Cruz")
    bob = FreelancerFactory(username="bob", first_name="Bob", last_name="Baker")
    base_url = live_server.url

    with other_person(browser, base_url) as bob_page:
        # The client deposits; a double click and a retried POST deposit once.
        sign_in(page, "carla", PASSWORD)
        wallet_balance(page, 0)
        expect(page.locator("#statement-empty")).to_be_visible()
        deposit_with_double_click_and_retry(page, base_url)
        check_ledger()

        # She offers two milestones; the freelancer accepts.
        contract_url = make_offer(page)
        contract = Contract.objects.get()
        first, second = contract.milestones.order_by("position")
        sign_in(bob_page, "bob", PASSWORD)
        bob_page.goto(contract_url)
        act(bob_page, "#actions", "accept", done="Done: Accept offer.")
        expect_state(bob_page, "active", "Active")
        expect_money_panel(bob_page, escrow=0, paid=0, received=0)

        # She funds the first milestone into escrow.
        page.goto(contract_url)
        expect_state(page, "active", "Active")
        act(page, f"#milestone-{first.pk}", "fund", done="Done: Fund.")
        expect_milestone(page, first.pk, "funded")
        expect_money_panel(page, escrow=MILESTONE, paid=MILESTONE, received=0)
        check_ledger()

        # Funding the second is more than her wallet holds: a clear message, nothing moves.
        page.locator(f"#milestone-{second.pk} a[data-action=fund]").click()
        page.locator("#confirm").click()
        expect(page.locator("form .alert-danger")).to_contain_text(
            "The wallet holds $26.55, less than the $80.00 needed.")
        second.refresh_from_db()
        assert second.state == "pending"
        assert not LedgerTransaction.objects.filter(milestone=second).exists()
        wallet_balance(page, DEPOSIT - MILESTONE)
        expect(page.locator("#statement tbody tr")).to_have_count(2)

        # The freelancer delivers.
        bob_page.goto(contract_url)
        expect_money_panel(bob_page, escrow=MILESTONE, paid=MILESTONE, received=0)
        act(bob_page, f"#milestone-{first.pk}", "submit",
            fill={"#id_note": "Live on the staging site."}, done="Done: Submit delivery.")
        expect_milestone(bob_page, first.pk, "submitted")

        # The client approves: escrow pays the freelancer, less the fee rounded half-up.
        page.goto(contract_url)
        act(page, f"#milestone-{first.pk}", "approve", done="Done: Approve and release.")
        expect_milestone(page, first.pk, "released")
        expect(page.locator(f"#milestone-{first.pk}")).to_contain_text("Paid $111.10 (fee $12.35)")
        expect_money_panel(page, escrow=0, paid=MILESTONE, received=NET)
        expect(page.locator("#money")).to_contain_text("after fees of $12.35")
        check_ledger()

        # The freelancer's wallet holds the net; withdrawing a cent more is refused...
        wallet_balance(bob_page, NET)
        withdraw = bob_page.locator("#withdraw-form")
        withdraw.locator("[name=withdraw-amount]").fill("111.11")
        withdraw.get_by_role("button", name="Withdraw").click()
        expect(bob_page.locator("#withdraw-form")).to_contain_text(
            "The wallet holds $111.10, less than the $111.11 needed.")
        expect_cents(bob_page.locator("#wallet-balance"), NET)
        # ... and the corrected form (same one-time key: the refusal freed it) goes through.
        bob_page.locator("#withdraw-form [name=withdraw-amount]").fill("100.00")
        bob_page.locator("#withdraw-form").get_by_role("button", name="Withdraw").click()
        expect_message(bob_page, "$100.00 withdrawn to your bank account (simulated).")
        expect_cents(bob_page.locator("#wallet-balance"), NET - WITHDRAWAL)
        expect(bob_page.locator("#statement tbody tr")).to_have_count(2)

    # The database agrees with every page.
    def balance(**owner) -> int:
        return Account.objects.get(**owner).balance_cents

    def entries(kind: str) -> int:
        return Entry.objects.filter(account__kind=kind).aggregate(s=Sum("amount_cents"))["s"]

    assert balance(kind="wallet", user=carla) == DEPOSIT - MILESTONE
    assert balance(kind="wallet", user=bob) == NET - WITHDRAWAL
    assert balance(kind="escrow", contract=contract) == 0
    assert entries("fees") == FEE
    assert entries("external") == -DEPOSIT + WITHDRAWAL
    assert list(LedgerTransaction.objects.order_by("id").values_list("kind", flat=True)) == [
        "deposit", "funding", "release", "withdrawal"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.fee_cents, second.state) == ("released", FEE, "pending")
    contract.refresh_from_db()
    assert contract.state == "active"
    assert list(contract.events.order_by("seq").values_list("kind", flat=True)) == [
        "offer.made", "offer.accepted", "milestone.funded", "milestone.submitted",
        "milestone.approve"]
    check_ledger()
