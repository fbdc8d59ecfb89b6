"""The dispute transition matrix: state × action × person, at the rules and over HTTP (spec
section 6, with the people of section 2).

Who may do what is written below as an explicit table, derived from the spec's text rather than
from the model's predicates. Every state is reached through the services (time by travelling
the clock), never by setting a field, so the ledger and the record stay whole.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from conftest import login
from contracts.models import (
    Account,
    Contract,
    Entry,
    LedgerTransaction,
    Message,
    Settlement,
)
from disputes.actions import DISPUTE_ACTIONS, OFFER_ACTIONS
from disputes.console import CONSOLE_ACTIONS
from disputes.models import CancellationRequest, Dispute, Proposal, SettlementOffer
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import make_dispute
from marketplace.kernel import fsm
from marketplace.kernel.actions import available
from marketplace.kernel.errors import DomainError
from marketplace.kernel.fsm import refusal_reason
from marketplace.kernel.models import Event, IdempotencyKey, Notification, User
from marketplace.tests.factories import (
    ArbitratorFactory,
    LeadArbitratorFactory,
    LeadMediatorFactory,
    MediatorFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

A_MINUTE = timedelta(minutes=1)
NEGOTIATION_PERIOD = timedelta(days=settings.NEGOTIATION_DAYS)
RESPONSE_PERIOD = timedelta(days=settings.PROPOSAL_RESPONSE_DAYS)
MEDIATION_SLA = timedelta(days=settings.MEDIATION_SLA_DAYS)
ARBITRATION_SLA = timedelta(days=settings.ARBITRATION_SLA_DAYS)
ESCROW = 50_000  # $300 submitted + $200 funded, as make_dispute() builds it

FINDINGS = "The brief asked for two layouts; both were delivered, one needed small fixes."
CLAUSE = "§4.6 Outcomes and fault"

# maya and arthur are the mediator and arbitrator who take the case in the states where it is
# assigned; mina and ari are another mediator and another arbitrator, never assigned; lena
# and lars lead the mediators and the arbitrators (and work cases too); root is a superuser
# who works no cases.
PEOPLE = ["client", "freelancer", "stranger", "maya", "mina", "lena", "arthur", "ari", "lars",
          "root"]
# The parties' buttons (in page order), accepting each party's open offer, the console's
# buttons (in page order), and the clock's own transitions.
PARTY_ACTIONS = list(DISPUTE_ACTIONS)
OFFER_ACCEPTS = ["accept_client_offer", "accept_freelancer_offer"]
STAFF_ACTIONS = list(CONSOLE_ACTIONS)
SYSTEM_ACTIONS = ["start_mediation", "resolve", "resolve_by_silence", "flag_overdue"]
ALL_ACTIONS = PARTY_ACTIONS + OFFER_ACCEPTS + STAFF_ACTIONS + SYSTEM_ACTIONS

# --- the expected table, from the spec -----------------------------------------------------------
#
# offer:              a party, in negotiation or mediation.
# accept_<x>_offer:   the other party than the offer's maker, while the offer is open, in
#                     negotiation or mediation (offers lapse when the case moves to a proposal
#                     or to arbitration, or closes).
# request_mediation:  each party once, in negotiation.
# accept_proposal /
# reject_proposal:    each party once, in proposal, before the answering deadline.
# withdraw:           the disputing party (here the freelancer), in any open state (any time
#                     before `decided`).
# assign_to_me:       a mediator who is not a party, in mediation or proposal, while nobody
#                     holds the case (taking a held case is a reassignment).
# reassign:           a lead mediator (a superuser holds every permission) who is not a party,
#                     in mediation or proposal, with a reason; whom it goes to (a mediator who
#                     is not a party and does not hold it) is checked by the form and service.
# recuse:             the case's mediator, in mediation or proposal.
# extend:             the case's mediator in mediation or proposal; in arbitration, its arbitrator.
# propose:            the case's mediator, in mediation (a proposal and one revised proposal).
# take_arbitration:   an arbitrator who is neither the case's mediator nor a party, in
#                     arbitration, while nobody arbitrates the case.
# reassign_arbitration: a lead arbitrator (or a superuser) who is not a party, in arbitration,
#                     with a reason; the target is never the case's mediator nor a party.
# recuse_arbitration: the case's arbitrator, in arbitration.
# decide:             the case's arbitrator, in arbitration (a lead too must reassign first).
# message:            those who write in a dispute: the parties, and the case's own mediator
#                     and arbitrator, while the case is open.
# start_mediation:    the system, in negotiation, once both parties asked or NEGOTIATION_DAYS
#                     ended (asking the second time moves the case at once, so only the clock
#                     case is ever a resting state).
# resolve:            the system, once both parties accepted (which resolves at once, so never
#                     a resting state).
# resolve_by_silence: the system, in proposal, once PROPOSAL_RESPONSE_DAYS passed.
# flag_overdue:       the system only. Whether the SLA has passed is the service's check, not
#                     the transition's (see test_the_sla_flag_is_raised_only_when_overdue).
# Strangers: never. Closed states (settled, resolved, decided, withdrawn): nothing, for anyone.
#
# state -> {person: the actions that person may take}; a person left out may do nothing.
NOTHING: dict[str, str] = {}
NEGOTIATING_CLIENT = "offer accept_freelancer_offer request_mediation message"
NEGOTIATING_FREELANCER = "offer accept_client_offer request_mediation withdraw message"
MEDIATING_CLIENT = "offer accept_freelancer_offer message"
MEDIATING_FREELANCER = "offer accept_client_offer withdraw message"
ANSWERING_CLIENT = "accept_proposal reject_proposal message"
ANSWERING_FREELANCER = "accept_proposal reject_proposal withdraw message"
# A case somebody holds: only a lead (or a superuser) may take it from them, by reassigning.
LEADING_MEDIATION = {"lena": "reassign", "root": "reassign"}
EXPECTED = {
    "negotiation": {
        "client": NEGOTIATING_CLIENT, "freelancer": NEGOTIATING_FREELANCER,
        "system": "flag_overdue"},
    "negotiation_client_asked": {
        "client": "offer accept_freelancer_offer message", "freelancer": NEGOTIATING_FREELANCER,
        "system": "flag_overdue"},
    "negotiation_freelancer_asked": {
        "client": NEGOTIATING_CLIENT, "freelancer": "offer accept_client_offer withdraw message",
        "system": "flag_overdue"},
    "negotiation_past_deadline": {
        "client": NEGOTIATING_CLIENT, "freelancer": NEGOTIATING_FREELANCER,
        "system": "start_mediation flag_overdue"},
    "mediation_unassigned": {
        "client": MEDIATING_CLIENT, "freelancer": MEDIATING_FREELANCER,
        "maya": "assign_to_me", "mina": "assign_to_me", "lena": "assign_to_me reassign",
        "root": "reassign", "system": "flag_overdue"},
    "mediation_assigned": {
        "client": MEDIATING_CLIENT, "freelancer": MEDIATING_FREELANCER,
        "maya": "recuse extend propose message", **LEADING_MEDIATION, "system": "flag_overdue"},
    "mediation_revision": {  # the first proposal was rejected: one revised proposal left
        "client": MEDIATING_CLIENT, "freelancer": MEDIATING_FREELANCER,
        "maya": "recuse extend propose message", **LEADING_MEDIATION, "system": "flag_overdue"},
    "proposal_round1": {
        "client": ANSWERING_CLIENT, "freelancer": ANSWERING_FREELANCER,
        "maya": "recuse extend message", **LEADING_MEDIATION, "system": "flag_overdue"},
    "proposal_one_answered": {  # the client accepted; the freelancer has not answered
        "client": "message", "freelancer": ANSWERING_FREELANCER,
        "maya": "recuse extend message", **LEADING_MEDIATION, "system": "flag_overdue"},
    "proposal_round2": {
        "client": ANSWERING_CLIENT, "freelancer": ANSWERING_FREELANCER,
        "maya": "recuse extend message", **LEADING_MEDIATION, "system": "flag_overdue"},
    "proposal_past_deadline": {  # silence: the clock's turn
        "client": "message", "freelancer": "withdraw message",
        # the deadline passed: silence has answered, so it can no longer be extended
        "maya": "recuse message", **LEADING_MEDIATION,
        "system": "resolve_by_silence flag_overdue"},
    "arbitration_unassigned": {
        "client": "message", "freelancer": "withdraw message", "maya": "message",
        "arthur": "take_arbitration", "ari": "take_arbitration",
        "lars": "take_arbitration reassign_arbitration", "root": "reassign_arbitration",
        "system": "flag_overdue"},
    "arbitration_assigned": {
        "client": "message", "freelancer": "withdraw message", "maya": "message",
        "arthur": "extend recuse_arbitration decide message", "lars": "reassign_arbitration",
        "root": "reassign_arbitration", "system": "flag_overdue"},
    "settled": NOTHING,
    "resolved": NOTHING,
    "decided": NOTHING,
    "withdrawn": NOTHING,
}

# The refusals a person must be able to read, for some telling cells:
# (state, person, action) -> a phrase the refusal contains.
PARTIES_ONLY = "Only the client and the freelancer"
CASE_MEDIATOR = "Only the case's assigned mediator"
CASE_ARBITRATOR = "Only the case's assigned arbitrator"


def in_state(state: str) -> str:
    """The dispute's own words for why nothing of that kind can be done in `state`."""
    return str(Dispute.STATE_REFUSALS[state])


