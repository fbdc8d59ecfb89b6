"""Who may do what to a milestone, in which state: the rules, the buttons, and forged POSTs."""

import pytest
from django.urls import reverse

from conftest import login
from contracts.actions import MILESTONE_ACTIONS
from contracts.models import Account, LedgerTransaction, MilestoneState
from contracts.services.lifecycle import contract_complete
from contracts.services.milestones import milestone_approve
from contracts.tests.factories import make_funded_contract, new_key
from marketplace.kernel.actions import available
from marketplace.kernel.fsm import refusal_reason
from marketplace.kernel.models import Event

pytestmark = pytest.mark.django_db

ACTIONS = ["fund", "submit", "approve", "request_changes"]
# state -> action -> who may do it (everybody else is refused)
ALLOWED = {
    "pending": {"fund": "client"},
    "funded": {"submit": "freelancer"},
    "submitted": {"approve": "client", "request_changes": "client"},
    "released": {},
    "void": {},
}
ROLES = ["client", "freelancer", "stranger", "mediator"]


def milestone_in(state):
    """A milestone in `state`, reached through the services; the client can afford funding."""
    if state == "pending":
        contract = make_funded_contract(amounts=(10_000,), fund=0, wallet_extra=10_000)
    elif state == "void":
        contract = make_funded_contract(amounts=(10_000, 2_000), fund=1, submit=1)
        first = contract.milestones.get(position=1)
        milestone_approve(actor=contract.client, milestone=first)
        contract_complete(actor=contract.client, contract=contract)
        return contract.milestones.get(position=2)
    else:
        submit = 1 if state in ("submitted", "released") else 0
        contract = make_funded_contract(amounts=(10_000,), fund=1, submit=submit)
        if state == "released":
            milestone_approve(actor=contract.client, milestone=contract.milestones.get())
    milestone = contract.milestones.order_by("position").first()
    assert milestone.state == state
    return milestone


def person(role, milestone, stranger, mediator):
    return {"client": milestone.contract.client, "freelancer": milestone.contract.freelancer,
            "stranger": stranger, "mediator": mediator}[role]


MATRIX = [(state, action, role) for state in ALLOWED for action in ACTIONS for role in ROLES]


@pytest.mark.parametrize(("state", "action", "role"), MATRIX)
def test_rule_matrix(state, action, role, stranger, mediator):
    milestone = milestone_in(state)
    user = person(role, milestone, stranger, mediator)
    allowed = ALLOWED[state].get(action) == role
    reason = refusal_reason(milestone, action, user)
    assert (reason is None) == allowed, reason
    shown = [a.name for a in available(MILESTONE_ACTIONS, milestone, user)]
    assert (action in shown) == allowed


FORM_DATA = {"submit": {"note": "Done"}, "request_changes": {"reason": "Please fix the header."}}


@pytest.mark.parametrize(("state", "action", "role"), MATRIX)
def test_http_matrix(client, state, action, role, stranger, mediator):
    milestone = milestone_in(state)
    contract = milestone.contract
    user = person(role, milestone, stranger, mediator)
    login(client, user)
    before = (Event.objects.count(), LedgerTransaction.objects.count(),
              list(Account.objects.order_by("pk").values_list("balance_cents", flat=True)))
    url = reverse("contracts:milestone_action", args=[contract.pk, milestone.pk, action])
    data = {**FORM_DATA.get(action, {}), "idempotency_key": new_key()}
    response = client.post(url, data)
    milestone.refresh_from_db()
    after = (Event.objects.count(), LedgerTransaction.objects.count(),
             list(Account.objects.order_by("pk").values_list("balance_cents", flat=True)))
    if role in ("stranger", "mediator"):
        assert response.status_code == 404
        assert after == before and milestone.state == state
    elif ALLOWED[state].get(action) == role:
        assert response.status_code == 302
        assert milestone.state != state
        assert after[0] == before[0] + 1
    else:
        assert response.status_code == 302, response.content[:500]
        assert milestone.state == state and after == before
        page = client.get(response["Location"])
        assert refusal_reason(milestone, action, user) in [str(m) for m in page.context["messages"]]


def test_a_second_post_with_the_same_key_moves_money_once(client):
    milestone = milestone_in("pending")
    contract = milestone.contract
    login(client, contract.client)
    url = reverse("contracts:milestone_action", args=[contract.pk, milestone.pk, "fund"])
    key = new_key()
    first = client.post(url, {"idempotency_key": key})
    second = client.post(url, {"idempotency_key": key}, follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "already done" in second.content.decode()
    assert LedgerTransaction.objects.filter(kind="funding").count() == 1
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.FUNDED

