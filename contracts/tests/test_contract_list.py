"""The contracts list (contracts.selectors.contract_list_rows and its rows built in Python):
what each row says, the state filter, escaping, latest activity first."""

import pytest
from django.urls import reverse

from conftest import login
from contracts.models import Contract
from contracts.tests.factories import make_active_contract, make_offer
from marketplace.tests.factories import ClientFactory, FreelancerFactory

pytestmark = pytest.mark.django_db


def rows(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return body.split("<tr>")[1:]


def test_each_row_says_title_other_party_state_value_and_activity(client):
    carla = ClientFactory(first_name="Carla", last_name="Client")
    bob = FreelancerFactory(first_name="Bob", last_name="Builder")
    older = make_offer(carla, bob, amounts=(30_000, 12_345), title="Logo <b>refresh</b>")
    newer = make_active_contract(carla, FreelancerFactory(first_name="Dana", last_name="Dev"),
                                 title="Booking page")
    Contract.objects.filter(pk=older.pk).update(last_activity_at=newer.last_activity_at
                                                .replace(year=2020))
    login(client, carla)
    first, second = rows(client.get(reverse("contracts:list")).content.decode())
    assert f'href="{newer.get_absolute_url()}">Booking page</a>' in first
    assert "Dana Dev" in first and 'data-state="active"' in first and ">Active</span>" in first
    assert "Logo &lt;b&gt;refresh&lt;/b&gt;" in second and "<b>" not in second
    assert "Bob Builder" in second and "$423.45" in second and 'data-state="offered"' in second
    login(client, bob)
    (only,) = rows(client.get(reverse("contracts:list")).content.decode())
    assert "Carla Client" in only and f"#{older.pk}" in only


def test_the_state_filter_lists_only_that_state(client):
    carla = ClientFactory()
    offered = make_offer(carla)
    active = make_active_contract(carla)
    login(client, carla)
    (row,) = rows(client.get(reverse("contracts:list") + "?state=active").content.decode())
    assert active.get_absolute_url() in row and offered.get_absolute_url() not in row
    html = client.get(reverse("contracts:list") + "?state=cancelled").content.decode()
    assert "No contracts in this state." in html
    assert len(rows(client.get(reverse("contracts:list") + "?state=nonsense")
                    .content.decode())) == 2


def test_other_peoples_contracts_are_not_listed(client):
    mine = make_offer()
    make_offer()
    login(client, mine.client)
    (row,) = rows(client.get(reverse("contracts:list")).content.decode())
    assert mine.get_absolute_url() in row


def test_last_activity_is_in_the_viewers_time_zone_and_language(client):
    from datetime import UTC, datetime

    from marketplace.kernel.models import User

    contract = make_offer()
    Contract.objects.filter(pk=contract.pk).update(
        last_activity_at=datetime(2026, 3, 31, 20, 30, tzinfo=UTC))
    login(client, contract.client)
    assert "31 Mar 2026, 20:30" in rows(client.get(reverse("contracts:list")).content.decode())[0]
    german = client.get(reverse("contracts:list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "31 Mär 2026, 20:30" in rows(german)[0]
    User.objects.filter(pk=contract.client_id).update(timezone="Asia/Tokyo")
    assert "1 Apr 2026, 05:30" in rows(client.get(reverse("contracts:list")).content.decode())[0]
