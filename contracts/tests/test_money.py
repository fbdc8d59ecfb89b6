"""Money services: wallets, funding, delivery, release with fee, changes, completion, and the
ledger rows, events and mail each one writes."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from contracts.models import (
    Account,
    ContractState,
    Entry,
    LedgerTransaction,
    MilestoneState,
)
from contracts.services.lifecycle import contract_complete
from contracts.services.milestones import (
    milestone_add,
    milestone_approve,
    milestone_fund,
    milestone_request_changes,
    milestone_submit,
)
from contracts.services.wallets import wallet_deposit, wallet_withdraw
from contracts.tests.factories import deposit, make_active_contract, make_funded_contract, new_key
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event, IdempotencyKey
from marketplace.kernel.money import MoneyError, platform_fee, to_cents

pytestmark = pytest.mark.django_db


def balance(user) -> int:
    return Account.objects.get(kind="wallet", user=user).balance_cents


def escrow(contract) -> int:
    return Account.objects.get(kind="escrow", contract=contract).balance_cents


def fees() -> int:
    return sum(Entry.objects.filter(account__kind="fees").values_list("amount_cents", flat=True))


def legs(txn) -> list[tuple[str, int]]:
    return sorted((e.account.kind, e.amount_cents) for e in txn.entries.select_related("account"))


def last_event(contract) -> Event:
    return Event.objects.filter(contract=contract).order_by("-seq").first()


# --- money arithmetic ---------------------------------------------------------------------


@pytest.mark.parametrize(("cents", "fee"), [(0, 0), (1, 0), (4, 0), (5, 1), (15, 2), (25, 3),
                                            (50_000, 5_000), (12_345, 1_235), (99_999, 10_000)])
def test_platform_fee_is_ten_percent_rounded_half_up(cents, fee):
    assert platform_fee(cents) == fee


def test_amounts_are_exact_cents():
    assert to_cents(Decimal("10.10")) == 1010
    assert to_cents("0.07") == 7
    with pytest.raises(MoneyError):
        to_cents(Decimal("1.005"))
    with pytest.raises(MoneyError):
        to_cents("NaN")


# --- wallets ------------------------------------------------------------------------------


def test_deposit_and_withdraw_post_balanced_transactions(client_user):
    txn = wallet_deposit(actor=client_user, amount_cents=10_000, idempotency_key=new_key())
    assert legs(txn) == [("external", -10_000), ("wallet", 10_000)]
    out = wallet_withdraw(actor=client_user, amount_cents=2_500, idempotency_key=new_key())
    assert legs(out) == [("external", 2_500), ("wallet", -2_500)]
    assert balance(client_user) == 7_500
    statement = list(Entry.objects.filter(account__user=client_user).order_by("id")
                     .values_list("amount_cents", "balance_after_cents"))
    assert statement == [(10_000, 10_000), (-2_500, 7_500)]


def test_withdrawing_more_than_the_wallet_holds_changes_nothing(freelancer):
    deposit(freelancer, 1_000)
    with pytest.raises(DomainError, match=r"holds \$10.00, less than the \$10.01 needed"):
        wallet_withdraw(actor=freelancer, amount_cents=1_001, idempotency_key=new_key())
    assert balance(freelancer) == 1_000
    assert LedgerTransaction.objects.count() == 1


def test_the_same_key_moves_money_once(client_user):
    key = new_key()
    first = wallet_deposit(actor=client_user, amount_cents=5_000, idempotency_key=key)
    again = wallet_deposit(actor=client_user, amount_cents=5_000, idempotency_key=key)
    assert first is not None and again is None
    assert balance(client_user) == 5_000
    assert IdempotencyKey.objects.filter(user=client_user).count() == 1


def test_a_refused_movement_frees_its_key_for_a_corrected_retry(client_user):
    key = new_key()
    with pytest.raises(DomainError):
        wallet_withdraw(actor=client_user, amount_cents=100, idempotency_key=key)
    assert not IdempotencyKey.objects.filter(key=key).exists()
    deposit(client_user, 100)
    assert wallet_withdraw(actor=client_user, amount_cents=100, idempotency_key=key) is not None


@pytest.mark.parametrize("bad", ["", "short", "x" * 65, "spaces are not allowed here"])
def test_malformed_keys_are_refused(client_user, bad):
    with pytest.raises(DomainError, match="out of date"):
        wallet_deposit(actor=client_user, amount_cents=100, idempotency_key=bad)


def test_staff_have_no_wallet(mediator):
    with pytest.raises(DomainError, match="Only clients and freelancers"):
        wallet_deposit(actor=mediator, amount_cents=100, idempotency_key=new_key())


# --- milestones ---------------------------------------------------------------------------


def test_fund_moves_wallet_to_escrow_records_and_tells_the_freelancer(
    mailoutbox, django_capture_on_commit_callbacks
):
    contract = make_active_contract(amounts=(30_000, 20_000))
    deposit(contract.client, 35_000)
    first = contract.milestones.get(position=1)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        milestone_fund(actor=contract.client, milestone=first)
    first.refresh_from_db()
    assert first.state == MilestoneState.FUNDED and first.funded_at is not None
    txn = LedgerTransaction.objects.get(kind="funding")
    assert legs(txn) == [("escrow", 30_000), ("wallet", -30_000)]
    assert (txn.contract, txn.milestone) == (contract, first)
    assert balance(contract.client) == 5_000 and escrow(contract) == 30_000
    event = last_event(contract)
    assert (event.kind, event.actor, event.from_state, event.to_state) == (
        "milestone.funded", contract.client, "pending", "funded")
    assert event.subject_type == "milestone" and event.subject_id == first.pk
    assert [m.to for m in mailoutbox] == [[contract.freelancer.email]]


def test_funding_more_than_the_wallet_holds_is_refused_and_changes_nothing():
    contract = make_active_contract(amounts=(30_000,))
    deposit(contract.client, 29_999)
    milestone = contract.milestones.get()
    events_before = Event.objects.filter(contract=contract).count()
    with pytest.raises(DomainError, match=r"holds \$299.99, less than the \$300.00 needed"):
        milestone_fund(actor=contract.client, milestone=milestone)
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.PENDING
    assert balance(contract.client) == 29_999
    assert not Account.objects.filter(kind="escrow", contract=contract, balance_cents__gt=0).exists()
    assert Event.objects.filter(contract=contract).count() == events_before


def test_submit_starts_the_review_clock_and_asks_the_client(mailoutbox, django_capture_on_commit_callbacks):
    contract = make_funded_contract(amounts=(10_000,))
    milestone = contract.milestones.get()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        milestone_submit(actor=contract.freelancer, milestone=milestone, note="See the repo.")
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.SUBMITTED
    assert (milestone.deadline_at - milestone.submitted_at).days == 14
    assert "Note: See the repo." in last_event(contract).text
    assert [m.to for m in mailoutbox] == [[contract.client.email]]
    assert "within 14 days" in mailoutbox[0].body


@pytest.mark.parametrize(("amount", "fee"), [(50_000, 5_000), (12_345, 1_235), (5, 1), (4, 0)])
def test_approve_pays_the_freelancer_less_the_fee(amount, fee, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    contract = make_funded_contract(amounts=(amount,), submit=1)
    milestone = contract.milestones.get()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        milestone_approve(actor=contract.client, milestone=milestone)
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.RELEASED
    assert milestone.fee_cents == fee and milestone.deadline_at is None
    txn = LedgerTransaction.objects.get(kind="release")
    assert legs(txn) == sorted([("escrow", -amount), ("fees", fee), ("wallet", amount - fee)]
                               if fee else [("escrow", -amount), ("wallet", amount)])
    assert balance(contract.freelancer) == amount - fee
    assert escrow(contract) == 0 and fees() == fee
    assert last_event(contract).kind == "milestone.approve"
    assert [m.to for m in mailoutbox] == [[contract.freelancer.email]]


def test_request_changes_returns_it_to_the_freelancer_with_money_in_escrow(
    mailoutbox, django_capture_on_commit_callbacks
):
    contract = make_funded_contract(amounts=(10_000,), submit=1)
    milestone = contract.milestones.get()
    with pytest.raises(DomainError, match="Say what needs to change"):
        milestone_request_changes(actor=contract.client, milestone=milestone, reason="  ")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        milestone_request_changes(actor=contract.client, milestone=milestone,
                                  reason="The export button is missing.")
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.FUNDED and milestone.deadline_at is None
    assert escrow(contract) == 10_000
    assert "The export button is missing." in last_event(contract).text
    assert [m.to for m in mailoutbox] == [[contract.freelancer.email]]


def test_add_milestone_while_active_only_by_the_client():
    contract = make_active_contract(amounts=(10_000,))
    added = milestone_add(actor=contract.client, contract=contract, title="Extra", amount_cents=7_000)
    assert (added.position, added.state) == (2, MilestoneState.PENDING)
    assert last_event(contract).kind == "milestone.added"
    with pytest.raises(DomainError, match="Only the client"):
        milestone_add(actor=contract.freelancer, contract=contract, title="x", amount_cents=1)


def test_complete_needs_paid_work_and_no_escrow_then_voids_the_rest():
    contract = make_funded_contract(amounts=(10_000, 20_000, 5_000), fund=2, submit=1)
    first, second, third = contract.milestones.order_by("position")
    with pytest.raises(DomainError, match="still in escrow"):
        contract_complete(actor=contract.client, contract=contract)
    milestone_approve(actor=contract.client, milestone=first)
    milestone_submit(actor=contract.freelancer, milestone=second)
    milestone_approve(actor=contract.client, milestone=second)
    with pytest.raises(DomainError, match="Only the client"):
        contract_complete(actor=contract.freelancer, contract=contract)
    contract_complete(actor=contract.client, contract=contract)
    contract.refresh_from_db()
    third.refresh_from_db()
    assert contract.state == ContractState.COMPLETED and third.state == MilestoneState.VOID
    assert "1 unfunded milestone voided." in last_event(contract).text
    assert balance(contract.freelancer) == 27_000 and fees() == 3_000


def test_complete_is_refused_before_any_work_was_paid():
    contract = make_active_contract()
    with pytest.raises(DomainError, match="request a cancellation instead"):
        contract_complete(actor=contract.client, contract=contract)


def test_ended_offers_void_their_milestones():
    from contracts.services.offers import offer_decline
    from contracts.tests.factories import make_offer

    contract = make_offer(amounts=(1_000, 2_000))
    offer_decline(actor=contract.freelancer, contract=contract)
    assert set(contract.milestones.values_list("state", flat=True)) == {MilestoneState.VOID}


# --- check_ledger -------------------------------------------------------------------------


def test_check_ledger_passes_on_a_healthy_ledger(capsys):
    make_funded_contract(amounts=(10_000, 5_000), fund=2, submit=1)
    call_command("check_ledger")
    assert "check_ledger: OK" in capsys.readouterr().out


@pytest.mark.breaks_records
@pytest.mark.parametrize("damage", ["unbalanced", "negative_wallet", "escrow_drift"])
def test_check_ledger_names_a_broken_invariant_written_with_raw_sql(damage, capsys):
    from marketplace.kernel.db_triggers import install_triggers

    contract = make_funded_contract(amounts=(10_000,))
    wallet = Account.objects.get(kind="wallet", user=contract.client)
    with connection.cursor() as cursor:
        if damage == "unbalanced":
            txn = LedgerTransaction.objects.get(kind="funding")
            cursor.execute("DROP TRIGGER IF EXISTS contracts_entry_append_only" +
                           (" ON contracts_entry" if connection.vendor == "postgresql" else ""))
            cursor.execute("UPDATE contracts_entry SET amount_cents = amount_cents + 1 "
                           "WHERE transaction_id = %s AND account_id = %s", [txn.pk, wallet.pk])
            expected = f"transaction #{txn.seq} (funding) sums to 1 cents, not zero"
        elif damage == "negative_wallet":
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE contracts_account DROP CONSTRAINT account_not_below_zero")
            else:
                cursor.execute("PRAGMA ignore_check_constraints = 1")
            cursor.execute("UPDATE contracts_account SET balance_cents = -5 WHERE id = %s", [wallet.pk])
            expected = f"wallet of {contract.client} is below zero"
        else:
            cursor.execute("UPDATE contracts_account SET balance_cents = balance_cents - 100 "
                           "WHERE kind = 'escrow' AND contract_id = %s", [contract.pk])
            expected = (f"escrow of contract #{contract.pk} holds $99.00 but its funded and "
                        "submitted milestones total $100.00")
    try:
        with pytest.raises(SystemExit) as exit_info:
            call_command("check_ledger")
        assert exit_info.value.code == 1
        assert expected in capsys.readouterr().err
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = 0")
        install_triggers()
