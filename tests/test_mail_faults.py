"""Mail that is never lost (issue 16): the mail server down while a cancellation is requested
and a reminder falls due; requests that never talk to the mail server; two workers racing
on PostgreSQL; and the RQ backend on Redis for scale-out."""

import os
import threading
import uuid
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
import redis
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django_rq import get_connection, get_queue
from django_tasks_db.models import DBTaskResult
from django_tasks_rq import Job
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from conftest import login, postgres_only
from contracts.tests.factories import make_funded_contract
from disputes.models import CancellationRequest
from disputes.tests.factories import EXPLANATION
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.mail import delivery as mail_delivery
from marketplace.kernel.models import DeliveryState, MailDelivery, Notification
from marketplace.kernel.services.notifications import notify, notify_many
from marketplace.tests.factories import ClientFactory
from marketplace.tests.mail import RecordingBackend, SMTPServer, smtp_server  # noqa: F401
from marketplace.tests.tasks import PLAIN_TASKS, run_tasks, worker

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def request_cancellation(client, contract):
    login(client, contract.freelancer)
    response = client.post(reverse("disputes:cancellation_new", args=[contract.pk]), {
        "reason": "client_unresponsive", "explanation": EXPLANATION, "amount": "300.00",
        "fault": "client"})
    assert response.status_code == 302
    return CancellationRequest.objects.get(contract=contract)


@pytest.mark.django_db
def test_mail_server_down_nothing_is_lost_and_every_mail_arrives_once(client, jump):
    server = SMTPServer()
    server.start()
    with server.settings(), override_settings(TASKS=PLAIN_TASKS):
        contract = make_funded_contract(amounts=(30_000, 20_000), fund=2, submit=1)
        run_tasks()
        before = len(server.collector.messages)
        assert before > 0 and not MailDelivery.objects.exclude(state=DeliveryState.SENT).exists()

        server.stop()
        request = request_cancellation(client, contract)  # the request itself succeeds
        jump(timedelta(days=3, hours=13))  # halfway through the client's 7 days to answer
        assert process_deadlines(only=["reminder:cancellation"]).total == 1
        waiting = list(MailDelivery.objects.filter(state=DeliveryState.PENDING))
        assert {d.recipient_id for d in waiting} == {contract.client_id}
        assert len(waiting) == 2  # the request, and the reminder of its deadline
        assert Notification.objects.filter(user=contract.client, urgent=True).count() == 1

        assert run_tasks() == 2  # both fail: the server is down
        jump(timedelta(minutes=1, seconds=5))
        assert run_tasks() == 2  # their first retries fail too
        for delivery in MailDelivery.objects.filter(pk__in=[d.pk for d in waiting]):
            assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 2)
            assert "ConnectionRefusedError" in delivery.last_error
        assert len(server.collector.messages) == before

        server.start()  # the server is back
        assert run_tasks() == 0  # the next retries wait for their time…
        jump(timedelta(minutes=4, seconds=5))
        assert run_tasks() == 2  # …and then send
        mail_delivery.enqueue_deliveries([d.pk for d in waiting])  # a stray duplicate task
        run_tasks()
    server.stop()
    arrived = Counter(server.collector.message_ids()[before:])
    assert arrived == {d.message_id: 1 for d in waiting}
    subjects = [m["Subject"] for m in server.collector.messages[before:]]
    assert any("Reminder" in s for s in subjects)
    assert any(contract.title in s for s in subjects)
    assert MailDelivery.objects.get(pk=waiting[0].pk).state == DeliveryState.SENT
    assert request.pk


@pytest.mark.django_db(transaction=True)
def test_a_request_that_triggers_mail_opens_no_mail_connection(client, mailoutbox):
    contract = make_funded_contract(amounts=(30_000, 20_000), fund=2, submit=1)
    RecordingBackend.connections = []
    with override_settings(TASKS=PLAIN_TASKS,
                           EMAIL_BACKEND="marketplace.tests.mail.RecordingBackend"):
        mailoutbox.clear()
        request_cancellation(client, contract)  # committed: the view's transaction is over
        assert RecordingBackend.connections == [] and mailoutbox == []
        delivery = MailDelivery.objects.get(recipient=contract.client,
                                            notification__url=f"/cancellations/"
                                            f"{CancellationRequest.objects.get().pk}/")
        assert delivery.state == DeliveryState.PENDING
        run_tasks()  # the worker sends it
    assert RecordingBackend.connections  # through the worker's connection
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert [m.to for m in mailoutbox if m.extra_headers["Message-ID"] == delivery.message_id] \
        == [[contract.client.email]]


