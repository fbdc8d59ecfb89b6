"""The ledger's hash chain: every transaction carries a link over its content and the
previous transaction's link, like the record's events, so an edited, inserted or removed
transaction breaks every later link and the head.

The content is public and needs no secret (anyone holding the rows can recompute it); what a
database attacker could do, recompute the whole chain, is caught by the signed checkpoints
(`record_checkpoint`, `check_ledger --checkpoint`). The format below must never change: old
links are recomputed with it. It uses plain values only, so the migration that chained the
transactions written before the chain existed uses it too.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

GENESIS_HASH = "0" * 64


def account_label(kind: str, user_id: int | None, contract_id: int | None) -> str:
    """An account as the chain names it: by its kind and owner, so giving a wallet to
    someone else breaks the link of every transaction that touched it."""
    if kind == "wallet":
        return f"wallet:{user_id}"
    if kind == "escrow":
        return f"escrow:{contract_id}"
    return kind


@dataclass(frozen=True)
class Leg:
    account: str  # account_label(...)
    amount_cents: int
    balance_after_cents: int | None


def _sort_key(leg: Leg):
    return (leg.account, leg.amount_cents, leg.balance_after_cents is None,
            leg.balance_after_cents or 0)


def transaction_hash(*, seq: int, prev_hash: str, kind: str, created_at: datetime, memo: str,
                     contract_id: int | None, milestone_id: int | None,
                     initiated_by_id: int | None, idempotency_key: str,
                     legs: Iterable[Leg]) -> str:
    content = {
        "seq": seq,
        "prev_hash": prev_hash,
        "kind": kind,
        "created_at": created_at.isoformat(timespec="microseconds"),
        "memo": memo,
        "contract": contract_id,
        "milestone": milestone_id,
        "initiated_by": initiated_by_id,
        "idempotency_key": idempotency_key,
        "entries": [[leg.account, leg.amount_cents, leg.balance_after_cents]
                    for leg in sorted(legs, key=_sort_key)],
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class LedgerBreak:
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"transaction #{self.seq}" if self.seq is not None else "head"
        return f"ledger chain, {where}: {self.problem}"


@dataclass(frozen=True)
class ChainedTransaction:
    """A transaction as read back for verification, with its legs."""

    seq: int
    prev_hash: str
    hash: str
    kind: str
    created_at: datetime
    memo: str
    contract_id: int | None
    milestone_id: int | None
    initiated_by_id: int | None
    idempotency_key: str
    legs: tuple[Leg, ...]

    def computed_hash(self) -> str:
        return transaction_hash(
            seq=self.seq, prev_hash=self.prev_hash, kind=self.kind, created_at=self.created_at,
            memo=self.memo, contract_id=self.contract_id, milestone_id=self.milestone_id,
            initiated_by_id=self.initiated_by_id, idempotency_key=self.idempotency_key,
            legs=self.legs)


def walk_chain(transactions: Iterator[ChainedTransaction], head: tuple[int, str],
               on_link=None) -> LedgerBreak | None:
    """Recompute the chain in order of `seq`; the first broken link, or None if intact.
    `on_link(seq, hash)` sees every intact link (the checkpoint comparison uses it)."""
    expected_prev, expected_seq = GENESIS_HASH, 1
    for txn in transactions:
        if txn.seq != expected_seq:
            return LedgerBreak(expected_seq, f"missing (found #{txn.seq} next)")
        if txn.prev_hash != expected_prev:
            return LedgerBreak(txn.seq, "does not link to the previous transaction")
        if txn.computed_hash() != txn.hash:
            return LedgerBreak(txn.seq, "content altered (hash mismatch)")
        if on_link is not None:
            on_link(txn.seq, txn.hash)
        expected_prev, expected_seq = txn.hash, expected_seq + 1
    last_seq = expected_seq - 1
    head_seq, head_hash = head
    if head_seq != last_seq or (last_seq and head_hash != expected_prev):
        return LedgerBreak(None, f"head points to #{head_seq} but the chain ends at #{last_seq}"
                                 " (transactions removed or head altered)")
    return None
