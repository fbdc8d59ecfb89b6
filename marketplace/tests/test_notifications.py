"""Notifications people can keep up with (issue 18): opening one marks it read, the badge stays
short, the list groups by contract and shows unread rows in words, not colour alone."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import login
from contracts.tests.factories import make_active_contract
from marketplace.kernel.models import Notification
from marketplace.kernel.services.notifications import notify, safe_target
from marketplace.tests.mail import open_links

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"  # the factories' password


def notice(user, text, *, url="/contracts/", contract=None, minutes_ago=0, read=False):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return Notification.objects.create(user=user, text=text, url=url, contract=contract,
                                       created_at=at, read_at=at if read else None)


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, freelancer):
    contract = make_active_contract(freelancer=freelancer)
    Notification.objects.filter(user=freelancer).update(read_at=timezone.now())
    n = notice(freelancer, "Alice sent a message.", contract=contract,
               url=contract.get_absolute_url() + "#thread")
    login(client, freelancer)
    listing = client.get(reverse("notifications")).content.decode()
    open_url = reverse("notifications_open", args=[n.pk])
    assert f'href="{open_url}"' in listing
    assert f'href="{n.url}"' not in listing  # the list links through the opening view

    response = client.get(open_url)

    assert response.status_code == 302
    assert response.url == contract.get_absolute_url() + "#thread"
    n.refresh_from_db()
    assert n.read_at is not None
    first = n.read_at
    assert 'id="unread-count"' not in client.get(reverse("dashboard")).content.decode()
    client.get(open_url)  # opening it again keeps the moment it was first read
    n.refresh_from_db()
    assert n.read_at == first


def test_another_users_notice_cannot_be_opened(client, freelancer, stranger):
    n = notice(freelancer, "Bob's notice.")
    login(client, stranger)
    assert client.get(reverse("notifications_open", args=[n.pk])).status_code == 404
    assert client.get(reverse("notifications_open", args=[10**9])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_opening_needs_a_sign_in_and_a_get(client, freelancer):
    n = notice(freelancer, "Bob's notice.")
    response = client.get(reverse("notifications_open", args=[n.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    login(client, freelancer)
    assert client.post(reverse("notifications_open", args=[n.pk])).status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


@pytest.mark.parametrize("url", ["https://evil.example/phish", "//evil.example/x",
                                 "/\\evil.example", "javascript:alert(1)", "", "contracts/"])
def test_opening_never_leaves_the_site(client, freelancer, url):
    n = notice(freelancer, "Odd link.", url=url)
    login(client, freelancer)
    response = client.get(reverse("notifications_open", args=[n.pk]))
    assert response.status_code == 302
    assert response.url == reverse("notifications")
    n.refresh_from_db()
    assert n.read_at is not None
    assert safe_target(url) is None


def test_site_paths_are_safe_targets():
    assert safe_target("/contracts/7/#thread") == "/contracts/7/#thread"
    assert safe_target("/admin/disputes/dispute/3/change/") == "/admin/disputes/dispute/3/change/"


def badge_of(client) -> str | None:
    found = re.search(r'id="unread-count">([^<]*)<', client.get(reverse("dashboard")).content
                      .decode())
    return found.group(1) if found else None


@pytest.mark.parametrize(("unread", "shown"), [(1, "1"), (99, "99"), (100, "99+"),
                                               (250, "99+")])
def test_the_badge_caps_at_99(client, freelancer, unread, shown):
    now = timezone.now()
    Notification.objects.bulk_create([
        Notification(user=freelancer, text=f"Notice {i}", created_at=now) for i in range(unread)])
    Notification.objects.create(user=freelancer, text="Read", created_at=now, read_at=now)
    login(client, freelancer)
    assert badge_of(client) == shown


def test_no_badge_without_unread_notices(client, freelancer):
    notice(freelancer, "Seen.", read=True)
    login(client, freelancer)
    assert badge_of(client) is None


def test_the_list_groups_by_contract_newest_group_first(client, client_user, freelancer):
    old = make_active_contract(client=client_user, freelancer=freelancer, title="Old contract")
    new = make_active_contract(client=client_user, freelancer=freelancer, title="New contract")
    # The offers' own notices, moved to days ago (the app's database role may not delete
    # notices): the groups' order is decided by the notices below.
    Notification.objects.filter(user=freelancer).update(
        created_at=timezone.now() - timedelta(days=3))
    notice(freelancer, "old-1", contract=old, minutes_ago=50)
    notice(freelancer, "new-1", contract=new, minutes_ago=40)
    notice(freelancer, "account-1", minutes_ago=30)
    notice(freelancer, "new-2", contract=new, minutes_ago=20)
    notice(freelancer, "old-2", contract=old, minutes_ago=5)
    login(client, freelancer)

    html = client.get(reverse("notifications")).content.decode()

    order = sorted(["Contract: Old contract", "Contract: New contract", "Your account",
                    "old-1", "old-2", "new-1", "new-2", "account-1"], key=html.index)
    # Old contract's newest notice (5 min) is the newest of all: its group comes first.
    assert order == ["Contract: Old contract", "old-2", "old-1",
                     "Contract: New contract", "new-2", "new-1",
                     "Your account", "account-1"]


def test_unread_rows_say_so_in_words(client, freelancer):
    notice(freelancer, "Fresh notice", minutes_ago=1)
    notice(freelancer, "Seen notice", minutes_ago=2, read=True)
    login(client, freelancer)

    html = client.get(reverse("notifications")).content.decode()

    rows = re.findall(r'<li class="list-group-item notice[^"]*">.*?</li>', html, re.S)
    fresh = next(r for r in rows if "Fresh notice" in r)
    seen = next(r for r in rows if "Seen notice" in r)
    assert '<span aria-hidden="true">New</span>' in fresh
    assert '<span class="visually-hidden">Unread:</span>' in fresh
    assert "fw-semibold" in fresh
    assert "Unread" not in seen and ">New<" not in seen and "fw-semibold" not in seen


def test_the_list_keeps_deadlines_in_the_viewers_zone_and_mark_all_read(client, freelancer):
    freelancer.timezone = "Asia/Tokyo"
    freelancer.save()
    n = notice(freelancer, "Answer soon")
    n.deadline_at = timezone.now() + timedelta(days=2)
    n.save()
    login(client, freelancer)
    html = client.get(reverse("notifications")).content.decode()
    assert "Deadline:" in html
    assert re.search(r'<time datetime="[^"]*\+09:00">', html)  # Tokyo time, not UTC
    assert "Mark all as read" in html
    client.post(reverse("notifications_read"))
    assert not Notification.objects.filter(user=freelancer, read_at__isnull=True).exists()


@pytest.mark.parametrize("contracts", [1, 6])
def test_the_grouped_list_reads_in_a_fixed_number_of_queries(client, client_user, freelancer,
                                                              contracts):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(contracts):
        contract = make_active_contract(client=client_user, freelancer=freelancer,
                                        title=f"Contract {i}")
        for j in range(4):
            notice(freelancer, f"Notice {i}.{j}", contract=contract, minutes_ago=i + j)
    login(client, freelancer)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("notifications")).status_code == 200
    # Session, user, the page's count and rows (with their contracts), the unread badge.
    assert len(ctx.captured_queries) <= 5


def test_a_mailed_notice_opened_signed_out_signs_in_then_lands_on_its_page_read(
        client, freelancer, mailoutbox, django_capture_on_commit_callbacks):
    contract = make_active_contract(freelancer=freelancer)
    Notification.objects.filter(user=freelancer).update(read_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=freelancer, text="Alice sent a message.", contract=contract,
               url=contract.get_absolute_url() + "#thread")
    [mail] = [m for m in mailoutbox if "Alice sent a message." in m.body]
    [(path, pk)] = open_links(mail.body)
    notice = Notification.objects.get(pk=pk)
    assert notice.user == freelancer and notice.read_at is None

    response = client.get(path)  # signed out: to the sign-in page, coming back here after
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={path}"
    notice.refresh_from_db()
    assert notice.read_at is None  # nobody read it yet

    response = client.post(response.url, {"login": freelancer.username,
                                          "password": PASSWORD, "next": path},
                           follow=True)
    assert [url for url, _status in response.redirect_chain] == [path, notice.url]
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == contract.get_absolute_url()
    notice.refresh_from_db()
    assert notice.read_at is not None
