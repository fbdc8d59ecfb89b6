"""Helpers shared by the services: locking in the spec's order (the contract first)."""

from django.db import connection
from django.utils.translation import gettext as _

from contracts.models import Contract
from marketplace.kernel.errors import DomainError
from marketplace.kernel.locks import SWEEPING, ContractBusy


def lock_contract(contract_or_id=None, *, of_related: tuple[str, int] | None = None) -> Contract:
    """Lock the contract row, the first lock of every service (contract, milestones, wallets).

    `of_related=("milestones", pk)` finds the contract through a related row in the same
    query (only the contract row is locked).
    """
    skip = SWEEPING.get() and connection.features.has_select_for_update_skip_locked
    qs = Contract.objects.select_for_update(skip_locked=skip, of=("self",)).select_related(
        "client", "freelancer")
    lookup = ({f"{of_related[0]}__pk": of_related[1]} if of_related
              else {"pk": getattr(contract_or_id, "pk", contract_or_id)})
    contract = qs.filter(**lookup).first()
    if contract is None:
        if skip and Contract.objects.filter(**lookup).exists():
            raise ContractBusy("locked by another worker")
        raise DomainError(_("This contract does not exist."))
    return contract


def lock_contracts(ids) -> list[Contract]:
    """Lock several contracts (in id order, so two batches never wait on each other in a
    circle); in a sweep, those another worker holds are left out."""
    skip = SWEEPING.get() and connection.features.has_select_for_update_skip_locked
    return list(Contract.objects.select_for_update(skip_locked=skip, of=("self",))
                .select_related("client", "freelancer").filter(pk__in=list(ids)).order_by("pk"))


def require_party(contract: Contract, actor) -> None:
    if not contract.is_party(actor):
        raise DomainError(_("Only the client and the freelancer of this contract can do this."))
