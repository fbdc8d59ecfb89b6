"""Every row of the cancellation policy (spec section 5): state, ledger, event and mail."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import later
from contracts.models import Account, ContractState, LedgerTransaction, MilestoneState, Settlement
from contracts.services.milestones import milestone_fund
from contracts.tests.factories import split_record_copies
from disputes.models import CancellationProposal, CancellationState, Dispute, DisputeState
from disputes.services import cancellations as svc
from disputes.tests.factories import EXPLANATION, make_request
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event

pytestmark = pytest.mark.django_db


def wallet(user) -> int:
    return Account.objects.filter(kind="wallet", user=user).values_list("balance_cents", flat=True).first() or 0


def events(contract, kind):
    return Event.objects.filter(contract=contract, kind=kind)



def test_request_opens_with_the_other_partys_turn_and_freezes_money(mailoutbox,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = make_request("client", amount_cents=12_000, fault="client")
    contract = request.contract
    contract.refresh_from_db()
    assert contract.state == ContractState.CANCELLATION_REQUESTED
    assert request.state == CancellationState.OPEN and request.turn_user == contract.freelancer
    assert (request.escrow_cents, request.submitted_value_cents) == (50_000, 30_000)
    assert request.deadline_at == pytest.approx(timezone.now() + timedelta(days=7),
                                                abs=timedelta(seconds=5))
    submitted = contract.milestones.get(position=1)
    assert submitted.deadline_at is None and submitted.paused_remaining > timedelta(days=13)
    event = events(contract, "cancellation.requested").get()
    assert event.actor == contract.client and EXPLANATION in event.text
    assert event.data["amount_to_freelancer_cents"] == 12_000
    assert contract.freelancer.email in [m.to[0] for m in mailoutbox]
    assert CancellationProposal.objects.filter(request=request).count() == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("explanation", "Too short.", "at least 50 characters"),
    ("reason", "made_up", "Choose one of the listed reasons"),
    ("amount_to_freelancer_cents", 50_001, "between $0.00 and the $500.00 in escrow"),
    ("amount_to_freelancer_cents", -1, "between $0.00 and the $500.00 in escrow"),
    ("fault", "everyone", "Choose whose fault"),
])
def test_request_refusals_change_nothing(field, value, message):
    from contracts.tests.factories import make_funded_contract

    contract = make_funded_contract(amounts=(30_000, 20_000), fund=2)
    kwargs = {"actor": contract.client, "contract": contract, "reason": "mutual",
              "explanation": EXPLANATION, "amount_to_freelancer_cents": 100, "fault": "none"}
    kwargs[field] = value
    with pytest.raises(DomainError, match=re.escape(message)):
        svc.cancellation_request(**kwargs)
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE and not events(contract, "cancellation.requested")


def test_a_second_request_while_one_is_open_is_refused():
    request = make_request()
    with pytest.raises(DomainError, match="A cancellation request is open on this contract"):
        make_request(contract=request.contract)


@pytest.mark.parametrize(("escrow_split", "fee"), [(0, 0), (1, 0), (5, 1), (12_345, 1_235), (50_000, 5_000)])
def test_accept_executes_the_settlement_exactly(escrow_split, fee, mailoutbox,
                                                django_capture_on_commit_callbacks):
    request = make_request("client", amount_cents=escrow_split, fault="client")
    contract = request.contract
    client_before, freelancer_before = wallet(contract.client), wallet(contract.freelancer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        svc.cancellation_accept(actor=contract.freelancer, request=request)
    request.refresh_from_db()
    contract.refresh_from_db()
    assert request.state == CancellationState.ACCEPTED and contract.state == ContractState.CANCELLED
    settlement = Settlement.objects.get(contract=contract)
    assert (settlement.escrow_cents, settlement.to_freelancer_cents, settlement.to_client_cents,
            settlement.fee_cents, settlement.fault) == (50_000, escrow_split, 50_000 - escrow_split, fee, "client")
    assert wallet(contract.freelancer) - freelancer_before == escrow_split - fee
    assert wallet(contract.client) - client_before == 50_000 - escrow_split
    assert Account.objects.get(kind="escrow", contract=contract).balance_cents == 0
    txn = LedgerTransaction.objects.get(kind="settlement")
    assert sum(e.amount_cents for e in txn.entries.all()) == 0
    milestones = list(contract.milestones.order_by("position"))
    assert all(m.state == MilestoneState.SETTLED for m in milestones)
    # Delivered work is paid first: milestone 1 was submitted.
    assert milestones[0].settled_to_freelancer_cents == min(escrow_split, 30_000)
    assert sum(m.settled_to_freelancer_cents for m in milestones) == escrow_split
    assert sum(m.settled_to_client_cents for m in milestones) == 50_000 - escrow_split
    assert events(contract, "cancellation.accepted").count() == 1
    assert events(contract, "settlement.executed").count() == 1
    parties = sorted([contract.client.email, contract.freelancer.email])
    copies, others = split_record_copies(mailoutbox)
    assert sorted(m.to[0] for m in others) == parties
    assert sorted(m.to[0] for m in copies) == parties  # the contract ended: each keeps a copy


def test_pending_milestones_are_voided_by_the_settlement():
    request = make_request("freelancer", amounts=(10_000, 5_000), fund=1, submit=0, amount_cents=0,
                           fault="freelancer")
    svc.cancellation_accept(actor=request.contract.client, request=request)
    states = list(request.contract.milestones.order_by("position").values_list("state", flat=True))
    assert states == [MilestoneState.SETTLED, MilestoneState.VOID]


def test_counter_proposal_passes_the_turn_restarts_the_deadline_and_is_limited():
    request = make_request("client", amount_cents=0, fault="none")
    contract = request.contract
    with later(days=3):
        svc.cancellation_counter(actor=contract.freelancer, request=request, amount_cents=30_000,
                                 fault="client", message="The first milestone was delivered.")
    request.refresh_from_db()
    assert (request.turn_user, request.amount_to_freelancer_cents, request.fault) == (
        contract.client, 30_000, "client")
    assert request.deadline_at > timezone.now() + timedelta(days=9)
    with pytest.raises(DomainError, match="It is not your turn"):
        svc.cancellation_counter(actor=contract.freelancer, request=request, amount_cents=1,
                                 fault="none", message="again")
    for i in range(2):
        svc.cancellation_counter(actor=contract.client, request=request, amount_cents=20_000 + i,
                                 fault="none", message="Meet halfway")
        svc.cancellation_counter(actor=contract.freelancer, request=request, amount_cents=25_000 + i,
                                 fault="client", message="Not quite")
    svc.cancellation_counter(actor=contract.client, request=request, amount_cents=22_000,
                             fault="none", message="Last offer")
    request.refresh_from_db()
    assert (request.client_counters, request.freelancer_counters) == (3, 3)
    with pytest.raises(DomainError, match="used all your counter-proposals"):
        svc.cancellation_counter(actor=contract.freelancer, request=request, amount_cents=1,
                                 fault="none", message="more")
    assert events(contract, "cancellation.countered").count() == 6
    assert CancellationProposal.objects.filter(request=request).count() == 7
    svc.cancellation_accept(actor=contract.freelancer, request=request)
    assert Settlement.objects.get(contract=contract).to_freelancer_cents == 22_000


def test_withdraw_by_the_initiator_resumes_the_contract_and_its_clocks():
    request = make_request("client")
    contract = request.contract
    with pytest.raises(DomainError, match="Only the party who asked"):
        svc.cancellation_withdraw(actor=contract.freelancer, request=request)
    with later(days=2):
        svc.cancellation_withdraw(actor=contract.client, request=request)
    request.refresh_from_db()
    contract.refresh_from_db()
    assert request.state == CancellationState.WITHDRAWN and contract.state == ContractState.ACTIVE
    submitted = contract.milestones.get(position=1)
    assert submitted.paused_remaining is None
    assert submitted.deadline_at > timezone.now() + timedelta(days=15)  # the 2 paused days added back
    assert events(contract, "contract.resumed").count() == 1
    assert not LedgerTransaction.objects.filter(kind="settlement").exists()


def test_money_does_not_move_while_a_request_is_open():
    request = make_request("client", amounts=(10_000, 5_000), fund=1, submit=1)
    contract = request.contract
    pending = contract.milestones.get(position=2)
    with pytest.raises(DomainError, match="Money moves only while the contract is active"):
        milestone_fund(actor=contract.client, milestone=pending)
    from contracts.services.milestones import milestone_approve

    with pytest.raises(DomainError, match="Money moves only while the contract is active"):
        milestone_approve(actor=contract.client, milestone=contract.milestones.get(position=1))


def test_deny_then_dialogue_gate_then_dispute(mailoutbox, django_capture_on_commit_callbacks):
    request = make_request("freelancer", amount_cents=30_000, fault="client")
    contract = request.contract
    svc.cancellation_counter(actor=contract.client, request=request, amount_cents=0,
                             fault="freelancer", message="No")
    with pytest.raises(DomainError, match="Only the client can deny"):
        svc.cancellation_deny(actor=contract.freelancer, request=request, reason="x")
    svc.cancellation_counter(actor=contract.freelancer, request=request, amount_cents=30_000,
                             fault="client", message="Please reconsider")
    with django_capture_on_commit_callbacks(execute=True):
        svc.cancellation_deny(actor=contract.client, request=request, reason="I need the work done.")
    request.refresh_from_db()
    assert request.state == CancellationState.DENIED and request.turn_user == contract.freelancer
    assert request.denial_reason == "I need the work done."
    assert request.deadline_at == pytest.approx(request.denied_at + timedelta(days=7), abs=timedelta(seconds=1))
    with pytest.raises(DomainError, match="try direct dialogue"):
        svc.cancellation_dispute(actor=contract.freelancer, request=request, reason="Unfair")
    svc.cancellation_message(actor=contract.freelancer, request=request,
                             body="Can we talk about the calendar problem?")
    # One side writing is not yet a dialogue: the client has to have been heard.
    with pytest.raises(DomainError, match="Still missing: a message from"):
        svc.cancellation_dispute(actor=contract.freelancer, request=request, reason="Unfair")
    svc.cancellation_message(actor=contract.client, request=request,
                             body="The calendar is the whole point of the work.")
    request.refresh_from_db()
    assert request.dialogue_at is not None
    dispute = svc.cancellation_dispute(actor=contract.freelancer, request=request,
                                       reason="The client will not discuss it.")
    request.refresh_from_db()
    contract.refresh_from_db()
    assert request.state == CancellationState.DISPUTED and contract.state == ContractState.DISPUTED
    assert dispute.state == DisputeState.NEGOTIATION and dispute.kind == "denial"
    assert dispute.snapshot["escrow_cents"] == 50_000
    assert [m["body"] for m in dispute.snapshot["messages"]][-2:] == [
        "Can we talk about the calendar problem?", "The calendar is the whole point of the work."]
    opened = events(contract, "dispute.opened").get()
    assert opened.data["snapshot_sha256"] and opened.data["dispute_id"] == dispute.pk
    assert not LedgerTransaction.objects.filter(kind="settlement").exists()


def test_dialogue_gate_opens_by_time_alone():
    request = make_request("freelancer")
    svc.cancellation_deny(actor=request.contract.client, request=request, reason="No.")
    with later(hours=47), pytest.raises(DomainError, match="try direct dialogue"):
        svc.cancellation_dispute(actor=request.contract.freelancer, request=request, reason="x")
    with later(hours=48, minutes=1):
        dispute = svc.cancellation_dispute(actor=request.contract.freelancer, request=request,
                                           reason="Waited two days.")
    assert Dispute.objects.filter(pk=dispute.pk).exists()


def test_counter_after_denial_reopens_with_the_clients_turn_and_counts_as_dialogue():
    request = make_request("freelancer")
    contract = request.contract
    svc.cancellation_deny(actor=contract.client, request=request, reason="No.")
    svc.cancellation_counter(actor=contract.freelancer, request=request, amount_cents=5_000,
                             fault="none", message="Smaller amount then?")
    request.refresh_from_db()
    assert request.state == CancellationState.OPEN and request.turn_user == contract.client
    # The counter counts as dialogue once the client answers it (here: by denying again).
    assert request.countered_after_denial_at is not None and request.dialogue_at is None
    svc.cancellation_deny(actor=contract.client, request=request, reason="Still no.")
    request.refresh_from_db()
    assert request.dialogue_at is not None
    svc.cancellation_dispute(actor=contract.freelancer, request=request, reason="Tried twice.")
    request.refresh_from_db()
    assert request.state == CancellationState.DISPUTED


def test_continue_after_denial_ends_the_request():
    request = make_request("freelancer")
    contract = request.contract
    svc.cancellation_deny(actor=contract.client, request=request, reason="No.")
    svc.cancellation_continue(actor=contract.freelancer, request=request)
    request.refresh_from_db()
    contract.refresh_from_db()
    assert request.state == CancellationState.WITHDRAWN and contract.state == ContractState.ACTIVE
    assert events(contract, "cancellation.continued").count() == 1


def test_freelancer_disputes_a_clients_cancellation_directly():
    request = make_request("client", amount_cents=0, fault="freelancer")
    contract = request.contract
    with pytest.raises(DomainError, match="Only the client can deny"):
        svc.cancellation_deny(actor=contract.freelancer, request=request, reason="no")
    svc.cancellation_counter(actor=contract.freelancer, request=request, amount_cents=10_000,
                             fault="none", message="Pay the delivered part.")
    with pytest.raises(DomainError, match="Only a freelancer's request can be denied"):
        svc.cancellation_deny(actor=contract.client, request=request, reason="no")
    svc.cancellation_counter(actor=contract.client, request=request, amount_cents=0,
                             fault="freelancer", message="No.")
    dispute = svc.cancellation_dispute(actor=contract.freelancer, request=request,
                                       reason="The work was delivered as agreed.")
    assert dispute.kind == "cancellation"
    contract.refresh_from_db()
    assert contract.state == ContractState.DISPUTED


def test_auto_accept_after_silence_caps_the_freelancer_at_submitted_work(mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    from marketplace.kernel.deadlines import process_deadlines

    request = make_request("freelancer", amounts=(30_000, 20_000), fund=2, submit=1,
                           amount_cents=45_000, fault="client", reason="payment")
    contract = request.contract
    svc.cancellation_counter(actor=contract.client, request=request, amount_cents=40_000,
                             fault="none", message="No fault, and less.")
    # now it is the freelancer's turn; the freelancer stays silent
    with later(days=7, hours=1), django_capture_on_commit_callbacks(execute=True):
        process_deadlines()
        process_deadlines()
    request.refresh_from_db()
    contract.refresh_from_db()
    assert request.state == CancellationState.AUTO_ACCEPTED and request.timed_out_role == "freelancer"
    settlement = Settlement.objects.get(contract=contract)
    # the terms on the table apply, amount and fault together: the client's counter (40,000,
    # no fault), the amount capped at the value of submitted work (30,000)
    assert (settlement.to_freelancer_cents, settlement.fee_cents, settlement.fault) == (30_000, 3_000, "none")
    assert contract.state == ContractState.CANCELLED
    event = events(contract, "cancellation.auto_accepted").get()
    assert event.actor is None and "capped" in event.text and "did not answer" in event.text
    assert LedgerTransaction.objects.filter(kind="settlement").count() == 1


def test_lapse_after_an_undisputed_denial():
    from marketplace.kernel.deadlines import process_deadlines

    request = make_request("freelancer")
    svc.cancellation_deny(actor=request.contract.client, request=request, reason="No.")
    with later(days=6, hours=23):
        process_deadlines()
    request.refresh_from_db()
    assert request.state == CancellationState.DENIED
    with later(days=7, minutes=5):
        process_deadlines()
        process_deadlines()
    request.refresh_from_db()
    request.contract.refresh_from_db()
    assert request.state == CancellationState.LAPSED and request.contract.state == ContractState.ACTIVE
    assert events(request.contract, "cancellation.lapsed").count() == 1


def test_reminders_reach_the_party_whose_turn_it_is_once_each():
    from marketplace.kernel.deadlines import process_deadlines
    from marketplace.kernel.models import Notification

    request = make_request("client")
    freelancer = request.contract.freelancer
    with later(days=3, hours=13):
        process_deadlines()
        process_deadlines()
    with later(days=6, hours=1):
        process_deadlines()
        process_deadlines()
    keys = list(Notification.objects.filter(user=freelancer, key__startswith="reminder:cancellation")
                .order_by("created_at").values_list("key", flat=True))
    assert [k.rsplit(":", 1)[1] for k in keys] == ["half", "last"]
    assert not Notification.objects.filter(user=request.contract.client,
                                           key__startswith="reminder:cancellation").exists()


def test_answering_after_the_deadline_is_refused():
    request = make_request("client")
    with later(days=7, minutes=1), pytest.raises(DomainError, match="time to answer has run out"):
        svc.cancellation_accept(actor=request.contract.freelancer, request=request)
