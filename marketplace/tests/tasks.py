"""Running queued tasks in tests: a backend that runs each task right after its commit, and a
helper that drains the queue with the real database worker."""

from functools import partial
from unittest import mock

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

PLAIN_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                           "QUEUES": ["default", "email"]}}


def worker(worker_id: str = "test-worker", **options) -> Worker:
    return Worker(queue_names=["*"], interval=0, batch=True, backend_name="default",
                  startup_delay=False, max_tasks=None, worker_id=worker_id,
                  excluded_queue_names=[], **options)


class RunAfterCommitBackend(DatabaseBackend):
    """The database backend, whose tasks due now run once the enqueuing transaction commits
    (through the worker's own claim and run), as an idle worker would pick them up."""

    def enqueue(self, task, args, kwargs):
        result = super().enqueue(task, args, kwargs)
        if task.run_after is None or task.run_after <= timezone.now():
            transaction.on_commit(partial(_run_now, result.id))
        return result


def _run_now(task_id) -> None:
    with transaction.atomic():
        row = DBTaskResult.objects.select_for_update().filter(
            id=task_id, status=TaskResultStatus.READY).first()
        if row is None:
            return
        row.claim("test-after-commit")
    worker().run_task(row)


def run_tasks(worker_id: str = "test-worker") -> int:
    """Run every task that is due, with the real worker loop (`db_worker --batch`); returns
    how many ran. The worker's connection check is left out: inside a test's transaction it
    would close the connection the test runs in."""
    before = DBTaskResult.objects.exclude(status=TaskResultStatus.READY).count()
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        worker(worker_id).run()
    return DBTaskResult.objects.exclude(status=TaskResultStatus.READY).count() - before
