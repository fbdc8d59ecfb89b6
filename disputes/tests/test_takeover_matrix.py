"""The takeover matrix (spec section 2): who may take, hand over or decide a case, over HTTP.

{mediator, lead mediator, arbitrator, lead arbitrator, superuser} × {a case nobody holds,
their own case, someone else's case} × {assign to me, reassign, take arbitration, reassign
an arbitration, decide}. Taking a case somebody holds is a reassignment: lead mediators and
lead arbitrators only (a superuser holds every permission), with a reason on the record, and
the displaced case worker, the new one and both parties are told. Everyone else's POST is
refused (404 where the case is not theirs to see, else an explained refusal), changes
nothing, and the service itself refuses the same call.
"""

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from conftest import login
from disputes.models import Dispute
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event, Notification
from marketplace.tests.factories import (
    ArbitratorFactory,
    LeadArbitratorFactory,
    LeadMediatorFactory,
    MediatorFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

ROLES = {
    "mediator": MediatorFactory, "lead_mediator": LeadMediatorFactory,
    "arbitrator": ArbitratorFactory, "lead_arbitrator": LeadArbitratorFactory,
    "superuser": lambda: StaffFactory(is_superuser=True),
}
MEDIATORS = {"mediator", "lead_mediator"}
ARBITRATORS = {"arbitrator", "lead_arbitrator"}
HOLDINGS = ["unassigned", "own", "someone_elses"]
# action -> the stage it is taken in
ACTIONS = {"assign_to_me": "mediation", "reassign": "mediation",
           "take_arbitration": "arbitration", "reassign_arbitration": "arbitration",
           "decide": "arbitration"}
FINDINGS = "The brief asked for two layouts; both were delivered, one needed small fixes."
REASON = "The holder is on leave for two weeks."


def allowed(role: str, holding: str, action: str) -> bool:
    """The matrix, from the spec's words."""
    if action == "assign_to_me":
        return holding == "unassigned" and role in MEDIATORS
    if action == "take_arbitration":
        return holding == "unassigned" and role in ARBITRATORS
    if action == "reassign":
        return role in {"lead_mediator", "superuser"}
    if action == "reassign_arbitration":
        return role in {"lead_arbitrator", "superuser"}
    return holding == "own" and role in ARBITRATORS  # decide


def can_hold(role: str, stage: str) -> bool:
    return role in (MEDIATORS if stage == "mediation" else ARBITRATORS)


CELLS = [
    pytest.param(role, holding, action, id=f"{role}-{holding}-{action}")
    for role in ROLES for holding in HOLDINGS for action, stage in ACTIONS.items()
    # "their own case" exists only for someone who can hold a case at that stage
    if holding != "own" or can_hold(role, stage)
]


def test_the_matrix_is_whole():
    assert len(CELLS) == 5 * 5 * 2 + 2 * 2 + 2 * 3
    assert {c.values[2] for c in CELLS if allowed(*c.values)} == set(ACTIONS)


def _case(stage: str, holder):
    dispute = make_dispute()
    if stage == "mediation":
        return in_mediation(dispute, holder)
    mediator = MediatorFactory(username=f"med{uuid.uuid4().hex[:6]}")
    dispute = in_mediation(dispute, mediator)
    for _ in range(2):
        casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue",
                                 amount_cents=0, fault="none", findings=FINDINGS,
                                 policy_clause="§4.6 Outcomes and fault")
        dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute,
                                     reason="Not acceptable.")
    if holder is not None:
        casework.dispute_assign_arbitrator(actor=holder, dispute=dispute)
    dispute.refresh_from_db()
    assert dispute.state == "arbitration"
    return dispute


def _post_data(action: str, target) -> dict:
    if action == "reassign":
        return {"mediator": target.pk, "reason": REASON}
    if action == "reassign_arbitration":
        return {"arbitrator": target.pk, "reason": REASON}
    if action == "decide":
        return {"outcome": "cancel", "amount": "200.00", "fault": "client",
                "findings": FINDINGS, "policy_clause": "§4.6 Outcomes and fault",
                "idempotency_key": uuid.uuid4().hex}
    return {}