IN_PROPOSAL = in_state("proposal")
REFUSALS = {
    ("negotiation", "stranger", "offer"): PARTIES_ONLY,
    ("negotiation", "maya", "offer"): PARTIES_ONLY,
    ("negotiation", "client", "withdraw"): "Only the party who opened the dispute",
    ("negotiation", "freelancer", "accept_freelancer_offer"): "Only the other party",
    ("negotiation", "client", "accept_client_offer"): "Only the other party",
    ("negotiation", "stranger", "accept_client_offer"): PARTIES_ONLY,
    ("negotiation", "client", "accept_proposal"): in_state("negotiation"),
    ("negotiation", "maya", "assign_to_me"): in_state("negotiation"),
    ("negotiation", "maya", "message"): "take the case first",
    ("negotiation", "system", "start_mediation"): "Negotiation goes on",
    ("negotiation", "client", "flag_overdue"): "Only the system",
    ("negotiation_client_asked", "client", "request_mediation"): "already asked for mediation",
    ("negotiation_past_deadline", "client", "start_mediation"): "Only the system",
    ("mediation_unassigned", "arthur", "assign_to_me"): "Only a mediator can assign",
    ("mediation_unassigned", "stranger", "reassign"): "Only a lead mediator",
    ("mediation_unassigned", "maya", "reassign"): "Only a lead mediator",
    ("mediation_unassigned", "root", "assign_to_me"): "Only a mediator can assign",
    ("mediation_unassigned", "maya", "propose"): CASE_MEDIATOR,
    ("mediation_unassigned", "maya", "recuse"): CASE_MEDIATOR,
    ("mediation_unassigned", "maya", "extend"): "Only the case's mediator",
    ("mediation_unassigned", "client", "request_mediation"): in_state("mediation"),
    ("mediation_assigned", "maya", "assign_to_me"): "You already hold this case",
    ("mediation_assigned", "mina", "assign_to_me"): "already has a mediator",
    ("mediation_assigned", "lena", "assign_to_me"): "reassignment",
    ("mediation_assigned", "mina", "reassign"): "Only a lead mediator",
    ("mediation_assigned", "maya", "reassign"): "Only a lead mediator",
    ("mediation_assigned", "lena", "propose"): CASE_MEDIATOR,
    ("mediation_assigned", "mina", "recuse"): CASE_MEDIATOR,
    ("mediation_assigned", "mina", "propose"): CASE_MEDIATOR,
    ("mediation_assigned", "mina", "message"): "take the case first",
    ("mediation_assigned", "arthur", "propose"): "Only a mediator",
    ("proposal_round1", "maya", "propose"): IN_PROPOSAL,
    ("proposal_round1", "stranger", "accept_proposal"): "Only the client and the freelancer answer",
    ("proposal_round1", "maya", "reject_proposal"): "Only the client and the freelancer answer",
    ("proposal_round1", "client", "offer"): IN_PROPOSAL,
    ("proposal_round1", "freelancer", "accept_client_offer"): IN_PROPOSAL,
    ("proposal_round1", "system", "resolve_by_silence"): "has not run out yet",
    ("proposal_one_answered", "client", "accept_proposal"): "already answered this proposal",
    ("proposal_one_answered", "client", "reject_proposal"): "already answered this proposal",
    ("proposal_one_answered", "system", "resolve"): "Both parties have to accept",
    ("proposal_past_deadline", "freelancer", "accept_proposal"): "time to answer has run out",
    ("proposal_past_deadline", "freelancer", "reject_proposal"): "time to answer has run out",
    ("proposal_past_deadline", "maya", "resolve_by_silence"): "Only the system",
    ("arbitration_unassigned", "arthur", "decide"): CASE_ARBITRATOR,
    ("arbitration_unassigned", "maya", "extend"): "in arbitration, its arbitrator",
    ("arbitration_unassigned", "mina", "take_arbitration"): "Only an arbitrator",
    ("arbitration_unassigned", "client", "withdraw"): "Only the party who opened the dispute",
    ("arbitration_assigned", "arthur", "take_arbitration"): "You already hold this case",
    ("arbitration_assigned", "ari", "take_arbitration"): "already has an arbitrator",
    ("arbitration_assigned", "ari", "reassign_arbitration"): "Only a lead arbitrator",
    ("arbitration_assigned", "ari", "recuse_arbitration"): CASE_ARBITRATOR,
    ("arbitration_assigned", "lars", "decide"): CASE_ARBITRATOR,
    ("arbitration_assigned", "root", "decide"): CASE_ARBITRATOR,
    ("arbitration_unassigned", "root", "take_arbitration"): "Only an arbitrator",
    ("arbitration_unassigned", "lena", "reassign_arbitration"): "Only a lead arbitrator",
    ("arbitration_assigned", "ari", "decide"): CASE_ARBITRATOR,
    ("arbitration_assigned", "ari", "extend"): "in arbitration, its arbitrator",
    ("arbitration_assigned", "ari", "message"): "take the case first",
    ("settled", "freelancer", "withdraw"): in_state("settled"),
    ("settled", "maya", "message"): "The case is closed",
    ("resolved", "client", "accept_proposal"): in_state("resolved"),
    ("decided", "arthur", "decide"): in_state("decided"),
    ("decided", "arthur", "message"): "The case is closed",
    ("withdrawn", "freelancer", "withdraw"): in_state("withdrawn"),
}

# The special people of section 2, made from the case's own people: the client becomes staff in
# both groups (a mediator and an arbitrator who is a party), the freelancer an arbitrator (an
# arbitrator who is a party), and maya an arbitrator too (in arbitration, an arbitrator who is
# the case's mediator). None of it may give them a single right more on this case.
SPECIAL_REFUSALS = {
    ("mediation_unassigned", "client", "assign_to_me"): "party to",
    ("mediation_unassigned", "client", "reassign"): "party to",
    ("mediation_assigned", "client", "propose"): "party to",
    ("proposal_round1", "client", "assign_to_me"): "party to",
    ("arbitration_unassigned", "client", "take_arbitration"): "party to",
    ("arbitration_unassigned", "freelancer", "take_arbitration"): "party to",
    ("arbitration_unassigned", "maya", "take_arbitration"): "never its mediator",
    ("arbitration_assigned", "maya", "take_arbitration"): "never its mediator",
    ("arbitration_assigned", "maya", "decide"): "never its mediator",
    ("arbitration_assigned", "freelancer", "take_arbitration"): "party to",
}


def expected_allowed(state: str, who: str, action: str) -> bool:
    return action in EXPECTED[state].get(who, "").split()


# Who sees the case in the console at all (spec section 2, need to know): the cases in a case
# worker's queue and the cases they hold; a lead, every case of their stage; a superuser, all.
# For anyone else the case does not exist there (404), whatever they post.
MEDIATION_HELD = {"maya", "lena", "root"}
CONSOLE_SEES = {
    "negotiation": {"root"}, "negotiation_client_asked": {"root"},
    "negotiation_freelancer_asked": {"root"}, "negotiation_past_deadline": {"root"},
    "mediation_unassigned": {"maya", "mina", "lena", "root"},
    "mediation_assigned": MEDIATION_HELD, "mediation_revision": MEDIATION_HELD,
    "proposal_round1": MEDIATION_HELD, "proposal_one_answered": MEDIATION_HELD,
    "proposal_round2": MEDIATION_HELD, "proposal_past_deadline": MEDIATION_HELD,
    "arbitration_unassigned": {"maya", "arthur", "ari", "lars", "root"},
    "arbitration_assigned": {"maya", "arthur", "lars", "root"},
    "settled": {"maya", "root"}, "resolved": {"maya", "root"},
    "decided": {"maya", "arthur", "root"}, "withdrawn": {"maya", "root"},
}


