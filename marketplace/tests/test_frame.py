"""The navigation bar's links are rendered once per language and kind of viewer
(kernel.context_processors.frame): each viewer still gets exactly the links of their kind, in
their language, whoever was served before them."""

import pytest
from django.urls import reverse

from conftest import login
from marketplace.tests.factories import ClientFactory, FreelancerFactory, MediatorFactory

pytestmark = pytest.mark.django_db


def nav(client, **headers) -> str:
    html = client.get(reverse("policy"), **headers).content.decode()
    return html[html.index("<nav"):html.index("</nav>")]


def test_each_kind_of_viewer_gets_its_own_links_whoever_came_first(client):
    people = {"client": ClientFactory(), "freelancer": FreelancerFactory(),
              "mediator": MediatorFactory()}
    seen = {}
    for _round in range(2):  # the second round is served from what the first rendered
        client.logout()
        seen["visitor"] = nav(client)
        for kind, person in people.items():
            login(client, person)
            seen[kind] = nav(client)
    wallet, console = reverse("contracts:wallet"), reverse("admin:index")
    dashboard = reverse("dashboard")
    assert f'href="{dashboard}">Dashboard' not in seen["visitor"]
    assert "Sign in" in seen["visitor"] and "Sign out" not in seen["visitor"]
    for kind in ("client", "freelancer"):
        assert f'href="{wallet}"' in seen[kind] and f'href="{console}"' not in seen[kind]
        assert f'href="{dashboard}">Dashboard' in seen[kind]
    assert f'href="{console}"' in seen["mediator"] and f'href="{wallet}"' not in seen["mediator"]
    assert people["client"].username in seen["client"]


def test_the_links_follow_the_viewers_language(client):
    login(client, ClientFactory())
    english = nav(client, HTTP_ACCEPT_LANGUAGE="en")
    german = nav(client, HTTP_ACCEPT_LANGUAGE="de")
    assert ">Password</a>" in english and ">Passwort</a>" in german
    assert ">Passwort</a>" not in nav(client, HTTP_ACCEPT_LANGUAGE="en")


def test_each_viewer_gets_their_own_name_link_zone_and_badge_in_a_shared_frame(client):
    from marketplace.kernel.services.notifications import notify

    first = ClientFactory(username="first-person", timezone="Europe/Berlin")
    second = ClientFactory(username="second-person", timezone="America/Chicago")
    for i in range(3):
        notify(user=second, text=f"Notice {i}")
    login(client, first)
    html_first = client.get(reverse("policy")).content.decode()
    login(client, second)
    html_second = client.get(reverse("policy")).content.decode()

    assert "first-person" in html_first and "second-person" not in html_first
    assert 'href="/u/second-person/"' in html_second and "/u/first-person/" not in html_second
    assert "America/Chicago" in html_second and "Europe/Berlin" not in html_second
    assert 'id="unread-count">3<' in html_second
    assert 'id="unread-count"' not in html_first  # no unread notices: no badge


def test_the_sign_out_form_carries_a_working_csrf_token(client):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    login(browser, ClientFactory())
    html = browser.get(reverse("policy")).content.decode()
    form = html[html.index('action="' + reverse("account_logout")):]
    token = form.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    response = browser.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert "_auth_user_id" not in browser.session


def test_a_page_masks_one_csrf_token_for_all_its_forms_and_each_works():
    """The frame's sign-out form and the page's own forms carry the same masked token (one
    mask per response: kernel.frame.csrf_token_of), a new one on the next response; posting
    a page form with it passes the CSRF check."""
    import re

    from django.test import Client

    from disputes.tests.factories import make_dispute

    dispute = make_dispute()
    browser = Client(enforce_csrf_checks=True)
    login(browser, dispute.contract.client)
    pages = [browser.get(dispute.get_absolute_url()).content.decode() for _ in range(2)]
    tokens = [re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page) for page in pages]
    assert len(tokens[0]) >= 2 and len(set(tokens[0])) == 1  # the frame's and the room's
    assert tokens[0][0] != tokens[1][0]  # masked anew for each response
    response = browser.post(reverse("disputes:dispute_message", args=[dispute.pk]),
                            {"csrfmiddlewaretoken": tokens[0][0], "body": "Hello."})
    assert response.status_code == 302
