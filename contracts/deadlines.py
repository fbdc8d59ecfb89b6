"""The contracts app's automatic actions: offer expiry, milestone auto-release, the dormant
close, and reminders before the offer and review deadlines."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractState, Milestone, MilestoneState
from contracts.services.lifecycle import contract_close_dormant
from contracts.services.milestones import milestone_auto_release, milestones_auto_release_due
from contracts.services.offers import offer_expire, offers_expire_due
from marketplace.kernel.deadlines import Reminder, Sweep, register
from marketplace.kernel.times import moment_for


def _dormant(now):
    escrow = Milestone.objects.filter(contract=OuterRef("pk"),
                                      state__in=[MilestoneState.FUNDED, MilestoneState.SUBMITTED])
    quiet_since = now - timedelta(days=settings.DORMANT_CONTRACT_DAYS)
    return Contract.objects.filter(state=ContractState.ACTIVE, last_activity_at__lte=quiet_since
                                   ).exclude(Exists(escrow))


def register_all() -> None:
    register(Sweep(
        name="offer_expiry",
        due=lambda now: Contract.objects.filter(state=ContractState.OFFERED, deadline_at__lte=now),
        handle=lambda contract: offer_expire(contract=contract),
        handle_batch=lambda ids: offers_expire_due(ids=ids),
        contract_of=lambda contract: contract.pk,
    ))
    register(Reminder(
        name="offer",
        live=lambda: Contract.objects.filter(state=ContractState.OFFERED),
        recipients=lambda contract: [contract.freelancer],
        text=lambda contract, user: _("Reminder: the offer “%(title)s” expires on %(when)s.")
        % {"title": contract.title, "when": moment_for(user, contract.deadline_at)},
        url=lambda contract: contract.get_absolute_url(),
        contract_of=lambda contract: contract.pk,
    ))
    register(Sweep(
        name="milestone_auto_release",
        # Only while the contract is active: an open case pauses the clock (deadline cleared).
        due=lambda now: Milestone.objects.filter(
            state=MilestoneState.SUBMITTED, deadline_at__lte=now,
            contract__state=ContractState.ACTIVE,
        ),
        handle=lambda milestone: milestone_auto_release(milestone=milestone),
        handle_batch=lambda ids: milestones_auto_release_due(ids=ids),
    ))
    register(Reminder(
        name="milestone_review",
        live=lambda: Milestone.objects.filter(state=MilestoneState.SUBMITTED,
                                              contract__state=ContractState.ACTIVE),
        recipients=lambda milestone: [milestone.contract.client],
        text=lambda milestone, user: _("Reminder: review “%(title)s” by %(when)s, or it is "
                                       "released to the freelancer automatically.")
        % {"title": milestone.title, "when": moment_for(user, milestone.deadline_at)},
        url=lambda milestone: milestone.contract.get_absolute_url() + "#milestones",
    ))
    register(Sweep(
        name="dormant_close",
        due=_dormant,
        handle=lambda contract: contract_close_dormant(contract=contract),
        contract_of=lambda contract: contract.pk,
    ))
