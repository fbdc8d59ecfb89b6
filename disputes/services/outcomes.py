"""Executing a dispute's outcome: cancel (settle the escrow) or continue (no money moves)."""

from django.utils.translation import gettext as _

from contracts.outcomes import FAULT_WORDS
from contracts.services.lifecycle import resume_contract
from contracts.services.settlements import settle_contract
from disputes.models import Outcome, SettlementOffer
from marketplace.kernel import fsm
from marketplace.kernel.errors import DomainError
from marketplace.kernel.money import format_money
from marketplace.kernel.services.notifications import notify


def check_outcome(outcome: str, amount_cents: int, fault: str, escrow_cents: int) -> int:
    """Validate an outcome's terms; returns the amount to use (0 when the contract continues)."""
    if outcome not in Outcome.values:
        raise DomainError("Choose an outcome: cancel the contract, or continue it.")
    if fault not in FAULT_WORDS:
        raise DomainError("Choose whose fault it is: the client, the freelancer, or nobody.")
    if outcome == Outcome.CONTINUE:
        return 0
    if not 0 <= amount_cents <= escrow_cents:
        raise DomainError(f"The amount to the freelancer must be between $0.00 and the "
                          f"{format_money(escrow_cents)} in escrow.")
    return amount_cents


def describe(outcome: str, amount_cents: int, fault: str) -> str:
    if outcome == Outcome.CONTINUE:
        return f"the contract continues; fault: {FAULT_WORDS[fault]}"
    return (f"the contract is cancelled, {format_money(amount_cents)} of the escrow to the "
            f"freelancer; fault: {FAULT_WORDS[fault]}")


def execute(*, dispute, outcome: str, amount_cents: int, fault: str, how: str, actor=None) -> None:
    """Carry out a closed dispute's outcome (the caller holds the contract's lock)."""
    contract = dispute.contract
    if outcome == Outcome.CANCEL:
        settle_contract(contract=contract, to_freelancer_cents=amount_cents, fault=fault,
                        source=f"dispute:{dispute.pk}", how=how, actor=actor)
    else:
        resume_contract(contract=contract, actor=actor, why=f"the dispute ended: {how}.")
        for user in contract.parties:
            notify(user=user, contract=contract, url=contract.get_absolute_url(), urgent=True,
                   text=_("The dispute on “%(title)s” ended (%(how)s): the contract continues.")
                   % {"title": contract.title, "how": how})


def lapse_open_offers(dispute) -> int:
    """Offers made in negotiation or mediation lapse when the case moves on."""
    lapsed = 0
    for offer in SettlementOffer.objects.select_for_update().filter(dispute=dispute, state="open"):
        fsm.run(offer, "lapse", None)
        fsm.save_transitioned(offer)
        lapsed += 1
    return lapsed
