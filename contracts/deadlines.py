"""The contracts app's automatic actions: offer expiry, and reminders before it."""

from datetime import UTC

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractState
from contracts.services.offers import offer_expire
from marketplace.deadlines import Reminder, Sweep, register


def register_all() -> None:
    register(Sweep(
        name="offer_expiry",
        due=lambda now: Contract.objects.filter(state=ContractState.OFFERED, deadline_at__lte=now),
        handle=lambda contract: offer_expire(contract=contract),
        contract_of=lambda contract: contract.pk,
    ))
    register(Reminder(
        name="offer",
        live=lambda: Contract.objects.filter(state=ContractState.OFFERED),
        recipients=lambda contract: [contract.freelancer],
        text=lambda contract: _("Reminder: the offer “%(title)s” expires on %(when)s UTC.") % {
            "title": contract.title,
            "when": date_format(contract.deadline_at.astimezone(UTC), "DATETIME_FORMAT"),
        },
        url=lambda contract: contract.get_absolute_url(),
        contract_of=lambda contract: contract.pk,
    ))
