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
