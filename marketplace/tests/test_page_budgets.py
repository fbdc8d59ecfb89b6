"""Query budgets of the busiest pages (issue 17): each page reads what it shows in a fixed
number of queries, whatever the size of the case; a page that reads more fails here.

The counts include the session and the user (every signed-in request) and the unread count
(every page's navigation); the console adds its second-factor check and permissions."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import login
from contracts.services.messages import message_post
from contracts.tests.factories import deposit, make_active_contract, make_offer
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute, make_request
from marketplace.tests.factories import ClientFactory, FreelancerFactory, MediatorFactory
from reputation.models import Feedback, Job, Reputation
from reputation.tests.factories import feedback_about

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    client.get(url)  # the first visit renders the rows the cache keeps
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def a_dispute(messages: int):
    mediator = MediatorFactory()
    dispute = in_mediation(make_dispute(), mediator)
    for i in range(messages):
        dsvc.dispute_message(actor=dispute.contract.freelancer, dispute=dispute,
                             body=f"Point {i}.", files=[ContentFile(b"%PDF-1.4 e", name="e.pdf")],
                             evidence=True)
    return dispute, mediator


@pytest.mark.parametrize("size", [1, 12])
def test_party_pages_read_in_a_fixed_number_of_queries(client, size):
    contract = make_active_contract()
    for i in range(size):
        message_post(actor=contract.client, contract=contract, body=f"Note {i}")
    login(client, contract.client)
    assert queries(client, contract.get_absolute_url()) <= 8
    assert queries(client, "/") <= 9
    dispute, _mediator = a_dispute(size)
    login(client, dispute.contract.client)
    # In mediation before any proposal the room does not ask for proposals (case_pages).
    assert queries(client, dispute.get_absolute_url()) <= 10
    assert queries(client, dispute.contract.get_absolute_url()) <= 8
    assert queries(client, dispute.cancellation_request.get_absolute_url()) <= 6
    request = make_request()
    for i in range(size):
        message_post(actor=request.contract.freelancer, contract=request.contract,
                     body=f"About the terms, {i}.")
    login(client, request.contract.client)
    # An open request also says what silence would do to each side's score (two reads).
    assert queries(client, request.get_absolute_url()) <= 8


@pytest.mark.parametrize("size", [1, 12])
def test_the_console_case_view_reads_in_a_fixed_number_of_queries(client, size):
    dispute, mediator = a_dispute(size)
    login(client, mediator)
    # 22: the access log entry, and the reader's kept count of reads (contracts.StaffReader).
    assert queries(client, reverse("admin:disputes_dispute_change", args=[dispute.pk])) <= 22
    assert queries(client, reverse("admin:disputes_dispute_changelist")) <= 10


@pytest.mark.parametrize("size", [1, 30])
def test_list_pages_read_in_a_fixed_number_of_queries(client, size):
    user = ClientFactory()
    for i in range(size):
        deposit(user, 100 + i)
        make_offer(client=user, title=f"Offer {i}")
        Job.objects.create(client=ClientFactory(), title=f"Django job {i}", description="d",
                           skills="Django", budget_cents=10_000)
        person = FreelancerFactory(skills="Django", search_text=f"dev{i} django")
        Reputation.objects.create(user=person, role="freelancer", score=i)
    login(client, user)
    # The wallet: its balance and the statement's length in one read, a page of lines in one.
    assert queries(client, reverse("contracts:wallet")) <= 5
    assert queries(client, reverse("contracts:wallet") + "?page=2") <= 5
    # The contracts list: every contract with its value and the other party's name, one read.
    assert queries(client, reverse("contracts:list")) <= 4
    assert queries(client, reverse("contracts:list") + "?state=offered") <= 4
    # The job board: a page of rows (with applicants and trust) and the board's length.
    assert queries(client, reverse("reputation:jobs")) <= 4
    assert queries(client, reverse("reputation:jobs") + "?q=django") <= 4
    # The directory: a page of rows (with their scores) and the directory's length.
    assert queries(client, reverse("reputation:directory")) <= 4
    assert queries(client, reverse("reputation:directory") + "?q=django") <= 4


@pytest.mark.parametrize("size", [1, 25])
def test_a_profile_reads_in_a_fixed_number_of_queries(client, size):
    person = FreelancerFactory()
    feedback_about(person, size)
    Reputation.objects.create(user=person, role="freelancer", score=80, explanation=[
        {"contract": None, "title": "Starting point", "points": 75, "weight": 1, "reasons": []},
        *({"contract": contract_id, "points": 1, "weight": 1, "reasons": [["completed"]]}
          for contract_id in Feedback.objects.filter(receiver=person)
          .values_list("contract_id", flat=True)[:1])])
    login(client, person)
    url = reverse("public_profile", args=[person.username])
    # The person with their reputation and feedback count, a page of feedback (page 1 also
    # feeds the chart), the explanation's titles.
    assert queries(client, url) <= 6
    assert queries(client, url + "?page=2") <= 7  # the chart's ratings read on their own


@pytest.mark.parametrize("size", [1, 4])
def test_the_stats_read_in_a_fixed_number_of_queries(client, size):
    for _ in range(size):
        make_request()
    for _ in range(size // 2):
        make_dispute()
    login(client, ClientFactory())
    # Requests by state, disputes by state and stage, and the two medians' middle cases.
    assert queries(client, reverse("stats")) <= 7
