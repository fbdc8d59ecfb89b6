"""Respectful dialogue: reporting an abusive message, and a mediator's decision on it."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from conftest import login
from contracts.models import MessageReport
from contracts.services import reports
from contracts.services.messages import message_post
from contracts.tests.factories import make_active_contract
from disputes.services import cancellations as svc
from disputes.tests.factories import in_mediation, make_dispute, make_request
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event, Notification
from marketplace.tests.factories import (
    ArbitratorFactory,
    ClientFactory,
    FreelancerFactory,
    MediatorFactory,
)
from reputation.models import Reputation
from reputation.tests.factories import completed_contract

pytestmark = pytest.mark.django_db

ABUSE = "You are a useless idiot and I will make sure everybody knows it."
REASON = "An insult, and a threat to damage my name."
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def thread():
    """An active contract where the freelancer wrote an abusive message (with a file)."""
    contract = make_active_contract(client=ClientFactory(first_name="Carla"),
                                    freelancer=FreelancerFactory(first_name="Bob"))
    message = message_post(actor=contract.freelancer, contract=contract, body=ABUSE,
                           files=[ContentFile(PNG, name="proof.png")])
    return contract, message


def test_who_may_report_a_message(thread, client):
    contract, message = thread
    url = reverse("contracts:message_report", args=[contract.pk, message.pk])
    # Outsiders: the contract does not exist for them.
    for outsider in (ClientFactory(), MediatorFactory(), ArbitratorFactory()):
        login(client, outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": REASON}).status_code == 404
    # The author cannot report their own message.
    login(client, contract.freelancer)
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 400 and "cannot report your own message" in response.content.decode()
    assert not MessageReport.objects.exists()
    # The other party can, once.
    login(client, contract.client)
    assert client.post(url, {"reason": REASON}).status_code == 302
    again = client.post(url, {"reason": REASON})
    assert again.status_code == 400 and "already reported" in again.content.decode()
    report = MessageReport.objects.get()
    assert (report.reporter, report.state) == (contract.client, "open")
    event = Event.objects.filter(contract=contract, kind=reports.REPORTED).get()
    assert event.data["message_id"] == message.pk and event.data["sender_id"] == message.author_id


def test_a_report_needs_a_reason(thread):
    contract, message = thread
    with pytest.raises(DomainError, match="what is abusive"):
        reports.message_report(actor=contract.client, message=message, reason="bad")


def _report(thread):
    contract, message = thread
    return reports.message_report(actor=contract.client, message=message, reason=REASON)


CONSOLE = "admin:contracts_messagereport_act"


@pytest.mark.parametrize("action", ["warn", "hide", "dismiss"])
def test_only_mediators_decide_in_the_console(thread, client, action):
    report = _report(thread)
    url = reverse(CONSOLE, args=[report.pk, action])
    for who in (ArbitratorFactory(), thread[0].client, thread[0].freelancer):
        login(client, who)
        client.post(url, {"reason": "Decided."})
        report.refresh_from_db()
        assert report.state == "open", who
    mediator = MediatorFactory()
    login(client, mediator)
    page = client.get(url)
    assert page.status_code == 200 and 'id="confirm"' in page.content.decode()
    response = client.post(url, {"reason": "The message insults the client."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.handled_by) == (
        {"warn": "warned", "hide": "hidden", "dismiss": "dismissed"}[action], mediator)
    assert report.decision_reason == "The message insults the client."


def test_the_console_shows_the_message_with_a_few_around_it_not_the_whole_thread(thread, client):
    contract, _message = thread
    for i in range(6):
        message_post(actor=contract.client, contract=contract, body=f"Earlier or later {i}")
    report = _report(thread)
    login(client, MediatorFactory())
    html = client.get(reverse("admin:contracts_messagereport_change", args=[report.pk])
                      ).content.decode()
    assert ABUSE in html and REASON in html
    # The reported message (the first of the thread) and the three after it, no more.
    assert [f"Earlier or later {i}" in html for i in range(6)] == [True] * 3 + [False] * 3


def test_a_warning_is_recorded_told_and_counted_as_conduct(thread):
    contract, _message = thread
    for _ in range(3):
        completed_contract(client=contract.client, freelancer=contract.freelancer)
    before = Reputation.objects.get(user=contract.freelancer).score
    report = _report(thread)
    reports.report_warn(actor=MediatorFactory(), report=report, reason="Insults are not allowed.")
    event = Event.objects.get(contract=contract, kind=reports.UPHELD)
    assert event.data["sender_id"] == contract.freelancer_id
    rep = Reputation.objects.get(user=contract.freelancer)
    assert rep.conduct_warnings == 1 and rep.score < before
    assert Notification.objects.filter(user=contract.client, text__contains="The sender was "
                                       "warned").exists()
    assert Notification.objects.filter(user=contract.freelancer,
                                       text__contains="conduct warning").exists()


def test_a_dismissal_is_told_to_the_reporter_with_the_reason(thread):
    report = _report(thread)
    reports.report_dismiss(actor=MediatorFactory(), report=report,
                           reason="Blunt, but about the work.")
    contract = thread[0]
    notice = Notification.objects.get(user=contract.client, text__contains="dismissed")
    assert "Blunt, but about the work." in notice.text
    assert Event.objects.filter(contract=contract, kind=reports.DISMISSED).exists()
    assert Reputation.objects.filter(user=contract.freelancer, conduct_warnings__gt=0).count() == 0


def test_a_hidden_message_leaves_the_parties_pages_but_not_the_record(thread, client):
    contract, message = thread
    report = _report(thread)
    reports.report_hide(actor=MediatorFactory(), report=report, reason="Personal insult.")
    attachment = message.attachments.get()
    for party in (contract.client, contract.freelancer):
        login(client, party)
        for url in (contract.get_absolute_url(),
                    reverse("contracts:record", args=[contract.pk])):
            html = client.get(url).content.decode()
            assert ABUSE not in html, url
            assert "Hidden by a mediator: Personal insult." in html, url
            assert "proof.png" not in html, url
        assert client.get(reverse("contracts:attachment", args=[attachment.pk])).status_code == 404
    assert Notification.objects.filter(user=contract.client,
                                       text__contains="The message was hidden").exists()
    # The record keeps it unchanged.
    assert Event.objects.get(contract=contract, kind="message.posted").text == ABUSE


def test_a_case_worker_reads_a_hidden_message_in_the_record(client):
    mediator = MediatorFactory()
    dispute = in_mediation(make_dispute(), mediator)
    contract = dispute.contract
    message = message_post(actor=contract.freelancer, contract=contract, body=ABUSE)
    report = reports.message_report(actor=contract.client, message=message, reason=REASON)
    reports.report_hide(actor=MediatorFactory(), report=report, reason="Personal insult.")
    login(client, mediator)
    html = client.get(reverse("contracts:record", args=[contract.pk])).content.decode()
    assert ABUSE in html and "Hidden from the parties by a mediator: Personal insult." in html


def test_a_hidden_message_is_hidden_in_the_case_conversation(client):
    request = make_request("client", amount_cents=10_000)
    contract = request.contract
    svc.cancellation_message(actor=contract.freelancer, request=request, body=ABUSE)
    message = contract.messages.get(body=ABUSE)
    report = reports.message_report(actor=contract.client, message=message, reason=REASON)
    reports.report_hide(actor=MediatorFactory(), report=report, reason="Abuse.")
    login(client, contract.client)
    html = client.get(request.get_absolute_url()).content.decode()
    assert ABUSE not in html and "Hidden by a mediator: Abuse." in html
