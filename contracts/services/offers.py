"""Offers: a client proposes a contract; the freelancer accepts or declines; it may expire."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts.models import Contract, Milestone, MilestoneState
from marketplace.kernel import fsm
from marketplace.kernel.bulk import update_rows
from marketplace.kernel.errors import DomainError
from marketplace.kernel.links import row_link
from marketplace.kernel.models import Role
from marketplace.kernel.models.deadlines import DEADLINE_FIELDS
from marketplace.kernel.money import format_money
from marketplace.kernel.services.notifications import notify, notify_many
from marketplace.kernel.services.record import record_event, record_system_events

from .common import lock_contract, lock_contracts
from .milestones import void_pending_milestones


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    amount_cents: int
    due_date: date | None = None


def offer_create(*, client, freelancer, title: str, description: str,
                 milestones: list[MilestoneInput]) -> Contract:
    """Make an offer to a freelancer.

    Effects: a contract in `offered` with its milestones, an `offer.made` event, and a
    notification asking the freelancer to answer before the offer expires.
    """
    _check_offer(client, freelancer, milestones)
    with transaction.atomic():
        contract = Contract(client=client, freelancer=freelancer, title=title.strip(),
                            description=description.strip())
        contract.start_deadline(
            now=timezone.now(), duration=timedelta(days=settings.OFFER_EXPIRY_DAYS)
        )
        contract.save()
        Milestone.objects.bulk_create(
            Milestone(contract=contract, position=i, title=m.title.strip(),
                      amount_cents=m.amount_cents, due_date=m.due_date)
            for i, m in enumerate(milestones, start=1)
        )
        total = sum(m.amount_cents for m in milestones)
        record_event(
            contract=contract, actor=client, kind="offer.made", subject=contract,
            to_state=contract.state,
            text=(f"{client.display_name} offered “{contract.title}” to "
                  f"{freelancer.display_name}: "
                  + ngettext("%(n)d milestone", "%(n)d milestones", len(milestones))
                  % {"n": len(milestones)} + f", {format_money(total)} in all."),
            data={"milestones": [
                {"title": m.title, "amount_cents": m.amount_cents,
                 "due_date": m.due_date.isoformat() if m.due_date else None}
                for m in milestones
            ], "total_cents": total},
        )
        notify(
            user=freelancer, contract=contract, url=contract.get_absolute_url(),
            deadline=contract.deadline_at,
            text=_("%(client)s sent you an offer, “%(title)s”. Answer within %(days)s days.")
            % {"client": client.display_name, "title": contract.title,
               "days": settings.OFFER_EXPIRY_DAYS},
        )
    return contract


def _check_offer(client, freelancer, milestones) -> None:
    if client.role != Role.CLIENT:
        raise DomainError(_("Only clients can make offers."))
    if not client.has_verified_email:
        raise DomainError(_("Verify your email address before making an offer."))
    if freelancer is None or freelancer.role != Role.FREELANCER or not freelancer.is_active:
        raise DomainError(_("Offers can only be made to an active freelancer."))
    if client.pk == freelancer.pk:
        raise DomainError(_("You cannot make an offer to yourself."))
    if not milestones:
        raise DomainError(_("An offer needs at least one milestone."))
    if any(m.amount_cents <= 0 for m in milestones):
        raise DomainError(_("Every milestone needs an amount above zero."))


def _offer_transition(*, actor, contract, name: str, kind: str, text: str,
                      tell, tell_text, data: dict | None = None) -> Contract:
    """Run an offer transition. `tell(contract)` lists whom to tell; `tell_text(contract)`
    says what, from the locked contract (the caller may hold only its id)."""
    with transaction.atomic():
        contract = lock_contract(contract)
        from_state = contract.state
        fsm.run(contract, name, actor)
        fsm.save_transitioned(contract)
        if contract.is_ended:
            void_pending_milestones(contract)
        record_event(contract=contract, actor=actor, kind=kind, subject=contract,
                     from_state=from_state, to_state=contract.state, text=text, data=data)
        for user in tell(contract):
            notify(user=user, contract=contract, url=contract.get_absolute_url(),
                   text=tell_text(contract))
    return contract


def offer_accept(*, actor, contract: Contract) -> Contract:
    """The freelancer accepts: the contract becomes active; the client is told to fund it."""
    return _offer_transition(
        actor=actor, contract=contract, name="accept", kind="offer.accepted",
        text=f"{actor.display_name} accepted the offer.",
        tell=lambda c: [c.client],
        tell_text=lambda c: _("%(who)s accepted your offer “%(title)s”. Fund the first "
                              "milestone to start.") % {"who": actor.display_name, "title": c.title},
    )


def offer_decline(*, actor, contract: Contract, reason: str = "") -> Contract:
    """The freelancer declines: the contract ends `declined`; the client is told why."""
    reason = reason.strip()
    return _offer_transition(
        actor=actor, contract=contract, name="decline", kind="offer.declined",
        text=f"{actor.display_name} declined the offer." + (f" Reason: {reason}" if reason else ""),
        data={"reason": reason},
        tell=lambda c: [c.client],
        tell_text=lambda c: _("%(who)s declined your offer “%(title)s”.")
        % {"who": actor.display_name, "title": c.title},
    )


def offer_withdraw(*, actor, contract: Contract) -> Contract:
    """The client takes the offer back before it is answered."""
    return _offer_transition(
        actor=actor, contract=contract, name="withdraw", kind="offer.withdrawn",
        text=f"{actor.display_name} withdrew the offer.",
        tell=lambda c: [c.freelancer],
        tell_text=lambda c: _("%(who)s withdrew the offer “%(title)s”.")
        % {"who": actor.display_name, "title": c.title},
    )


def _expired_text() -> str:
    return f"The offer expired unanswered after {settings.OFFER_EXPIRY_DAYS} days."


def _expired_notice(contract) -> str:
    return _("The offer “%(title)s” expired unanswered.") % {"title": contract.title}


def offer_expire(*, contract: Contract) -> Contract:
    """System: an offer unanswered for OFFER_EXPIRY_DAYS expires; both parties are told."""
    return _offer_transition(
        actor=None, contract=contract, name="expire", kind="offer.expired",
        text=_expired_text(), tell=lambda c: [c.client, c.freelancer], tell_text=_expired_notice,
    )


def offers_expire_due(*, ids: list[int]) -> int:
    """System, in a batch: every offer of `ids` still past its deadline expires, exactly as
    offer_expire would, in one transaction with bulk writes. Contracts another worker holds
    are skipped. Returns how many expired."""
    with transaction.atomic():
        contracts = [c for c in lock_contracts(ids)
                     if fsm.may(c, "expire", None)]
        by_id = {c.pk: c for c in contracts}
        pending = list(Milestone.objects.select_for_update().filter(
            contract_id__in=list(by_id), state=MilestoneState.PENDING).order_by("pk"))
        for contract in contracts:
            contract.expire()
        for milestone in pending:  # the contract ended: its unfunded milestones are void
            milestone.contract = by_id[milestone.contract_id]
            milestone.void()
        # The rows are locked and each transition ran its guards: persist them in bulk.
        update_rows(Contract, contracts, ["state", "ended_at", *DEADLINE_FIELDS])
        update_rows(Milestone, pending, ["state"])
        record_system_events([
            {"contract": c, "kind": "offer.expired", "subject": c, "from_state": "offered",
             "to_state": c.state, "text": _expired_text()} for c in contracts])
        link = row_link("contracts:detail")  # one reverse for the whole batch
        notify_many([(user, _expired_notice(c), link(c.pk), c)
                     for c in contracts for user in (c.client, c.freelancer)])
    return len(contracts)
