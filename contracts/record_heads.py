"""The record's head pointer lives on the contract row: how the kernel's record locks and
moves it (registered with `marketplace.kernel.services.record` when the app is ready)."""

from contracts.models import Contract
from marketplace.kernel.bulk import update_rows


def lock_head(contract_id: int) -> tuple[int, str]:
    """Lock the contract row (callers usually hold it already) and read its chain's head."""
    return (Contract.objects.select_for_update().filter(pk=contract_id)
            .values_list("record_head_seq", "record_head_hash").get())


def move_heads(contracts: list[Contract], fields: list[str]) -> None:
    """Write the given head fields of contracts whose values were set in memory."""
    if len(contracts) == 1:
        contract = contracts[0]
        Contract.objects.filter(pk=contract.pk).update(
            **{name: getattr(contract, name) for name in fields})
    else:
        update_rows(Contract, contracts, fields)
