"""A stateful property test of the whole workflow, by random actors, with the clock moving.

After every step: each ledger transaction sums to zero, no balance but `external` is below
zero, every escrow equals its funded and submitted milestones, every state is legal and
consistent across contract, request and dispute, at most one settlement per case, and every
record chain verifies; every page of a case that ended states the outcome its settlement and
ledger rows recorded. CI runs a bounded budget (about a minute); set
HYPOTHESIS_PROFILE=nightly for a long run.
"""

import os
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from contracts.ledger_checks import ledger_problems
from contracts.models import Contract, ContractState, Milestone, Settlement
from contracts.services import lifecycle, milestones, offers, wallets
from contracts.tests.factories import new_key
from disputes.models import (
    CancellationRequest,
    CancellationState,
    Dispute,
    DisputeState,
    SettlementOffer,
)
from disputes.models.dispute import OPEN_STATES
from disputes.services import cancellations, casework
from disputes.services import disputes as dsvc
from disputes.tests import test_outcome_pages as outcome_pages
from marketplace.kernel.deadlines import process_deadlines
from marketplace.kernel.errors import DomainError
from marketplace.kernel.services.record import verify_chain
from marketplace.tests.factories import (
    ArbitratorFactory,
    ClientFactory,
    FreelancerFactory,
    MediatorFactory,
)

