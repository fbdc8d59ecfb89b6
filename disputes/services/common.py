"""Locking a case in the spec's order: its contract first, then the case row."""

from django.utils.translation import gettext as _

from contracts.services.common import ContractBusy, lock_contract
from marketplace.kernel.errors import DomainError


def lock_case(model, case_or_id):
    """Lock the case's contract, then the case; the case sees the locked contract."""
    pk = getattr(case_or_id, "pk", case_or_id)
    related = {"CancellationRequest": "cancellation_requests", "Dispute": "disputes"}[model.__name__]
    try:
        contract = lock_contract(of_related=(related, pk))
    except DomainError as exc:
        if isinstance(exc, ContractBusy):
            raise
        raise DomainError(_("This case does not exist.")) from exc
    case = model.objects.select_for_update().get(pk=pk)
    case.contract = contract
    return contract, case