def sees_in_console(state: str, who: str) -> bool:
    return who in CONSOLE_SEES[state]


# --- reaching each state through the services ----------------------------------------------------



# The mediator's proposals and the arbitrator's decision made on the way to a state.
PROPOSALS = {1: ("cancel", 25_000, "none"), 2: ("cancel", 20_000, "freelancer")}
DECISION = ("cancel", 30_000, "client")
CLIENT_OFFER = ("cancel", 10_000, "freelancer")
FREELANCER_OFFER = ("cancel", 40_000, "client")


@dataclass
class Case:
    dispute: Dispute
    users: dict
    jump: object
    offer_of: dict = field(default_factory=dict)

    def user(self, who: str):
        return None if who == "system" else self.users[who]

    def reload(self) -> Dispute:
        self.dispute = (Dispute.objects
                        .select_related("contract", "contract__client", "contract__freelancer")
                        .get(pk=self.dispute.pk))
        return self.dispute

    def offer(self, who: str) -> SettlementOffer:
        offer = SettlementOffer.objects.get(pk=self.offer_of[who].pk)
        offer.dispute = self.dispute
        return offer

    # The steps recipes are written in (each one a service call, as a person would act).
    def offers(self) -> None:
        for who, (outcome, amount, fault) in (("client", CLIENT_OFFER),
                                              ("freelancer", FREELANCER_OFFER)):
            self.offer_of[who] = dsvc.dispute_make_offer(
                actor=self.users[who], dispute=self.dispute, outcome=outcome,
                amount_cents=amount, fault=fault, message=f"The {who}'s offer.")

    def ask(self, who: str) -> None:
        dsvc.dispute_request_mediation(actor=self.users[who], dispute=self.dispute)

    def assign(self) -> None:
        casework.dispute_assign_mediator(actor=self.users["maya"], dispute=self.dispute)

    def propose(self) -> None:
        outcome, amount, fault = PROPOSALS[self.reload().proposal_rounds + 1]
        casework.dispute_propose(actor=self.users["maya"], dispute=self.dispute, outcome=outcome,
                                 amount_cents=amount, fault=fault, findings=FINDINGS,
                                 policy_clause=CLAUSE)

    def answer(self, who: str, accept: bool) -> None:
        if accept:
            dsvc.dispute_accept_proposal(actor=self.users[who], dispute=self.dispute)
        else:
            dsvc.dispute_reject_proposal(actor=self.users[who], dispute=self.dispute,
                                         reason="The proposal ignores the signed brief.")

    def take(self) -> None:
        casework.dispute_assign_arbitrator(actor=self.users["arthur"], dispute=self.dispute)

    def decide(self) -> None:
        outcome, amount, fault = DECISION
        casework.dispute_decide(actor=self.users["arthur"], dispute=self.dispute, outcome=outcome,
                                amount_cents=amount, fault=fault, findings=FINDINGS,
                                policy_clause=CLAUSE)


def _mediation(c: Case) -> None:
    c.offers()
    c.ask("client")
    c.ask("freelancer")


def _assigned(c: Case) -> None:
    _mediation(c)
    c.assign()


def _revision(c: Case) -> None:
    _assigned(c)
    c.propose()
    c.answer("client", accept=False)
    c.offers()  # the first round's offers lapsed; the parties may offer again


def _round1(c: Case) -> None:
    _assigned(c)
    c.propose()


def _round2(c: Case) -> None:
    _revision(c)
    c.propose()


def _arbitration(c: Case) -> None:
    _round2(c)
    c.answer("freelancer", accept=False)


def _decided(c: Case) -> None:
    _arbitration(c)
    c.take()
    c.decide()


def _settled(c: Case) -> None:
    _assigned(c)
    dsvc.dispute_accept_offer(actor=c.users["client"], offer=c.offer_of["freelancer"])


def _resolved(c: Case) -> None:
    _round1(c)
    c.answer("client", accept=True)
    c.answer("freelancer", accept=True)


def _withdrawn(c: Case) -> None:
    _assigned(c)
    dsvc.dispute_withdraw(actor=c.users["freelancer"], dispute=c.dispute)


# state -> (recipe, the dispute's state afterwards, who mediates, who arbitrates, proposal rounds)
STATES = {
    "negotiation": (lambda c: c.offers(), "negotiation", None, None, 0),
    "negotiation_client_asked": (lambda c: (c.offers(), c.ask("client")), "negotiation",
                                 None, None, 0),
    "negotiation_freelancer_asked": (lambda c: (c.offers(), c.ask("freelancer")), "negotiation",
                                     None, None, 0),
    "negotiation_past_deadline": (lambda c: (c.offers(), c.jump(NEGOTIATION_PERIOD + A_MINUTE)),
                                  "negotiation", None, None, 0),
    "mediation_unassigned": (_mediation, "mediation", None, None, 0),
    "mediation_assigned": (_assigned, "mediation", "maya", None, 0),
    "mediation_revision": (_revision, "mediation", "maya", None, 1),
    "proposal_round1": (_round1, "proposal", "maya", None, 1),
    "proposal_one_answered": (lambda c: (_round1(c), c.answer("client", accept=True)),
                              "proposal", "maya", None, 1),
    "proposal_round2": (_round2, "proposal", "maya", None, 2),
    "proposal_past_deadline": (lambda c: (_round1(c), c.jump(RESPONSE_PERIOD + A_MINUTE)),
                               "proposal", "maya", None, 1),
    "arbitration_unassigned": (_arbitration, "arbitration", "maya", None, 2),
    "arbitration_assigned": (lambda c: (_arbitration(c), c.take()), "arbitration", "maya",
                             "arthur", 2),
    "settled": (_settled, "settled", "maya", None, 0),
    "resolved": (_resolved, "resolved", "maya", None, 1),
    "decided": (_decided, "decided", "maya", "arthur", 2),
    "withdrawn": (_withdrawn, "withdrawn", "maya", None, 0),
}


@pytest.fixture
def reach(stranger, mediator, arbitrator, jump):
    """A dispute of a client's cancellation ($500 in escrow; the client's terms gave the
    freelancer $0) brought to `state` through the services; with kind "denial", a dispute of
    the client's denial of the freelancer's request."""
    mina = MediatorFactory(username="mina")
    ari = ArbitratorFactory(username="ari")
    lena = LeadMediatorFactory(username="lena")
    lars = LeadArbitratorFactory(username="lars")
    root = StaffFactory(username="root", is_superuser=True)

    def build(state: str, kind: str = "cancellation") -> Case:
        dispute = make_dispute(kind)
        contract = dispute.contract
        case = Case(dispute=dispute, jump=jump, users={
            "client": contract.client, "freelancer": contract.freelancer, "stranger": stranger,
            "maya": mediator, "mina": mina, "lena": lena, "arthur": arbitrator, "ari": ari,
            "lars": lars, "root": root})
        recipe, dispute_state, mediating, arbitrating, rounds = STATES[state]
        recipe(case)
        dispute = case.reload()
        # The recipe reached what it claims, or every expectation below would be moot.
        assert dispute.state == dispute_state
        assert dispute.opened_by == case.users["freelancer"]
        assert dispute.mediator_id == (case.users[mediating].pk if mediating else None)
        assert dispute.arbitrator_id == (case.users[arbitrating].pk if arbitrating else None)
        assert dispute.proposal_rounds == rounds
        return case

    return build


def promote(case: Case) -> None:
    """Make the special people of section 2 out of the case's own people (see above)."""
    mediators = Group.objects.get(name="Mediators")
    arbitrators = Group.objects.get(name="Arbitrators")
    for who, groups in (("client", [mediators, arbitrators]), ("freelancer", [arbitrators]),
                        ("maya", [arbitrators])):
        person = case.users[who]
        person.is_staff = True
        person.save(update_fields=["is_staff"])
        person.groups.add(*groups)
        case.users[who] = User.objects.get(pk=person.pk)  # forget the cached group names
    assert case.users["client"].is_mediator and case.users["client"].is_arbitrator
    assert case.users["freelancer"].is_arbitrator and case.users["maya"].is_arbitrator


# --- (a) the rules: refusal_reason and the actions offered ----------------------------------------


