"""The task queue seen from outside: its depth and oldest waiting task for staff
(`manage.py queue_status`, the console), and the clock's repairs: tasks of a worker that
died are put back, and mail whose task was lost is queued again."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import django_rq
from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from marketplace.kernel.models import DeliveryState, MailDelivery

from .delivery import enqueue_deliveries


@dataclass(frozen=True)
class QueueStatus:
    backend: str
    ready: int  # due now, waiting for a worker
    oldest_ready_age: timedelta | None
    scheduled: int  # waiting for their time (retries with backoff)
    running: int
    abandoned: int  # running longer than TASK_STALE_AFTER: the worker died
    mail_pending: int
    mail_oldest_overdue: timedelta | None  # the longest a pending mail is past its time
    dead_letters: int


def queue_status() -> QueueStatus:
    now = timezone.now()
    backend = task_backends["default"]
    if isinstance(backend, DatabaseBackend):
        tasks = _database_tasks(now, backend.alias)
    else:
        tasks = _rq_tasks(now, backend.options.get("queues") or settings.TASK_QUEUES)
    pending = MailDelivery.objects.filter(state=DeliveryState.PENDING)
    oldest_due = pending.aggregate(oldest=Min("due_at"))["oldest"]
    return QueueStatus(
        backend=type(backend).__name__, **tasks,
        mail_pending=pending.count(),
        mail_oldest_overdue=max(now - oldest_due, timedelta(0)) if oldest_due else None,
        dead_letters=MailDelivery.objects.filter(state=DeliveryState.FAILED).count(),
    )


def _database_tasks(now: datetime, alias: str) -> dict:
    rows = DBTaskResult.objects.filter(backend_name=alias)
    ready = rows.ready()
    # A task waits from its enqueueing, or from its run_after if it was deferred.
    waiting_since = [
        ready.filter(run_after=get_date_max()).aggregate(t=Min("enqueued_at"))["t"],
        ready.exclude(run_after=get_date_max()).aggregate(t=Min("run_after"))["t"],
    ]
    oldest = min((t for t in waiting_since if t), default=None)
    return {
        "ready": ready.count(),
        "oldest_ready_age": now - oldest if oldest else None,
        "scheduled": rows.filter(status=TaskResultStatus.READY, run_after__gt=now)
                         .exclude(run_after=get_date_max()).count(),
        "running": rows.filter(status=TaskResultStatus.RUNNING).count(),
        "abandoned": abandoned_tasks(now).filter(backend_name=alias).count(),
    }


def _rq_tasks(now: datetime, queue_names: list[str]) -> dict:
    ready = scheduled = running = 0
    oldest = None
    for name in queue_names:
        queue = django_rq.get_queue(name)
        ready += queue.count
        scheduled += ScheduledJobRegistry(queue=queue).count
        running += StartedJobRegistry(queue=queue).count
        first = queue.get_jobs(0, 1)
        if first and first[0].enqueued_at:
            enqueued = first[0].enqueued_at.replace(tzinfo=first[0].enqueued_at.tzinfo
                                                    or UTC)
            oldest = min(oldest or enqueued, enqueued)
    # RQ moves the jobs of a worker that died to its failed registry itself.
    return {"ready": ready, "oldest_ready_age": now - oldest if oldest else None,
            "scheduled": scheduled, "running": running, "abandoned": 0}


def abandoned_tasks(now: datetime) -> QuerySet:
    """Tasks RUNNING for longer than any task takes: their worker was killed or crashed,
    and django-tasks-db never looks at a RUNNING row again."""
    stale = now - timedelta(seconds=settings.TASK_STALE_AFTER)
    return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=stale)


def requeue_abandoned_tasks(ids: list) -> int:
    """Put abandoned tasks back in the queue. Running one again is safe: a mail task skips
    what its delivery rows record as sent. (A plain UPDATE: the library has no API for it.)"""
    return abandoned_tasks(timezone.now()).filter(pk__in=ids).update(
        status=TaskResultStatus.READY)


def stranded_mail(now: datetime) -> QuerySet:
    """Pending mail long past its time whose task was lost: only possible where the queue is
    not in this database (RQ is asked after the commit), so only looked for there."""
    if isinstance(task_backends["default"], DatabaseBackend):
        return MailDelivery.objects.none()
    overdue = now - timedelta(seconds=settings.MAIL_STRANDED_AFTER)
    return MailDelivery.objects.filter(state=DeliveryState.PENDING, due_at__lt=overdue).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def requeue_stranded_mail(ids: list[int]) -> int:
    now = timezone.now()
    with transaction.atomic():
        rows = list(stranded_mail(now).select_for_update().filter(pk__in=ids))
        for delivery in rows:
            delivery.due_at = now  # not stranded again before MAIL_STRANDED_AFTER
            delivery.save(update_fields=["due_at"])
        enqueue_deliveries([d.pk for d in rows])
    return len(rows)
