"""Visibility: scores move who is seen first; low-trust clients are warned; the directory and
the job board run a constant number of queries for 10 and for 1,000 users or jobs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import login
from disputes.services import cancellations as svc
from disputes.tests.factories import make_request
from marketplace.kernel.models import Role, User
from marketplace.tests.factories import ClientFactory, FreelancerFactory
from reputation.models import Job, Reputation
from reputation.services.feedback import feedback_submit
from reputation.services.jobs import job_post
from reputation.tests.factories import completed_contract

pytestmark = pytest.mark.django_db


def order(html: str, marker: str) -> list[str]:
    import re

    return re.findall(marker + r'="([^"]+)"', html)


def cancel_at_fault(freelancer, client):
    from contracts.tests.factories import make_funded_contract

    contract = make_funded_contract(amounts=(10_000,), fund=1, client=client, freelancer=freelancer)
    request = make_request("freelancer", fault="freelancer", reason="unable_to_deliver",
                           amount_cents=0, contract=contract)
    svc.cancellation_accept(actor=client, request=request)


def test_more_at_fault_cancellations_rank_lower_in_the_directory(client):
    buyer = ClientFactory()
    steady = FreelancerFactory(username="steady", skills="Django")
    flaky = FreelancerFactory(username="flaky", skills="Django")
    for _ in range(3):
        completed_contract(client=buyer, freelancer=steady)
        completed_contract(client=buyer, freelancer=flaky)
    cancel_at_fault(flaky, buyer)
    cancel_at_fault(flaky, buyer)
    assert Reputation.objects.get(user=flaky).score < Reputation.objects.get(user=steady).score
    body = client.get(reverse("reputation:directory"), {"q": "django"}).content.decode()
    assert order(body, "data-username")[:2] == ["steady", "flaky"]


def test_a_cancellation_that_was_not_their_fault_does_not_move_them(client):
    buyer = ClientFactory()
    worker = FreelancerFactory()
    for _ in range(3):
        completed_contract(client=buyer, freelancer=worker)
    before = Reputation.objects.get(user=worker).score
    from contracts.tests.factories import make_funded_contract

    contract = make_funded_contract(amounts=(10_000,), fund=1, client=buyer, freelancer=worker)
    request = make_request("client", fault="client", reason="no_longer_needed", amount_cents=0,
                           contract=contract)
    svc.cancellation_accept(actor=worker, request=request)
    assert Reputation.objects.get(user=worker).score == before
    assert Reputation.objects.get(user=buyer).at_fault_cancellations == 1


def test_client_without_proper_communication_ranks_lower_and_is_warned(client):
    worker = FreelancerFactory()
    fair, silent = ClientFactory(username="fair"), ClientFactory(username="silent")
    for buyer in (fair, silent):
        for _ in range(2):
            completed_contract(client=buyer, freelancer=worker)
    # Cancelling without proper communication, repeatedly, brands a client; explaining does not.
    for buyer, explained in ((fair, True), (silent, False)):
        for _ in range(3):
            from contracts.tests.factories import make_funded_contract

            contract = make_funded_contract(amounts=(10_000,), fund=1, client=buyer,
                                            freelancer=worker)
            request = make_request("client", fault="none", reason="mutual", amount_cents=5_000,
                                   contract=contract)
            svc.cancellation_accept(actor=worker, request=request)
            feedback_submit(actor=worker, contract=contract, rating=3, communication=3,
                            quality_or_clarity=3, professionalism=3, comment="ok",
                            explained_clearly=explained)
            # the answer counts once the feedback is revealed (double-blind): the client's
            # own feedback reveals both
            feedback_submit(actor=buyer, contract=contract, rating=3, communication=3,
                            quality_or_clarity=3, professionalism=3, comment="ok")
    silent_rep, fair_rep = Reputation.objects.get(user=silent), Reputation.objects.get(user=fair)
    assert silent_rep.without_communication == 3 and fair_rep.without_communication == 0
    assert silent_rep.score < 60 <= fair_rep.score
    job_post(actor=fair, title="Fair job", description="d", skills="x", budget_cents=1000)
    job_post(actor=silent, title="Silent job", description="d", skills="x", budget_cents=1000)
    body = client.get(reverse("reputation:jobs")).content.decode()
    assert body.index("Fair job") < body.index("Silent job")
    def item(title):
        start = body.index(title)
        return body[start:body.index("</a>", start)]

    assert 'data-low-trust="1"' in item("Silent job")
    assert 'data-low-trust="1"' not in item("Fair job")
    job = Job.objects.get(client=silent)
    assert "Caution:" in client.get(job.get_absolute_url()).content.decode()


def test_offers_from_low_trust_clients_carry_the_warning(client):
    from contracts.tests.factories import make_offer

    buyer = ClientFactory()
    Reputation.objects.create(user=buyer, role="client", score=41)
    offer = make_offer(client=buyer)
    login(client, offer.freelancer)
    assert "client trust score is 41" in client.get(offer.get_absolute_url()).content.decode()


def _grow_to(total: int):
    """Bulk-write people (half clients with a job each, half freelancers) up to `total`."""
    from django.contrib.auth.hashers import make_password

    password = make_password("x")  # one hash for everyone: bulk data, not a login test
    start = User.objects.filter(username__startswith="bulk").count()
    users = User.objects.bulk_create(
        User(username=f"bulk{i}", email=f"bulk{i}@example.com", password=password,
             role=Role.FREELANCER if i % 2 else Role.CLIENT, skills="Django, SQL",
             headline="Developer", search_text=f"bulk{i} developer django, sql")
        for i in range(start, total))
    Reputation.objects.bulk_create(Reputation(user=u, role=u.role, score=(u.pk * 7) % 100)
                                   for u in users)
    Job.objects.bulk_create(Job(client=u, title=f"Django job {u.pk}", description="Upgrade",
                                skills="Django", budget_cents=10_000)
                            for u in users if u.role == Role.CLIENT)


@pytest.mark.parametrize("path", ["/freelancers/", "/jobs/", "/freelancers/?q=django",
                                  "/jobs/?q=django+sql"])
def test_directory_and_board_query_count_is_constant(client, path):
    counts = []
    for total in (20, 2000):  # 10, then 1,000 freelancers and jobs
        _grow_to(total)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] and counts[0] <= 6
    assert Job.objects.count() == 1000 and User.objects.filter(role="freelancer").count() == 1000
    if "q=" in path:  # the search found them all, not an empty page
        assert response.content.decode().count("data-username=" if "freelancers" in path
                                               else "data-job=") == 20


def test_directory_pages_and_search_ranks_skill_matches_first(client):
    FreelancerFactory(username="namey", first_name="Django", skills="Cobol")
    FreelancerFactory(username="skilled", skills="Django")
    body = client.get("/freelancers/", {"q": "Django"}).content.decode()
    assert order(body, "data-username")[:2] == ["skilled", "namey"]
    assert "No freelancer matches" in client.get("/freelancers/", {"q": "zzzz"}).content.decode()
