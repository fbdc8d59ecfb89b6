"""Reads compiled once (kernel.compiled), links built from one reverse (kernel.links), and the
page cache's keys (kernel.pagecache)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from contracts.models import Contract, Message
from contracts.services.messages import message_post
from contracts.tests.factories import make_active_contract
from marketplace.kernel.compiled import CompiledQuery, fields_of, instance, prefetched
from marketplace.kernel.links import row_link
from marketplace.kernel.models import Notification, User
from marketplace.kernel.pagecache import PAGE_CACHE, RowFragments

pytestmark = pytest.mark.django_db


def _messages_since(contract_id: int, since: timezone.datetime):
    return (Message.objects.filter(contract_id=contract_id, created_at__gte=since)
            .order_by("id").values("id", "body", "created_at", *User.name_values("author")))


MESSAGES_SINCE = CompiledQuery(_messages_since)


def test_a_compiled_read_returns_what_the_orm_returns_for_each_set_of_parameters():
    first, second = make_active_contract(), make_active_contract()
    for contract, words in ((first, "one"), (second, "two"), (second, "three")):
        message_post(actor=contract.client, contract=contract, body=words)
    long_ago = timezone.now() - timedelta(days=1)
    for contract in (first, second):
        for since in (long_ago, timezone.now() + timedelta(days=1)):
            assert MESSAGES_SINCE.rows(contract_id=contract.pk, since=since) == list(
                _messages_since(contract.pk, since))
    rows = MESSAGES_SINCE.rows(contract_id=second.pk, since=long_ago)
    assert [r["body"] for r in rows] == ["two", "three"]
    assert rows[0]["created_at"].tzinfo is not None  # converted as the ORM converts
    assert User.name_in(rows[0], "author") == second.client.display_name


def test_a_compiled_read_runs_one_query_and_compiles_once():
    contract = make_active_contract()
    read = CompiledQuery(_messages_since)
    with CaptureQueriesContext(connection) as first:
        read.rows(contract_id=contract.pk, since=timezone.now())
    compiled = dict(read._compiled)
    with CaptureQueriesContext(connection) as second:
        read.rows(contract_id=contract.pk + 1, since=timezone.now())
    assert len(first) == len(second) == 1 and read._compiled == compiled


def test_parameters_the_orm_would_rewrite_are_refused_when_compiled():
    def titled(text: str):
        return Contract.objects.filter(title__icontains=text).values("id")

    with pytest.raises(ValueError, match="does not reach the SQL"):
        CompiledQuery(titled).rows(text="x")


def test_parameters_need_a_type():
    def untyped(contract_id):
        return Contract.objects.filter(pk=contract_id).values("id")

    with pytest.raises(TypeError, match="needs a type"):
        CompiledQuery(untyped)


def test_aggregates_compile_too():
    contract = make_active_contract()

    def unread(user_id: int):
        return (Notification.objects.filter(user_id=user_id, read_at__isnull=True)
                .values("user_id").annotate(n=Count("id")).order_by())

    expected = Notification.objects.filter(user=contract.freelancer, read_at__isnull=True).count()
    assert expected > 0  # the offer told the freelancer
    assert CompiledQuery(unread).first(user_id=contract.freelancer_id)["n"] == expected


def test_instances_from_rows_and_prefetched_relations():
    contract = make_active_contract(amounts=(10_000, 20_000))

    def with_client(contract_id: int):
        return Contract.objects.filter(pk=contract_id).values(
            *fields_of(Contract), *(f"client__{f}" for f in User.NAME_FIELDS))

    row = CompiledQuery(with_client).first(contract_id=contract.pk)
    built = instance(Contract, row)
    built.client = instance(User, row, "client__")
    assert (built.pk, built.state, built.title) == (contract.pk, contract.state, contract.title)
    assert built.client.pk == contract.client_id
    assert built.client.display_name == contract.client.display_name
    prefetched(built, "milestones", list(contract.milestones.all()))
    with CaptureQueriesContext(connection) as queries:
        assert [m.amount_cents for m in built.milestones.all()] == [10_000, 20_000]
    assert len(queries) == 0


def test_row_links_match_reverse():
    link = row_link("contracts:message_report", 12)
    for message_id in (1, 7, 123456):
        assert link(message_id) == reverse("contracts:message_report", args=[12, message_id])
    assert row_link("contracts:detail")(5) == reverse("contracts:detail", args=[5])
    with pytest.raises(NoReverseMatch):
        row_link("policy")


def test_row_links_with_arguments_after_the_id_and_under_a_script_prefix():
    from django.urls import get_script_prefix, set_script_prefix

    fund = row_link("contracts:milestone_action", 12, after=("fund",))
    assert fund(34) == reverse("contracts:milestone_action", args=[12, 34, "fund"])
    assert (row_link("contracts:milestone_action", 12, after=("submit",))(34)
            == reverse("contracts:milestone_action", args=[12, 34, "submit"]))
    assert row_link("contracts:detail")(5) == "/contracts/5/"
    # The reversed path is kept per script prefix, so a site served under one keeps it.
    before = get_script_prefix()
    set_script_prefix("/market/")
    try:
        assert row_link("contracts:detail")(5) == "/market/contracts/5/"
    finally:
        set_script_prefix(before)
    assert row_link("contracts:detail")(5) == "/contracts/5/"


def test_a_rows_key_holds_its_template_the_viewer_and_its_own_inputs(settings, tmp_path):
    fragments = RowFragments("test", "contracts/_event_row.html", key=lambda row: (row["id"],))
    base = fragments.cache_key({"id": 1}, "UTC|en")
    assert fragments.cache_key({"id": 2}, "UTC|en") != base
    assert fragments.cache_key({"id": 1}, "Asia/Tokyo|en") != base
    assert fragments.cache_key({"id": 1}, "UTC|de") != base
    other_template = RowFragments("test", "contracts/_message_row.html",
                                  key=lambda row: (row["id"],))
    assert other_template.cache_key({"id": 1}, "UTC|en") != base


def test_clear_page_cache_empties_the_rows():
    caches[PAGE_CACHE].set("row:test:1", "<li>kept</li>")
    out = StringIO()
    call_command("clear_page_cache", stdout=out)
    assert caches[PAGE_CACHE].get("row:test:1") is None and "emptied" in out.getvalue()
