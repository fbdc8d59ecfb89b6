"""Locking a case in the spec's order: its contract first, then the case row."""

from django.utils.translation import gettext as _

from contracts.services.common import lock_contract
from marketplace.errors import DomainError


def lock_case(model, case_or_id):
    """Lock the case's contract, then the case; the case sees the locked contract."""
    pk = getattr(case_or_id, "pk", case_or_id)
    contract_id = model.objects.filter(pk=pk).values_list("contract_id", flat=True).first()
    if contract_id is None:
        raise DomainError(_("This case does not exist."))
    contract = lock_contract(contract_id)
    case = model.objects.select_for_update().get(pk=pk)
    case.contract = contract
    return contract, case
