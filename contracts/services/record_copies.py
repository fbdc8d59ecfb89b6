"""When a contract in force ends, each party gets a copy of where its record ends (the final
head digest) and the latest signed checkpoint, by mail: a copy that no one who can change
our database can reach. An offer that was never accepted ends without it: nothing was agreed
and no money moved, and its answer is already in the mail its parties received."""

from django.urls import reverse
from django.utils.translation import gettext as _

from contracts.checkpoints import final_record_text
from contracts.models import Contract
from marketplace.kernel.services.notifications import notify


def send_record_copies(contract: Contract) -> None:
    """Notify both parties with the final digest; call after the contract's last event was
    recorded, inside the transaction (the mail leaves after the commit)."""
    if contract.accepted_at is None:
        return
    details = final_record_text(contract)
    for user in contract.parties:
        notify(user=user, contract=contract, url=reverse("contracts:record", args=[contract.pk]),
               text=_("“%(title)s” ended: keep the email with its record's final digest.")
               % {"title": contract.title},
               details=details)
