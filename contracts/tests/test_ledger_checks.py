"""check_ledger reconciles: each invariant is broken behind the application's back, with raw
SQL as the database owner could, and the check names what broke. Also: the ledger chain
links every transaction, deposits and withdrawals have their own rows."""

from itertools import pairwise

import pytest
from django.core.management import call_command

from contracts.ledger_chain import GENESIS_HASH
from contracts.ledger_checks import (
    balances_below_zero_or_drifted,
    chain_broken,
    escrow_mismatches,
    external_movements_unmatched,
    fees_unexplained,
    ledger_head,
    ledger_problems,
    running_balances_wrong,
    unbalanced_transactions,
)
from contracts.models import Account, Deposit, Entry, LedgerTransaction, Withdrawal
from contracts.services.milestones import milestone_approve
from contracts.services.wallets import wallet_withdraw
from contracts.tests.factories import make_funded_contract, new_key
from marketplace.tests.tamper import sql, triggers_dropped

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_contract():
    """A contract with one released milestone (a fee charged) and one still in escrow; the
    freelancer withdrew part of the pay."""
    contract = make_funded_contract(amounts=(50_000, 20_000), fund=2, submit=1)
    milestone_approve(actor=contract.client, milestone=contract.milestones.get(position=1))
    wallet_withdraw(actor=contract.freelancer, amount_cents=10_000, idempotency_key=new_key())
    return contract