@pytest.mark.django_db(transaction=True)
def test_signing_up_opens_no_mail_connection_either(client, mailoutbox):
    RecordingBackend.connections = []
    with override_settings(TASKS=PLAIN_TASKS,
                           EMAIL_BACKEND="marketplace.tests.mail.RecordingBackend"):
        response = client.post(reverse("account_signup"), {
            "email": "carol@example.com", "username": "carol", "password1": "Correct-Horse-7",
            "password2": "Correct-Horse-7", "role": "client", "timezone": "UTC"})
        assert response.status_code == 302
        assert RecordingBackend.connections == [] and mailoutbox == []
        assert run_tasks() == 1
    [mail] = mailoutbox
    assert mail.to == ["carol@example.com"] and "/accounts/confirm-email/" in mail.body
    delivery = MailDelivery.objects.get()
    assert delivery.recipient.username == "carol" and delivery.state == DeliveryState.SENT
    assert mail.extra_headers["Message-ID"] == delivery.message_id


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_never_send_the_same_mail_twice():
    server = SMTPServer()
    server.collector.delay = 0.002  # a server that takes a moment, so the workers overlap
    server.start()
    users = ClientFactory.create_batch(30)
    with server.settings(), override_settings(TASKS=PLAIN_TASKS):
        with transaction.atomic():
            notify_many([(user, f"Notice {n} for {user.username}", "/", None)
                         for user in users for n in range(5)])
        ids = list(MailDelivery.objects.values_list("pk", flat=True))
        assert len(ids) == 150
        # Every mail is queued twice more (one task each, and in reversed batches): the
        # duplicates a reaper or an at-least-once queue can make, racing each other.
        for pk in ids:
            mail_delivery.enqueue_deliveries([pk])
        mail_delivery.enqueue_deliveries(list(reversed(ids)))
        errors = []

        def run(name):
            try:
                worker(name).run()
            except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(f"racer-{i}",)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    server.stop()
    assert errors == []
    arrived = Counter(server.collector.message_ids())
    expected = {d.message_id for d in MailDelivery.objects.all()}
    assert set(arrived) == expected and set(arrived.values()) == {1}
    assert set(MailDelivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    workers = Counter(w for ids_ in DBTaskResult.objects.values_list("worker_ids", flat=True)
                      for w in ids_)
    assert set(workers) == {"racer-0", "racer-1"}  # both took part
    assert sum(workers.values()) == DBTaskResult.objects.count()


def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason=f"needs Redis at {REDIS_URL} (REDIS_URL)")
@pytest.mark.django_db
def test_the_rq_backend_sends_after_the_commit_and_retries_on_its_scheduler(
        client_user, mailoutbox, django_capture_on_commit_callbacks):
    queue_name = f"email-test-{uuid.uuid4().hex[:12]}"  # our own queue on a shared Redis
    queues = ["default", "email", queue_name]
    rq_settings = override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": queues}},
        RQ_QUEUES={name: {"URL": REDIS_URL} for name in queues})
    with rq_settings:
        queue = get_queue(queue_name)
        task = mail_delivery.send_mails.using(queue_name=queue_name)
        try:
            with mock.patch.object(mail_delivery, "send_mails", task):
                _through_rq(queue, client_user, mailoutbox, django_capture_on_commit_callbacks)
        finally:
            _remove(queue)


def _through_rq(queue, client_user, mailoutbox, capture):
    with capture(execute=True), transaction.atomic():
        notify(user=client_user, text="Your offer was accepted.")
        assert queue.count == 0  # Redis is not part of the transaction: after the commit
    assert queue.count == 1
    work = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    with capture(execute=True):
        work.work(burst=True)
    delivery = MailDelivery.objects.get()
    assert delivery.state == DeliveryState.SENT and len(mailoutbox) == 1

    with override_settings(EMAIL_BACKEND="marketplace.tests.mail.RefusingBackend"):
        with capture(execute=True):
            notify(user=client_user, text="Your milestone was funded.")
        with capture(execute=True):
            work.work(burst=True)
    failed = MailDelivery.objects.get(state=DeliveryState.PENDING)
    assert failed.attempts == 1
    # The retry waits on RQ's scheduler (workers run with --with-scheduler) until its time.
    scheduled = ScheduledJobRegistry(queue=queue)
    assert scheduled.count == 1
    [job_id] = scheduled.get_job_ids()
    assert list(queue.fetch_job(job_id).args) == [[failed.pk]]


def _remove(queue) -> None:
    connection_ = get_connection(queue.name)
    for key in connection_.scan_iter(f"*{queue.name}*"):
        connection_.delete(key)
    queue.delete(delete_jobs=True)
