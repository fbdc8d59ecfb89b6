"""The clock: automatic actions that fall due, run by `manage.py process_deadlines`.

Each app registers its sweeps (what is due, and the service that handles one item) and its
reminders (halfway and one day before a deadline). Running twice, or two copies at once, does
each thing once: every item is handled in its own transaction under its contract's row lock,
taken with SKIP LOCKED on PostgreSQL so a second worker moves on instead of waiting, and the
item is re-read inside the lock to check it is still due.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from marketplace.errors import DomainError

logger = logging.getLogger(__name__)


def _contract_id(obj) -> int:
    return obj.contract_id


@dataclass(frozen=True)
class Sweep:
    """An automatic action: `due(now)` lists what is due; `handle(obj)` does one, as the system."""

    name: str
    due: Callable[[datetime], QuerySet]
    handle: Callable[[Model], object]
    contract_of: Callable[[Model], int] = _contract_id  # the row to lock first


@dataclass(frozen=True)
class Reminder:
    """Reminders of a WithDeadline model's deadline: whom to remind, and what to say."""

    name: str
    live: Callable[[], QuerySet]  # objects whose deadline is running (their active states)
    recipients: Callable[[Model], list]
    text: Callable[[Model], str]
    url: Callable[[Model], str]
    contract_of: Callable[[Model], int] = _contract_id

    def as_sweep(self) -> Sweep:
        def due(now: datetime) -> QuerySet:
            return self.live().filter(deadline_at__gt=now).filter(
                Q(reminder_half_at__lte=now) | Q(reminder_last_at__lte=now)
            )

        return Sweep(
            name=f"reminder:{self.name}", due=due,
            handle=lambda obj: send_reminder(self, obj), contract_of=self.contract_of,
        )


@dataclass
class SweepReport:
    handled: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    failed: int = 0

    def add(self, name: str) -> None:
        self.handled[name] = self.handled.get(name, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.handled.values())


SWEEPS: dict[str, Sweep] = {}


def register(item: Sweep | Reminder) -> None:
    """Register a sweep or a reminder (idempotent: apps call this from `ready()`)."""
    sweep = item.as_sweep() if isinstance(item, Reminder) else item
    SWEEPS[sweep.name] = sweep


def lock_contract_or_skip(contract_id: int) -> bool:
    """Lock the contract row; on PostgreSQL give up at once if another worker holds it."""
    from contracts.models import Contract

    qs = Contract.objects.filter(pk=contract_id)
    skip = connection.features.has_select_for_update_skip_locked
    qs = qs.select_for_update(skip_locked=skip)
    return qs.values_list("pk", flat=True).first() is not None


def run_sweep(sweep: Sweep, report: SweepReport, *, limit: int | None = None) -> None:
    due = sweep.due(timezone.now()).order_by("pk")
    model = due.model
    pks = list(due.values_list("pk", flat=True)[:limit] if limit else due.values_list("pk", flat=True))
    for pk in pks:
        try:
            with transaction.atomic():
                obj = model.objects.filter(pk=pk).first()
                if obj is None or not lock_contract_or_skip(sweep.contract_of(obj)):
                    report.skipped += 1
                    continue
                # Re-read under the lock: another worker may have handled it meanwhile.
                obj = sweep.due(timezone.now()).filter(pk=pk).first()
                if obj is None:
                    report.skipped += 1
                    continue
                sweep.handle(obj)
            report.add(sweep.name)
        except DomainError as exc:
            report.skipped += 1
            logger.info("%s: %s %s skipped: %s", sweep.name, model.__name__, pk, exc)
        except Exception:
            report.failed += 1
            logger.exception("%s: %s %s failed", sweep.name, model.__name__, pk)


def process_deadlines(*, only: list[str] | None = None, limit: int | None = None) -> SweepReport:
    """Run every registered sweep once (or those named in `only`)."""
    report = SweepReport()
    for name, sweep in SWEEPS.items():
        if only and name not in only:
            continue
        run_sweep(sweep, report, limit=limit)
    return report


def send_reminder(reminder: Reminder, obj) -> None:
    """Send whichever of the two reminders is due (the caller holds the contract lock)."""
    from contracts.models import Contract
    from marketplace.services.notifications import notify
    from marketplace.services.record import record_event

    now = timezone.now()
    which = "last" if obj.reminder_last_at and obj.reminder_last_at <= now else "half"
    # Once the last reminder is due, the halfway one is moot (the sweep may not have run).
    cleared = {"reminder_half_at": None}
    if which == "last":
        cleared["reminder_last_at"] = None
    type(obj).objects.filter(pk=obj.pk).update(**cleared)
    contract = Contract.objects.get(pk=reminder.contract_of(obj))
    text = reminder.text(obj)
    key = f"reminder:{reminder.name}:{obj.pk}:{obj.deadline_at.isoformat()}:{which}"
    sent = [
        user for user in reminder.recipients(obj)
        if notify(user=user, text=text, url=reminder.url(obj), contract=contract, key=key)
    ]
    if sent:
        record_event(
            contract=contract, actor=None, kind="reminder.sent", subject=obj,
            text=f"Reminder ({'one day left' if which == 'last' else 'halfway'}) sent to "
                 f"{', '.join(u.display_name for u in sent)}: {text}",
            data={"which": which, "deadline_at": obj.deadline_at.isoformat(),
                  "recipients": [u.pk for u in sent]},
        )
