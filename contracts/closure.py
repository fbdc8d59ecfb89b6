"""What must be settled before an account can close: its live contracts and its wallet
(registered with the kernel's account closure when the app is ready)."""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.models import Account, Contract, ContractState

LIVE_CONTRACT_STATES = [ContractState.OFFERED, ContractState.ACTIVE,
                        ContractState.CANCELLATION_REQUESTED, ContractState.DISPUTED]


def closure_refusal(user) -> str | None:
    live = Contract.objects.filter(Q(client=user) | Q(freelancer=user),
                                   state__in=LIVE_CONTRACT_STATES).count()
    if live:
        return ngettext("Finish or end your open contract before closing your account.",
                        "Finish or end your %(n)s open contracts before closing your account.",
                        live) % {"n": live}
    balance = (Account.objects.filter(kind="wallet", user=user)
               .values_list("balance_cents", flat=True).first() or 0)
    if balance:
        return _("Withdraw the money in your wallet before closing your account.")
    return None
