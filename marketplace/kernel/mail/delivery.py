"""Sending mail from the queue: the task, its claim on each delivery row, retries, dead letters.

A delivery row is written in the same transaction as the notification it carries, and its
task with it (the database backend enqueues inside the caller's transaction; RQ right after
the commit). The task claims each row before sending, records it as sent after, and on a
failure schedules a retry with a growing delay; after MAIL_MAX_ATTEMPTS failures the row is
a dead letter until someone retries it (`manage.py retry_mail`, or the console).
"""

import logging
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from marketplace.kernel.models import DeliveryState, MailDelivery

from .render import build_message

logger = logging.getLogger(__name__)
BATCH = 100  # mails per task: one SMTP connection for a sweep's batch


class MailNotSent(Exception):
    """Some mails of a task failed; each has its retry scheduled (or is a dead letter)."""


@task(queue_name="email")
def send_mails(delivery_ids: list[int]) -> dict[str, int]:
    """Send each still-pending mail of `delivery_ids` once; retry the ones that fail."""
    return deliver(delivery_ids)


def queue_prepared_mail(message: EmailMessage, *, recipient=None) -> MailDelivery:
    """Queue a mail rendered elsewhere (allauth's account mails), in the current transaction:
    it goes through the same worker, retries and dead letters as every notice."""
    now = timezone.now()
    delivery = MailDelivery.objects.create(
        key=f"mail:{uuid.uuid4().hex}", recipient=recipient, summary=message.subject[:200],
        payload={"subject": message.subject, "body": message.body,
                 "from_email": message.from_email, "to": list(message.to),
                 "alternatives": [list(a) for a in getattr(message, "alternatives", [])]},
        created_at=now, due_at=now)
    enqueue_deliveries([delivery.pk])
    return delivery


def retry_delay(attempts: int) -> timedelta:
    """1, 4, 16, 64… minutes after the first, second, third… failure, capped."""
    seconds = settings.MAIL_RETRY_FIRST_DELAY * 4 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.MAIL_RETRY_MAX_DELAY))


def enqueue_deliveries(ids: list[int], *, run_after: datetime | None = None) -> None:
    """Queue the sending of these delivery rows, in tasks of at most BATCH mails.

    With the database backend the task row joins the caller's transaction, so the mail
    commits or vanishes with its notification. Other backends (RQ) cannot take part in the
    transaction: they are asked right after the commit, and a mail whose task was lost
    there is found again by the clock (`requeue_stranded_mail`)."""
    job = send_mails if run_after is None else send_mails.using(run_after=run_after)
    transactional = isinstance(job.get_backend(), DatabaseBackend)
    for start in range(0, len(ids), BATCH):
        chunk = list(ids[start:start + BATCH])
        if transactional:
            job.enqueue(chunk)
        else:
            transaction.on_commit(partial(_enqueue_after_commit, job, chunk), robust=True)


def _enqueue_after_commit(job, ids: list[int]) -> None:
    try:
        job.enqueue(ids)
    except Exception:
        logger.exception("could not queue %s mails; the clock will queue them again", len(ids))


def deliver(ids: list[int]) -> dict[str, int]:
    """Send the pending mails among `ids`, sharing one connection; returns what happened."""
    done = defaultdict(int)
    failed: list[tuple[int, str]] = []
    connection, unreachable = None, None
    for pk in ids:
        delivery = _claim(pk)
        if delivery is None:
            done["skipped"] += 1
            continue
        message = build_message(delivery)
        if message is None:
            _finish(delivery, DeliveryState.DROPPED)
            done["dropped"] += 1
            continue
        if unreachable:  # the server did not answer for this task: don't wait on it again
            failed.append((pk, unreachable))
            continue
        try:
            if connection is None:
                connection = get_connection()
                try:
                    connection.open()
                except Exception as exc:
                    unreachable = f"{type(exc).__name__}: {exc}"
                    raise
            message.connection = connection
            message.send()
        except Exception as exc:  # noqa: BLE001  (any failure is a failed attempt, recorded)
            # A broken connection is not reused; the next mail opens a fresh one.
            connection = _close(connection)
            failed.append((pk, f"{type(exc).__name__}: {exc}"))
            continue
        _finish(delivery, DeliveryState.SENT)
        done["sent"] += 1
    _close(connection)
    if failed:
        record_failures(failed)
        raise MailNotSent(f"{len(failed)} of {len(ids)} mails not sent; first: {failed[0][1]}")
    return dict(done)


