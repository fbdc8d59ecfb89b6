"""Appending to and verifying the tamper-evident record of a contract.

Each contract keeps the head of its chain (the latest event's number and hash) on its own
row, in `contracts`, a layer above the kernel: `contracts` registers how to lock that row
and read the head, and how to move heads (`register_heads`), when the app is ready.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from marketplace.kernel.models import Event
from marketplace.kernel.models.record import GENESIS_HASH


@dataclass(frozen=True)
class Heads:
    # lock(contract_id) -> (seq, hash): lock the contract row and read its head.
    lock: Callable[[int], tuple[int, str]]
    # move(contracts, fields): write those fields of those (in-memory updated) contracts.
    move: Callable[[list, list[str]], None]


_heads: list[Heads] = []


def register_heads(*, lock: Callable, move: Callable) -> None:
    _heads[:] = [Heads(lock=lock, move=move)]


def _registered() -> Heads:
    if not _heads:
        raise RuntimeError("No record heads registered: is the contracts app installed?")
    return _heads[0]


def _chain(contract_id: int, head_seq: int, head_hash: str, actor, kind: str, text: str,
           subject, from_state: str, to_state: str, data: dict | None, now) -> Event:
    event = Event(
        contract_id=contract_id,
        seq=head_seq + 1,
        created_at=now,
        actor=actor,
        kind=kind,
        subject_type=subject._meta.model_name if subject is not None else "",
        subject_id=subject.pk if subject is not None else None,
        from_state=from_state,
        to_state=to_state,
        text=text,
        data=data or {},
        prev_hash=head_hash or GENESIS_HASH,
    )
    event.hash = event.compute_hash()
    return event


def record_event(
    *,
    contract,
    actor,
    kind: str,
    text: str,
    subject=None,
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
) -> Event:
    """Append one event to the contract's chain and move the contract's head to it.

    Must run inside the caller's transaction; the contract row is locked here so two writers
    cannot take the same sequence number.
    """
    assert transaction.get_connection().in_atomic_block, "record_event needs a transaction"
    heads = _registered()
    head_seq, head_hash = heads.lock(contract.pk)
    now = timezone.now()
    event = _chain(contract.pk, head_seq, head_hash, actor, kind, text, subject, from_state,
                   to_state, data, now)
    event.save()
    head_fields = {"record_head_seq": event.seq, "record_head_hash": event.hash}
    # Only what people do counts as activity (for the dormant close); the system's own
    # reminders and timeouts do not keep a contract alive.
    if actor is not None:
        head_fields["last_activity_at"] = now
    for name, value in head_fields.items():
        setattr(contract, name, value)
    heads.move([contract], list(head_fields))
    return event


def record_system_events(items: list[dict]) -> list[Event]:
    """Append one system event to each of several contracts (the clock's batches).

    Each item is {"contract": ..., "kind", "text", and optionally "subject", "from_state",
    "to_state", "data"}; the contracts must be locked by the caller in this transaction and
    read under that lock, so their heads are current.
    """
    assert transaction.get_connection().in_atomic_block, "record_system_events needs a transaction"
    now = timezone.now()
    events = []
    for item in items:
        contract = item["contract"]
        event = _chain(contract.pk, contract.record_head_seq, contract.record_head_hash, None,
                       item["kind"], item["text"], item.get("subject"), item.get("from_state", ""),
                       item.get("to_state", ""), item.get("data"), now)
        contract.record_head_seq, contract.record_head_hash = event.seq, event.hash
        events.append(event)
    Event.objects.bulk_create(events)
    _registered().move([i["contract"] for i in items], ["record_head_seq", "record_head_hash"])
    return events


@dataclass
class BrokenLink:
    contract_id: int
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event #{self.seq}" if self.seq is not None else "head"
        return f"contract {self.contract_id}, {where}: {self.problem}"


def verify_chain(contract, events=None) -> BrokenLink | None:
    """Recompute the contract's chain; return the first broken link, or None if intact."""
    if events is None:
        events = Event.objects.filter(contract_id=contract.pk).order_by("seq")
    expected_prev, expected_seq = GENESIS_HASH, 1
    for event in events:
        if event.seq != expected_seq:
            return BrokenLink(contract.pk, expected_seq, f"missing (found #{event.seq} next)")
        if event.prev_hash != expected_prev:
            return BrokenLink(contract.pk, event.seq, "does not link to the previous event")
        if event.compute_hash() != event.hash:
            return BrokenLink(contract.pk, event.seq, "content altered (hash mismatch)")
        expected_prev, expected_seq = event.hash, expected_seq + 1
    last_seq = expected_seq - 1
    if contract.record_head_seq != last_seq or (last_seq and contract.record_head_hash != expected_prev):
        return BrokenLink(
            contract.pk,
            None,
            f"head points to #{contract.record_head_seq} but the chain ends at #{last_seq}"
            " (events removed or head altered)",
        )
    return None
