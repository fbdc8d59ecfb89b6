"""The job board's and the directory's rows, built in Python from rows read by
reputation.selectors (job_board_page, directory_page): what each says, escaping, live
figures (never cached), and pages."""

import re

import pytest
from django.urls import reverse

from marketplace.kernel.models import User
from marketplace.tests.factories import ClientFactory, FreelancerFactory
from reputation.models import Application, Job, Reputation
from reputation.selectors import PAGE

pytestmark = pytest.mark.django_db


def items(html: str, marker: str) -> dict[str, str]:
    """Each list item's HTML by its marker's value (data-job, data-username)."""
    found = {}
    for match in re.finditer(rf'{marker}="([^"]+)"', html):
        end = html.index("</a>", match.end())
        found[match.group(1)] = html[match.start():end]
    return found


def a_job(client, **kwargs):
    return Job.objects.create(client=client, **{"title": "Build a shop", "description": "d",
                                                "skills": "Django", "budget_cents": 123_456,
                                                **kwargs})


def test_a_job_says_title_budget_client_trust_skills_and_applicants(client):
    carla = ClientFactory(first_name="Carla", last_name="Client")
    Reputation.objects.create(user=carla, role="client", score=83)
    job = a_job(carla, title="Shop <script>", skills="Django, SQL")
    html = client.get(reverse("reputation:jobs")).content.decode()
    row = items(html, "data-job")[str(job.pk)]
    assert f'href="{job.get_absolute_url()}"' in html
    assert "Shop &lt;script&gt;" in row and "<script>" not in row
    assert "$1,234.56" in row and "Carla Client" in row and 'data-score="83">Trust 83' in row
    assert "Django, SQL · 0 applicants" in row and "data-low-trust" not in row
    Application.objects.create(job=job, freelancer=FreelancerFactory(), cover_note="Hi",
                               price_cents=1)
    Reputation.objects.filter(user=carla).update(score=12)
    row = items(client.get(reverse("reputation:jobs")).content.decode(), "data-job")[str(job.pk)]
    assert "1 applicant<" in row and 'data-score="12">Trust 12' in row
    assert 'data-low-trust="1"' in row


@pytest.mark.parametrize("q", ["", "shop"])
def test_the_board_pages_best_first(client, q):
    carla = ClientFactory()
    jobs = [a_job(carla, title=f"Shop {i}") for i in range(PAGE + 3)]
    Job.objects.create(client=carla, title="Closed shop", description="d", budget_cents=1,
                       state="closed")
    first = items(client.get(reverse("reputation:jobs"), {"q": q}).content.decode(), "data-job")
    second_page = client.get(reverse("reputation:jobs"), {"q": q, "page": 2}).content.decode()
    second = items(second_page, "data-job")
    newest_first = [str(job.pk) for job in reversed(jobs)]
    assert list(first) == newest_first[:PAGE] and list(second) == newest_first[PAGE:]
    assert "Page 2 of 2" in second_page
    past_the_end = client.get(reverse("reputation:jobs"), {"q": q, "page": 9}).content.decode()
    assert list(items(past_the_end, "data-job")) == newest_first[PAGE:]


def test_a_freelancer_says_name_score_headline_and_skills(client):
    bob = FreelancerFactory(username="bob+dev@x.y", first_name="Bob", last_name="<Builder>",
                            headline="Django dev", skills="Django, SQL")
    Reputation.objects.create(user=bob, role="freelancer", score=91)
    newcomer = FreelancerFactory(headline="")
    html = client.get(reverse("reputation:directory")).content.decode()
    found = items(html, "data-username")
    assert f'href="{reverse("public_profile", args=[bob.username])}"' in html
    assert "Bob &lt;Builder&gt;" in found[bob.username]
    assert 'data-score="91">Score 91' in found[bob.username]
    assert "<div>Django dev</div>" in found[bob.username] and "Django, SQL" in found[bob.username]
    assert "New: no score yet" in found[newcomer.username]
    assert "<div></div>" not in found[newcomer.username]
    assert next(iter(found)) == bob.username  # scored before unscored


@pytest.mark.parametrize("q", ["", "django"])
def test_the_directory_pages(client, q):
    people = [FreelancerFactory(username=f"dev{i:02}", skills="Django") for i in range(PAGE + 3)]
    for rank, person in enumerate(people):
        Reputation.objects.create(user=person, role="freelancer", score=100 - rank)
    first = items(client.get(reverse("reputation:directory"), {"q": q}).content.decode(),
                  "data-username")
    second_page = client.get(reverse("reputation:directory"), {"q": q, "page": 2})
    second = items(second_page.content.decode(), "data-username")
    names = [person.username for person in people]
    assert list(first) == names[:PAGE] and list(second) == names[PAGE:]
    assert "Page 2 of 2" in second_page.content.decode()


@pytest.mark.parametrize("q", ["django", "DJANGO sql", "sql django", "dj%", "dj_ngo", "%", "_",
                               "ql\\", "x y z w v u"])
def test_a_compiled_search_finds_and_ranks_what_the_orm_finds(client, q):
    from reputation.selectors import freelancer_directory

    for name, skills, headline in (("a", "Django, SQL", ""), ("b", "Python", "Django dev"),
                                   ("c", "dj%ngo", ""), ("d", "dj_ngo", "SQL"),
                                   ("e", "Go", "")):
        FreelancerFactory(username=name, skills=skills, headline=headline,
                          search_text=f"{name} {headline} {skills}".lower())
    shown = list(items(client.get(reverse("reputation:directory"), {"q": q}).content.decode(),
                       "data-username"))
    assert shown == list(freelancer_directory(q).values_list("username", flat=True))
    found = User.objects.filter(role="freelancer")  # Django's own lookup, term by term
    for term in q.split():
        found = found.filter(search_text__contains=term.lower())
    assert sorted(shown) == sorted(found.values_list("username", flat=True))


@pytest.mark.parametrize(("q", "expected"), [
    ("shop", ["Shop in title", "Skills", "In the description"]),
    ("SHOP", ["Shop in title", "Skills", "In the description"]),
    ("shop rebuild", ["Shop in title", "Skills", "In the description"]),
    ("rebuild", ["Shop in title"]), ("sh%p", []), ("sh_p", []),
])
def test_a_job_search_matches_any_field_and_ranks_by_where(client, q, expected):
    carla = ClientFactory()
    a_job(carla, title="In the description", skills="", description="A shop")
    a_job(carla, title="Skills", skills="Shopify")
    a_job(carla, title="Shop in title", skills="", description="rebuild")
    html = client.get(reverse("reputation:jobs"), {"q": q}).content.decode()
    titles = re.findall(r"<strong>([^<]+)</strong><span>", html)
    assert titles == expected
