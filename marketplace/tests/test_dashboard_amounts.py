"""The dashboard's rows give their amounts (issue 18), read from the rows that store them:
the offer's milestones, the milestone, the request's terms; on both sides of each item."""

import re
from html import unescape

import pytest
from django.utils.html import strip_tags

from conftest import login
from contracts.tests.factories import make_funded_contract, make_offer
from disputes.services import cancellations as svc
from disputes.tests.factories import make_request
from marketplace.kernel.money import format_money

pytestmark = pytest.mark.django_db


def rows(client, section: str) -> list[str]:
    """The text of each row of the dashboard's "needs my action" or "waiting on others"."""
    html = client.get("/").content.decode()
    start = html.index("Needs your action" if section == "mine" else "Waiting on others")
    end = html.index("Waiting on others") if section == "mine" else html.index('class="col-lg-4"')
    return [" ".join(unescape(strip_tags(row)).split())
            for row in re.findall(r"<a [^>]*list-group-item.*?</a>", html[start:end], re.S)]


def row_with(client, section: str, text: str) -> str:
    found = [row for row in rows(client, section) if text in row]
    assert len(found) == 1, (text, rows(client, section))
    return found[0]


def test_an_offer_sent_gives_its_amount_and_whose_answer_it_waits_for(client, client_user,
                                                                     freelancer):
    make_offer(client_user, freelancer, amounts=(70_000, 50_000), title="Shop")
    login(client, client_user)
    row = row_with(client, "theirs", "Offer “Shop” awaits Bob Baker")
    assert "Offer to Bob Baker: $1,200.00 — waiting for Bob Baker's answer" in row
    login(client, freelancer)
    assert "$1,200.00 from Alice Anders" in row_with(client, "mine", "Answer the offer “Shop”")


def test_milestones_waiting_on_the_other_side_give_their_amounts(client, client_user,
                                                                 freelancer):
    # Part 1 submitted ($300.00), part 2 funded ($200.00), part 3 to fund ($123.45).
    make_funded_contract(amounts=(30_000, 20_000, 12_345), fund=2, submit=1, client=client_user,
                         freelancer=freelancer, title="Shop")
    login(client, freelancer)
    assert ("$300.00 on “Shop” — submitted, waiting for Alice Anders's approval"
            in row_with(client, "theirs", "“Part 1” awaits approval"))
    assert ("$123.45 on “Shop” — waiting for Alice Anders to fund it"
            in row_with(client, "theirs", "“Part 3” awaits funding"))
    assert "$200.00 in escrow on “Shop”" in row_with(client, "mine", "Deliver “Part 2”")
    login(client, client_user)
    assert ("$200.00 in escrow on “Shop” — waiting for Bob Baker to deliver"
            in row_with(client, "theirs", "“Part 2” awaits delivery"))
    assert "$300.00 on “Shop”" in row_with(client, "mine", "Review “Part 1”")
    assert "$123.45 on “Shop”" in row_with(client, "mine", "Fund “Part 3”")


def test_a_cancellation_request_waiting_on_the_other_side_gives_its_terms(client, client_user,
                                                                         freelancer):
    # $500.00 in escrow, $300.00 of it submitted work; the client asks to pay $100.00.
    request = make_request("client", amount_cents=10_000, contract=make_funded_contract(
        amounts=(30_000, 20_000), fund=2, submit=1, client=client_user, freelancer=freelancer))
    contract = request.contract
    login(client, contract.client)
    row = row_with(client, "theirs", "awaits Bob Baker")
    assert ("Terms: $100.00 to the freelancer, $400.00 back to the client — waiting for "
            "Bob Baker's answer. They apply if the deadline passes in silence.") in row
    login(client, contract.freelancer)
    assert "Terms: $100.00 to the freelancer, $400.00 back to the client" in row_with(
        client, "mine", "Answer the cancellation request")

    # Bob counters with $450.00: more than the $300.00 of submitted work, so silence would
    # give him only that.
    svc.cancellation_counter(actor=contract.freelancer, request=request, amount_cents=45_000,
                             fault="none", message="Most of the work is delivered.")
    request.refresh_from_db()
    row = row_with(client, "theirs", "awaits")
    assert format_money(request.amount_to_freelancer_cents) == "$450.00"
    assert ("Terms: $450.00 to the freelancer, $50.00 back to the client — waiting for "
            "Alice Anders's answer. If the deadline passes in silence: $300.00 to the "
            "freelancer (the submitted work), $200.00 back to the client.") in row


def test_a_denied_request_waiting_on_the_freelancer_gives_the_terms_asked(client, client_user,
                                                                          freelancer):
    request = make_request("freelancer", amount_cents=25_000, contract=make_funded_contract(
        amounts=(30_000, 20_000), fund=2, submit=1, client=client_user, freelancer=freelancer))
    svc.cancellation_deny(actor=client_user, request=request, reason="Part 2 is nearly done.")
    login(client, client_user)
    assert ("Denied. Terms asked: $250.00 to the freelancer, $250.00 back to the client — "
            "waiting for Bob Baker to counter-propose, dispute or withdraw. If the deadline "
            "passes, the request lapses and the contract continues."
            in row_with(client, "theirs", "awaits Bob Baker"))
