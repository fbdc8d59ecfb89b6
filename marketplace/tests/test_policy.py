"""The policy page: numbered clauses (every clause the console can cite exists there), every
deadline with its value in force, the flow of both cancellation paths, and worked examples
computed by the scoring code."""

import re

import pytest
from django.conf import settings

from marketplace.kernel import clauses, scoring

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client):
    return client.get("/policy/").content.decode()


def test_every_clause_the_console_can_cite_is_on_the_page(page):
    anchors = set(re.findall(r'<p class="clause" id="(clause-[\d-]+)"', page))
    for citation, _label in clauses.clause_choices():
        clause = clauses.cited_clause(citation)
        assert clause is not None and clause.anchor in anchors, citation
        assert f"§{clause.number}" in page


def test_citations_link_to_their_clause():
    from marketplace.kernel.templatetags.marketplace import clause_link

    html = clause_link("§3.3 Silence is an answer")
    assert 'href="/policy/#clause-3-3"' in html
    assert clause_link("something else") == "something else"


def test_the_deadline_table_gives_the_values_in_force(page):
    rows = re.findall(r"<tr data-deadline-row>(.*?)</tr>", page, re.S)
    assert len(rows) >= 10
    text = " ".join(re.sub(r"<[^>]+>", " ", row) for row in rows)
    for days in (settings.OFFER_EXPIRY_DAYS, settings.CANCELLATION_RESPONSE_DAYS,
                 settings.PROPOSAL_RESPONSE_DAYS, settings.DORMANT_CONTRACT_DAYS):
        assert f"{days} days" in text
    assert f"{settings.NEGOTIATION_MIN_HOURS} hours" in text


def test_the_flow_diagram_is_inline_and_described(page):
    assert "<svg" in page and 'role="img"' in page and "<desc" in page
    assert "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", "")


def test_the_worked_examples_show_the_scores_the_rules_give(page):
    shown = [int(s) for s in re.findall(r'data-example="\d" data-score="(\d+)"', page)]
    assert shown == [example.result().score for example in scoring.WORKED_EXAMPLES]
    assert shown == [73, 57, 80, 78]
    low = settings.LOW_TRUST_SCORE
    assert shown[0] >= low and shown[1] < low  # one never brands; three among five do


def test_offers_link_to_what_ending_early_means(client, client_user, freelancer):
    from conftest import login

    login(client, client_user)
    html = client.get(f"/contracts/new/?freelancer={freelancer.username}").content.decode()
    assert 'id="ending-summary"' in html and "/policy/#cancellation" in html
