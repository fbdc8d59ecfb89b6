"""Mail through the task queue: written with the notice, sent once after the commit, retried
with backoff, kept as a dead letter, digested, readable; the clock repairs the queue."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks_db.models import DBTaskResult

from conftest import later, login
from disputes.tests.factories import make_request
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.mail import delivery as mail_delivery
from marketplace.kernel.mail.queue import queue_status
from marketplace.kernel.models import (
    DeadLetter,
    DeliveryState,
    EmailFrequency,
    MailDelivery,
    Notification,
)
from marketplace.kernel.services.notifications import notify
from marketplace.tests.factories import ClientFactory, StaffFactory
from marketplace.tests.mail import follow_open_link, open_links
from marketplace.tests.tasks import PLAIN_TASKS, run_tasks

pytestmark = pytest.mark.django_db
REFUSING = "marketplace.tests.mail.RefusingBackend"


def statuses() -> list[str]:
    return sorted(DBTaskResult.objects.values_list("status", flat=True))


def test_a_notice_is_mailed_after_its_commit_readable_in_the_recipients_zone(
        mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        request = make_request("client")
    freelancer = request.contract.freelancer
    freelancer.timezone = "Asia/Tokyo"
    freelancer.save()
    assert mailoutbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    delivery = MailDelivery.objects.get(recipient=freelancer,
                                        notification__url=request.get_absolute_url())
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 1)
    [mail] = [m for m in mailoutbox if m.extra_headers["Message-ID"] == delivery.message_id]
    assert mail.to == [freelancer.email]
    deadline = timezone.localtime(request.deadline_at, timezone.get_fixed_timezone(9 * 60))
    shown = f"{deadline:%H:%M} (Asia/Tokyo)"
    # The action link is the notice's open URL, absolute: it marks the notice read and goes on
    # to the request's page.
    opening = reverse("notifications_open", args=[delivery.notification_id])
    [(html, kind)] = mail.alternatives
    assert kind == "text/html"
    for part in (mail.body, html):
        assert shown in part and f"http://testserver{opening}" in part
        assert open_links(part) == [(opening, delivery.notification_id)]
        assert "party to the contract" in part and "/accounts/profile/" in part
    assert "<a href" not in mail.body and "<a href" in html
    assert follow_open_link(login(Client(), freelancer), opening) == request.get_absolute_url()
    assert Notification.objects.get(pk=delivery.notification_id).read_at is not None


def test_a_rolled_back_transaction_leaves_no_task_and_sends_no_mail(mailoutbox):
    with override_settings(TASKS=PLAIN_TASKS), pytest.raises(RuntimeError), transaction.atomic():
        make_request("client")
        assert DBTaskResult.objects.exists() and MailDelivery.objects.exists()
        raise RuntimeError("something after the notice failed")
    assert not DBTaskResult.objects.exists()
    assert not MailDelivery.objects.exists() and not Notification.objects.exists()
    with override_settings(TASKS=PLAIN_TASKS):
        assert run_tasks() == 0
    assert mailoutbox == []


@override_settings(TASKS=PLAIN_TASKS, EMAIL_BACKEND=REFUSING, MAIL_MAX_ATTEMPTS=3)
def test_a_failed_send_is_retried_later_and_later_then_kept_as_a_dead_letter(
        client_user, mailoutbox, jump):
    notify(user=client_user, text="Your milestone was funded.", url="/contracts/")
    started = timezone.now()
    assert run_tasks() == 1
    delivery = MailDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 1)
    assert "ConnectionRefusedError" in delivery.last_error
    assert delivery.due_at - started == pytest.approx(timedelta(minutes=1), abs=timedelta(seconds=5))
    assert run_tasks() == 0  # the retry waits for its time
    jump(timedelta(minutes=1, seconds=5))
    assert run_tasks() == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.due_at - timezone.now() == pytest.approx(timedelta(minutes=4),
                                                             abs=timedelta(seconds=5))
    jump(timedelta(minutes=4, seconds=5))
    assert run_tasks() == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 3)
    assert list(DeadLetter.objects.filter(state=DeliveryState.FAILED)) == [delivery]
    assert statuses() == [TaskResultStatus.FAILED] * 3  # each attempt's task, with its error
    assert "MailNotSent" in DBTaskResult.objects.first().exception_class_path
    jump(timedelta(days=1))
    assert run_tasks() == 0 and mailoutbox == []  # a dead letter waits for a person

    call_command("retry_mail", "--all")
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        assert run_tasks() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and len(mailoutbox) == 1


def test_retry_mail_names_what_it_cannot_retry(client_user):
    notify(user=client_user, text="Hello.")
    sent = MailDelivery.objects.get()
    with pytest.raises(Exception, match=f"Not dead letters: {sent.pk}"):
        call_command("retry_mail", str(sent.pk))
    with pytest.raises(Exception, match="pass --all"):
        call_command("retry_mail")


@override_settings(TASKS=PLAIN_TASKS)
def test_a_duplicate_or_repeated_task_sends_a_recorded_mail_no_more(client_user, mailoutbox):
    notify(user=client_user, text="Your offer was accepted.")
    delivery = MailDelivery.objects.get()
    mail_delivery.enqueue_deliveries([delivery.pk])  # a duplicate, e.g. RQ's at-least-once
    assert run_tasks() == 2
    assert len(mailoutbox) == 1
    mail_delivery.enqueue_deliveries([delivery.pk])  # and once more, much later
    assert run_tasks() == 1 and len(mailoutbox) == 1


@override_settings(TASKS=PLAIN_TASKS)
def test_a_mail_claimed_by_a_task_in_flight_is_left_to_it(client_user, mailoutbox):
    notify(user=client_user, text="Your offer was accepted.")
    delivery = MailDelivery.objects.get()
    assert mail_delivery._claim(delivery.pk) is not None  # another worker is sending it
    assert run_tasks() == 1
    assert mailoutbox == []
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.claimed_until > timezone.now()


@override_settings(TASKS=PLAIN_TASKS, TASK_STALE_AFTER=600)
def test_a_task_left_running_by_a_dead_worker_is_queued_again_and_sent_once(
        client_user, mailoutbox, jump):
    notify(user=client_user, text="Your offer was accepted.")
    row = DBTaskResult.objects.get()
    row.claim("worker-that-died")  # claimed, then killed mid-send:
    mail_delivery._claim(MailDelivery.objects.get().pk)
    assert run_tasks() == 0 and mailoutbox == []
    assert process_deadlines(only=["tasks:abandoned"]).total == 0  # not stale yet
    jump(timedelta(minutes=10, seconds=5))
    assert queue_status().abandoned == 1
    report = process_deadlines(only=["tasks:abandoned"])
    assert report.handled == {"tasks:abandoned": 1}
    assert run_tasks() == 1
    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["worker-that-died", "test-worker"]


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                      "QUEUES": ["default", "email"]}})
def test_mail_whose_task_was_lost_after_the_commit_is_queued_again(
        client_user, jump, django_capture_on_commit_callbacks):
    # A queue outside the database (RQ) is asked after the commit, and can lose the task.
    backend = task_backends["default"]
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=client_user, text="Your offer was accepted.")
    delivery = MailDelivery.objects.get()
    assert [r.args for r in backend.results] == [[[delivery.pk]]]
    backend.clear()  # Redis lost it
    assert process_deadlines(only=["mail:stranded"]).total == 0
    jump(timedelta(minutes=31))
    with django_capture_on_commit_callbacks(execute=True):
        assert process_deadlines(only=["mail:stranded"]).total == 1
    assert [r.args for r in backend.results] == [[[delivery.pk]]]


def test_urgent_notices_go_at_once_and_the_rest_in_one_daily_digest(
        client_user, mailoutbox, django_capture_on_commit_callbacks):
    client_user.email_frequency = EmailFrequency.DAILY
    client_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=client_user, text="Bob left feedback.", url="/a/")
        notify(user=client_user, text="Dave applied to your job.", url="/b/")
        notify(user=client_user, text="Your contract was settled.", url="/c/", urgent=True)
    assert [m.subject for m in mailoutbox] == ["[Marketplace] Your contract was settled."]
    assert "always sent at once" in mailoutbox[0].body
    with later(hours=23), django_capture_on_commit_callbacks(execute=True):
        process_deadlines(only=["mail:digest"])
    assert len(mailoutbox) == 1
    with later(days=1, minutes=1), django_capture_on_commit_callbacks(execute=True):
        assert process_deadlines(only=["mail:digest"]).total == 1
        assert process_deadlines(only=["mail:digest"]).total == 0
    digest = mailoutbox[1]
    assert digest.subject == "[Marketplace] Your daily digest: 2 notices"
    assert "Bob left feedback." in digest.body and "Dave applied to your job." in digest.body
    assert "daily digest" in digest.body
    # Each item links through its own notice's open URL, which lands on that notice's page.
    [(html, _kind)] = digest.alternatives
    items = list(Notification.objects.filter(digest__isnull=False).order_by("created_at", "pk"))
    assert [n.url for n in items] == ["/a/", "/b/"]
    for part in (digest.body, html):
        assert [pk for _path, pk in open_links(part)] == [n.pk for n in items]
    browser = login(Client(), client_user)
    for path, pk in open_links(digest.body):
        assert follow_open_link(browser, path) == Notification.objects.get(pk=pk).url
    assert not Notification.objects.filter(user=client_user, read_at__isnull=True,
                                            urgent=False).exists()
    assert not Notification.objects.filter(digest_pending=True).exists()


def test_the_profile_page_sets_how_often_mail_comes(client, client_user):
    login(client, client_user)
    page = client.get("/accounts/profile/")
    assert "A daily digest of notices that can wait" in page.content.decode()
    response = client.post("/accounts/profile/", {
        "first_name": "Alice", "last_name": "Anders", "timezone": "Europe/Paris",
        "email_frequency": "daily", "bio": ""})
    assert response.status_code == 302
    client_user.refresh_from_db()
    assert client_user.email_frequency == EmailFrequency.DAILY
    assert client.post("/accounts/profile/", {
        "first_name": "Alice", "last_name": "Anders", "timezone": "Europe/Paris",
        "email_frequency": "never", "bio": ""}).status_code == 200
    client_user.refresh_from_db()
    assert client_user.email_frequency == EmailFrequency.DAILY


@override_settings(TASKS=PLAIN_TASKS, EMAIL_BACKEND=REFUSING, MAIL_MAX_ATTEMPTS=1)
def test_staff_see_the_queue_and_the_dead_letters_with_their_error(client, client_user, capsys):
    notify(user=client_user, text="Your milestone was funded.")
    notify(user=client_user, text="Your offer was accepted.")
    call_command("queue_status")
    out = capsys.readouterr().out
    assert "ready: 2 (oldest waiting 0m0" in out and "dead letters: 0" in out
    run_tasks()
    call_command("queue_status")
    assert "ready: 0" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        call_command("queue_status", "--check")
    assert "2 dead letters" in capsys.readouterr().err

    mediator = StaffFactory(username="maya")
    mediator.groups.add(Group.objects.get(name="Mediators"))
    index = login(client, mediator).get("/admin/").content.decode()
    assert "Task queue" in index and "Dead letters" in index
    assert client.get("/admin/marketplace/deadletter/").status_code == 403  # not their data
    boss = StaffFactory(username="root", is_superuser=True)
    page = login(client, boss).get("/admin/marketplace/deadletter/").content.decode()
    assert "Your milestone was funded." in page and "ConnectionRefusedError" in page
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        client.post("/admin/marketplace/deadletter/", {
            "action": "retry", "_selected_action": list(
                MailDelivery.objects.values_list("pk", flat=True))})
        run_tasks()
    assert set(MailDelivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert "ready" not in client.get("/healthz").content.decode()


def test_no_mail_row_for_someone_without_an_address():
    user = ClientFactory(email="")
    assert notify(user=user, text="Hello.")
    assert not MailDelivery.objects.exists()


def test_the_notification_list_shows_a_notices_deadline_in_the_viewers_zone(client, client_user):
    client_user.timezone = "America/New_York"
    client_user.save()
    due = timezone.now().replace(month=1, day=15, hour=17, minute=0, second=0, microsecond=0)
    notify(user=client_user, text="Answer the cancellation request.", deadline=due)
    page = login(client, client_user).get("/notifications/").content.decode()
    assert "Answer the cancellation request." in page
    assert "15 Jan" in page and "12:00 EST" in page  # 17:00 UTC is noon in New York
