"""Milestones: add, fund into escrow, submit, approve or auto-release, request changes.

Every service locks the contract first, then the milestone, then (inside the ledger) the
wallets: the spec's order everywhere, so two services never wait on each other in a circle.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract, Milestone, MilestoneState
from contracts.models.ledger import AccountKind, TransactionKind
from marketplace.kernel import fsm
from marketplace.kernel.bulk import update_rows
from marketplace.kernel.errors import DomainError
from marketplace.kernel.links import row_link
from marketplace.kernel.models.deadlines import DEADLINE_FIELDS
from marketplace.kernel.money import format_money, platform_fee
from marketplace.kernel.services.notifications import notify, notify_many
from marketplace.kernel.services.record import record_event, record_system_events

from .common import ContractBusy, lock_contract, lock_contracts
from .ledger import (
    Posting,
    escrow_of,
    escrows_of,
    post_transaction,
    post_transactions,
    system_account,
    wallet_of,
    wallets_of,
)


def lock_milestone(milestone_or_id) -> tuple[Contract, Milestone]:
    """Lock a milestone's contract, then the milestone; the milestone sees the locked contract."""
    pk = getattr(milestone_or_id, "pk", milestone_or_id)
    try:
        contract = lock_contract(of_related=("milestones", pk))
    except ContractBusy:
        raise
    except DomainError as exc:
        raise DomainError(_("This milestone does not exist.")) from exc
    milestone = Milestone.objects.select_for_update().get(pk=pk)
    milestone.contract = contract
    return contract, milestone


def _tell(contract, user, text: str) -> None:
    notify(user=user, contract=contract, url=contract.get_absolute_url() + "#milestones", text=text)


def milestone_add(*, actor, contract: Contract, title: str, amount_cents: int,
                  due_date=None) -> Milestone:
    """The client adds a milestone to an active contract; the freelancer is told."""
    with transaction.atomic():
        contract = lock_contract(contract)
        if actor is None or actor.pk != contract.client_id:
            raise DomainError(_("Only the client of this contract can add milestones."))
        if contract.state != "active":
            raise DomainError(_("Milestones can be added only while the contract is active."))
        if amount_cents <= 0:
            raise DomainError(_("Every milestone needs an amount above zero."))
        position = (contract.milestones.aggregate(m=Max("position"))["m"] or 0) + 1
        milestone = Milestone.objects.create(contract=contract, position=position,
                                             title=title.strip(), amount_cents=amount_cents,
                                             due_date=due_date)
        record_event(contract=contract, actor=actor, kind="milestone.added", subject=milestone,
                     to_state=milestone.state,
                     text=f"{actor.display_name} added milestone {position}, “{milestone.title}”, "
                          f"{format_money(amount_cents)}.",
                     data={"amount_cents": amount_cents, "position": position})
        _tell(contract, contract.freelancer,
              _("%(who)s added a milestone, “%(title)s”, to “%(contract)s”.")
              % {"who": actor.display_name, "title": milestone.title, "contract": contract.title})
    return milestone


def _transition(milestone, name: str, actor, **kwargs) -> str:
    from_state = milestone.state
    fsm.run(milestone, name, actor, **kwargs)
    fsm.save_transitioned(milestone)
    return from_state


def milestone_fund(*, actor, milestone: Milestone) -> Milestone:
    """The client pays the milestone from their wallet into the contract's escrow."""
    with transaction.atomic():
        contract, milestone = lock_milestone(milestone)
        from_state = _transition(milestone, "fund", actor)
        post_transaction(
            kind=TransactionKind.FUNDING, contract=contract, milestone=milestone,
            initiated_by=actor, memo=f"Milestone {milestone.position} of contract #{contract.pk}",
            legs=[(wallet_of(contract.client), -milestone.amount_cents),
                  (escrow_of(contract), milestone.amount_cents)],
        )
        record_event(contract=contract, actor=actor, kind="milestone.funded", subject=milestone,
                     from_state=from_state, to_state=milestone.state,
                     text=f"{actor.display_name} funded milestone {milestone.position}, "
                          f"“{milestone.title}”: {format_money(milestone.amount_cents)} into escrow.",
                     data={"amount_cents": milestone.amount_cents})
        _tell(contract, contract.freelancer,
              _("“%(title)s” is funded: %(amount)s is in escrow. You can start.")
              % {"title": milestone.title, "amount": format_money(milestone.amount_cents)})
    return milestone


