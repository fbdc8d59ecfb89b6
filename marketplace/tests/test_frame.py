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
