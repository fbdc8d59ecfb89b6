"""The contract page's parts built in Python (contracts.templatetags.contract_page): what
they show besides the rows the page cache keeps (test_page_rows)."""

import pytest

from conftest import login
from contracts.services.messages import message_post
from contracts.tests.factories import make_active_contract, make_funded_contract

pytestmark = pytest.mark.django_db


def test_a_long_thread_and_timeline_link_to_the_record(client):
    contract = make_active_contract()
    login(client, contract.client)
    html = client.get(contract.get_absolute_url()).content.decode()
    assert "Earlier messages are in the record." not in html
    assert "events are in the record" not in html
    for i in range(21):
        message_post(actor=contract.freelancer if i % 2 else contract.client,
                     contract=contract, body=f"Message <{i}> & more")
    contract.refresh_from_db()
    html = client.get(contract.get_absolute_url()).content.decode()
    record = f'href="/contracts/{contract.pk}/record/"'
    assert f'<p class="small"><a {record}>Earlier messages are in the record.</a></p>' in html
    assert (f'<p class="small"><a {record}>All {contract.record_head_seq} events are in the '
            f'record</a></p>') in html
    assert "Message &lt;20&gt; &amp; more" in html and "Message <20>" not in html
    assert html.count('class="message ps-3 mb-3') == 20


def test_the_scope_keeps_its_lines_and_escapes_them(client):
    contract = make_active_contract(description="First <b>line</b>\r\nSecond & last")
    login(client, contract.freelancer)
    html = client.get(contract.get_absolute_url()).content.decode()
    assert '<p class="mb-0">First &lt;b&gt;line&lt;/b&gt;<br>Second &amp; last</p>' in html


def test_the_milestones_card_shows_each_sides_buttons(client):
    contract = make_funded_contract(amounts=(30_000, 20_000, 10_000), fund=2, submit=1)
    milestones = list(contract.milestones.order_by("position"))
    login(client, contract.client)
    html = client.get(contract.get_absolute_url()).content.decode()
    assert "Add a milestone" in html
    base = f"/contracts/{contract.pk}/milestones"
    assert f'href="{base}/{milestones[0].pk}/do/approve/" data-action="approve"' in html
    assert f'href="{base}/{milestones[2].pk}/do/fund/" data-action="fund"' in html
    assert 'data-action="submit"' not in html
    assert 'data-cents="50000"' in html  # in escrow: the funded and submitted milestones
    login(client, contract.freelancer)
    html = client.get(contract.get_absolute_url()).content.decode()
    assert "Add a milestone" not in html
    assert f'href="{base}/{milestones[1].pk}/do/submit/" data-action="submit"' in html
    assert 'data-action="fund"' not in html and 'data-action="approve"' not in html
