"""Pages of a list read through compiled queries (kernel.paged): every window, compiled or
read through the ORM past the ones kept, returns what the ORM returns; Paginator pages it."""

import pytest
from django.core.paginator import Paginator

from contracts.models import Message
from contracts.services.messages import message_post
from contracts.tests.factories import make_active_contract
from marketplace.kernel.paged import CompiledPages, PagedRows

pytestmark = pytest.mark.django_db


def _messages_of(contract_id: int):
    return Message.objects.filter(contract_id=contract_id).order_by("-id").values("id", "body")


def test_every_window_returns_what_the_orm_returns():
    first, second = make_active_contract(), make_active_contract()
    for i in range(7):
        message_post(actor=first.client, contract=first, body=f"first {i}")
        message_post(actor=second.client, contract=second, body=f"second {i}")
    pages = CompiledPages(_messages_of, keep=2)
    for contract in (first, second):
        everything = list(_messages_of(contract.pk))
        for offset, size in ((0, 3), (3, 3), (6, 3), (0, 3), (2, 5), (9, 3)):
            assert pages.rows(offset, size, contract_id=contract.pk) == \
                everything[offset:offset + size]
    assert len(pages._windows) == 2  # the windows past `keep` were read through the ORM


def test_paginator_pages_rows_read_on_demand():
    reads = []

    def read(offset, size):
        reads.append((offset, size))
        return list(range(offset, offset + size))

    paginator = Paginator(PagedRows(23, read), 10)
    assert paginator.num_pages == 3 and not reads
    page = paginator.get_page(3)
    assert list(page.object_list) == [20, 21, 22] and reads == [(20, 3)]
    assert list(paginator.get_page("nonsense").object_list) == list(range(10))
    assert list(Paginator(PagedRows(0, read), 10).get_page(1).object_list) == []


@pytest.mark.parametrize(("number", "shown", "reads"), [
    (1, list(range(10)), 1), ("2", list(range(10, 20)), 1), (3, [20, 21, 22], 1),
    ("nonsense", list(range(10)), 1), (0, list(range(10)), 1), (None, list(range(10)), 1),
    # past the end: the first page tells the length, then the last page is read
    (9, [20, 21, 22], 3),
])
def test_a_counted_page_reads_its_rows_and_the_length_at_once(number, shown, reads):
    from marketplace.kernel.paged import LISTED, counted_page

    done = []

    def read(offset, size):
        done.append((offset, size))
        return [{"n": n, LISTED: 23} for n in range(offset, min(offset + size, 23))]

    page = counted_page(read, 10, number)
    assert [row["n"] for row in page.object_list] == shown and len(done) == reads
    assert page.paginator.count == 23 and page.paginator.num_pages == 3


def test_a_counted_page_of_nothing():
    from marketplace.kernel.paged import counted_page

    page = counted_page(lambda offset, size: [], 10, 4)
    assert list(page.object_list) == [] and page.number == 1 and not page.has_other_pages()
