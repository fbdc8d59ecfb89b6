"""The case pages' cached rows: the conversation's entries (disputes.conversation) on the
request page and in the dispute room, and the room's evidence (disputes.case_pages). Every
input of a row's key, changed, changes the page; unchanged, the row is served from the cache."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.base import ContentFile

from conftest import login
from contracts.models import Message
from contracts.services import reports
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute
from marketplace.kernel.models import User
from marketplace.tests.factories import MediatorFactory
from marketplace.tests.pagecache import POISON, poison_rows

pytestmark = pytest.mark.django_db

# Rendered differently in Tokyo (the next day) and in German ("Mär").
WRITTEN_AT = datetime(2026, 3, 31, 20, 30, tzinfo=UTC)
WORDS = "The brief asked for three screens; all three were delivered."


@pytest.fixture
def case(client):
    mediator = MediatorFactory(first_name="Maya", last_name="M")
    with time_machine.travel(WRITTEN_AT, tick=False):
        dispute = in_mediation(make_dispute(), mediator)
        contract = dispute.contract
        dsvc.dispute_message(actor=contract.freelancer, dispute=dispute, body=WORDS)
        dsvc.dispute_message(actor=contract.freelancer, dispute=dispute, body="The screens.",
                             files=[ContentFile(b"%PDF-1.4 screens", name="screens.pdf")],
                             evidence=True)
    User.objects.filter(pk=contract.freelancer_id).update(first_name="Bob", last_name="B")
    message = Message.objects.get(contract=contract, body=WORDS)

    def get(user, url=None, **headers) -> str:
        login(client, user)
        response = client.get(url or dispute.get_absolute_url(), **headers)
        assert response.status_code == 200
        return response.content.decode()

    return dispute, message, mediator, get


def conversation(html: str) -> str:
    return html[html.index('id="conversation"'):]


def evidence(html: str) -> str:
    return html[html.index('id="evidence"'):html.index('id="case-thread"')]


def test_unchanged_inputs_serve_the_cached_rows(case):
    dispute, _message, _mediator, get = case
    client_user = dispute.contract.client
    html = get(client_user)
    assert WORDS in conversation(html) and "screens.pdf" in evidence(html)
    # The request page shows the same conversation, from the same cached rows.
    get(client_user, dispute.cancellation_request.get_absolute_url())
    assert poison_rows() >= 3
    html = get(client_user)
    assert POISON in conversation(html) and WORDS not in html
    assert POISON in evidence(html) and "screens.pdf" not in evidence(html)
    request_page = get(client_user, dispute.cancellation_request.get_absolute_url())
    assert POISON in conversation(request_page) and WORDS not in request_page


def test_the_viewers_time_zone_is_in_the_key(case):
    dispute, _message, _mediator, get = case
    client_user = dispute.contract.client
    assert "31 Mar 2026, 20:30" in conversation(get(client_user))
    poison_rows()
    User.objects.filter(pk=client_user.pk).update(timezone="Asia/Tokyo")
    html = get(client_user)
    assert POISON not in conversation(html) and "1 Apr 2026, 05:30" in conversation(html)
    assert POISON not in evidence(html) and "1 Apr 2026" in evidence(html)


def test_the_viewers_language_is_in_the_key(case):
    dispute, _message, _mediator, get = case
    get(dispute.contract.client)
    poison_rows()
    html = get(dispute.contract.client, HTTP_ACCEPT_LANGUAGE="de")
    assert POISON not in conversation(html) and "31 Mär 2026" in conversation(html)
    assert POISON not in evidence(html) and "31 Mär 2026" in evidence(html)


@pytest.mark.parametrize("change", ["renamed", "closed"])
def test_the_names_shown_are_in_the_key(case, change):
    dispute, _message, _mediator, get = case
    freelancer_id = dispute.contract.freelancer_id
    assert "Bob B" in conversation(get(dispute.contract.client))
    poison_rows()
    if change == "renamed":
        User.objects.filter(pk=freelancer_id).update(first_name="Robert")
        expected = "Robert B"
    else:
        User.objects.filter(pk=freelancer_id).update(closed_at=WRITTEN_AT)
        expected = f"Closed account #{freelancer_id}"
    html = get(dispute.contract.client)
    # The freelancer's entries and evidence are rendered anew; others' stay cached.
    assert expected in conversation(html) and "<strong>Bob B</strong>" not in html
    assert expected in evidence(html) and POISON not in evidence(html)


def test_a_hidden_message_is_in_the_key_and_case_workers_read_it_whole(case):
    dispute, message, mediator, get = case
    client_user = dispute.contract.client
    assert WORDS in conversation(get(client_user))
    assert WORDS in conversation(get(mediator))
    report = reports.message_report(actor=client_user, message=message,
                                    reason="It misstates what the brief said.")
    reports.report_hide(actor=mediator, report=report, reason="Misleading.")
    poison_rows()
    party = conversation(get(client_user))
    assert "Hidden by a mediator: Misleading." in party and WORDS not in party
    # The mediator reads the case as the record has it: for them nothing changed, so their
    # row is still the one cached before (poisoned here); the parties' is a new one.
    staff = conversation(get(mediator))
    assert POISON in staff and "Hidden by a mediator" not in staff
    poison_rows()
    assert "Hidden by a mediator" not in conversation(get(mediator))


def test_a_case_worker_sees_a_hidden_message_whole(case):
    dispute, message, mediator, get = case
    report = reports.message_report(actor=dispute.contract.client, message=message,
                                    reason="It misstates what the brief said.")
    reports.report_hide(actor=mediator, report=report, reason="Misleading.")
    assert WORDS not in conversation(get(dispute.contract.client))
    staff = conversation(get(mediator))
    assert WORDS in staff and "Hidden by a mediator" not in staff
