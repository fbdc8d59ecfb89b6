"""Posting balanced transactions to the ledger; the only code that changes a balance.

Wallets and escrows keep a running balance under their row lock (locked in primary-key order,
after the contract and its milestones, as everywhere). The `external` and `fees` accounts are
shared by every transaction, so they keep no running balance: locking them would make every
payment on the platform wait for every other. Their balances are the sums of their entries.
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from contracts.models.ledger import Account, AccountKind, Entry, LedgerTransaction
from contracts.money import format_money
from marketplace.errors import DomainError

TRACKED = {AccountKind.WALLET, AccountKind.ESCROW}


def system_account(kind: str) -> Account:
    account, _created = Account.objects.get_or_create(kind=kind)
    return account


def wallet_of(user) -> Account:
    account, _created = Account.objects.get_or_create(kind=AccountKind.WALLET, user=user)
    return account


def escrow_of(contract) -> Account:
    account, _created = Account.objects.get_or_create(kind=AccountKind.ESCROW, contract=contract)
    return account


class InsufficientFunds(DomainError):
    def __init__(self, account: Account, needed: int):
        if account.kind == AccountKind.WALLET:
            message = _("The wallet holds %(balance)s, less than the %(needed)s needed.")
        else:
            message = _("The escrow holds %(balance)s, less than the %(needed)s needed.")
        super().__init__(message % {"balance": format_money(account.balance_cents),
                                    "needed": format_money(needed)})
        self.account = account


def post_transaction(*, kind: str, memo: str, legs: Sequence[tuple[Account, int]],
                     contract=None, milestone=None, initiated_by=None) -> LedgerTransaction:
    """Write one balanced transaction: `legs` are (account, cents added); they sum to zero.

    Locks the tracked accounts in primary-key order and refuses (InsufficientFunds, nothing
    written) if any would go below zero.
    """
    assert transaction.get_connection().in_atomic_block, "post_transaction needs a transaction"
    legs = [(account, int(cents)) for account, cents in legs if cents]
    if sum(cents for _account, cents in legs) != 0:
        raise ValueError(f"unbalanced transaction: {legs}")
    tracked_ids = sorted({a.pk for a, _c in legs if a.kind in TRACKED})
    locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=tracked_ids).order_by("pk")}
    balances_after: list[int | None] = []
    for account, cents in legs:
        if account.pk not in locked:
            balances_after.append(None)
            continue
        current = locked[account.pk]
        if current.balance_cents + cents < 0:
            raise InsufficientFunds(current, -cents)
        current.balance_cents += cents
        balances_after.append(current.balance_cents)
    for current in locked.values():
        current.save(update_fields=["balance_cents"])
    txn = LedgerTransaction(kind=kind, memo=memo[:300], contract=contract, milestone=milestone,
                            initiated_by=initiated_by)
    txn.save()
    Entry.objects.bulk_create(
        Entry(transaction=txn, account=account, amount_cents=cents, balance_after_cents=after)
        for (account, cents), after in zip(legs, balances_after, strict=True)
    )
    for account, _cents in legs:  # keep callers' copies in step with the database
        if account.pk in locked:
            account.balance_cents = locked[account.pk].balance_cents
    return txn
