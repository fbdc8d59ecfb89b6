"""The wallet page's cached statement lines (contracts.rows.STATEMENT_LINES): every input of
a line's key, changed, changes the page; unchanged, the line is served from the cache. The
balance is never cached."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from conftest import login
from contracts import rows as contract_rows
from contracts.models import Entry
from contracts.selectors import STATEMENT_PAGE
from contracts.services.wallets import wallet_withdraw
from contracts.tests.factories import deposit, make_funded_contract, new_key
from marketplace.kernel.models import User
from marketplace.tests.factories import ClientFactory
from marketplace.tests.pagecache import POISON, poison_rows

pytestmark = pytest.mark.django_db

# A moment whose rendering differs by time zone (the date changes in Tokyo) and by language
# (March is "Mar" in English, "Mär" in German).
WRITTEN_AT = datetime(2026, 3, 31, 20, 30, tzinfo=UTC)


@pytest.fixture
def page(client):
    user = ClientFactory()
    with time_machine.travel(WRITTEN_AT, tick=False):
        deposit(user, 12_345)
    login(client, user)

    def get(**headers) -> str:
        response = client.get(reverse("contracts:wallet"), **headers)
        assert response.status_code == 200
        return response.content.decode()

    return user, get


def statement(html: str) -> str:
    return html[html.index('id="statement"'):html.index("</table>")]


def test_unchanged_inputs_serve_the_cached_lines(page):
    _user, get = page
    assert "31 Mar 2026, 20:30" in statement(get()) and "+$123.45" in statement(get())
    assert poison_rows() >= 1
    html = get()
    assert POISON in statement(html) and "+$123.45" not in statement(html)
    assert 'id="wallet-balance" data-cents="12345"' in html


def test_the_balance_is_never_cached(page):
    user, get = page
    get()
    poison_rows()
    wallet_withdraw(actor=user, amount_cents=345, idempotency_key=new_key())
    html = get()
    assert 'id="wallet-balance" data-cents="12000"' in html
    # The new line has a key of its own; the old one is still the cached one.
    assert "\u2212$3.45" in statement(html) and POISON in statement(html)
    assert statement(html).count('<tr id="txn-') == 1  # the poisoned line has no markup left


def test_the_viewers_time_zone_is_in_the_key(page):
    user, get = page
    get()
    poison_rows()
    User.objects.filter(pk=user.pk).update(timezone="Asia/Tokyo")
    line = statement(get())
    assert POISON not in line and "1 Apr 2026, 05:30" in line


def test_the_viewers_language_is_in_the_key(page):
    _user, get = page
    get()
    poison_rows()
    line = statement(get(HTTP_ACCEPT_LANGUAGE="de"))
    assert POISON not in line and "31 Mär 2026" in line


def test_the_row_templates_source_is_in_the_key(page, monkeypatch):
    _user, get = page
    get()
    poison_rows()
    monkeypatch.setattr(contract_rows.STATEMENT_LINES, "_version", "a-deployed-change")
    line = statement(get())
    assert POISON not in line and "+$123.45" in line


def test_lines_link_their_contract_and_say_what_they_were(client):
    contract = make_funded_contract(amounts=(30_000,), fund=1)
    login(client, contract.client)
    html = statement(client.get(reverse("contracts:wallet")).content.decode())
    assert f'<a href="{contract.get_absolute_url()}">#{contract.pk}</a>' in html
    assert "<td>Deposit<div" in html and "<td>Milestone funded<div" in html


def test_the_statement_pages_newest_first(client):
    user = ClientFactory()
    for cents in range(1, STATEMENT_PAGE + 4):
        deposit(user, cents * 100)
    login(client, user)
    first = statement(client.get(reverse("contracts:wallet")).content.decode())
    second_page = client.get(reverse("contracts:wallet") + "?page=2").content.decode()
    second = statement(second_page)
    newest = list(Entry.objects.filter(account__user=user).order_by("-transaction__created_at",
                                                                    "-id")
                  .values_list("transaction_id", flat=True))
    assert first.count('<tr id="txn-') == STATEMENT_PAGE and second.count('<tr id="txn-') == 3
    assert first.index(f'id="txn-{newest[0]}"') < first.index(f'id="txn-{newest[1]}"')
    assert [f'id="txn-{t}"' in second for t in newest[-3:]] == [True] * 3
    assert "Page 2 of 2" in second_page