def milestone_submit(*, actor, milestone: Milestone, note: str = "") -> Milestone:
    """The freelancer delivers; the client has MILESTONE_AUTO_RELEASE_DAYS to review."""
    days = settings.MILESTONE_AUTO_RELEASE_DAYS
    with transaction.atomic():
        contract, milestone = lock_milestone(milestone)
        from_state = _transition(milestone, "submit", actor, review_period=timedelta(days=days))
        note = note.strip()
        record_event(contract=contract, actor=actor, kind="milestone.submitted", subject=milestone,
                     from_state=from_state, to_state=milestone.state,
                     text=f"{actor.display_name} submitted milestone {milestone.position}, "
                          f"“{milestone.title}”." + (f" Note: {note}" if note else ""),
                     data={"note": note, "review_deadline": milestone.deadline_at.isoformat()})
        _tell(contract, contract.client,
              _("%(who)s delivered “%(title)s”. Approve it or ask for changes within %(days)s "
                "days; after that it is released automatically.")
              % {"who": actor.display_name, "title": milestone.title, "days": days})
    return milestone


def _release_posting(contract, milestone, fee: int, actor, how: str, *, escrow=None,
                     wallet=None, fees=None) -> Posting:
    """Escrow pays the freelancer, less the platform fee (a batch passes the accounts it
    read together)."""
    return Posting(
        kind=TransactionKind.RELEASE, contract=contract, milestone=milestone, initiated_by=actor,
        memo=f"Milestone {milestone.position} of contract #{contract.pk} released ({how})",
        legs=[(escrow or escrow_of(contract), -milestone.amount_cents),
              (wallet or wallet_of(contract.freelancer), milestone.amount_cents - fee),
              (fees or system_account(AccountKind.FEES), fee)],
    )


def _release_text(actor, milestone, fee: int, how: str) -> str:
    who = actor.display_name if actor else "The system"
    return (f"{who} released milestone {milestone.position}, “{milestone.title}” ({how}): "
            f"{format_money(milestone.amount_cents - fee)} to the freelancer, "
            f"{format_money(fee)} platform fee.")


def _released_notice(milestone, fee: int) -> str:
    return _("“%(title)s” was released: %(net)s is in your wallet.") % {
        "title": milestone.title, "net": format_money(milestone.amount_cents - fee)}


def _auto_released_notice(milestone) -> str:
    return _("“%(title)s” was released automatically: the review period ended.") % {
        "title": milestone.title}


def _auto_how() -> str:
    return f"automatically after {settings.MILESTONE_AUTO_RELEASE_DAYS} days without review"


def _release(contract, milestone, actor, name: str, how: str) -> Milestone:
    fee = platform_fee(milestone.amount_cents)
    from_state = _transition(milestone, name, actor, fee_cents=fee)
    post_transactions([_release_posting(contract, milestone, fee, actor, how)])
    record_event(contract=contract, actor=actor, kind=f"milestone.{name}", subject=milestone,
                 from_state=from_state, to_state=milestone.state,
                 text=_release_text(actor, milestone, fee, how),
                 data={"amount_cents": milestone.amount_cents, "fee_cents": fee})
    _tell(contract, contract.freelancer, _released_notice(milestone, fee))
    return milestone


def milestone_approve(*, actor, milestone: Milestone) -> Milestone:
    """The client approves a delivery: escrow pays the freelancer, less the platform fee."""
    with transaction.atomic():
        contract, milestone = lock_milestone(milestone)
        return _release(contract, milestone, actor, "approve", "approved by the client")


def milestone_auto_release(*, milestone: Milestone) -> Milestone:
    """System: the client stayed silent for the whole review period; the milestone is paid."""
    with transaction.atomic():
        contract, milestone = lock_milestone(milestone)
        _release(contract, milestone, None, "auto_release", _auto_how())
        _tell(contract, contract.client, _auto_released_notice(milestone))
        return milestone