def rule_refusal(case: Case, action: str, user) -> str | None:
    """Why `user` may not take `action` now, by the rules a page and a service both use."""
    dispute = case.dispute
    if action in DISPUTE_ACTIONS:
        return DISPUTE_ACTIONS[action].refusal(dispute, user)
    if action in CONSOLE_ACTIONS:
        return CONSOLE_ACTIONS[action].refusal(dispute, user)
    if action in OFFER_ACCEPTS:
        # The dispute's transition (its state, a party), then the offer's (open, the other party).
        offer = case.offer(action.split("_")[1])
        return (refusal_reason(dispute, "accept_offer", user)
                or OFFER_ACTIONS["accept"].refusal(offer, user))
    return refusal_reason(dispute, action, user)


def offered_accepts(case: Case, user) -> list[str]:
    """The offer buttons the dispute page shows this person (offers only while offers count)."""
    if case.dispute.state not in ("negotiation", "mediation"):
        return []
    return [f"accept_{maker}_offer" for maker in ("client", "freelancer")
            if available(OFFER_ACTIONS, case.offer(maker), user)]


def wrong_cells(case: Case, state: str, people: list[str], refusals: dict) -> list[str]:
    case.reload()
    wrong = []
    for who in [*people, "system"]:
        user = case.user(who)
        for action in ALL_ACTIONS:
            reason = rule_refusal(case, action, user)
            allowed = expected_allowed(state, who, action)
            if (reason is None) != allowed:
                wrong.append(f"{who} {action}: expected {'allowed' if allowed else 'refused'}, "
                             f"got {'allowed' if reason is None else repr(str(reason))}")
            elif reason is not None and not str(reason).strip():
                wrong.append(f"{who} {action}: refused without a reason")
            phrase = refusals.get((state, who, action))
            if phrase and phrase not in str(reason):
                wrong.append(f"{who} {action}: refusal {reason!r} does not say {phrase!r}")
        if who == "system":
            continue
        shown = ([a.name for a in available(DISPUTE_ACTIONS, case.dispute, user)]
                 + offered_accepts(case, user)
                 + [a.name for a in available(CONSOLE_ACTIONS, case.dispute, user)])
        expected = [a for a in PARTY_ACTIONS + OFFER_ACCEPTS + STAFF_ACTIONS
                    if expected_allowed(state, who, a)]
        if shown != expected:
            wrong.append(f"{who} is offered {shown}, expected {expected}")
    return wrong


def test_the_tables_are_consistent():
    """Every state has a recipe; every action named exists; every listed refusal is a refused
    cell; the closed states allow nothing."""
    assert set(EXPECTED) == set(STATES)
    for roles in EXPECTED.values():
        assert set(roles) <= {*PEOPLE, "system"}
        for actions in roles.values():
            assert set(actions.split()) <= set(ALL_ACTIONS)
    assert set(PARTY_ACTIONS) == {"offer", "request_mediation", "accept_proposal",
                                  "reject_proposal", "withdraw"}
    assert set(STAFF_ACTIONS) == {"assign_to_me", "reassign", "recuse", "extend", "propose",
                                  "take_arbitration", "reassign_arbitration",
                                  "recuse_arbitration", "decide", "message"}
    for state, who, action in [*REFUSALS, *SPECIAL_REFUSALS]:
        assert state in EXPECTED and not expected_allowed(state, who, action), (state, who, action)
    for state in ("settled", "resolved", "decided", "withdrawn"):
        assert EXPECTED[state] == NOTHING
    # Nobody but the system runs the clock's transitions; strangers never act.
    for roles in EXPECTED.values():
        assert "stranger" not in roles
        for who, actions in roles.items():
            assert (who == "system") == bool(set(actions.split()) & set(SYSTEM_ACTIONS))


@pytest.mark.parametrize("state", list(EXPECTED))
def test_rules_allow_exactly_what_the_spec_allows(state, reach):
    """refusal_reason is None exactly for the allowed cells (for every person and the system),
    the pages and the console offer exactly the allowed buttons, and the telling refusals say
    why. Then the same with the special people: a party who is a mediator or an arbitrator,
    and the case's mediator who is also an arbitrator, gain no right at all."""
    case = reach(state)
    wrong = wrong_cells(case, state, PEOPLE, REFUSALS)
    assert not wrong, "\n".join(wrong)
    promote(case)
    wrong = wrong_cells(case, state, ["client", "freelancer", "maya"], SPECIAL_REFUSALS)
    assert not wrong, "special people:\n" + "\n".join(wrong)


def test_the_negotiation_deadline_is_exact(reach):
    case = reach("negotiation")
    dispute = case.dispute
    assert dispute.deadline_at == pytest.approx(dispute.created_at + NEGOTIATION_PERIOD,
                                                abs=timedelta(seconds=1))
    with time_machine.travel(dispute.deadline_at - timedelta(seconds=1), tick=False):
        assert "Negotiation goes on" in refusal_reason(dispute, "start_mediation", None)
    with time_machine.travel(dispute.deadline_at, tick=False):
        assert refusal_reason(dispute, "start_mediation", None) is None
        assert "Only the system" in refusal_reason(dispute, "start_mediation", case.users["client"])


def test_the_answering_deadline_is_exact(reach):
    case = reach("proposal_one_answered")
    dispute, freelancer = case.dispute, case.users["freelancer"]
    assert dispute.deadline_at == pytest.approx(timezone.now() + RESPONSE_PERIOD,
                                                abs=timedelta(seconds=30))
    with time_machine.travel(dispute.deadline_at - timedelta(seconds=1), tick=False):
        assert refusal_reason(dispute, "accept_proposal", freelancer) is None
        assert refusal_reason(dispute, "reject_proposal", freelancer) is None
        assert "has not run out yet" in refusal_reason(dispute, "resolve_by_silence", None)
    with time_machine.travel(dispute.deadline_at, tick=False):
        assert "run out" in refusal_reason(dispute, "accept_proposal", freelancer)
        assert "run out" in refusal_reason(dispute, "reject_proposal", freelancer)
        assert refusal_reason(dispute, "resolve_by_silence", None) is None


@pytest.mark.parametrize(("state", "sla"), [
    ("mediation_assigned", MEDIATION_SLA), ("arbitration_assigned", ARBITRATION_SLA)])
def test_the_sla_flag_is_raised_only_when_overdue(state, sla, reach):
    """flag_overdue is the system's alone; the service raises it only once the stage's SLA has
    passed (never in negotiation or proposal, where there is no SLA), and only once."""
    case = reach(state)
    started = case.dispute.mediation_started_at if state.startswith("mediation") else (
        case.dispute.arbitration_started_at)
    events = Event.objects.count()
    early = time_machine.travel(started + sla - A_MINUTE, tick=False)
    with early, pytest.raises(DomainError):
        casework.dispute_flag_overdue(dispute=case.dispute)
    with time_machine.travel(started + sla + A_MINUTE, tick=False):
        casework.dispute_flag_overdue(dispute=case.dispute)
        assert case.reload().overdue_since is not None
        with pytest.raises(DomainError):
            casework.dispute_flag_overdue(dispute=case.dispute)
    assert Event.objects.count() == events + 1
    assert Event.objects.order_by("-id").first().kind == "dispute.overdue"


def test_no_sla_flag_in_negotiation_or_proposal(reach):
    case = reach("negotiation")
    late = time_machine.travel(timezone.now() + NEGOTIATION_PERIOD - A_MINUTE, tick=False)
    with late, pytest.raises(DomainError):
        casework.dispute_flag_overdue(dispute=case.dispute)
    case = reach("proposal_round1")
    # past the mediation SLA, but a case awaiting answers has no SLA to miss
    late = time_machine.travel(timezone.now() + RESPONSE_PERIOD - A_MINUTE, tick=False)
    with late, pytest.raises(DomainError):
        casework.dispute_flag_overdue(dispute=case.dispute)
    assert not Event.objects.filter(kind="dispute.overdue").exists()


def test_reassigning_gives_the_case_only_to_another_mediator_who_is_not_a_party(reach):
    case = reach("mediation_assigned")
    maya, lena = case.users["maya"], case.users["lena"]
    promote(case)
    refused = [(case.users["client"], "party to"), (case.users["arthur"], "is not a mediator"),
               (case.users["stranger"], "is not a mediator"), (maya, "already holds")]
    for target, phrase in refused:
        with pytest.raises(DomainError, match=phrase):
            casework.dispute_reassign_mediator(actor=lena, dispute=case.dispute, mediator=target,
                                               reason="Maya is on leave.")
    assert case.reload().mediator_id == maya.pk
    casework.dispute_reassign_mediator(actor=lena, dispute=case.dispute,
                                       mediator=case.users["mina"], reason="Maya is on leave.")
    assert case.reload().mediator == case.users["mina"]


