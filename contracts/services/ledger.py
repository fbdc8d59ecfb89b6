"""Posting balanced transactions to the ledger; the only code that changes a balance.

Wallets and escrows keep a running balance under their row lock (locked in primary-key order,
after the contract and its milestones, as everywhere). The `external` and `fees` accounts are
shared by every transaction, so they keep no running balance. Their balances are the sums of
their entries.

Every transaction is also a link of the ledger's hash chain, written under the lock of the
chain's head, the last lock a posting takes (contract, milestones, wallets, then the head).
Postings therefore commit their links one at a time: the head is held from the posting to the
commit of its database transaction, so a service posts once per transaction, at most (a
second posting would lock accounts while holding the head, and could wait in a circle).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.ledger_chain import Leg, transaction_hash
from contracts.models.ledger import Account, AccountKind, Entry, LedgerHead, LedgerTransaction
from marketplace.kernel.bulk import update_rows
from marketplace.kernel.errors import DomainError
from marketplace.kernel.money import format_money

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


def wallets_of(user_ids) -> dict[int, Account]:
    """Each user's wallet by user id, in one read for those that exist (a batch service
    posts for many users; one `get_or_create` each cost more than its posting)."""
    found = {a.user_id: a for a in Account.objects.filter(kind=AccountKind.WALLET,
                                                          user_id__in=set(user_ids))}
    for user_id in set(user_ids) - set(found):
        found[user_id], _created = Account.objects.get_or_create(kind=AccountKind.WALLET,
                                                                 user_id=user_id)
    return found


def escrows_of(contract_ids) -> dict[int, Account]:
    """Each contract's escrow by contract id, in one read for those that exist."""
    found = {a.contract_id: a for a in Account.objects.filter(kind=AccountKind.ESCROW,
                                                              contract_id__in=set(contract_ids))}
    for contract_id in set(contract_ids) - set(found):
        found[contract_id], _created = Account.objects.get_or_create(
            kind=AccountKind.ESCROW, contract_id=contract_id)
    return found


class InsufficientFunds(DomainError):
    def __init__(self, account: Account, needed: int):
        if account.kind == AccountKind.WALLET:
            message = _("The wallet holds %(balance)s, less than the %(needed)s needed.")
        else:
            message = _("The escrow holds %(balance)s, less than the %(needed)s needed.")
        super().__init__(message % {"balance": format_money(account.balance_cents),
                                    "needed": format_money(needed)})
        self.account = account


@dataclass
class Posting:
    """One balanced transaction to write: `legs` are (account, cents added), summing to zero."""

    kind: str
    memo: str
    legs: Sequence[tuple[Account, int]]
    contract: object = None
    milestone: object = None
    initiated_by: object = None
    idempotency_key: str = ""


def post_transaction(*, kind: str, memo: str, legs: Sequence[tuple[Account, int]],
                     contract=None, milestone=None, initiated_by=None,
                     idempotency_key: str = "") -> LedgerTransaction:
    """Write one balanced transaction: `legs` are (account, cents added); they sum to zero.

    Locks the tracked accounts in primary-key order and refuses (InsufficientFunds, nothing
    written) if any would go below zero.
    """
    return post_transactions([Posting(kind, memo, legs, contract, milestone, initiated_by,
                                      idempotency_key)])[0]


def lock_ledger_head() -> LedgerHead:
    """Lock the chain's head row, creating it on the first posting ever (or after a flush)."""
    head = LedgerHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        LedgerHead.objects.bulk_create([LedgerHead(pk=1)], ignore_conflicts=True)
        head = LedgerHead.objects.select_for_update().get(pk=1)
    return head


def _chain(prepared, balances) -> list[LedgerTransaction]:
    """Number and link the new transactions after the current head, and move the head."""
    head = lock_ledger_head()
    now = timezone.now()
    txns = []
    for (posting, legs), afters in zip(prepared, balances, strict=True):
        txn = LedgerTransaction(
            seq=head.seq + 1, prev_hash=head.hash, kind=posting.kind, created_at=now,
            memo=posting.memo[:300], contract=posting.contract, milestone=posting.milestone,
            initiated_by=posting.initiated_by, idempotency_key=posting.idempotency_key)
        txn.hash = transaction_hash(
            seq=txn.seq, prev_hash=txn.prev_hash, kind=txn.kind, created_at=now, memo=txn.memo,
            contract_id=txn.contract_id, milestone_id=txn.milestone_id,
            initiated_by_id=txn.initiated_by_id, idempotency_key=txn.idempotency_key,
            legs=[Leg(account.chain_label, cents, after)
                  for (account, cents), after in zip(legs, afters, strict=True)])
        head.seq, head.hash = txn.seq, txn.hash
        txns.append(txn)
    LedgerHead.objects.filter(pk=head.pk).update(seq=head.seq, hash=head.hash)
    return LedgerTransaction.objects.bulk_create(txns)


def post_transactions(postings: Sequence[Posting]) -> list[LedgerTransaction]:
    """Write several balanced transactions with one lock query and a few bulk writes (the
    clock's batches); the same rules as one at a time, applied in order."""
    assert transaction.get_connection().in_atomic_block, "post_transactions needs a transaction"
    prepared = []
    for posting in postings:
        legs = [(account, int(cents)) for account, cents in posting.legs if cents]
        if sum(cents for _account, cents in legs) != 0:
            raise ValueError(f"unbalanced transaction: {legs}")
        prepared.append((posting, legs))
    tracked_ids = sorted({a.pk for _p, legs in prepared for a, _c in legs if a.kind in TRACKED})
    locked = {a.pk: a for a in Account.objects.select_for_update()
              .filter(pk__in=tracked_ids).order_by("pk")}
    balances: list[list[int | None]] = []
    for _posting, legs in prepared:
        after = []
        for account, cents in legs:
            current = locked.get(account.pk)
            if current is None:
                after.append(None)
                continue
            if current.balance_cents + cents < 0:
                raise InsufficientFunds(current, -cents)
            current.balance_cents += cents
            after.append(current.balance_cents)
        balances.append(after)
    update_rows(Account, list(locked.values()), ["balance_cents"])
    txns = _chain(prepared, balances)
    Entry.objects.bulk_create(
        Entry(transaction=txn, account=account, amount_cents=cents, balance_after_cents=after)
        for txn, (_p, legs), afters in zip(txns, prepared, balances, strict=True)
        for (account, cents), after in zip(legs, afters, strict=True))
    for _posting, legs in prepared:  # keep callers' copies in step with the database
        for account, _cents in legs:
            if account.pk in locked:
                account.balance_cents = locked[account.pk].balance_cents
    return txns
