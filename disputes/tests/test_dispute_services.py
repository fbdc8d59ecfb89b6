"""Every row of the dispute table (spec section 6): state, ledger, event, mail."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from conftest import later
from contracts.models import Account, ContractState, LedgerTransaction, Settlement
from disputes.models import CancellationState, DisputeState, OfferState
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_dispute
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.errors import DomainError
from marketplace.kernel.models import Event, Notification
from marketplace.tests.factories import LeadMediatorFactory, MediatorFactory

pytestmark = pytest.mark.django_db

FINDINGS = "The brief asked for two layouts; both were delivered on time, one needed fixes."
CLAUSE = "§3.7 The settlement"



def wallet(user):
    return Account.objects.filter(kind="wallet", user=user).values_list("balance_cents", flat=True).first() or 0


def kinds(contract):
    return list(Event.objects.filter(contract=contract).order_by("seq").values_list("kind", flat=True))


def test_opening_freezes_a_snapshot_and_starts_negotiation():
    dispute = make_dispute()
    assert dispute.state == DisputeState.NEGOTIATION
    assert dispute.deadline_at == pytest.approx(timezone.now() + timedelta(days=3), abs=timedelta(seconds=5))
    assert dispute.snapshot["escrow_cents"] == 50_000
    assert [m["state"] for m in dispute.snapshot["milestones"]] == ["submitted", "funded"]
    assert kinds(dispute.contract)[-1] == "dispute.opened"


@pytest.mark.parametrize(("outcome", "amount", "contract_state"), [
    ("cancel", 20_000, ContractState.CANCELLED), ("continue", 0, ContractState.ACTIVE)])
def test_an_accepted_offer_settles_the_dispute(outcome, amount, contract_state, mailoutbox,
                                               django_capture_on_commit_callbacks):
    dispute = make_dispute()
    contract = dispute.contract
    offer = dsvc.dispute_make_offer(actor=contract.freelancer, dispute=dispute, outcome=outcome,
                                    amount_cents=amount, fault="none", message="Fair?")
    with pytest.raises(DomainError, match="Only the other party"):
        dsvc.dispute_accept_offer(actor=contract.freelancer, offer=offer)
    freelancer_before = wallet(contract.freelancer)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dsvc.dispute_accept_offer(actor=contract.client, offer=offer)
    dispute.refresh_from_db()
    contract.refresh_from_db()
    offer.refresh_from_db()
    assert dispute.state == DisputeState.SETTLED and offer.state == OfferState.ACCEPTED
    assert contract.state == contract_state and dispute.lost_by == ""
    if outcome == "cancel":
        settlement = Settlement.objects.get(contract=contract)
        assert (settlement.to_freelancer_cents, settlement.fee_cents) == (20_000, 2_000)
        assert wallet(contract.freelancer) - freelancer_before == 18_000
    else:
        assert not LedgerTransaction.objects.filter(kind="settlement").exists()
        submitted = contract.milestones.get(position=1)
        assert submitted.deadline_at is not None  # the review clock resumed
    assert "dispute.settled" in kinds(contract)
    assert mailoutbox  # both parties hear of the outcome


def test_mediation_request_is_shown_and_both_asking_moves_the_case():
    dispute = make_dispute()
    contract = dispute.contract
    dsvc.dispute_request_mediation(actor=contract.client, dispute=dispute)
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.NEGOTIATION and dispute.client_asked_mediation_at
    assert Notification.objects.filter(user=contract.freelancer, text__contains="asked for a mediator").exists()
    with pytest.raises(DomainError, match="already asked"):
        dsvc.dispute_request_mediation(actor=contract.client, dispute=dispute)
    mediator = MediatorFactory()
    dsvc.dispute_request_mediation(actor=contract.freelancer, dispute=dispute)
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.MEDIATION and dispute.mediation_started_at
    assert Notification.objects.filter(user=mediator, text__contains="awaits a mediator").exists()


def test_negotiation_end_moves_to_mediation_by_the_clock():
    dispute = make_dispute()
    with later(days=2, hours=23):
        process_deadlines()
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.NEGOTIATION
    with later(days=3, minutes=1):
        process_deadlines()
        process_deadlines()
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.MEDIATION
    assert kinds(dispute.contract).count("dispute.mediation_started") == 1


def test_assign_reassign_recuse_and_the_party_refusal(mediator):
    dispute = in_mediation(make_dispute())
    contract = dispute.contract
    other = MediatorFactory()
    lead = LeadMediatorFactory()
    casework.dispute_assign_mediator(actor=mediator, dispute=dispute)
    dispute.refresh_from_db()
    assert dispute.mediator == mediator
    # a held case is not taken by "assign to me", nor reassigned by a mediator who is no lead
    with pytest.raises(DomainError, match="already has a mediator"):
        casework.dispute_assign_mediator(actor=other, dispute=dispute)
    with pytest.raises(DomainError, match="Only a lead mediator"):
        casework.dispute_reassign_mediator(actor=mediator, dispute=dispute, mediator=other,
                                           reason="Too busy this week.")
    with pytest.raises(DomainError, match="Say why"):
        casework.dispute_reassign_mediator(actor=lead, dispute=dispute, mediator=other,
                                           reason="  ")
    casework.dispute_reassign_mediator(actor=lead, dispute=dispute, mediator=other,
                                       reason="Maya is on leave.")
    dispute.refresh_from_db()
    assert dispute.mediator == other
    with pytest.raises(DomainError, match="Only the case's assigned mediator"):
        casework.dispute_recuse(actor=mediator, dispute=dispute, reason="x")
    casework.dispute_recuse(actor=other, dispute=dispute, reason="I know the client personally.")
    dispute.refresh_from_db()
    assert dispute.mediator is None
    # a party who is also staff in the Mediators group may not take their own case
    client = contract.client
    client.is_staff = True
    client.save()
    client.groups.add(Group.objects.get(name="Mediators"))
    client = type(client).objects.get(pk=client.pk)
    with pytest.raises(DomainError, match="party to"):
        casework.dispute_assign_mediator(actor=client, dispute=dispute)
    with pytest.raises(DomainError, match="party to"):
        casework.dispute_reassign_mediator(actor=lead, dispute=dispute, mediator=client,
                                           reason="The client volunteered.")
    assert [k for k in kinds(contract) if k.startswith("dispute.mediator")] == [
        "dispute.mediator_assigned", "dispute.mediator_reassigned", "dispute.mediator_recused"]


def test_proposal_accepted_by_both_resolves_and_finds_fault(mediator, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    dispute = in_mediation(make_dispute(), mediator)
    contract = dispute.contract
    offer = dsvc.dispute_make_offer(actor=contract.client, dispute=dispute, outcome="cancel",
                                    amount_cents=1_000, fault="freelancer")
    with pytest.raises(DomainError, match="findings"):
        casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel",
                                 amount_cents=30_000, fault="client", findings="short",
                                 policy_clause=CLAUSE)
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel", amount_cents=30_000,
                             fault="client", findings=FINDINGS, policy_clause=CLAUSE)
    dispute.refresh_from_db()
    offer.refresh_from_db()
    assert dispute.state == DisputeState.PROPOSAL and offer.state == OfferState.LAPSED
    dsvc.dispute_accept_proposal(actor=contract.freelancer, dispute=dispute)
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.PROPOSAL
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        dsvc.dispute_accept_proposal(actor=contract.client, dispute=dispute)
    dispute.refresh_from_db()
    contract.refresh_from_db()
    assert dispute.state == DisputeState.RESOLVED and dispute.lost_by == "client"
    assert contract.state == ContractState.CANCELLED
    settlement = Settlement.objects.get(contract=contract)
    assert (settlement.to_freelancer_cents, settlement.fee_cents, settlement.fault) == (30_000, 3_000, "client")
    resolved = Event.objects.get(contract=contract, kind="dispute.resolved")
    assert FINDINGS in resolved.text and CLAUSE in resolved.text
    assert {m.to[0] for m in mailoutbox} >= {contract.client.email, contract.freelancer.email}


def test_rejections_lead_to_one_revision_then_arbitration_and_a_decision(mediator, arbitrator):
    dispute = in_mediation(make_dispute(), mediator)
    contract = dispute.contract
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel", amount_cents=25_000,
                             fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    with pytest.raises(DomainError, match="Say why"):
        dsvc.dispute_reject_proposal(actor=contract.client, dispute=dispute, reason=" ")
    dsvc.dispute_reject_proposal(actor=contract.client, dispute=dispute, reason="Too generous.")
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.MEDIATION and dispute.proposal_rounds == 1
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel", amount_cents=20_000,
                             fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    dsvc.dispute_reject_proposal(actor=contract.freelancer, dispute=dispute, reason="Too little.")
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.ARBITRATION and dispute.arbitration_started_at
    # the mediator may never arbitrate the case, even if also an arbitrator
    mediator.groups.add(Group.objects.get(name="Arbitrators"))
    mediator = type(mediator).objects.get(pk=mediator.pk)
    with pytest.raises(DomainError, match="never its mediator"):
        casework.dispute_assign_arbitrator(actor=mediator, dispute=dispute)
    with pytest.raises(DomainError, match=r"An arbitrator must take the case first|Only the case.s assigned arbitrator"):
        casework.dispute_decide(actor=arbitrator, dispute=dispute, outcome="cancel", amount_cents=1,
                                fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    casework.dispute_assign_arbitrator(actor=arbitrator, dispute=dispute)
    casework.dispute_decide(actor=arbitrator, dispute=dispute, outcome="continue", amount_cents=0,
                            fault="client", findings=FINDINGS, policy_clause=CLAUSE)
    dispute.refresh_from_db()
    contract.refresh_from_db()
    assert dispute.state == DisputeState.DECIDED and dispute.lost_by == "client"
    assert contract.state == ContractState.ACTIVE
    assert not Settlement.objects.filter(contract=contract).exists()
    assert "dispute.decided" in kinds(contract)


def test_arbitrator_who_is_a_party_is_refused(arbitrator, mediator):
    dispute = in_mediation(make_dispute(), mediator)
    freelancer = dispute.contract.freelancer
    freelancer.is_staff = True
    freelancer.save()
    freelancer.groups.add(Group.objects.get(name="Arbitrators"))
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue", amount_cents=0,
                             fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute, reason="no")
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue", amount_cents=0,
                             fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute, reason="no")
    freelancer = type(freelancer).objects.get(pk=freelancer.pk)
    with pytest.raises(DomainError, match="party to"):
        casework.dispute_assign_arbitrator(actor=freelancer, dispute=dispute)


def test_silence_on_a_proposal_counts_as_acceptance(mediator):
    dispute = in_mediation(make_dispute(), mediator)
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel", amount_cents=10_000,
                             fault="freelancer", findings=FINDINGS, policy_clause=CLAUSE)
    dsvc.dispute_accept_proposal(actor=dispute.contract.client, dispute=dispute)
    with later(days=4, hours=23):
        process_deadlines()
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.PROPOSAL
    with later(days=5, minutes=1):
        process_deadlines()
        process_deadlines()
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.RESOLVED and dispute.lost_by == "freelancer"
    proposal = dispute.proposals.get()
    assert (proposal.client_response, proposal.freelancer_response) == ("accepted", "silence")
    assert Settlement.objects.get(contract=dispute.contract).to_freelancer_cents == 10_000


def test_withdrawing_a_disputed_cancellation_applies_the_clients_latest_terms():
    dispute = make_dispute("cancellation", request_amount_cents=5_000)
    contract = dispute.contract
    dsvc.dispute_withdraw(actor=contract.freelancer, dispute=dispute)
    dispute.refresh_from_db()
    contract.refresh_from_db()
    assert dispute.state == DisputeState.WITHDRAWN and contract.state == ContractState.CANCELLED
    settlement = Settlement.objects.get(contract=contract)
    assert (settlement.to_freelancer_cents, settlement.fault) == (5_000, "freelancer")


def test_withdrawing_a_disputed_denial_ends_the_request_and_continues():
    dispute = make_dispute("denial")
    contract = dispute.contract
    with pytest.raises(DomainError, match="Only the party who opened"):
        dsvc.dispute_withdraw(actor=contract.client, dispute=dispute)
    dsvc.dispute_withdraw(actor=contract.freelancer, dispute=dispute)
    dispute.refresh_from_db()
    contract.refresh_from_db()
    assert dispute.state == DisputeState.WITHDRAWN and contract.state == ContractState.ACTIVE
    assert dispute.cancellation_request.state == CancellationState.WITHDRAWN
    assert not Settlement.objects.filter(contract=contract).exists()


def test_evidence_until_the_case_leaves_mediation(mediator):
    from django.core.files.base import ContentFile

    dispute = make_dispute()
    contract = dispute.contract
    dsvc.dispute_message(actor=contract.freelancer, dispute=dispute, body="The brief, signed.",
                         files=[ContentFile(b"%PDF-1.4 brief", name="brief.pdf")], evidence=True)
    assert dispute.evidence.count() == 1
    dispute = in_mediation(dispute, mediator)
    dsvc.dispute_message(actor=mediator, dispute=dispute, body="Please both send your invoices.")
    casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue", amount_cents=0,
                             fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    with pytest.raises(DomainError, match="until the case leaves mediation"):
        dsvc.dispute_message(actor=contract.client, dispute=dispute, body="late",
                             files=[ContentFile(b"late note", name="late.txt")], evidence=True)
    assert dispute.evidence.count() == 1
    other = MediatorFactory()
    with pytest.raises(DomainError, match="Only the parties and the case's mediator"):
        dsvc.dispute_message(actor=other, dispute=dispute, body="hi")


def test_sla_flags_overdue_cases_once(mediator):
    dispute = in_mediation(make_dispute())
    with later(days=1, hours=23):
        process_deadlines()
    dispute.refresh_from_db()
    assert dispute.overdue_since is None and not dispute.is_overdue
    with later(days=2, minutes=1):
        process_deadlines()
        process_deadlines()
        dispute.refresh_from_db()
        assert dispute.is_overdue and dispute.overdue_since is not None
    assert kinds(dispute.contract).count("dispute.overdue") == 1
    # extending the SLA with a reason moves the due date and clears the flag
    casework.dispute_assign_mediator(actor=mediator, dispute=dispute)
    with later(days=2, hours=1):
        casework.dispute_extend_deadline(actor=mediator, dispute=dispute,
                                         until=timezone.now() + timedelta(days=2),
                                         reason="Waiting for the bank statement.")
        dispute.refresh_from_db()
        assert not dispute.is_overdue and dispute.overdue_since is None


def test_arbitration_sla(mediator, arbitrator):
    dispute = in_mediation(make_dispute(), mediator)
    for _ in range(2):
        casework.dispute_propose(actor=mediator, dispute=dispute, outcome="continue", amount_cents=0,
                                 fault="none", findings=FINDINGS, policy_clause=CLAUSE)
        dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute, reason="no")
    with later(days=5, minutes=1):
        process_deadlines()
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.ARBITRATION and dispute.overdue_since is not None
    assert Notification.objects.filter(user=arbitrator, text__contains="overdue").exists()
