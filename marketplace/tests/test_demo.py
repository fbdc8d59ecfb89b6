"""The README's first command seeds a believable data set: it must keep working as the rules
change (a demo story that breaks a rule fails here, not in front of a new user)."""

from io import StringIO

import pytest
from django.core.management import call_command

from conftest import login
from contracts.models import Contract
from disputes.models import CancellationRequest, Dispute
from marketplace.kernel.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_cases_at_every_stage_and_every_page_opens(client):
    call_command("seed_demo", "--force", stdout=StringIO())
    states = set(Contract.objects.values_list("state", flat=True))
    assert {"offered", "active", "cancellation_requested", "disputed", "completed",
            "cancelled"} <= states
    assert set(Dispute.objects.values_list("state", flat=True)) >= {
        "negotiation", "mediation", "proposal", "arbitration"}
    assert CancellationRequest.objects.filter(state="denied").exists()
    for username in ("alice", "bob"):
        user = User.objects.get(username=username)
        login(client, user)
        assert client.get("/").status_code == 200
        for contract in Contract.objects.filter(client=user) | Contract.objects.filter(
                freelancer=user):
            assert client.get(contract.get_absolute_url()).status_code == 200
        for request in CancellationRequest.objects.filter(contract__client=user):
            assert client.get(request.get_absolute_url()).status_code == 200
        for dispute in Dispute.objects.filter(contract__freelancer=user):
            assert client.get(dispute.get_absolute_url()).status_code == 200
    out = StringIO()
    call_command("verify_records", stdout=out)
    assert "intact" in out.getvalue()