settings.register_profile("ci", max_examples=24, stateful_step_count=35, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("nightly", max_examples=300, stateful_step_count=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

EXPLANATION = "We both see that the scope has moved too far from the original agreement to continue."
FINDINGS = "Read the whole record; the split follows the delivered and accepted work."
CASE_STATES = {
    ContractState.CANCELLATION_REQUESTED: {CancellationState.OPEN, CancellationState.DENIED},
}


def attempt(call):
    """Run a service; a refusal (DomainError) is a legal outcome of a random action."""
    try:
        return call()
    except DomainError:
        return None


class Workflow(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.clock = time_machine.travel(timezone.now(), tick=False)
        self.traveller = self.clock.start()
        self.clients = [ClientFactory() for _ in range(2)]
        self.freelancers = [FreelancerFactory() for _ in range(2)]
        self.mediator, self.arbitrator = MediatorFactory(), ArbitratorFactory()
        for client in self.clients:
            wallets.wallet_deposit(actor=client, amount_cents=200_000, idempotency_key=new_key())
        self.browser, self.cases_shown = Client(), set()

    def teardown(self):
        self.clock.stop()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @initialize()
    def contracts_under_way(self):
        """Start from work in progress, so short runs reach cases and disputes too."""
        for client, freelancer in zip(self.clients, self.freelancers, strict=True):
            contract = offers.offer_create(
                client=client, freelancer=freelancer, title="Under way", description="Work.",
                milestones=[offers.MilestoneInput("One", 30_000), offers.MilestoneInput("Two", 20_000)])
            offers.offer_accept(actor=freelancer, contract=contract)
            first, second = contract.milestones.order_by("position")
            milestones.milestone_fund(actor=client, milestone=first)
            milestones.milestone_fund(actor=client, milestone=second)
            milestones.milestone_submit(actor=freelancer, milestone=first)

    # --- helpers ----------------------------------------------------------------------------

    def pick(self, data, queryset):
        ids = list(queryset.values_list("pk", flat=True)[:20])
        return queryset.model.objects.get(pk=data.draw(st.sampled_from(ids))) if ids else None

    def party(self, data, contract):
        return data.draw(st.sampled_from([contract.client, contract.freelancer]))

    def anyone(self, data):
        return data.draw(st.sampled_from(self.clients + self.freelancers
                                         + [self.mediator, self.arbitrator]))

    def actor(self, data, right_one):
        """Mostly the person the action is for; sometimes anyone (refusals must hold too)."""
        # Hypothesis leans towards small draws: 0 (most often) means the right person.
        return self.anyone(data) if data.draw(st.integers(0, 3)) == 3 else right_one

    # --- money and offers -------------------------------------------------------------------

    @rule(data=st.data(), cents=st.integers(1, 100_000))
    def deposit_or_withdraw(self, data, cents):
        user = data.draw(st.sampled_from(self.clients + self.freelancers))
        service = data.draw(st.sampled_from([wallets.wallet_deposit, wallets.wallet_withdraw]))
        attempt(lambda: service(actor=user, amount_cents=cents, idempotency_key=new_key()))

    @precondition(lambda self: Contract.objects.exclude(state__in=["declined", "withdrawn",
                                                                    "expired"]).count() < 4)
    @rule(data=st.data(), amounts=st.lists(st.integers(1, 60_000), min_size=1, max_size=3))
    def make_offer(self, data, amounts):
        client = data.draw(st.sampled_from(self.clients))
        freelancer = data.draw(st.sampled_from(self.freelancers))
        offers.offer_create(client=client, freelancer=freelancer, title="Work",
                            description="Work to do.",
                            milestones=[offers.MilestoneInput("Part", a) for a in amounts])

    @precondition(lambda self: Contract.objects.filter(state=ContractState.OFFERED).exists())
    @rule(data=st.data())
    def answer_offer(self, data):
        contract = self.pick(data, Contract.objects.filter(state=ContractState.OFFERED))
        if contract is None:
            return
        action = data.draw(st.sampled_from(["accept", "accept", "accept", "decline", "withdraw"]))
        actor = self.actor(data, contract.client if action == "withdraw" else contract.freelancer)
        service = {"accept": offers.offer_accept, "decline": offers.offer_decline,
                   "withdraw": offers.offer_withdraw}[action]
        attempt(lambda: service(actor=actor, contract=contract))

    @precondition(lambda self: Milestone.objects.filter(
        state__in=["pending", "funded", "submitted"], contract__state="active").exists())
    @rule(data=st.data())
    def work_on_milestone(self, data):
        milestone = self.pick(data, Milestone.objects.filter(
            state__in=["pending", "funded", "submitted"], contract__state="active"))
        if milestone is None:
            return
        contract = milestone.contract
        action = {"pending": "fund", "funded": "submit"}.get(milestone.state) or data.draw(
            st.sampled_from(["approve", "approve", "request_changes"]))
        actor = self.actor(data, contract.freelancer if action == "submit" else contract.client)
        if action == "fund":
            attempt(lambda: milestones.milestone_fund(actor=actor, milestone=milestone))
        elif action == "submit":
            attempt(lambda: milestones.milestone_submit(actor=actor, milestone=milestone))
        elif action == "approve":
            attempt(lambda: milestones.milestone_approve(actor=actor, milestone=milestone))
        else:
            attempt(lambda: milestones.milestone_request_changes(actor=actor, milestone=milestone,
                                                                 reason="Fix it"))

    @precondition(lambda self: Contract.objects.filter(state=ContractState.ACTIVE).exists())
    @rule(data=st.data())
    def complete(self, data):
        contract = self.pick(data, Contract.objects.filter(state=ContractState.ACTIVE))
        if contract is not None:
            attempt(lambda: lifecycle.contract_complete(actor=contract.client, contract=contract))

    # --- cancellation requests --------------------------------------------------------------

    @precondition(lambda self: Contract.objects.filter(state=ContractState.ACTIVE).exists())
    @rule(data=st.data(), share=st.floats(0, 1), fault=st.sampled_from(["client", "freelancer", "none"]))
    def request_cancellation(self, data, share, fault):
        contract = self.pick(data, Contract.objects.filter(state=ContractState.ACTIVE))
        if contract is None:
            return
        actor = self.party(data, contract)
        escrow = sum(m.amount_cents for m in contract.milestones.all() if m.in_escrow)
        attempt(lambda: cancellations.cancellation_request(
            actor=actor, contract=contract, reason="mutual", explanation=EXPLANATION,
            amount_to_freelancer_cents=int(escrow * share), fault=fault))

    @precondition(lambda self: CancellationRequest.objects.filter(
        state__in=["open", "denied"]).exists())
    @rule(data=st.data(), share=st.floats(0, 1))
    def answer_request(self, data, share):
        request = self.pick(data, CancellationRequest.objects.filter(state__in=["open", "denied"]))
        if request is None:
            return
        actor = self.actor(data, request.turn_user or request.initiator)
        action = data.draw(st.sampled_from(["dispute", "counter", "deny", "message", "accept",
                                            "withdraw", "continue"]))
        calls = {
            "accept": lambda: cancellations.cancellation_accept(actor=actor, request=request),
            "counter": lambda: cancellations.cancellation_counter(
                actor=actor, request=request, amount_cents=int(request.escrow_cents * share),
                fault="none", message="Counter"),
            "deny": lambda: cancellations.cancellation_deny(actor=actor, request=request, reason="No"),
            "dispute": lambda: cancellations.cancellation_dispute(actor=actor, request=request,
                                                                  reason="Unfair"),
            "withdraw": lambda: cancellations.cancellation_withdraw(actor=actor, request=request),
            "continue": lambda: cancellations.cancellation_continue(actor=actor, request=request),
            "message": lambda: cancellations.cancellation_message(actor=actor, request=request,
                                                                  body="Let's talk"),
        }
        attempt(calls[action])

    # --- disputes ---------------------------------------------------------------------------

    @precondition(lambda self: Dispute.objects.filter(state__in=OPEN_STATES).exists())
    @rule(data=st.data(), share=st.floats(0, 1))
    def work_on_dispute(self, data, share):
        dispute = self.pick(data, Dispute.objects.filter(state__in=OPEN_STATES))
        if dispute is None:
            return
        party = self.actor(data, self.party(data, dispute.contract))
        escrow = dispute.escrow_cents
        outcome = data.draw(st.sampled_from(["cancel", "continue"]))
        action = data.draw(st.sampled_from([
            "request_mediation", "assign", "propose", "reject_proposal", "take_arbitration",
            "decide", "accept_proposal", "offer", "accept_offer", "withdraw", "evidence_message"]))
        reasons = {"findings": FINDINGS, "policy_clause": "§4.6 Outcomes and fault"}
        calls = {
            "offer": lambda: dsvc.dispute_make_offer(actor=party, dispute=dispute, outcome=outcome,
                                                     amount_cents=int(escrow * share), fault="none"),
            "accept_offer": lambda: self._accept_offer(data, dispute, party),
            "request_mediation": lambda: dsvc.dispute_request_mediation(actor=party, dispute=dispute),
            "assign": lambda: casework.dispute_assign_mediator(actor=self.mediator, dispute=dispute),
            "propose": lambda: casework.dispute_propose(
                actor=self.mediator, dispute=dispute, outcome=outcome,
                amount_cents=int(escrow * share), fault="client", **reasons),
            "accept_proposal": lambda: dsvc.dispute_accept_proposal(actor=party, dispute=dispute),
            "reject_proposal": lambda: dsvc.dispute_reject_proposal(actor=party, dispute=dispute,
                                                                    reason="No"),
            "take_arbitration": lambda: casework.dispute_assign_arbitrator(actor=self.arbitrator,
                                                                           dispute=dispute),
            "decide": lambda: casework.dispute_decide(
                actor=self.arbitrator, dispute=dispute, outcome=outcome,
                amount_cents=int(escrow * share), fault="freelancer", **reasons),
            "withdraw": lambda: dsvc.dispute_withdraw(actor=party, dispute=dispute),
            "evidence_message": lambda: dsvc.dispute_message(actor=party, dispute=dispute,
                                                             body="See the brief"),
        }
        attempt(calls[action])

    def _accept_offer(self, data, dispute, party):
        offer = self.pick(data, SettlementOffer.objects.filter(dispute=dispute, state="open"))
        if offer is not None:
            dsvc.dispute_accept_offer(actor=party, offer=offer)

    # --- time -------------------------------------------------------------------------------

    @rule(hours=st.sampled_from([1, 12, 49, 24 * 3, 24 * 8, 24 * 15]))
    def time_passes(self, hours):
        self.traveller.shift(timedelta(hours=hours))
        report = process_deadlines()
        assert report.failed == 0, "an automatic action failed"

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def money_is_never_lost(self):
        assert ledger_problems() == []

    @invariant()
    def states_are_legal_and_consistent(self):
        for contract in Contract.objects.all():
            assert contract.state in ContractState.values
            live_requests = contract.cancellation_requests.filter(state__in=["open", "denied"]).count()
            open_disputes = contract.disputes.filter(state__in=OPEN_STATES).count()
            assert live_requests <= 1 and open_disputes <= 1
            if contract.state == ContractState.CANCELLATION_REQUESTED:
                assert live_requests == 1 and open_disputes == 0
            elif contract.state == ContractState.DISPUTED:
                assert open_disputes == 1 and live_requests == 0
            else:
                assert live_requests == 0 and open_disputes == 0
            settled = Settlement.objects.filter(contract=contract).count()
            assert settled == (1 if contract.state == ContractState.CANCELLED else 0)
            if contract.is_ended:
                assert not contract.milestones.filter(state="pending").exists()
        for dispute in Dispute.objects.all():
            assert dispute.state in DisputeState.values
            assert dispute.cancellation_request.state in (CancellationState.DISPUTED,
                                                          CancellationState.WITHDRAWN)

    @invariant()
    def ended_cases_state_what_was_recorded(self):
        """Every page of a case that ended states the settlement row and its ledger
        transaction exactly (or that no money moved), never a negative amount. Checked once
        per case, when it is first seen ended."""
        ended = (CancellationRequest.objects.exclude(pk__in=self.cases_shown)
                 .exclude(state__in=[CancellationState.OPEN, CancellationState.DENIED])
                 .exclude(dispute__state__in=OPEN_STATES))
        for request in ended:
            expected = outcome_pages.recorded(request.contract)
            for name, html in outcome_pages.pages(self.browser, request).items():
                outcome_pages.assert_states_the_recorded_outcome(name, html, expected)
            self.cases_shown.add(request.pk)

    @invariant()
    def records_verify(self):
        for contract in Contract.objects.all():
            assert verify_chain(contract) is None


@pytest.mark.django_db
def test_workflow_keeps_every_invariant():
    run_state_machine_as_test(Workflow, settings=PROFILE)