def test_reassigning_an_arbitration_never_gives_it_to_its_mediator_or_a_party(reach):
    case = reach("arbitration_assigned")
    lars, arthur = case.users["lars"], case.users["arthur"]
    promote(case)
    refused = [(case.users["maya"], "never its mediator"), (case.users["freelancer"], "party to"),
               (case.users["mina"], "is not an arbitrator"), (arthur, "already holds")]
    for target, phrase in refused:
        with pytest.raises(DomainError, match=phrase):
            casework.dispute_reassign_arbitrator(actor=lars, dispute=case.dispute,
                                                 arbitrator=target, reason="Arthur is ill.")
    assert case.reload().arbitrator_id == arthur.pk
    casework.dispute_reassign_arbitrator(actor=lars, dispute=case.dispute,
                                         arbitrator=case.users["ari"], reason="Arthur is ill.")
    assert case.reload().arbitrator == case.users["ari"]


# --- (b) over HTTP: what an honest or forged POST does -------------------------------------------


def party_url(case: Case, action: str) -> str:
    if action in OFFER_ACCEPTS:
        offer = case.offer_of[action.split("_")[1]]
        return reverse("disputes:offer_action", args=[case.dispute.pk, offer.pk, "accept"])
    return reverse("disputes:dispute_action", args=[case.dispute.pk, action])


def console_url(case: Case, action: str) -> str:
    return reverse("admin:disputes_dispute_act", args=[case.dispute.pk, action])


def url_of(case: Case, action: str) -> str:
    return console_url(case, action) if action in CONSOLE_ACTIONS else party_url(case, action)


def landing(case: Case, action: str) -> str:
    if action in CONSOLE_ACTIONS:
        return reverse("admin:disputes_dispute_change", args=[case.dispute.pk])
    return case.dispute.get_absolute_url()


