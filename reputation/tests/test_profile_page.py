"""A public profile (reputation.selectors.profile_page and its rows built in Python): the
feedback, the owner's reply form, the explanation, pages of feedback and the ratings chart."""

import pytest
from django.urls import reverse

from conftest import login
from contracts.tests.factories import make_offer
from marketplace.tests.factories import FreelancerFactory
from reputation.models import Feedback, Reputation
from reputation.selectors import PAGE
from reputation.tests.factories import feedback_about

pytestmark = pytest.mark.django_db

def page(client, person, number=1) -> str:
    response = client.get(reverse("public_profile", args=[person.username]), {"page": number})
    assert response.status_code == 200
    return response.content.decode()


def card(html: str, feedback) -> str:
    start = html.index(f'id="feedback-{feedback.pk}"')
    return html[start:html.index('class="card mb-2 feedback"', start + 1)
                if html.find('class="card mb-2 feedback"', start + 1) > 0 else len(html)]


def test_a_feedback_card_says_what_was_given(client):
    bob = FreelancerFactory()
    (given,) = feedback_about(bob, 1, after_dispute=True)
    Feedback.objects.filter(pk=given.pk).update(comment="Good <work>\nwould hire", reply="Thanks")
    shown = card(page(client, bob), given)
    assert "<strong>1/5 ★</strong>" in shown and "Author0 X · Mar 2026" in shown
    assert "after a dispute" in shown
    assert "Communication 4 · Quality of the work 3 · Professionalism 5" in shown
    assert "Good &lt;work&gt;<br>would hire" in shown
    assert "<strong>Reply:</strong> Thanks" in shown and "<form" not in shown


def test_only_the_owner_gets_a_reply_form_and_it_works(client):
    bob = FreelancerFactory()
    (given,) = feedback_about(bob, 1)
    assert "<form" not in card(page(client, bob), given)
    login(client, bob)
    shown = card(page(client, bob), given)
    action = reverse("reputation:reply", args=[given.pk])
    assert f'action="{action}"' in shown and 'name="csrfmiddlewaretoken" value="' in shown
    client.post(action, {"reply": "The brief changed twice."})
    shown = card(page(client, bob), given)
    assert "<strong>Reply:</strong> The brief changed twice." in shown and "<form" not in shown


def test_feedback_pages_newest_first_and_every_page_has_the_chart(client):
    bob = FreelancerFactory()
    given = feedback_about(bob, PAGE + 2)
    first, second = page(client, bob), page(client, bob, 2)
    assert first.count('class="card mb-2 feedback"') == PAGE
    assert second.count('class="card mb-2 feedback"') == 2
    assert first.index(f'id="feedback-{given[0].pk}"') < first.index(f'id="feedback-{given[1].pk}"')
    assert f'id="feedback-{given[-1].pk}"' in second and "Page 2 of 2" in second
    assert first.count('class="ratings-chart"') == second.count('class="ratings-chart"') == 1
    points = first[first.index('points="'):].split('"')[1]
    assert points == second[second.index('points="'):].split('"')[1]
    assert len(points.split()) == PAGE + 2  # every rating, oldest first, on both pages


def test_the_explanation_names_its_contracts_and_points(client):
    bob = FreelancerFactory()
    contract = make_offer(freelancer=bob, title="Shop <rebuild>")
    Reputation.objects.create(user=bob, role="freelancer", score=77, explanation=[
        {"contract": None, "title": "Starting point", "points": 75, "weight": 1,
         "reasons": [["prior", 6]]},
        {"contract": contract.pk, "points": 0.8, "weight": 2, "reasons": [["completed"]]},
        {"contract": contract.pk, "points": -3, "weight": 1, "reasons": []}])
    html = page(client, bob)
    rows = html[html.index('id="explanation"'):html.index("</tbody>")]
    assert 'data-points="75">75</td>' in rows
    assert f'<tr data-contract="{contract.pk}"><td>Shop &lt;rebuild&gt;' in rows
    assert 'text-success" data-points="0.8">+0.8</td>' in rows and "recent: counts double" in rows
    assert 'text-danger" data-points="-3">-3</td>' in rows
    german = client.get(reverse("public_profile", args=[bob.username]),
                        HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'data-points="0,8">+0,8</td>' in german  # numbers as the viewer writes them


def test_no_profile_for_staff_inactive_or_unknown_names(client):
    assert client.get(reverse("public_profile", args=["nobody"])).status_code == 404
    closed = FreelancerFactory(is_active=False)
    assert client.get(reverse("public_profile", args=[closed.username])).status_code == 404
