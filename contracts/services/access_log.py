"""Writing the access log: one entry for each read of a contract's data by staff.

A party reading their own contract is not logged (it is theirs); staff are, whoever they
are, superusers included. The views call this after deciding the reader may read; a read
that was refused never reaches it."""

from collections.abc import Iterable

from contracts import access
from contracts.models import AccessLogEntry, Contract


def log_staff_read(*, reader, contract: Contract, what: str,
                   object_id: int | None = None) -> AccessLogEntry | None:
    """Record that `reader` read `what` of `contract` (one entry), if they read it as staff."""
    if not access.reads_as_staff(reader, contract):
        return None
    return AccessLogEntry.objects.create(reader=reader, contract=contract, what=what,
                                         object_id=object_id)


def log_staff_list_read(*, reader, contracts: Iterable[Contract], what: str) -> int:
    """A list that showed several contracts' rows (e.g. messages): one entry per contract
    whose rows were shown, since each is a read of that contract's data."""
    entries = [AccessLogEntry(reader=reader, contract=contract, what=what)
               for contract in {c.pk: c for c in contracts}.values()
               if access.reads_as_staff(reader, contract)]
    AccessLogEntry.objects.bulk_create(entries)
    return len(entries)