def _check_ledger_fails(capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_ledger")
    assert exit_info.value.code == 1
    return capsys.readouterr().err


def _forge_transaction(kind: str, legs: list[tuple[int, int, int | None]]) -> int:
    """Insert a transaction the application never wrote (the next number, a made-up hash)."""
    seq = LedgerTransaction.objects.order_by("-seq").values_list("seq", flat=True).first() + 1
    txn = LedgerTransaction.objects.create(seq=seq, kind=kind, memo="forged", prev_hash="f" * 64,
                                           hash="f" * 64)
    for account_id, cents, after in legs:
        Entry.objects.create(transaction=txn, account_id=account_id, amount_cents=cents,
                             balance_after_cents=after)
    return seq


# --- the chain and the rows the services write ----------------------------------------------


def test_every_transaction_is_a_link_of_one_chain_and_the_head_holds_the_last(paid_contract):
    txns = list(LedgerTransaction.objects.order_by("seq"))
    assert [t.seq for t in txns] == list(range(1, len(txns) + 1))
    assert txns[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(txns))
    assert ledger_head() == (txns[-1].seq, txns[-1].hash)
    assert ledger_problems() == []


def test_deposits_and_withdrawals_have_their_own_rows(paid_contract):
    paid_in = Deposit.objects.get(user=paid_contract.client)
    assert paid_in.amount_cents == 70_000
    assert paid_in.transaction.kind == "deposit"
    assert paid_in.transaction.idempotency_key == paid_in.idempotency_key
    assert paid_in.provider_reference.startswith("sim-deposit-")
    paid_out = Withdrawal.objects.get(user=paid_contract.freelancer)
    assert paid_out.amount_cents == 10_000
    assert paid_out.transaction.idempotency_key == paid_out.idempotency_key


def test_check_ledger_passes_and_counts(paid_contract, capsys):
    call_command("check_ledger")
    assert "check_ledger: OK (5 transactions" in capsys.readouterr().out


# --- one test per invariant: broken with raw SQL, named by the check ---------------------------


@pytest.mark.breaks_records
def test_an_altered_transaction_breaks_the_chain(paid_contract, capsys):
    txn = LedgerTransaction.objects.get(kind="release")
    with triggers_dropped():
        sql("UPDATE contracts_ledgertransaction SET memo = %s WHERE id = %s",
            ["Released to someone else", txn.pk])
        assert chain_broken() == [f"ledger chain, transaction #{txn.seq}: content altered "
                                  "(hash mismatch)"]
        assert f"transaction #{txn.seq}: content altered" in _check_ledger_fails(capsys)


@pytest.mark.breaks_records
def test_a_removed_last_transaction_is_named_by_the_head(paid_contract):
    last = LedgerTransaction.objects.order_by("-seq").first()
    with triggers_dropped():
        sql("DELETE FROM contracts_withdrawal WHERE transaction_id = %s", [last.pk])
        sql("DELETE FROM contracts_entry WHERE transaction_id = %s", [last.pk])
        sql("DELETE FROM contracts_ledgertransaction WHERE id = %s", [last.pk])
        assert chain_broken() == [f"ledger chain, head: head points to #{last.seq} but the "
                                  f"chain ends at #{last.seq - 1} (transactions removed or head "
                                  "altered)"]


@pytest.mark.breaks_records
def test_a_changed_balance_after_is_named(paid_contract, capsys):
    entry = Entry.objects.filter(account__kind="wallet", account__user=paid_contract.freelancer
                                 ).order_by("-id").first()
    with triggers_dropped():
        sql("UPDATE contracts_entry SET balance_after_cents = balance_after_cents + 100000 "
            "WHERE id = %s", [entry.pk])
        problems = running_balances_wrong()
        assert len(problems) == 1
        assert f"entry #{entry.pk} of wallet of {paid_contract.freelancer.username}" in problems[0]
        assert "says the balance after it was $1,350.00, but the entries up to it total $350.00" \
            in problems[0]
        assert f"entry #{entry.pk}" in _check_ledger_fails(capsys)


@pytest.mark.breaks_records
def test_money_written_to_the_fees_account_is_named(paid_contract, capsys):
    fees = Account.objects.get(kind="fees")
    external = Account.objects.get(kind="external")
    _forge_transaction("release", [(fees.pk, 50_000, None), (external.pk, -50_000, None)])
    assert fees_unexplained() == ["the platform fees account holds $550.00 but settlements and "
                                  "releases charged $50.00 in fees"]
    assert "platform fees account holds $550.00" in _check_ledger_fails(capsys)


@pytest.mark.breaks_records
def test_a_balanced_deposit_without_its_deposit_row_is_named(paid_contract, capsys):
    """The forgery of the review: wallet +$1,000, external −$1,000, the balance raised to
    match, all sums right, and no deposit behind it."""
    wallet = Account.objects.get(kind="wallet", user=paid_contract.client)
    external = Account.objects.get(kind="external")
    seq = _forge_transaction("deposit", [(wallet.pk, 100_000, wallet.balance_cents + 100_000),
                                         (external.pk, -100_000, None)])
    sql("UPDATE contracts_account SET balance_cents = balance_cents + 100000 WHERE id = %s",
        [wallet.pk])
    assert unbalanced_transactions() == [] and balances_below_zero_or_drifted() == []
    assert running_balances_wrong() == []
    assert external_movements_unmatched() == [
        f"transaction #{seq} moves $1,000.00 as a deposit but has no deposit row"]
    assert f"transaction #{seq} moves $1,000.00 as a deposit" in _check_ledger_fails(capsys)


@pytest.mark.breaks_records
def test_a_deposit_row_with_another_amount_or_key_is_named(paid_contract):
    row = Deposit.objects.get(user=paid_contract.client)
    with triggers_dropped():
        sql("UPDATE contracts_deposit SET amount_cents = 1, idempotency_key = 'other' "
            "WHERE id = %s", [row.pk])
        problems = external_movements_unmatched()
    seq = row.transaction.seq
    assert (f"transaction #{seq} (deposit of $700.00, key '{row.idempotency_key}') does not "
            "match its deposit row ($0.01, key 'other')") in problems
    assert f"deposit {row.provider_reference} does not match its transaction #{seq}" in \
        " ".join(problems)


@pytest.mark.breaks_records
def test_an_external_movement_that_is_no_deposit_or_withdrawal_is_named(paid_contract):
    escrow = Account.objects.get(kind="escrow", contract=paid_contract)
    external = Account.objects.get(kind="external")
    seq = _forge_transaction("settlement", [(escrow.pk, -20_000, 0), (external.pk, 20_000, None)])
    assert (f"transaction #{seq} (settlement) moves $200.00 across the platform's edge, which "
            "only deposits and withdrawals do") in external_movements_unmatched()


@pytest.mark.breaks_records
def test_escrow_that_does_not_match_its_milestones_is_named(paid_contract, capsys):
    sql("UPDATE contracts_milestone SET state = 'released' WHERE contract_id = %s "
        "AND position = 2", [paid_contract.pk])
    assert escrow_mismatches() == [f"escrow of contract #{paid_contract.pk} holds $200.00 but "
                                   "its funded and submitted milestones total $0.00"]
    assert f"escrow of contract #{paid_contract.pk}" in _check_ledger_fails(capsys)


@pytest.mark.breaks_records
def test_an_unbalanced_transaction_and_a_drifted_balance_are_named(paid_contract):
    entry = Entry.objects.filter(account__kind="escrow").order_by("id").first()
    with triggers_dropped():
        sql("UPDATE contracts_entry SET amount_cents = amount_cents + 1 WHERE id = %s",
            [entry.pk])
        problems = ledger_problems()
    assert f"transaction #{entry.transaction.seq} (funding) sums to 1 cents, not zero" in problems
    assert any("shows $200.00 but its entries total $200.01" in p for p in problems)


def test_the_checks_read_in_few_queries_whatever_the_ledger_size(django_assert_max_num_queries):
    for _ in range(3):
        make_funded_contract(amounts=(10_000, 5_000), fund=2, submit=1)
    with django_assert_max_num_queries(16):
        assert ledger_problems() == []
