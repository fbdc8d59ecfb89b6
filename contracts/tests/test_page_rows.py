"""The contract page's cached rows (contracts.rows): every input of a row's key, changed,
changes the page; unchanged, the row is served from the cache."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.base import ContentFile

from conftest import login
from contracts.services import reports
from contracts.services.messages import message_post
from contracts.tests.factories import make_active_contract
from marketplace.kernel.models import User
from marketplace.tests.factories import ClientFactory, FreelancerFactory, MediatorFactory
from marketplace.tests.pagecache import POISON, element, poison_rows

pytestmark = pytest.mark.django_db

# A moment whose rendering differs by time zone (the date changes in Tokyo) and by language
# (March is "Mar" in English, "Mär" in German).
WRITTEN_AT = datetime(2026, 3, 31, 20, 30, tzinfo=UTC)


@pytest.fixture
def page(client):
    with time_machine.travel(WRITTEN_AT, tick=False):
        contract = make_active_contract(client=ClientFactory(first_name="Carla", last_name="C"),
                                        freelancer=FreelancerFactory(first_name="Bob",
                                                                     last_name="B"))
        message = message_post(actor=contract.freelancer, contract=contract,
                               body="Here is the first draft.",
                               files=[ContentFile(b"%PDF-1.4 draft", name="draft.pdf")])
    login(client, contract.client)
    url = contract.get_absolute_url()

    def get(**headers) -> str:
        response = client.get(url, **headers)
        assert response.status_code == 200
        return response.content.decode()

    return contract, message, get


def rows(html: str, message) -> tuple[str, str]:
    """The thread (its one message) and the timeline."""
    thread = html[html.index('id="thread"'):html.index('id="timeline"')]
    assert f'id="message-{message.pk}"' in thread
    return thread, html[html.index('id="timeline"'):]


def test_unchanged_inputs_serve_the_cached_rows(page):
    _contract, message, get = page
    thread, timeline = rows(get(), message)
    assert "Here is the first draft." in thread and "draft.pdf" in thread
    assert "Bob B" in timeline
    assert poison_rows() >= 2
    html = get()
    thread, timeline = rows(html, message)
    assert POISON in thread and POISON in timeline and "Here is the first draft." not in html


def test_the_viewers_time_zone_is_in_the_key(page):
    contract, message, get = page
    assert "31 Mar 2026, 20:30" in rows(get(), message)[0]
    poison_rows()
    User.objects.filter(pk=contract.client_id).update(timezone="Asia/Tokyo")
    thread, timeline = rows(get(), message)
    assert POISON not in thread and "1 Apr 2026, 05:30" in thread
    assert POISON not in timeline and "1 Apr 2026, 05:30" in timeline


def test_the_viewers_language_is_in_the_key(page):
    _contract, message, get = page
    assert "31 Mar 2026" in rows(get(), message)[0]
    poison_rows()
    thread, timeline = rows(get(HTTP_ACCEPT_LANGUAGE="de"), message)
    assert POISON not in thread and "31 Mär 2026" in thread
    assert POISON not in timeline and "31 Mär 2026" in timeline


@pytest.mark.parametrize("change", ["renamed", "closed"])
def test_the_names_shown_are_in_the_key(page, change):
    contract, message, get = page
    get()
    poison_rows()
    if change == "renamed":
        User.objects.filter(pk=contract.freelancer_id).update(first_name="Robert")
        expected = "Robert B"
    else:  # what closing an account does to the name every page shows
        User.objects.filter(pk=contract.freelancer_id).update(closed_at=WRITTEN_AT)
        expected = f"Closed account #{contract.freelancer_id}"
    thread, timeline = rows(get(), message)
    assert POISON not in thread and expected in thread and "Bob B" not in thread
    # The freelancer's events are rendered anew with the name; the client's stay cached (the
    # text of an event is what was recorded, names included, and never changes).
    assert expected in timeline and POISON in timeline


def test_a_hidden_message_is_in_the_key(page):
    contract, message, get = page
    get()
    report = reports.message_report(actor=contract.client, message=message,
                                    reason="It is not what we agreed on, and it is rude.")
    reports.report_hide(actor=MediatorFactory(), report=report, reason="Insulting wording.")
    poison_rows()
    thread, timeline = rows(get(), message)
    assert POISON not in thread and "Hidden by a mediator: Insulting wording." in thread
    assert "Here is the first draft." not in thread and "draft.pdf" not in thread
    assert "Hidden by a mediator: Insulting wording." in timeline


def test_the_timeline_block_names_every_event(page):
    """The timeline is one cached block whose key names each event's key: an event
    recorded since gives a new block, with the new event rendered and the others from
    their own cached rows."""
    contract, message, get = page
    get()
    assert poison_rows() >= 3  # the message, the events, the timeline's block
    _thread, timeline = rows(get(), message)
    assert POISON in timeline and 'id="event-' not in timeline  # every row from the block
    message_post(actor=contract.client, contract=contract, body="A second question.")
    contract.refresh_from_db()
    _thread, timeline = rows(get(), message)
    newest = element(timeline, f"event-{contract.record_head_seq}")
    assert POISON not in newest and "Carla C" in newest
    assert POISON in timeline  # the older events: their rows, still cached


def test_the_thread_block_names_every_message(page):
    """The thread's messages are one cached entry whose key names each message's key: a
    message posted since gives a new entry, with the new message rendered and the older
    ones from their own cached rows."""
    contract, message, get = page
    get()
    poison_rows()
    thread, _timeline = rows(get(), message)
    assert thread.count(POISON) == 1 and "Here is the first draft." not in thread
    second = message_post(actor=contract.client, contract=contract, body="A second question.")
    thread, _timeline = rows(get(), message)
    assert POISON not in element(thread, f"message-{second.pk}")
    assert "A second question." in thread
    assert POISON in element(thread, f"message-{message.pk}")  # its own row, still cached


def test_the_milestones_words_follow_the_viewers_language(client):
    """The milestone rows' month names and labels are looked up once per language
    (contracts.templatetags.contract_page), never served in another viewer's language."""
    from datetime import date

    from contracts.services.offers import MilestoneInput, offer_create

    contract = offer_create(client=ClientFactory(), freelancer=FreelancerFactory(),
                            title="Dated", description="Work with a due date.",
                            milestones=[MilestoneInput("Part 1", 10_000, date(2027, 3, 5))])
    login(client, contract.client)
    url = contract.get_absolute_url()
    for language, due in (("de", "5 Mär 2027"), ("en", "5 Mar 2027"), ("de", "5 Mär 2027")):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert due in element(html, f"milestone-{contract.milestones.get().pk}"), language