def _close(connection) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:
            logger.warning("closing the mail connection failed", exc_info=True)


def _claim(pk: int) -> MailDelivery | None:
    """Take one pending mail for sending, or None if it is sent, given up, not due yet, or
    being sent by another task right now. The row lock makes the check and the claim one
    step for concurrent tasks (on SQLite the IMMEDIATE transaction does)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (MailDelivery.objects.select_for_update(of=("self",))
                    .select_related("recipient", "notification__contract")
                    .filter(pk=pk, state=DeliveryState.PENDING).first())
        if delivery is None or delivery.due_at > now:
            return None
        if delivery.claimed_until is not None and delivery.claimed_until > now:
            return None
        # Long enough for one send to finish or time out; a crashed worker's claim expires.
        delivery.claimed_until = now + timedelta(seconds=2 * settings.EMAIL_TIMEOUT + 60)
        delivery.save(update_fields=["claimed_until"])
    return delivery


def _finish(delivery: MailDelivery, state: str) -> None:
    now = timezone.now()
    delivery.state = state
    delivery.attempts += 1
    delivery.claimed_until = None
    delivery.sent_at = now if state == DeliveryState.SENT else None
    delivery.last_error = "" if state == DeliveryState.SENT else delivery.last_error
    delivery.save(update_fields=["state", "attempts", "claimed_until", "sent_at", "last_error"])


def record_failures(failed: list[tuple[int, str]]) -> None:
    """Count a failed attempt for each (id, error): schedule its retry after a growing delay,
    or, after MAIL_MAX_ATTEMPTS, make it a dead letter. One transaction: the retry tasks are
    queued together with the rows that say when they are due."""
    now = timezone.now()
    errors = dict(failed)
    retries: dict[datetime, list[int]] = defaultdict(list)
    with transaction.atomic():
        rows = MailDelivery.objects.select_for_update().filter(
            pk__in=list(errors), state=DeliveryState.PENDING).order_by("pk")
        for delivery in rows:
            delivery.attempts += 1
            delivery.claimed_until = None
            delivery.last_error = errors[delivery.pk][:2000]
            if delivery.attempts >= settings.MAIL_MAX_ATTEMPTS:
                delivery.state = DeliveryState.FAILED
                delivery.failed_at = now
                logger.error("mail %s failed %s times, giving up: %s", delivery.pk,
                             delivery.attempts, delivery.last_error)
            else:
                delivery.due_at = now + retry_delay(delivery.attempts)
                retries[delivery.due_at].append(delivery.pk)
            delivery.save(update_fields=["attempts", "claimed_until", "last_error", "state",
                                         "failed_at", "due_at"])
        for due_at, ids in retries.items():
            enqueue_deliveries(ids, run_after=due_at)


def retry_failed(*, ids: list[int] | None = None) -> int:
    """Give dead letters (all, or those in `ids`) a new round of attempts, starting now."""
    now = timezone.now()
    with transaction.atomic():
        rows = MailDelivery.objects.select_for_update().filter(state=DeliveryState.FAILED)
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        revived = []
        for delivery in rows.order_by("pk"):
            delivery.state = DeliveryState.PENDING
            delivery.attempts = 0
            delivery.failed_at = None
            delivery.due_at = now
            delivery.save(update_fields=["state", "attempts", "failed_at", "due_at"])
            revived.append(delivery.pk)
        enqueue_deliveries(revived)
    return len(revived)


def discard_pending_mail(*, why: str) -> int:
    """Drop every mail still waiting, and its queued tasks (demo data: its notices stay in
    the app). Plain UPDATE and DELETE: none of it is in flight yet."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY,
                                task_path=send_mails.module_path).delete()
    return MailDelivery.objects.filter(state=DeliveryState.PENDING).update(
        state=DeliveryState.DROPPED, last_error=why)
