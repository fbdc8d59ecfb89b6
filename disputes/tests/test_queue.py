"""The queue a case worker works from: open cases by default, soonest deadline first;
sorting by deadline, escrow and age; a red "overdue by 1 d 4 h" badge; a count per state;
and "My cases" with their deadlines on the case worker's dashboard."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from conftest import later, login
from disputes.admin import DisputeAdmin
from disputes.models import Dispute
from disputes.queue import compact_span, due_of
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute
from marketplace.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/disputes/dispute/"
FINDINGS = "Both parts were delivered as the brief describes; the second needed fixes."


def rows(client, query: str = "") -> list[int]:
    """The case ids of the queue, in the order shown."""
    response = client.get(QUEUE + query)
    assert response.status_code == 200, query
    return [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"',
                                         response.content.decode())]


def column(name: str) -> int:
    """The `o=` index of a queue column (1-based, as the admin counts them)."""
    return DisputeAdmin.list_display.index(name) + 1


def to_arbitration(mediator, dispute):
    dispute = in_mediation(dispute, mediator)
    for _ in range(2):
        casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue",
                                 amount_cents=0, fault="none", findings=FINDINGS,
                                 policy_clause="§4.6 Outcomes and fault")
        dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute,
                                     reason="Not acceptable.")
    dispute.refresh_from_db()
    return dispute


@pytest.fixture
def cases(mediator, jump):
    """Cases opened a day apart, each at another stage, with other escrows and deadlines."""
    made = {}
    made["arbitration"] = to_arbitration(mediator, make_dispute(amounts=(40_000,), fund=1,
                                                                submit=0))  # SLA 5 days
    jump(timedelta(days=1))
    made["negotiation"] = make_dispute(amounts=(10_000,), fund=1, submit=0)  # 3 days to agree
    jump(timedelta(days=1, hours=3))
    made["mediation"] = in_mediation(make_dispute(amounts=(30_000,), fund=1, submit=0),
                                     mediator)  # SLA 2 days
    jump(timedelta(hours=1))
    proposal = in_mediation(make_dispute(amounts=(20_000,), fund=1, submit=0), mediator)
    casework.dispute_propose(actor=mediator, dispute=proposal, outcome="continue",
                             amount_cents=0, fault="none", findings=FINDINGS,
                             policy_clause="§4.6 Outcomes and fault")  # 5 days to answer
    made["proposal"] = proposal
    settled = make_dispute(amounts=(50_000,), fund=1, submit=0)
    offer = dsvc.dispute_make_offer(actor=settled.contract.freelancer, dispute=settled,
                                    outcome="continue", amount_cents=0, fault="none")
    dsvc.dispute_accept_offer(actor=settled.contract.client, offer=offer)
    made["settled"] = settled
    return {state: Dispute.objects.get(pk=d.pk) for state, d in made.items()}


def test_the_default_view_is_open_cases_soonest_deadline_first(client, cases):
    login(client, StaffFactory(is_superuser=True))  # sees every case
    open_cases = [d for state, d in cases.items() if state != "settled"]
    expected = [d.pk for d in sorted(open_cases, key=due_of)]
    assert rows(client) == expected
    # the order is what each case's own deadline says (the SLA in mediation and arbitration)
    assert [cases[s].pk for s in ("negotiation", "mediation", "arbitration", "proposal")] == (
        expected)
    assert cases["settled"].pk not in rows(client)
    assert rows(client, "?state=all")[-1] == cases["settled"].pk  # no deadline: last


@pytest.mark.parametrize(("name", "key"), [
    ("deadline", due_of),
    ("escrow", lambda d: d.escrow_cents),
    ("age", lambda d: -d.created_at.timestamp()),  # youngest first
])
def test_sorting_by_deadline_escrow_and_age(client, cases, name, key):
    login(client, StaffFactory(is_superuser=True))
    open_cases = [d for state, d in cases.items() if state != "settled"]
    ascending = [d.pk for d in sorted(open_cases, key=key)]
    assert rows(client, f"?o={column(name)}") == ascending
    assert rows(client, f"?o=-{column(name)}") == ascending[::-1]


def test_the_queue_is_sortable_by_exactly_those_columns_and_the_case_and_state():
    model_admin = admin.site._registry[Dispute]
    sortable = {name for name in model_admin.list_display
                if getattr(getattr(model_admin, name), "admin_order_field", None) is not None}
    assert sortable == {"case", "state_badge", "disputed", "deadline", "escrow", "age"}


def test_an_overdue_case_wears_a_red_badge_saying_by_how_long(client, mediator):
    late = in_mediation(make_dispute(), mediator)
    on_time_later = None
    login(client, mediator)
    with later(days=settings.MEDIATION_SLA_DAYS + 1, hours=4, minutes=1):
        on_time_later = in_mediation(make_dispute(), mediator)
        body = client.get(QUEUE).content.decode()
    late_row = re.search(rf'value="{late.pk}".*?</tr>', body, re.S).group(0)
    assert '<span class="console-badge overdue" data-overdue="1">overdue by 1 d 4 h</span>' in (
        late_row)
    fresh_row = re.search(rf'value="{on_time_later.pk}".*?</tr>', body, re.S).group(0)
    assert "overdue" not in fresh_row and "console-badge due" in fresh_row
    assert rows(client)[0] == late.pk  # the overdue case comes first
    css = (settings.BASE_DIR / "static/css/console.css").read_text()
    assert re.search(r"\.console-badge\.overdue \{[^}]*background: var\(--delete-button-bg", css)


@pytest.mark.parametrize(("seconds", "words"), [
    (60 * 60 * 28, "1 d 4 h"), (60 * 60 * 48, "2 d"), (60 * 200, "3 h 20 min"),
    (60 * 60 * 3, "3 h"), (60 * 12 + 5, "12 min"), (5, "1 min"),
])
def test_durations_read_as_a_case_worker_scans_them(seconds, words):
    assert compact_span(seconds) == words
    assert compact_span(-seconds) == words


def test_the_state_filter_counts_the_users_own_cases(client, cases, mediator, arbitrator):
    def counts(user) -> dict[str, str]:
        login(client, user)
        body = client.get(QUEUE).content.decode()
        block = body.split('data-filter-title="state"', 1)[1].split("</details>", 1)[0]
        return dict(re.findall(r'href="\?state=(\w+)">[^<]*\((\d+)\)</a>', block))

    # maya: the cases she mediates (arbitration included), not the negotiation nor the other
    assert counts(mediator) == {"open": "3", "negotiation": "0", "mediation": "1",
                                "proposal": "1", "arbitration": "1", "settled": "0",
                                "resolved": "0", "decided": "0", "withdrawn": "0",
                                "closed": "0", "all": "3"}
    # arthur: the arbitration nobody holds yet
    assert counts(arbitrator)["arbitration"] == "1" and counts(arbitrator)["all"] == "1"
    everyone = counts(StaffFactory(is_superuser=True))
    assert (everyone["open"], everyone["settled"], everyone["closed"], everyone["all"]) == (
        "4", "1", "1", "5")


def test_my_cases_on_the_case_workers_dashboard(client, cases, mediator, arbitrator):
    login(client, mediator)
    body = client.get(reverse("dashboard")).content.decode()
    assert "Nothing needs your action" not in body
    mine = body.split('id="my-cases"', 1)[1].split("</div>\n    {%", 1)[0]
    titles = re.findall(r"<strong>([^<]+)</strong>", mine)
    # the cases she works now, soonest deadline first; the arbitration is no longer hers
    assert titles == ["Propose a resolution: “Build a booking page”",
                      "Your proposal on “Build a booking page” awaits the parties"]
    assert f'href="/admin/disputes/dispute/{cases["mediation"].pk}/change/"' in mine
    assert cases["mediation"].sla_due_at.isoformat()[:16] in mine  # its deadline, shown
    assert 'id="queue-waiting">0 cases in your queue wait' in body

    login(client, arbitrator)
    body = client.get(reverse("dashboard")).content.decode()
    assert 'id="my-cases-empty"' in body
    assert 'id="queue-waiting">1 case in your queue waits for someone to take it.' in body
    casework.dispute_assign_arbitrator(actor=arbitrator, dispute=cases["arbitration"])
    body = client.get(reverse("dashboard")).content.decode()
    assert "Decide: “Build a booking page”" in body.split('id="my-cases"', 1)[1]


def test_the_dashboard_query_count_does_not_grow_with_the_cases(client, mediator,
                                                               django_assert_max_num_queries):
    for _ in range(6):
        in_mediation(make_dispute(), mediator)
    login(client, mediator)
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("dashboard")).status_code == 200
