"""The contract lock: the first lock of every state change (then milestones, then wallets).

The Contract model lives in `contracts`, a layer above the kernel, yet the kernel's clock
must lock a contract before it reminds anyone of a deadline on it. So `contracts` registers
its lock function here when the app is ready, and the kernel calls it without importing up.
"""

from collections.abc import Callable
from contextvars import ContextVar

from marketplace.kernel.errors import DomainError

# Set while the clock's sweeper runs: it never waits for a contract another worker (or a
# person) holds; it skips it, and the next sweep finds it again if it is still due.
SWEEPING: ContextVar[bool] = ContextVar("sweeping", default=False)


class ContractBusy(DomainError):
    """The sweeper found the contract locked by someone else and moved on."""


_lock: list[Callable] = []


def register_contract_lock(lock: Callable) -> None:
    """`lock(contract_id)` locks the contract row and returns the contract (app ready)."""
    _lock[:] = [lock]


def lock_contract(contract_id: int):
    if not _lock:
        raise RuntimeError("No contract lock registered: is the contracts app installed?")
    return _lock[0](contract_id)