def _service_call(action: str, actor, dispute, target):
    return {
        "assign_to_me": lambda: casework.dispute_assign_mediator(actor=actor, dispute=dispute),
        "take_arbitration": lambda: casework.dispute_assign_arbitrator(actor=actor,
                                                                       dispute=dispute),
        "reassign": lambda: casework.dispute_reassign_mediator(
            actor=actor, dispute=dispute, mediator=target, reason=REASON),
        "reassign_arbitration": lambda: casework.dispute_reassign_arbitrator(
            actor=actor, dispute=dispute, arbitrator=target, reason=REASON),
        "decide": lambda: casework.dispute_decide(
            actor=actor, dispute=dispute, outcome="cancel", amount_cents=20_000, fault="client",
            findings=FINDINGS, policy_clause="§4.6 Outcomes and fault"),
    }[action]


def _state(dispute) -> tuple:
    d = Dispute.objects.get(pk=dispute.pk)
    return (d.state, d.mediator_id, d.arbitrator_id, Event.objects.count(),
            Notification.objects.count())


@pytest.mark.parametrize(("role", "holding", "action"), CELLS)
def test_takeover_matrix(role, holding, action, client, mediator, arbitrator,
                         django_capture_on_commit_callbacks, mailoutbox):
    stage = ACTIONS[action]
    actor = ROLES[role]()
    someone = mediator if stage == "mediation" else arbitrator
    holder = {"unassigned": None, "own": actor, "someone_elses": someone}[holding]
    dispute = _case(stage, holder)
    contract = dispute.contract
    # Whom a reassignment names: the lead themself when they take the case over, else a
    # colleague who holds nothing.
    colleague = (MediatorFactory if stage == "mediation" else ArbitratorFactory)()
    target = actor if can_hold(role, stage) and holding != "own" else colleague
    before = _state(dispute)
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True)[0]

    login(client, actor)
    client.cookies.pop("messages", None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:disputes_dispute_act", args=[dispute.pk, action]),
                               _post_data(action, target))
    case_view = reverse("admin:disputes_dispute_change", args=[dispute.pk])

    if not allowed(role, holding, action):
        assert _state(dispute) == before, "a refused POST changed something"
        if response.status_code != 404:  # the case is theirs to see: the refusal is explained
            assert (response.status_code, response["Location"]) == (302, case_view)
            flashed = [str(m) for m in get_messages(response.wsgi_request)]
            assert len(flashed) == 1 and flashed[0] and not flashed[0].startswith("Done")
        with pytest.raises(DomainError):  # and the rule refuses it, whatever the page
            _service_call(action, actor, Dispute.objects.get(pk=dispute.pk), target)()
        assert _state(dispute) == before
        return

    assert (response.status_code, response["Location"]) == (302, case_view)
    dispute.refresh_from_db()
    event = Event.objects.filter(contract=contract).order_by("-seq").first()
    told = set(Notification.objects.filter(pk__gt=last_notification)
               .values_list("user_id", flat=True))
    assert {contract.client_id, contract.freelancer_id} <= told  # both parties are told
    mailed = {m.to[0] for m in mailoutbox}
    assert {contract.client.email, contract.freelancer.email} <= mailed
    if action == "decide":
        assert (dispute.state, dispute.arbitrator_id) == ("decided", actor.pk)
        assert "dispute.decided" in Event.objects.filter(contract=contract).values_list(
            "kind", flat=True)
        return
    holder_field = "mediator_id" if stage == "mediation" else "arbitrator_id"
    new_holder = actor if action in ("assign_to_me", "take_arbitration") else target
    assert getattr(dispute, holder_field) == new_holder.pk
    assert event.actor_id == actor.pk
    if action.startswith("reassign"):
        assert event.kind == f"dispute.{'mediator' if stage == 'mediation' else 'arbitrator'}" \
                             "_reassigned"
        assert event.data["reason"] == REASON and REASON in event.text
        if holder is not None and holder.pk != actor.pk:  # the displaced case worker is told
            assert holder.pk in told and holder.email in mailed
        if new_holder.pk != actor.pk:  # and the one who now holds it
            assert new_holder.pk in told
    else:
        assert event.kind in ("dispute.mediator_assigned", "dispute.arbitrator_assigned")