def later_by(days: int) -> str:
    """A datetime-local value `days` from now (UTC, the people's time zone here)."""
    return (timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def form_data(case: Case, who: str, action: str) -> dict:
    if action == "offer":
        return {"outcome": "cancel", "amount": "150.00", "fault": "none",
                "message": "Half of the delivered part?"}
    if action in ("accept_proposal", "withdraw", *OFFER_ACCEPTS):
        return {"idempotency_key": uuid.uuid4().hex}
    if action == "decide":  # money moves at once: the form carries a one-time key
        return {"outcome": "cancel", "amount": "200.00", "fault": "client", "findings": FINDINGS,
                "policy_clause": CLAUSE, "idempotency_key": uuid.uuid4().hex}
    if action in ("reject_proposal", "recuse", "recuse_arbitration"):
        return {"reason": "The reasons are in the case thread."}
    if action == "propose":
        return {"outcome": "cancel", "amount": "200.00", "fault": "client", "findings": FINDINGS,
                "policy_clause": CLAUSE}
    if action == "extend":
        return {"until": later_by(10), "reason": "Waiting for the bank statement."}
    if action == "reassign":  # a lead takes the case over; anyone else names mina
        return {"mediator": case.users["lena" if who == "lena" else "mina"].pk,
                "reason": "Maya is on leave this week."}
    if action == "reassign_arbitration":
        return {"arbitrator": case.users["lars" if who == "lars" else "ari"].pk,
                "reason": "Arthur knows the client's family."}
    if action == "message":
        return {"body": "Please both send me your invoices."}
    return {}


DISPUTE_FIELDS = ["state", "mediator_id", "arbitrator_id", "proposal_rounds", "deadline_at",
                  "sla_extended_until", "overdue_since", "client_asked_mediation_at",
                  "freelancer_asked_mediation_at", "mediation_started_at",
                  "arbitration_started_at", "closed_at", "outcome", "outcome_fault", "lost_by"]


def snapshot(case: Case, mailoutbox) -> dict:
    """Everything a refused action must leave as it was."""
    dispute = Dispute.objects.get(pk=case.dispute.pk)
    contract = Contract.objects.get(pk=dispute.contract_id)
    return {
        "dispute": {name: getattr(dispute, name) for name in DISPUTE_FIELDS},
        "request": CancellationRequest.objects.get(pk=dispute.cancellation_request_id).state,
        "contract": (contract.state, contract.record_head_seq, contract.record_head_hash),
        "milestones": list(contract.milestones.order_by("position").values_list("state",
                                                                                  flat=True)),
        "offers": list(SettlementOffer.objects.order_by("pk").values_list("pk", "state")),
        "proposals": list(Proposal.objects.order_by("pk").values_list(
            "pk", "kind", "round", "client_response", "freelancer_response")),
        "events": Event.objects.count(),
        "messages": Message.objects.count(),
        "ledger": (LedgerTransaction.objects.count(), Entry.objects.count()),
        "balances": dict(Account.objects.values_list("pk", "balance_cents")),
        "settlements": Settlement.objects.count(),
        "notifications": Notification.objects.count(),
        "idempotency_keys": IdempotencyKey.objects.count(),
        "mails": len(mailoutbox),
    }


def flashed(response) -> list[str]:
    """The messages the view queued for the next page (read without following the redirect)."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def wallet(user) -> int:
    account = Account.objects.filter(kind="wallet", user=user).first()
    return account.balance_cents if account else 0


def fee_of(cents: int) -> int:
    """PLATFORM_FEE_PERCENT of the freelancer's share, half-up to the cent (spec section 3)."""
    fee = Decimal(cents) * settings.PLATFORM_FEE_PERCENT / 100
    return int(fee.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def post(client, case: Case, who: str, action: str, data: dict | None = None):
    """POST as `who`, with a clean message cookie so the response carries only its own."""
    login(client, case.users[who])
    client.cookies.pop("messages", None)
    return client.post(url_of(case, action), form_data(case, who, action) if data is None else data)


# What each allowed POST does: the dispute's state, who mediates and arbitrates, the events
# appended (in order), the contract's state, and what the freelancer receives from the escrow
# when a settlement executes (None: no money moves).
@dataclass(frozen=True)
class Effect:
    state: str
    events: list
    mediator: str | None = "unchanged"
    arbitrator: str | None = "unchanged"
    contract: str = "disputed"
    to_freelancer: int | None = None
    lost_by: str = ""


SETTLES = ["dispute.settled", "settlement.executed"]
HTTP_ALLOWED = {
    # the parties
    ("negotiation", "client", "offer"): Effect("negotiation", ["dispute.offer_made"]),
    ("mediation_assigned", "freelancer", "offer"): Effect("mediation", ["dispute.offer_made"]),
    ("negotiation", "client", "accept_freelancer_offer"): Effect(
        "settled", SETTLES, contract="cancelled", to_freelancer=FREELANCER_OFFER[1]),
    ("mediation_assigned", "freelancer", "accept_client_offer"): Effect(
        "settled", SETTLES, contract="cancelled", to_freelancer=CLIENT_OFFER[1]),
    ("negotiation", "client", "request_mediation"): Effect(
        "negotiation", ["dispute.mediation_requested"]),
    ("negotiation_client_asked", "freelancer", "request_mediation"): Effect(
        "mediation", ["dispute.mediation_requested", "dispute.mediation_started"]),
    ("negotiation_past_deadline", "client", "request_mediation"): Effect(
        "mediation", ["dispute.mediation_requested", "dispute.mediation_started"]),
    ("proposal_round1", "client", "accept_proposal"): Effect(
        "proposal", ["dispute.proposal_accepted"]),
    ("proposal_one_answered", "freelancer", "accept_proposal"): Effect(
        "resolved", ["dispute.proposal_accepted", "dispute.resolved", "settlement.executed"],
        contract="cancelled", to_freelancer=PROPOSALS[1][1]),
    ("proposal_round1", "freelancer", "reject_proposal"): Effect(
        "mediation", ["dispute.proposal_rejected"]),
    ("proposal_one_answered", "freelancer", "reject_proposal"): Effect(
        "mediation", ["dispute.proposal_rejected"]),
    ("proposal_round2", "client", "reject_proposal"): Effect(
        "arbitration", ["dispute.proposal_rejected"]),
    # withdrawing a disputed cancellation: the client's latest terms ($0, freelancer's fault)
    ("negotiation", "freelancer", "withdraw"): Effect(
        "withdrawn", ["dispute.withdrawn", "settlement.executed"], contract="cancelled",
        to_freelancer=0),
    ("arbitration_assigned", "freelancer", "withdraw"): Effect(
        "withdrawn", ["dispute.withdrawn", "settlement.executed"], contract="cancelled",
        to_freelancer=0),
    ("proposal_past_deadline", "freelancer", "withdraw"): Effect(
        "withdrawn", ["dispute.withdrawn", "settlement.executed"], contract="cancelled",
        to_freelancer=0),
    # the console
    ("mediation_unassigned", "maya", "assign_to_me"): Effect(
        "mediation", ["dispute.mediator_assigned"], mediator="maya"),
    ("mediation_unassigned", "lena", "assign_to_me"): Effect(
        "mediation", ["dispute.mediator_assigned"], mediator="lena"),
    ("mediation_assigned", "lena", "reassign"): Effect(
        "mediation", ["dispute.mediator_reassigned"], mediator="lena"),
    ("proposal_round1", "lena", "reassign"): Effect(
        "proposal", ["dispute.mediator_reassigned"], mediator="lena"),
    ("mediation_assigned", "root", "reassign"): Effect(
        "mediation", ["dispute.mediator_reassigned"], mediator="mina"),
    ("mediation_unassigned", "root", "reassign"): Effect(
        "mediation", ["dispute.mediator_reassigned"], mediator="mina"),
    ("mediation_assigned", "maya", "recuse"): Effect(
        "mediation", ["dispute.mediator_recused"], mediator=None),
    ("proposal_round1", "maya", "recuse"): Effect(
        "proposal", ["dispute.mediator_recused"], mediator=None),
    ("mediation_assigned", "maya", "extend"): Effect(
        "mediation", ["dispute.deadline_extended"]),
    ("proposal_round1", "maya", "extend"): Effect("proposal", ["dispute.deadline_extended"]),
    ("arbitration_assigned", "arthur", "extend"): Effect(
        "arbitration", ["dispute.deadline_extended"]),
    ("mediation_assigned", "maya", "propose"): Effect("proposal", ["dispute.proposed"]),
    ("mediation_revision", "maya", "propose"): Effect("proposal", ["dispute.proposed"]),
    ("arbitration_unassigned", "arthur", "take_arbitration"): Effect(
        "arbitration", ["dispute.arbitrator_assigned"], arbitrator="arthur"),
    ("arbitration_unassigned", "lars", "take_arbitration"): Effect(
        "arbitration", ["dispute.arbitrator_assigned"], arbitrator="lars"),
    ("arbitration_assigned", "lars", "reassign_arbitration"): Effect(
        "arbitration", ["dispute.arbitrator_reassigned"], arbitrator="lars"),
    ("arbitration_unassigned", "root", "reassign_arbitration"): Effect(
        "arbitration", ["dispute.arbitrator_reassigned"], arbitrator="ari"),
    ("arbitration_assigned", "arthur", "recuse_arbitration"): Effect(
        "arbitration", ["dispute.arbitrator_recused"], arbitrator=None),
    ("arbitration_assigned", "arthur", "decide"): Effect(
        "decided", ["dispute.decided", "settlement.executed"], contract="cancelled",
        to_freelancer=20_000, lost_by="client"),
    ("mediation_assigned", "maya", "message"): Effect("mediation", ["message.posted"]),
    ("arbitration_assigned", "arthur", "message"): Effect("arbitration", ["message.posted"]),
}


@pytest.mark.parametrize(("state", "who", "action"), [
    pytest.param(*cell, id="-".join(cell)) for cell in HTTP_ALLOWED])
def test_an_allowed_post_does_what_the_spec_says(state, who, action, reach, client, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    assert expected_allowed(state, who, action)
    assert action not in CONSOLE_ACTIONS or sees_in_console(state, who)
    case = reach(state)
    user = case.users[who]
    before = snapshot(case, mailoutbox)
    wallets = (wallet(case.users["client"]), wallet(case.users["freelancer"]))
    data = form_data(case, who, action)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, case, who, action, data)
    assert (response.status_code, response["Location"]) == (302, landing(case, action))
    effect = HTTP_ALLOWED[(state, who, action)]
    dispute = case.reload()
    assert flashed(response) == [done_text(case, action)]
    contract = dispute.contract
    assert (dispute.state, contract.state, dispute.lost_by) == (
        effect.state, effect.contract, effect.lost_by)
    for role, expected in (("mediator", effect.mediator), ("arbitrator", effect.arbitrator)):
        if expected == "unchanged":
            assert getattr(dispute, f"{role}_id") == before["dispute"][f"{role}_id"], role
        else:
            assert getattr(dispute, f"{role}_id") == (case.users[expected].pk if expected
                                                      else None), role
    new_events = list(Event.objects.filter(contract=contract).order_by("seq"))[before["events"]:]
    assert Event.objects.count() == before["events"] + len(effect.events)
    assert [e.kind for e in new_events] == effect.events
    assert new_events[0].actor == user
    if action != "message":
        assert new_events[0].data["dispute_id"] == dispute.pk

    if effect.to_freelancer is None:  # nothing moved
        assert (LedgerTransaction.objects.count(), Entry.objects.count()) == before["ledger"]
        assert dict(Account.objects.values_list("pk", "balance_cents")) == before["balances"]
    else:
        amount = effect.to_freelancer
        settlement = Settlement.objects.get(contract=contract)
        assert (settlement.to_freelancer_cents, settlement.to_client_cents) == (
            amount, ESCROW - amount)
        assert LedgerTransaction.objects.count() == before["ledger"][0] + 1
        assert wallet(contract.freelancer) == wallets[1] + amount - fee_of(amount)
        assert wallet(contract.client) == wallets[0] + ESCROW - amount
        assert not SettlementOffer.objects.filter(dispute=dispute, state="open").exists()
    assert_particulars(case, who, action, data, before)


def done_text(case: Case, action: str) -> str:
    """What the page says once the action is done: the console's actions in words (from what
    the service wrote), the parties' ones "Done: <label>."."""
    if action not in CONSOLE_ACTIONS:
        label = (DISPUTE_ACTIONS.get(action) or OFFER_ACTIONS["accept"]).label
        return f"Done: {label}."
    dispute = case.dispute
    result = {"propose": dispute.proposals.filter(kind="proposal").order_by("-round").first(),
              "decide": dispute.proposals.filter(kind="decision").first()}.get(action, dispute)
    if result is not dispute:
        result.dispute = dispute
    text = CONSOLE_ACTIONS[action].done_message(result)
    assert not text.startswith("Done:"), text  # words, not the button's label
    return text


def assert_particulars(case: Case, who: str, action: str, data: dict, before: dict) -> None:
    """What each action records beyond the state: its row, its deadline, its answer."""
    dispute = case.dispute
    if action == "offer":
        offer = SettlementOffer.objects.filter(dispute=dispute).latest("id")
        assert (offer.outcome, offer.amount_to_freelancer_cents, offer.fault, offer.state) == (
            "cancel", 15_000, "none", "open")
    elif action == "extend":
        until = datetime.fromisoformat(data["until"]).replace(tzinfo=UTC)  # people's zone: UTC
        assert Event.objects.latest("id").data["until"] == until.isoformat()
        moved = dispute.deadline_at if dispute.state == "proposal" else dispute.sla_extended_until
        # (In a proposal the stored deadline is a few microseconds short of `until`: the
        # transition reads the clock twice. Harmless; nobody sees microseconds.)
        assert moved == pytest.approx(until, abs=timedelta(seconds=1))
    elif action == "propose":
        proposal = dispute.current_proposal
        assert dispute.proposal_rounds == before["dispute"]["proposal_rounds"] + 1 == proposal.round
        assert (proposal.amount_to_freelancer_cents, proposal.fault, proposal.findings) == (
            20_000, "client", FINDINGS)
        assert dispute.deadline_at == pytest.approx(timezone.now() + RESPONSE_PERIOD,
                                                    abs=timedelta(seconds=30))
        assert not SettlementOffer.objects.filter(dispute=dispute, state="open").exists()
    elif action in ("accept_proposal", "reject_proposal"):
        proposal = dispute.proposals.filter(kind="proposal").latest("round")
        answer = "accepted" if action == "accept_proposal" else "rejected"
        assert getattr(proposal, f"{who}_response") == answer
        if dispute.state == "arbitration":
            assert dispute.arbitration_started_at is not None
    elif action == "request_mediation" and dispute.state == "mediation":
        assert dispute.mediation_started_at is not None and dispute.deadline_at is None
    elif action == "message":
        message = Message.objects.latest("id")
        assert (message.body, message.dispute_id) == ("Please both send me your invoices.",
                                                      dispute.pk)


# Refused POSTs by someone who can reach the URL (a party on the parties' pages, staff in the
# console), several per case: each must be explained and change nothing.
HTTP_REFUSED = {
    "negotiation": [
        ("client", "withdraw"), ("freelancer", "accept_freelancer_offer"),
        ("client", "accept_client_offer"), ("maya", "assign_to_me"), ("maya", "reassign"),
        ("maya", "message"), ("maya", "propose"), ("maya", "extend"),
        ("arthur", "take_arbitration"), ("arthur", "decide")],
    "negotiation_client_asked": [("client", "request_mediation")],
    "mediation_unassigned": [
        ("client", "request_mediation"), ("maya", "propose"), ("maya", "recuse"),
        ("maya", "extend"), ("mina", "message"), ("arthur", "assign_to_me"),
        ("arthur", "reassign"), ("arthur", "take_arbitration"), ("client", "withdraw")],
    "mediation_assigned": [
        ("maya", "assign_to_me"), ("mina", "assign_to_me"), ("lena", "assign_to_me"),
        ("mina", "reassign"), ("maya", "reassign"), ("mina", "recuse"), ("mina", "propose"),
        ("mina", "extend"), ("mina", "message"), ("arthur", "decide"), ("arthur", "propose"),
        ("root", "propose")],
    "mediation_revision": [  # the rejected proposal still exists; answering it is over
        ("client", "accept_proposal"), ("freelancer", "reject_proposal")],
    "proposal_one_answered": [
        ("client", "accept_proposal"), ("client", "reject_proposal"), ("freelancer", "offer"),
        ("client", "accept_freelancer_offer"), ("freelancer", "accept_client_offer"),
        ("freelancer", "request_mediation"), ("maya", "propose"), ("mina", "recuse"),
        ("mina", "extend"), ("arthur", "take_arbitration")],
    "proposal_past_deadline": [
        ("freelancer", "accept_proposal"), ("freelancer", "reject_proposal"),
        ("client", "reject_proposal")],
    "arbitration_unassigned": [
        ("arthur", "decide"), ("arthur", "extend"), ("maya", "extend"), ("maya", "propose"),
        ("maya", "recuse"), ("maya", "assign_to_me"), ("mina", "assign_to_me"),
        ("client", "offer"), ("client", "accept_proposal"), ("freelancer", "request_mediation"),
        ("client", "withdraw")],
    "arbitration_assigned": [
        ("arthur", "take_arbitration"), ("ari", "take_arbitration"),
        ("ari", "reassign_arbitration"), ("arthur", "reassign_arbitration"),
        ("ari", "recuse_arbitration"), ("lars", "decide"), ("root", "decide"),
        ("lars", "take_arbitration"), ("ari", "decide"), ("ari", "extend"), ("ari", "message"),
        ("maya", "decide"), ("freelancer", "reject_proposal"),
        ("freelancer", "accept_client_offer")],
    "settled": [
        ("freelancer", "withdraw"), ("client", "offer"), ("freelancer", "accept_client_offer"),
        ("client", "request_mediation"), ("maya", "propose"), ("maya", "recuse"),
        ("maya", "extend"), ("mina", "assign_to_me")],
    "resolved": [
        ("freelancer", "withdraw"), ("client", "accept_proposal"), ("maya", "extend"),
        ("maya", "recuse"), ("maya", "propose")],
    "decided": [
        ("freelancer", "withdraw"), ("arthur", "decide"), ("arthur", "extend"),
        ("ari", "take_arbitration")],
    "withdrawn": [("freelancer", "withdraw"), ("client", "offer"), ("maya", "assign_to_me")],
}
# Refused cells whose form cannot even validate, because the closed case has nothing left in
# escrow (the posted amount exceeds $0.00): the action's page comes back (400) showing the
# refusal instead of the form, rather than a redirect. Still explained, still nothing changed.
FORM_BLOCKED = {("settled", "client", "offer"), ("withdrawn", "client", "offer"),
                ("settled", "maya", "propose"), ("resolved", "maya", "propose"),
                ("decided", "arthur", "decide")}
NOT_A_WRITER = "Only the parties and the case's mediator or arbitrator can write in this dispute."


def flash_for(case: Case, who: str, action: str, refusal: str) -> str:
    """A refused POST is told the action's own rule, the same words its button would give:
    accepting an offer is the offer's own transition, so a lapsed offer says so first."""
    if action in OFFER_ACCEPTS:
        maker = action.split("_")[1]
        own = fsm.refusal_reason(case.offer(maker), "accept", case.users[who])
        if own is not None:
            return str(own)
    return refusal


@pytest.mark.parametrize("state", list(HTTP_REFUSED))
def test_a_refused_post_is_explained_and_changes_nothing(state, reach, client, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    case = reach(state)
    before = snapshot(case, mailoutbox)
    wrong = []
    for who, action in HTTP_REFUSED[state]:
        assert not expected_allowed(state, who, action), (who, action)
        case.reload()
        refusal = str(rule_refusal(case, action, case.users[who]))
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, case, who, action)
        if action in CONSOLE_ACTIONS and not sees_in_console(state, who):
            got = response.status_code
            expected = 404  # not their case: it does not exist for them
        elif (state, who, action) in FORM_BLOCKED:
            got = (response.status_code, response.context["refusal"],
                   'id="refusal"' in response.content.decode(), 'id="confirm"' in
                   response.content.decode())
            expected = (400, refusal, True, False)
        else:
            got = (response.status_code, response.get("Location"), flashed(response))
            expected = (302, landing(case, action), [flash_for(case, who, action, refusal)])
        if got != expected:
            wrong.append(f"{who} {action}: got {got}, expected {expected}")
        phrase = REFUSALS.get((state, who, action))
        if phrase and phrase not in refusal:
            wrong.append(f"{who} {action}: refusal {refusal!r} does not say {phrase!r}")
        if snapshot(case, mailoutbox) != before:
            wrong.append(f"{who} {action}: something changed")
            before = snapshot(case, mailoutbox)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("state", ["negotiation", "arbitration_assigned"])
def test_outsiders_get_404_on_the_parties_pages_and_change_nothing(state, reach, client,
                                                                   mailoutbox):
    """Not a party: the parties' actions do not exist for them (404, so ids do not leak),
    whatever they post; mediators and arbitrators, even the case's own, work in the console.
    The case's own case workers may read its dispute room; nobody else may."""
    case = reach(state)
    dispute = case.dispute
    before = snapshot(case, mailoutbox)
    for who in ("stranger", "maya", "mina", "arthur"):  # in arbitration_assigned, the case's own
        login(client, case.users[who])
        for action in PARTY_ACTIONS + OFFER_ACCEPTS:
            url = party_url(case, action)
            assert client.post(url, form_data(case, who, action)).status_code == 404, (who, action)
            assert client.get(url).status_code == 404, (who, action)
        reads_room = state == "arbitration_assigned" and who in ("maya", "arthur")
        room = client.get(dispute.get_absolute_url())
        assert room.status_code == (200 if reads_room else 404), who
        if reads_room:  # read-only: no action, no message or evidence form
            body = room.content.decode()
            assert 'data-action="' not in body and 'id="dispute-message-form"' not in body
            assert 'id="staff-reading"' in body
        message_url = reverse("disputes:dispute_message", args=[dispute.pk])
        assert client.post(message_url, {"body": "Hello?"}).status_code == 404, who
    assert snapshot(case, mailoutbox) == before


def test_parties_on_the_console_go_to_the_admin_login_and_change_nothing(reach, client,
                                                                         mailoutbox):
    case = reach("mediation_assigned")
    before = snapshot(case, mailoutbox)
    for who in ("client", "freelancer", "stranger"):
        login(client, case.users[who])
        for action in STAFF_ACTIONS:
            url = console_url(case, action)
            for response in (client.post(url, form_data(case, who, action)), client.get(url)):
                assert response.status_code == 302, (who, action)
                assert response["Location"] == f"{reverse('admin:login')}?next={url}", (who, action)
    assert snapshot(case, mailoutbox) == before


def test_the_clocks_transitions_cannot_be_posted(reach, client, mailoutbox):
    """start_mediation is due here, yet nobody can post it (nor the other clock actions)."""
    case = reach("negotiation_past_deadline")
    assert refusal_reason(case.dispute, "start_mediation", None) is None
    before = snapshot(case, mailoutbox)
    for who in ("client", "freelancer", "maya", "arthur"):
        login(client, case.users[who])
        for action in SYSTEM_ACTIONS:
            url = (console_url(case, action) if who in ("maya", "arthur")
                   else reverse("disputes:dispute_action", args=[case.dispute.pk, action]))
            assert client.post(url).status_code == 404, (who, action)
    assert snapshot(case, mailoutbox) == before


@pytest.mark.parametrize("kind", ["cancellation", "denial"])
def test_withdrawing_over_http_ends_the_case_as_the_spec_says(kind, reach, client, mailoutbox):
    """A disputed cancellation: the client's latest terms apply and the contract is cancelled;
    a disputed denial: the request ends withdrawn and the contract continues, no money moves."""
    case = reach("negotiation", kind)
    before = snapshot(case, mailoutbox)
    response = post(client, case, "freelancer", "withdraw")
    assert flashed(response) == [f"Done: {DISPUTE_ACTIONS['withdraw'].label}."]
    dispute = case.reload()
    request = CancellationRequest.objects.get(pk=dispute.cancellation_request_id)
    kinds = list(Event.objects.order_by("id").values_list("kind", flat=True))[before["events"]:]
    assert dispute.state == "withdrawn"
    assert not SettlementOffer.objects.filter(dispute=dispute, state="open").exists()
    if kind == "cancellation":
        assert (dispute.contract.state, request.state) == ("cancelled", "disputed")
        assert kinds == ["dispute.withdrawn", "settlement.executed"]
        settlement = Settlement.objects.get(contract=dispute.contract)
        assert (settlement.to_freelancer_cents, settlement.fault) == (0, "freelancer")
    else:
        assert (dispute.contract.state, request.state) == ("active", "withdrawn")
        assert kinds == ["dispute.withdrawn", "contract.resumed"]
        assert LedgerTransaction.objects.count() == before["ledger"][0]
        assert not Settlement.objects.exists()


def test_a_repeated_money_moving_post_acts_once(reach, client, mailoutbox):
    case = reach("proposal_one_answered")
    data = form_data(case, "freelancer", "accept_proposal")
    first = post(client, case, "freelancer", "accept_proposal", data)
    assert flashed(first) == [f"Done: {DISPUTE_ACTIONS['accept_proposal'].label}."]
    after_first = snapshot(case, mailoutbox)
    again = post(client, case, "freelancer", "accept_proposal", data)
    assert flashed(again) == ["This was already done; nothing was repeated. "
                              f'<a href="{case.dispute.get_absolute_url()}">See what was done.</a>']
    assert snapshot(case, mailoutbox) == after_first
    assert Settlement.objects.filter(contract=case.dispute.contract).count() == 1


def test_a_decision_carries_a_one_time_key_and_settles_once(reach, client, mailoutbox):
    """Deciding executes the settlement, so its form is a money-moving form: its page carries
    an idempotency key, and a repeated POST (a double click) moves no more money."""
    case = reach("arbitration_assigned")
    login(client, case.users["arthur"])
    response = client.get(console_url(case, "decide"))
    assert response.status_code == 200
    assert 'name="idempotency_key"' in response.content.decode()
    data = form_data(case, "arthur", "decide")
    first = post(client, case, "arthur", "decide", data)
    assert flashed(first) == ["Decision recorded; the settlement has been executed."]
    after_first = snapshot(case, mailoutbox)
    assert after_first["dispute"]["state"] == "decided"
    again = post(client, case, "arthur", "decide", data)
    assert again.status_code in (302, 400)  # "already done", or the closed case's refusal page
    assert snapshot(case, mailoutbox) == after_first
    assert Settlement.objects.filter(contract=case.dispute.contract).count() == 1


def test_special_people_over_http(reach, client, mailoutbox, django_capture_on_commit_callbacks):
    """A party made a mediator may not take or be given their own case (in the console it
    does not even exist for them); they still act as a party. An arbitrator who is a party,
    or the case's mediator, may not take arbitration."""
    case = reach("mediation_unassigned")
    promote(case)
    before = snapshot(case, mailoutbox)
    for action in ("assign_to_me", "reassign"):
        assert post(client, case, "client", action).status_code == 404
    # the reassign form offers only mediators who are not parties: a forged choice is rejected
    response = post(client, case, "lena", "reassign", {"mediator": case.users["client"].pk,
                                                       "reason": "The client volunteered."})
    assert response.status_code == 400
    assert "mediator" in response.context["form"].errors
    assert snapshot(case, mailoutbox) == before
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, case, "client", "offer")
    assert flashed(response) == [f"Done: {DISPUTE_ACTIONS['offer'].label}."]
    assert Event.objects.latest("id").kind == "dispute.offer_made"

    case = reach("arbitration_unassigned")
    promote(case)
    before = snapshot(case, mailoutbox)
    response = post(client, case, "maya", "take_arbitration")
    assert (response.status_code, response["Location"]) == (
        302, landing(case, "take_arbitration"))
    assert flashed(response) == ["The arbitrator of a case is never its mediator."]
    for party in ("freelancer", "client"):
        assert post(client, case, party, "take_arbitration").status_code == 404, party
    assert snapshot(case, mailoutbox) == before


# --- the app's deviations from the spec, as the spec would have them ------------------------------

@pytest.mark.parametrize(("state", "who", "action"), [
    ("negotiation", "client", "accept_proposal"), ("negotiation", "freelancer", "reject_proposal"),
    ("mediation_assigned", "client", "accept_proposal"),
    ("mediation_assigned", "freelancer", "reject_proposal"),
])
def test_answering_a_proposal_that_does_not_exist_is_refused(state, who, action, reach, client,
                                                             mailoutbox):
    case = reach(state)
    refusal = str(rule_refusal(case, action, case.users[who]))
    assert refusal == in_state(case.dispute.state)
    before = snapshot(case, mailoutbox)
    client.raise_request_exception = False
    response = post(client, case, who, action)
    assert (response.status_code, response.get("Location")) == (302, landing(case, action))
    assert flashed(response) == [refusal]
    assert snapshot(case, mailoutbox) == before


@pytest.mark.parametrize(("state", "who"), [("settled", "maya"), ("decided", "arthur")])
def test_the_case_worker_cannot_message_on_a_closed_case(state, who, reach, client, mailoutbox):
    """The console offers no message button on a closed case; a forged POST must not post."""
    case = reach(state)
    refusal = rule_refusal(case, "message", case.users[who])
    assert refusal == "The case is closed."
    before = snapshot(case, mailoutbox)
    response = post(client, case, who, "message")
    assert (response.status_code, response["Location"]) == (302, landing(case, "message"))
    assert flashed(response) == [refusal]
    assert snapshot(case, mailoutbox) == before


def test_the_mediator_who_proposed_never_arbitrates_the_case(reach):
    """Spec §2/§6: the arbitrator of a case is never its mediator. maya wrote both proposals,
    gave the case to mina while the revised one awaited answers, and it went to arbitration."""
    case = reach("proposal_round2")
    maya = case.users["maya"]
    maya.groups.add(Group.objects.get(name="Arbitrators"))
    maya = User.objects.get(pk=maya.pk)
    casework.dispute_reassign_mediator(actor=case.users["lena"], dispute=case.dispute,
                                       mediator=case.users["mina"], reason="Maya is on leave.")
    case.answer("client", accept=False)
    dispute = case.reload()
    assert (dispute.state, dispute.mediator) == ("arbitration", case.users["mina"])
    assert set(dispute.proposals.values_list("author", flat=True)) == {maya.pk}
    assert refusal_reason(dispute, "assign_arbitrator", maya) is not None
    with pytest.raises(DomainError):
        casework.dispute_assign_arbitrator(actor=maya, dispute=dispute)


@pytest.mark.parametrize(("who", "allowed"), [("lena", True), ("root", True), ("maya", False),
                                             ("mina", False)])
def test_only_a_lead_gives_a_waiting_case_to_a_colleague(who, allowed, reach):
    """Spec §2/§6: a mediator takes a case nobody holds for themself; giving a case to a
    colleague is a (re)assignment, the lead mediators' work, with a reason."""
    case = reach("mediation_unassigned")
    user = case.users[who]
    refusal = CONSOLE_ACTIONS["reassign"].refusal(case.dispute, user)
    assert (refusal is None) == allowed, refusal
    assert ("reassign" in [a.name for a in available(CONSOLE_ACTIONS, case.dispute, user)]) == (
        allowed)
    if not allowed:
        assert "Only a lead mediator" in refusal
        with pytest.raises(DomainError, match="Only a lead mediator"):
            casework.dispute_reassign_mediator(actor=user, dispute=case.dispute,
                                               mediator=case.users["mina"], reason="Busy.")
        assert case.reload().mediator_id is None
