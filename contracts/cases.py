"""What the contract pages show of a contract's cases (cancellation requests, disputes).

Cases live in `disputes`, a layer above contracts: `disputes` registers how to find them
(`register_case_finders`) when the app is ready. Without it, the pages simply show no case.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CaseFinders:
    # The case the contract page shows: the live one, or the one that ended the contract.
    current: Callable[[object], object | None] = lambda contract: None
    # Every case of the contract with what the printable record shows of it, oldest first.
    for_record: Callable[[object], Iterable] = lambda contract: ()


_finders = [CaseFinders()]


def register_case_finders(*, current: Callable, for_record: Callable) -> None:
    _finders[0] = CaseFinders(current=current, for_record=for_record)


def current_case(contract):
    return _finders[0].current(contract)


def cases_for_record(contract) -> Iterable:
    return _finders[0].for_record(contract)
