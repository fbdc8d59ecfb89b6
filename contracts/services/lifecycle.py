"""Ending an active contract without a case: completion by the client, dormant close."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.models import Contract
from contracts.services.milestones import resume_auto_release
from marketplace.kernel import fsm
from marketplace.kernel.hooks import reputation_changed
from marketplace.kernel.services.notifications import notify
from marketplace.kernel.services.record import record_event

from .common import lock_contract
from .milestones import void_pending_milestones
from .record_copies import send_record_copies


def _end(contract, actor, name: str, kind: str, text: str) -> Contract:
    from_state = contract.state
    fsm.run(contract, name, actor)
    fsm.save_transitioned(contract)
    voided = void_pending_milestones(contract)
    record_event(contract=contract, actor=actor, kind=kind, subject=contract,
                 from_state=from_state, to_state=contract.state,
                 text=text + (" " + ngettext("%(n)d unfunded milestone voided.",
                                              "%(n)d unfunded milestones voided.", len(voided))
                               % {"n": len(voided)} if voided else ""),
                 data={"voided_milestones": [m.pk for m in voided]})
    send_record_copies(contract)
    reputation_changed.send(sender=Contract, users=contract.parties)
    return contract


def contract_complete(*, actor, contract: Contract) -> Contract:
    """The client ends the contract as completed: nothing left in escrow, work was paid."""
    with transaction.atomic():
        contract = lock_contract(contract)
        _end(contract, actor, "complete", "contract.completed",
             f"{actor.display_name} ended the contract as completed.")
        notify(user=contract.freelancer, contract=contract, url=contract.get_absolute_url(),
               text=_("%(who)s ended “%(title)s” as completed. You can now leave feedback.")
               % {"who": actor.display_name, "title": contract.title})
    return contract


def contract_close_dormant(*, contract: Contract) -> Contract:
    """System: no activity and no escrow for DORMANT_CONTRACT_DAYS; closed with no fault."""
    with transaction.atomic():
        contract = lock_contract(contract)
        _end(contract, None, "close_dormant", "contract.closed",
             f"Closed after {settings.DORMANT_CONTRACT_DAYS} days without activity and with "
             "nothing in escrow. No fault is attributed to either party.")
        for user in contract.parties:
            notify(user=user, contract=contract, url=contract.get_absolute_url(),
                   text=_("“%(title)s” was closed after %(days)s days without activity.")
                   % {"title": contract.title, "days": settings.DORMANT_CONTRACT_DAYS})
    return contract


def resume_contract(*, contract: Contract, actor=None, why: str) -> Contract:
    """A case closed with the contract going on: back to active; review clocks resume.
    The caller holds the contract's lock and records the case's own event."""
    from_state = contract.state
    fsm.run(contract, "resume", None)
    fsm.save_transitioned(contract)
    resume_auto_release(contract)
    record_event(contract=contract, actor=actor, kind="contract.resumed", subject=contract,
                 from_state=from_state, to_state=contract.state,
                 text=f"The contract continues: {why}")
    return contract
