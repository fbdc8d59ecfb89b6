"""Executing a settlement: the escrow divided in one transaction, and the contract cancelled."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.models import Contract, Milestone, MilestoneState, Settlement
from contracts.models.ledger import AccountKind, TransactionKind
from contracts.outcomes import FAULT_WORDS, describe, settled_outcome
from marketplace.kernel import fsm
from marketplace.kernel.errors import DomainError
from marketplace.kernel.hooks import reputation_changed
from marketplace.kernel.money import format_money, platform_fee
from marketplace.kernel.services.notifications import notify
from marketplace.kernel.services.record import record_event

from .ledger import escrow_of, post_transaction, system_account, wallet_of
from .milestones import void_pending_milestones
from .record_copies import send_record_copies


def escrowed_milestones(contract: Contract) -> list[Milestone]:
    """The milestones whose money is in escrow, locked: submitted work first, then by position
    (a settlement pays for delivered work before work not yet delivered)."""
    milestones = list(Milestone.objects.select_for_update().filter(
        contract=contract, state__in=[MilestoneState.FUNDED, MilestoneState.SUBMITTED]
    ).order_by("pk"))
    for milestone in milestones:
        milestone.contract = contract
    return sorted(milestones, key=lambda m: (m.state != MilestoneState.SUBMITTED, m.position))


def settle_contract(*, contract: Contract, to_freelancer_cents: int, fault: str, source: str,
                    how: str, actor=None) -> Settlement:
    """Divide the escrow E: X to the freelancer (less the fee), E − X back to the client, as
    one ledger transaction; milestones end `settled` with their shares, pending ones `void`;
    the contract is cancelled. The caller holds the contract's lock and closed its case."""
    milestones = escrowed_milestones(contract)
    escrow = sum(m.amount_cents for m in milestones)
    if not 0 <= to_freelancer_cents <= escrow:
        raise DomainError(_("A settlement must give the freelancer between %(zero)s and the "
                            "%(escrow)s in escrow.")
                          % {"zero": format_money(0), "escrow": format_money(escrow)})
    fee = platform_fee(to_freelancer_cents)
    remaining = to_freelancer_cents
    for milestone in milestones:
        share = min(remaining, milestone.amount_cents)
        remaining -= share
        fsm.run(milestone, "settle", None, to_freelancer_cents=share)
        fsm.save_transitioned(milestone)
    txn = None
    if escrow:
        txn = post_transaction(
            kind=TransactionKind.SETTLEMENT, contract=contract, initiated_by=actor,
            memo=f"Settlement of contract #{contract.pk} ({how})",
            legs=[(escrow_of(contract), -escrow),
                  (wallet_of(contract.freelancer), to_freelancer_cents - fee),
                  (wallet_of(contract.client), escrow - to_freelancer_cents),
                  (system_account(AccountKind.FEES), fee)],
        )
    settlement = Settlement(
        contract=contract, escrow_cents=escrow, to_freelancer_cents=to_freelancer_cents,
        to_client_cents=escrow - to_freelancer_cents, fee_cents=fee, fault=fault,
        source=source, how=how[:200], ledger_transaction=txn,
    )
    settlement.save()
    from_state = contract.state
    fsm.run(contract, "cancel", None)
    fsm.save_transitioned(contract)
    voided = void_pending_milestones(contract)
    _record(contract, settlement, from_state, actor, len(voided))
    send_record_copies(contract)
    reputation_changed.send(sender=Settlement, users=contract.parties)
    return settlement


def _record(contract, settlement, from_state, actor, voided: int) -> None:
    s = settlement
    text = (f"Settlement ({s.how}): {format_money(s.to_freelancer_cents)} of the "
            f"{format_money(s.escrow_cents)} in escrow to the freelancer "
            f"({format_money(s.freelancer_net_cents)} after the {format_money(s.fee_cents)} fee), "
            f"{format_money(s.to_client_cents)} back to the client. Fault: "
            f"{FAULT_WORDS.get(s.fault, s.fault)}. The contract is cancelled."
            + (" " + ngettext("%(n)d unfunded milestone voided.", "%(n)d unfunded milestones voided.",
                              voided) % {"n": voided} if voided else ""))
    record_event(contract=contract, actor=actor, kind="settlement.executed", subject=s,
                 from_state=from_state, to_state=contract.state, text=text,
                 data={"escrow_cents": s.escrow_cents, "to_freelancer_cents": s.to_freelancer_cents,
                       "to_client_cents": s.to_client_cents, "fee_cents": s.fee_cents,
                       "fault": s.fault, "source": s.source})
    division = describe(settled_outcome(s, contract))
    for user in contract.parties:
        notify(user=user, contract=contract, url=contract.get_absolute_url(), urgent=True,
               text=_("“%(title)s” was cancelled and settled (%(how)s): %(division)s")
               % {"title": contract.title, "how": s.how, "division": division})
