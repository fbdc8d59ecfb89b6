"""The console case view's cached rows (disputes.console_rows): the record's events, the
thread's messages and the staff reads. Every input of a row's key, changed, changes the page;
unchanged, the row is served from the cache."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from conftest import login
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute
from marketplace.kernel.models import User
from marketplace.tests.factories import MediatorFactory
from marketplace.tests.pagecache import POISON, poison_rows

pytestmark = pytest.mark.django_db

WRITTEN_AT = datetime(2026, 3, 31, 20, 30, tzinfo=UTC)
WORDS = "The brief asked for three screens; all three were delivered."


@pytest.fixture
def case(client):
    mediator = MediatorFactory(first_name="Maya", last_name="M")
    with time_machine.travel(WRITTEN_AT, tick=False):
        dispute = in_mediation(make_dispute(), mediator)
        dsvc.dispute_message(actor=dispute.contract.freelancer, dispute=dispute, body=WORDS)
    login(client, mediator)
    url = reverse("admin:disputes_dispute_change", args=[dispute.pk])

    def get(**headers) -> dict[str, str]:
        response = client.get(url, **headers)
        assert response.status_code == 200
        html = response.content.decode()
        return {name: html[html.index(f'id="{name}"'):][:html[html.index(f'id="{name}"'):]
                                                         .index("</table>")]
                for name in ("case-messages", "case-timeline", "access-log")}

    return dispute, mediator, get


def test_unchanged_inputs_serve_the_cached_rows(case):
    _dispute, _mediator, get = case
    sections = get()
    assert WORDS in sections["case-messages"] and "Maya M" in sections["access-log"]
    assert poison_rows() >= 3
    sections = get()
    assert all(POISON in html for html in sections.values())
    assert WORDS not in sections["case-messages"]


def test_the_viewers_time_zone_and_language_are_in_the_key(case):
    _dispute, mediator, get = case
    assert "2026-03-31 20:30" in get()["case-messages"]
    poison_rows()
    User.objects.filter(pk=mediator.pk).update(timezone="Asia/Tokyo")
    sections = get()
    assert POISON not in sections["case-messages"] and "2026-04-01 05:30" in sections["case-messages"]
    assert POISON not in sections["case-timeline"] and "2026-04-01 05:30" in sections["case-timeline"]
    poison_rows()
    sections = get(HTTP_ACCEPT_LANGUAGE="de")
    assert all(POISON not in html for html in sections.values())


def test_the_names_shown_are_in_the_key(case):
    dispute, mediator, get = case
    get()
    poison_rows()
    User.objects.filter(pk=dispute.contract.freelancer_id).update(first_name="Robert",
                                                                  last_name="R")
    User.objects.filter(pk=mediator.pk).update(closed_at=WRITTEN_AT)
    sections = get()
    assert "Robert R" in sections["case-messages"] and POISON not in sections["case-messages"]
    assert "Robert R" in sections["case-timeline"]
    assert f"Closed account #{mediator.pk}" in sections["access-log"]
