"""The medians on /stats/ are found in the database (the middle one or two cases by time to
close), and equal the median of every closed case's days, for odd and even counts; open
cases, and the states that are not an ending, are left out."""

from datetime import timedelta
from statistics import median

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes.models import CancellationRequest
from disputes.stats import outcome_figures
from disputes.tests.factories import make_request

pytestmark = pytest.mark.django_db


def closed_request(days: float, state="accepted"):
    request = make_request()
    opened = timezone.now() - timedelta(days=100)
    CancellationRequest.objects.filter(pk=request.pk).update(
        state=state, created_at=opened, closed_at=opened + timedelta(days=days))
    return request


@pytest.mark.parametrize("days", [[3.25], [1, 10], [2, 0.5, 40], [7, 1, 2.5, 30.2]])
def test_the_median_request_time_is_the_median_of_every_closed_request(days):
    for took in days:
        closed_request(took)
    closed_request(500, state="open")  # still open: not counted, whatever its dates say
    closed_request(900, state="disputed")
    assert outcome_figures()["median_request_days"] == round(median(days), 1)


def test_no_closed_case_no_median(client):
    make_request()
    figures = outcome_figures()
    assert figures["median_request_days"] is None and figures["median_dispute_days"] is None
    body = client.get(reverse("stats")).content.decode()
    assert body[body.index('id="median-request"'):].startswith('id="median-request">—<')
