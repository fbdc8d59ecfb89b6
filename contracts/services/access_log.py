"""Writing the access log: one entry for each read of a contract's data by staff.

A party reading their own contract is not logged (it is theirs); staff are, whoever they
are, superusers included. The views call this after deciding the reader may read; a read
that was refused never reaches it."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from contracts import access
from contracts.models import AccessLogEntry, Contract, StaffReader


def log_staff_read(*, reader, contract: Contract, what: str,
                   object_id: int | None = None) -> AccessLogEntry | None:
    """Record that `reader` read `what` of `contract` (one entry), if they read it as staff."""
    if not access.reads_as_staff(reader, contract):
        return None
    with transaction.atomic(savepoint=False):  # the entry and its count, or neither
        entry = AccessLogEntry.objects.create(reader=reader, contract=contract, what=what,
                                              object_id=object_id)
        _count_read(reader.pk, contract.pk, entry.at)
    return entry


def log_staff_list_read(*, reader, contracts: Iterable[Contract], what: str) -> int:
    """A list that showed several contracts' rows (e.g. messages): one entry per contract
    whose rows were shown, since each is a read of that contract's data."""
    entries = [AccessLogEntry(reader=reader, contract=contract, what=what)
               for contract in {c.pk: c for c in contracts}.values()
               if access.reads_as_staff(reader, contract)]
    with transaction.atomic(savepoint=False):
        AccessLogEntry.objects.bulk_create(entries)
        for entry in entries:
            _count_read(reader.pk, entry.contract_id, entry.at)
    return len(entries)


def _count_read(reader_id: int, contract_id: int, at) -> None:
    """One more read in the reader's StaffReader row for the contract (made at their first).
    Two first reads at once by the same reader: the second insert fails on the unique
    constraint inside its savepoint, and counts by the update instead."""
    if _counted(reader_id, contract_id, at):
        return
    try:
        with transaction.atomic():
            StaffReader.objects.create(reader_id=reader_id, contract_id=contract_id,
                                       first_at=at, last_at=at, reads=1)
    except IntegrityError:
        _counted(reader_id, contract_id, at)


def _counted(reader_id: int, contract_id: int, at) -> int:
    return StaffReader.objects.filter(reader_id=reader_id, contract_id=contract_id).update(
        last_at=Greatest("last_at", Value(at)), reads=F("reads") + 1)
