"""Times and amounts as people read them: mails, notifications and the console in the reader's
time zone with the zone named; money in the admin in dollars."""

import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from conftest import later, login
from contracts.tests.factories import make_funded_contract
from disputes.tests.factories import in_mediation, make_dispute, make_request
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.models import Notification
from marketplace.kernel.times import moment_for
from marketplace.tests.factories import MediatorFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


def test_a_reminder_gives_the_deadline_in_the_recipients_zone(mailoutbox,
                                                              django_capture_on_commit_callbacks):
    request = make_request("client", amount_cents=10_000)
    freelancer = request.contract.freelancer
    freelancer.timezone = "America/New_York"
    freelancer.save(update_fields=["timezone"])
    with later(days=4), django_capture_on_commit_callbacks(execute=True):
        process_deadlines()
    notice = Notification.objects.get(user=freelancer, key__startswith="reminder:")
    local = request.deadline_at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    stated = moment_for(freelancer, request.deadline_at)
    assert stated in notice.text and local.tzname() in stated  # "EST" or "EDT"
    assert "UTC" not in notice.text
    mail = next(m for m in mailoutbox if freelancer.email in m.to)
    assert stated in mail.body


def test_two_people_read_the_same_deadline_in_their_own_zones(
        django_capture_on_commit_callbacks):
    dispute = make_dispute()
    client, freelancer = dispute.contract.client, dispute.contract.freelancer
    client.timezone, freelancer.timezone = "Asia/Tokyo", "Europe/Lisbon"
    client.save(update_fields=["timezone"])
    freelancer.save(update_fields=["timezone"])
    with later(days=2), django_capture_on_commit_callbacks(execute=True):
        process_deadlines()
    texts = {n.user_id: n.text for n in Notification.objects.filter(key__startswith="reminder:")}
    assert "JST" in texts[client.pk] and moment_for(client, dispute.deadline_at) in texts[client.pk]
    assert re.search(r"WE(S)?T", texts[freelancer.pk])


def test_the_console_prints_the_zone_of_its_times(client):
    mediator = MediatorFactory(timezone="America/New_York")
    dispute = in_mediation(make_dispute())  # in the mediators' queue
    login(client, mediator)
    zone = zoneinfo.ZoneInfo("America/New_York")
    html = client.get(reverse("admin:disputes_dispute_change", args=[dispute.pk])).content.decode()
    opened = dispute.created_at.astimezone(zone)
    assert f"{opened:%Y-%m-%d %H:%M} {opened.tzname()}" in html
    queue = client.get(reverse("admin:disputes_dispute_changelist")).content.decode()
    due = dispute.sla_due_at.astimezone(zone)
    assert f"{date_format(due, 'j M H:i')} {due.tzname()}" in queue


def test_the_admin_shows_money_in_dollars(client):
    contract = make_funded_contract(amounts=(32_000,))
    login(client, SuperuserFactory())
    html = client.get(reverse("admin:contracts_contract_change", args=[contract.pk])).content.decode()
    assert "$320.00" in html and ">32000<" not in html and "(cents)" not in html
    assert "32000" not in re.sub(r"<[^>]+>", " ", html).split()
    accounts = client.get(reverse("admin:contracts_account_changelist")).content.decode()
    assert "$320.00" in accounts and ">32000<" not in accounts


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_deadline_tag_writes_the_date_as_the_date_filter_would(zone, language):
    """`deadline` writes its date without the general formatter (kernel.templatetags): the
    same text as `date:"D j M Y, H:i T"` and `date:"c"`, in any zone and language."""
    from datetime import UTC, datetime, timedelta

    from django.template.defaultfilters import date as date_filter
    from django.utils import timezone, translation
    from django.utils.html import escape

    from marketplace.kernel.templatetags.marketplace import deadline

    with timezone.override(zoneinfo.ZoneInfo(zone)), translation.override(language):
        for when in (datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # Berlin's clocks go forward
                     datetime(2026, 11, 1, 5, 59, 7, 1234, tzinfo=UTC),  # New York's go back
                     timezone.now() + timedelta(days=2, hours=3)):
            local = timezone.localtime(when)
            html = deadline(when, "Due <soon>")
            assert f'data-deadline="{date_filter(local, "c")}"' in html
            assert f'<time datetime="{date_filter(local, "c")}">' in html
            assert f'{escape(date_filter(local, "D j M Y, H:i T"))}</time>' in html
            assert "Due &lt;soon&gt; <time" in html
            assert ("text-danger" in html) == (when <= timezone.now())
