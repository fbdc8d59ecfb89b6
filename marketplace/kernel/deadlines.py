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

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from marketplace.kernel.errors import DomainError
from marketplace.kernel.locks import SWEEPING, ContractBusy, lock_contract
from marketplace.kernel.services.notifications import notify
from marketplace.kernel.services.record import record_event
from marketplace.kernel.times import moment_utc

logger = logging.getLogger(__name__)
BATCH = 100  # items per transaction for batch sweeps: short locks, few round trips


def _contract_id(obj) -> int:
    return obj.contract_id


@dataclass(frozen=True)
class Sweep:
    """An automatic action: `due(now)` lists what is due; `handle(obj)` does one, as the system."""

    name: str
    due: Callable[[datetime], QuerySet]
    handle: Callable[[Model], object]
    contract_of: Callable[[Model], int] = _contract_id  # the row to lock first
    # Optional: the same action for many items in one transaction (ids -> how many done),
    # for the sweeps that can fall due by the thousand.
    handle_batch: Callable[[list[int]], int] | None = None

    @classmethod
    def in_batches(cls, name: str, due: Callable[[datetime], QuerySet],
                   handle_batch: Callable[[list], int]) -> "Sweep":
        """A sweep done in batches only; its one-by-one fallback is a batch of one."""
        def handle(stub) -> None:
            if not handle_batch([stub.pk]):
                raise DomainError("no longer due")
        return cls(name=name, due=due, handle=handle, handle_batch=handle_batch)


@dataclass(frozen=True)
class Reminder:
    """Reminders of a WithDeadline model's deadline: whom to remind, and what to say."""

    name: str
    live: Callable[[], QuerySet]  # objects whose deadline is running (their active states)
    recipients: Callable[[Model], list]
    # text(obj, recipient): written for that person (their time zone, their role).
    text: Callable[[Model, object], str]
    url: Callable[[Model], str]
    contract_of: Callable[[Model], int] = _contract_id

    def due(self, now: datetime) -> QuerySet:
        return self.live().filter(deadline_at__gt=now).filter(
            Q(reminder_half_at__lte=now) | Q(reminder_last_at__lte=now)
        )

    def as_sweep(self) -> Sweep:
        return Sweep(name=f"reminder:{self.name}", due=self.due,
                     handle=lambda obj: send_reminder(self, obj), contract_of=self.contract_of)


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


def run_sweep(sweep: Sweep, report: SweepReport, *, limit: int | None = None) -> None:
    """Hand every due item to its service, one transaction each. The service locks the
    contract first (skipping it if another worker holds it), re-checks that the item is
    still due, and acts; a refusal means someone else already did it."""
    due = sweep.due(timezone.now()).order_by("pk").values_list("pk", flat=True)
    model = due.model
    pks = list(due[:limit] if limit else due)
    token = SWEEPING.set(True)
    try:
        if sweep.handle_batch is not None:
            _run_batches(sweep, model, pks, report)
        else:
            for pk in pks:
                _run_one(sweep, model, pk, report)
    finally:
        SWEEPING.reset(token)


def _run_one(sweep: Sweep, model, pk: int, report: SweepReport) -> None:
    try:
        # The service reads the row itself, under its lock: a stub carries the id.
        sweep.handle(model(pk=pk))
    except ContractBusy:
        report.skipped += 1
    except DomainError as exc:
        report.skipped += 1
        logger.info("%s: %s %s skipped: %s", sweep.name, model.__name__, pk, exc)
    except Exception:
        report.failed += 1
        logger.exception("%s: %s %s failed", sweep.name, model.__name__, pk)
    else:
        report.add(sweep.name)


def _run_batches(sweep: Sweep, model, pks: list[int], report: SweepReport) -> None:
    for start in range(0, len(pks), BATCH):
        chunk = pks[start:start + BATCH]
        try:
            done = sweep.handle_batch(chunk)
        except Exception:
            # One bad item must not hold up the others: redo this chunk one by one.
            logger.exception("%s: a batch failed; handling its items one by one", sweep.name)
            for pk in chunk:
                _run_one(sweep, model, pk, report)
            continue
        report.handled[sweep.name] = report.handled.get(sweep.name, 0) + done
        report.skipped += len(chunk) - done


def process_deadlines(*, only: list[str] | None = None, limit: int | None = None) -> SweepReport:
    """Run every registered sweep once (or those named in `only`)."""
    report = SweepReport()
    for name, sweep in SWEEPS.items():
        if only and name not in only:
            continue
        run_sweep(sweep, report, limit=limit)
    return report


def send_reminder(reminder: Reminder, stub) -> None:
    """Send whichever of the two reminders is due, under the contract's lock."""
    model = type(stub)
    with transaction.atomic():
        obj = model.objects.filter(pk=stub.pk).first()
        if obj is None:
            raise DomainError("gone")
        contract = lock_contract(reminder.contract_of(obj))
        now = timezone.now()
        obj = reminder.due(now).filter(pk=stub.pk).first()  # still due, now that we hold it?
        if obj is None:
            raise DomainError("already reminded")
        which = "last" if obj.reminder_last_at and obj.reminder_last_at <= now else "half"
        # Once the last reminder is due, the halfway one is moot (the sweep may not have run).
        cleared = {"reminder_half_at": None}
        if which == "last":
            cleared["reminder_last_at"] = None
        model.objects.filter(pk=obj.pk).update(**cleared)
        key = f"reminder:{reminder.name}:{obj.pk}:{obj.deadline_at.isoformat()}:{which}"
        sent = [
            user for user in reminder.recipients(obj)
            if notify(user=user, text=reminder.text(obj, user), url=reminder.url(obj),
                      contract=contract, key=key, urgent=True, deadline=obj.deadline_at)
        ]
        if sent:
            record_event(
                contract=contract, actor=None, kind="reminder.sent", subject=obj,
                text=f"Reminder ({'one day left' if which == 'last' else 'halfway'}) sent to "
                     f"{', '.join(u.display_name for u in sent)}: the deadline is "
                     f"{moment_utc(obj.deadline_at)}.",
                data={"which": which, "deadline_at": obj.deadline_at.isoformat(),
                      "recipients": [u.pk for u in sent]},
            )
