"""Helpers shared by the contract services: locking in the spec's order."""

from django.utils.translation import gettext as _

from contracts.models import Contract
from marketplace.errors import DomainError


def lock_contract(contract_or_id) -> Contract:
    """Lock the contract row, the first lock of every service (contract, milestones, wallets)."""
    pk = getattr(contract_or_id, "pk", contract_or_id)
    try:
        return (
            Contract.objects.select_for_update()
            .select_related("client", "freelancer")
            .get(pk=pk)
        )
    except Contract.DoesNotExist as exc:
        raise DomainError(_("This contract does not exist.")) from exc


def require_party(contract: Contract, actor) -> None:
    if not contract.is_party(actor):
        raise DomainError(_("Only the client and the freelancer of this contract can do this."))