def milestones_auto_release_due(*, ids: list[int]) -> int:
    """System, in a batch: every milestone of `ids` still due is released, exactly as
    milestone_auto_release would, in one transaction with bulk writes. Contracts another
    worker holds are skipped (the next sweep finds them). Returns how many were released."""
    now = timezone.now()
    with transaction.atomic():
        contract_ids = set(Milestone.objects.filter(pk__in=ids).values_list("contract_id", flat=True))
        contracts = {c.pk: c for c in lock_contracts(contract_ids)}
        due = list(Milestone.objects.select_for_update().filter(
            pk__in=ids, contract_id__in=list(contracts), state=MilestoneState.SUBMITTED,
            deadline_at__lte=now).order_by("pk"))
        released, postings, events, notices = [], [], [], []
        escrows = escrows_of({m.contract_id for m in due})
        wallets = wallets_of({contracts[m.contract_id].freelancer_id for m in due})
        fees = system_account(AccountKind.FEES)
        link = row_link("contracts:detail")  # one reverse for the whole batch
        for milestone in due:
            contract = milestone.contract = contracts[milestone.contract_id]
            if not fsm.may(milestone, "auto_release", None):
                continue  # e.g. its contract is in a case: the clock is paused there
            fee = platform_fee(milestone.amount_cents)
            from_state = milestone.state
            milestone.auto_release(fee_cents=fee)
            released.append(milestone)
            postings.append(_release_posting(
                contract, milestone, fee, None, _auto_how(), escrow=escrows[contract.pk],
                wallet=wallets[contract.freelancer_id], fees=fees))
            events.append({"contract": contract, "kind": "milestone.auto_release",
                           "subject": milestone, "from_state": from_state,
                           "to_state": milestone.state,
                           "text": _release_text(None, milestone, fee, _auto_how()),
                           "data": {"amount_cents": milestone.amount_cents, "fee_cents": fee}})
            url = link(contract.pk) + "#milestones"
            notices += [(contract.freelancer, _released_notice(milestone, fee), url, contract),
                        (contract.client, _auto_released_notice(milestone), url, contract)]
        # The rows are locked and each transition ran its guards: persist them in bulk.
        update_rows(Milestone, released, ["state", "released_at", "fee_cents", *DEADLINE_FIELDS])
        post_transactions(postings)
        record_system_events(events)
        notify_many(notices)
    return len(released)


def milestone_request_changes(*, actor, milestone: Milestone, reason: str) -> Milestone:
    """The client asks for changes: back to funded; the review clock restarts on resubmission."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say what needs to change."))
    with transaction.atomic():
        contract, milestone = lock_milestone(milestone)
        from_state = _transition(milestone, "request_changes", actor)
        record_event(contract=contract, actor=actor, kind="milestone.changes_requested",
                     subject=milestone, from_state=from_state, to_state=milestone.state,
                     text=f"{actor.display_name} asked for changes to milestone "
                          f"{milestone.position}, “{milestone.title}”: {reason}",
                     data={"reason": reason})
        _tell(contract, contract.freelancer,
              _("%(who)s asked for changes to “%(title)s”.")
              % {"who": actor.display_name, "title": milestone.title})
    return milestone


def void_pending_milestones(contract: Contract) -> list[Milestone]:
    """When a contract ends, milestones that were never funded become void (contract locked)."""
    voided = []
    for milestone in Milestone.objects.select_for_update().filter(
        contract=contract, state=MilestoneState.PENDING
    ).order_by("pk"):
        milestone.contract = contract
        _transition(milestone, "void", None)
        voided.append(milestone)
    return voided


def pause_auto_release(contract: Contract) -> None:
    """A case opened: stop every review clock, keeping what was left of it."""
    now = timezone.now()
    for milestone in Milestone.objects.select_for_update().filter(
        contract=contract, state=MilestoneState.SUBMITTED, deadline_at__isnull=False
    ).order_by("pk"):
        milestone.paused_remaining = max(milestone.deadline_at - now, timedelta(0))
        milestone.clear_deadline()
        milestone.save(update_fields=["paused_remaining", *milestone.deadline_fields])


def resume_auto_release(contract: Contract) -> None:
    """The case closed with the contract continuing: the review clocks run on from where
    they stopped (at least a day, so nobody is released before they can look)."""
    now = timezone.now()
    for milestone in Milestone.objects.select_for_update().filter(
        contract=contract, state=MilestoneState.SUBMITTED, paused_remaining__isnull=False
    ).order_by("pk"):
        remaining = max(milestone.paused_remaining, timedelta(days=1))
        milestone.start_deadline(now=now, duration=remaining)
        milestone.paused_remaining = None
        milestone.save(update_fields=["paused_remaining", *milestone.deadline_fields])
