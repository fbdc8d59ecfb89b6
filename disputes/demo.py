"""Demo cancellation requests in every state, asked by clients and by freelancers."""


from datetime import timedelta

from django.utils import timezone

from contracts.services.milestones import milestone_fund, milestone_submit
from contracts.services.offers import MilestoneInput, offer_accept, offer_create
from disputes.models import CancellationRequest
from disputes.services import cancellations as svc
from disputes.services import casework
from disputes.services import disputes as dsvc

WHY = {
    "budget": "Our product direction changed last week and the feature this contract covers "
              "was dropped from the roadmap, so I would like to stop here fairly.",
    "scope_creep": "Every week brings new chapters that were never in the agreed outline, and "
                   "none of them are funded; I cannot keep writing for free.",
    "mutual": "We talked on a call and both think the icon style no longer fits the brand; "
              "let's end it here and split the escrow fairly.",
    "client_unresponsive": "The client has not answered my questions or reviewed my delivery "
                           "for three weeks, so I cannot go on with the next stage.",
    "no_longer_needed": "We bought an off-the-shelf style guide template, so this work is no "
                        "longer needed. Sorry for the change of plan.",
    "availability": "A family matter means I cannot give this project the hours it needs for "
                    "the next two months; better to hand it over now.",
    "quality": "The delivered designs do not follow the brief: the colours and the logo "
               "proportions are different from what we agreed in writing.",
    "payment": "The first stage was delivered three weeks ago and is still not approved, while "
               "the second stage keeps changing; I would like to settle and stop.",
}


def _working_contract(client, freelancer, title, amounts, fund, submit):
    contract = offer_create(client=client, freelancer=freelancer, title=title,
                            description=f"{title}: scope as agreed on the thread.",
                            milestones=[MilestoneInput(f"Stage {i}", a)
                                        for i, a in enumerate(amounts, start=1)])
    offer_accept(actor=freelancer, contract=contract)
    milestones = list(contract.milestones.order_by("position"))
    for m in milestones[:fund]:
        milestone_fund(actor=client, milestone=m)
    for m in milestones[:submit]:
        milestone_submit(actor=freelancer, milestone=m, note="Delivered, see the thread.")
    return contract


def _ask(contract, who, reason, amount, fault):
    actor = contract.client if who == "client" else contract.freelancer
    return svc.cancellation_request(actor=actor, contract=contract, reason=reason,
                                    explanation=WHY[reason], amount_to_freelancer_cents=amount,
                                    fault=fault)


def _let_time_pass(request):
    """Demo only: move a deadline into the past so the clock can act on it, as it would."""
    CancellationRequest.objects.filter(pk=request.pk).update(
        deadline_at=timezone.now() - timedelta(minutes=1))
    request.refresh_from_db()


def seed(people) -> dict:
    alice, carol, frank = people["alice"], people["carol"], people["frank"]
    bob, dave, erin = people["bob"], people["dave"], people["erin"]
    out = {}

    # open, the freelancer's turn: Alice (client) asks Bob to end "Mobile app MVP".
    c = _working_contract(alice, bob, "Mobile app MVP", [120_000, 80_000], fund=2, submit=1)
    out["open_client_asked"] = _ask(c, "client", "budget", 100_000, "client")

    # open after a counter-proposal, the freelancer's turn: Erin asked Frank, Frank countered.
    c = _working_contract(frank, erin, "Developer guide", [40_000, 40_000], fund=2, submit=1)
    r = _ask(c, "freelancer", "scope_creep", 60_000, "client")
    svc.cancellation_counter(actor=frank, request=r, amount_cents=40_000, fault="none",
                             message="The first chapter is delivered; the second is not. "
                                     "Let's split it that way, with no fault.")
    out["open_countered"] = r

    # accepted: Carol asked Dave, Dave accepted.
    c = _working_contract(carol, dave, "Icon set", [30_000], fund=1, submit=1)
    r = _ask(c, "client", "mutual", 25_000, "none")
    svc.cancellation_accept(actor=dave, request=r)
    out["accepted"] = r

    # accepted by timeout: Bob asked Carol, who stayed silent.
    c = _working_contract(carol, bob, "Payment webhook fixes", [50_000, 25_000], fund=2, submit=1)
    r = _ask(c, "freelancer", "client_unresponsive", 60_000, "client")
    _let_time_pass(r)
    svc.cancellation_auto_accept(request=r)
    out["auto_accepted"] = r

    # withdrawn: Alice asked Dave, then changed her mind.
    c = _working_contract(alice, dave, "Style guide", [20_000], fund=1, submit=0)
    r = _ask(c, "client", "no_longer_needed", 5_000, "client")
    svc.cancellation_withdraw(actor=alice, request=r)
    out["withdrawn"] = r

    # denied, dialogue not yet tried: Bob asked Alice; Alice denied.
    c = _working_contract(alice, bob, "Search feature", [45_000, 45_000], fund=1, submit=1)
    r = _ask(c, "freelancer", "availability", 20_000, "freelancer")
    svc.cancellation_deny(actor=alice, request=r, reason="You committed to this for the quarter; "
                                                         "please finish the search feature.")
    out["denied"] = r

    # lapsed: Erin asked Carol; Carol denied; Erin let the window pass.
    c = _working_contract(carol, erin, "Release notes", [15_000], fund=1, submit=0)
    r = _ask(c, "freelancer", "availability", 0, "freelancer")
    svc.cancellation_deny(actor=carol, request=r, reason="We need the notes for the launch.")
    _let_time_pass(r)
    svc.cancellation_lapse(request=r)
    out["lapsed"] = r

    # disputed, a client's cancellation: Frank asked Dave to stop without pay; Dave disputes.
    c = _working_contract(frank, dave, "Brand refresh", [60_000, 40_000], fund=2, submit=1)
    r = _ask(c, "client", "quality", 0, "freelancer")
    svc.cancellation_dispute(actor=dave, request=r,
                             reason="The delivered designs match the brief we agreed in writing.")
    out["disputed_cancellation"] = r

    # disputed, a denial after dialogue: Bob asked Frank; Frank denied; Bob wrote; Bob disputes.
    c = _working_contract(frank, bob, "Data pipeline", [70_000, 30_000], fund=2, submit=1)
    r = _ask(c, "freelancer", "payment", 70_000, "client")
    svc.cancellation_deny(actor=frank, request=r, reason="The pipeline is not finished.")
    svc.cancellation_message(actor=bob, request=r,
                             body="Stage 1 was delivered three weeks ago; can we settle that part?")
    svc.cancellation_message(actor=frank, request=r,
                             body="Not until the whole pipeline runs; stage 1 alone is no use.")
    svc.cancellation_dispute(actor=bob, request=r, reason="Delivered work is being held hostage.")
    out["disputed_denial"] = r
    out.update(seed_disputes(people))
    return out




FINDINGS = ("The written brief on the thread lists two deliverables. The first was delivered on "
            "time and matches the brief; the second was never started. The client's reason "
            "(quality) is not supported by the record.")
CLAUSE = "§4.6 Outcomes and fault"


def _dispute(client, freelancer, title, reason="quality"):
    c = _working_contract(client, freelancer, title, [50_000, 30_000], fund=2, submit=1)
    r = _ask(c, "client", reason, 0, "freelancer")
    return svc.cancellation_dispute(actor=freelancer, request=r,
                                    reason="The first stage matches the agreed brief.")


def seed_disputes(people) -> dict:
    """Disputes at every stage, worked by mediator maya and arbitrator arthur."""
    alice, carol, frank = people["alice"], people["carol"], people["frank"]
    bob, dave, erin = people["bob"], people["dave"], people["erin"]
    maya, arthur = people["maya"], people["arthur"]
    out = {}

    d = _dispute(carol, erin, "Onboarding emails")
    dsvc.dispute_make_offer(actor=erin, dispute=d, outcome="cancel", amount_cents=40_000,
                            fault="none", message="Pay the delivered stage, no fault either way.")
    dsvc.dispute_request_mediation(actor=erin, dispute=d)
    out["negotiation"] = d

    d = _dispute(alice, dave, "Product photos")
    dsvc.dispute_request_mediation(actor=alice, dispute=d)
    dsvc.dispute_request_mediation(actor=dave, dispute=d)
    out["mediation_unassigned"] = d

    d = _dispute(frank, erin, "FAQ rewrite")
    dsvc.dispute_request_mediation(actor=frank, dispute=d)
    dsvc.dispute_request_mediation(actor=erin, dispute=d)
    casework.dispute_assign_mediator(actor=maya, dispute=d)
    dsvc.dispute_message(actor=maya, dispute=d, body="Hello both. Please each send what you "
                                                     "consider the agreed brief.")
    out["mediation_maya"] = d

    d = _dispute(carol, bob, "Billing integration")
    dsvc.dispute_request_mediation(actor=carol, dispute=d)
    dsvc.dispute_request_mediation(actor=bob, dispute=d)
    casework.dispute_assign_mediator(actor=maya, dispute=d)
    casework.dispute_propose(actor=maya, dispute=d, outcome="cancel", amount_cents=50_000,
                             fault="client", findings=FINDINGS, policy_clause=CLAUSE)
    out["proposal"] = d

    d = _dispute(frank, dave, "Poster series")
    dsvc.dispute_request_mediation(actor=frank, dispute=d)
    dsvc.dispute_request_mediation(actor=dave, dispute=d)
    casework.dispute_assign_mediator(actor=maya, dispute=d)
    for amount in (45_000, 40_000):
        casework.dispute_propose(actor=maya, dispute=d, outcome="cancel", amount_cents=amount,
                                 fault="none", findings=FINDINGS, policy_clause=CLAUSE)
        dsvc.dispute_reject_proposal(actor=frank, dispute=d, reason="The posters were late.")
    casework.dispute_assign_arbitrator(actor=arthur, dispute=d)
    out["arbitration"] = d

    d = _dispute(alice, erin, "Help centre articles")
    offer = dsvc.dispute_make_offer(actor=alice, dispute=d, outcome="cancel", amount_cents=35_000,
                                    fault="none", message="Let's settle: most of stage one.")
    dsvc.dispute_accept_offer(actor=erin, offer=offer)
    out["settled"] = d

    d = _dispute(carol, dave, "Landing page animations")
    dsvc.dispute_request_mediation(actor=carol, dispute=d)
    dsvc.dispute_request_mediation(actor=dave, dispute=d)
    casework.dispute_assign_mediator(actor=maya, dispute=d)
    casework.dispute_propose(actor=maya, dispute=d, outcome="continue", amount_cents=0,
                             fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    dsvc.dispute_accept_proposal(actor=carol, dispute=d)
    dsvc.dispute_accept_proposal(actor=dave, dispute=d)
    out["resolved"] = d

    d = _dispute(frank, bob, "Migration to PostgreSQL")
    dsvc.dispute_request_mediation(actor=frank, dispute=d)
    dsvc.dispute_request_mediation(actor=bob, dispute=d)
    casework.dispute_assign_mediator(actor=maya, dispute=d)
    for _round in range(2):
        casework.dispute_propose(actor=maya, dispute=d, outcome="cancel", amount_cents=50_000,
                                 fault="client", findings=FINDINGS, policy_clause=CLAUSE)
        dsvc.dispute_reject_proposal(actor=frank, dispute=d, reason="I disagree.")
    casework.dispute_assign_arbitrator(actor=arthur, dispute=d)
    casework.dispute_decide(actor=arthur, dispute=d, outcome="cancel", amount_cents=50_000,
                            fault="client", findings=FINDINGS, policy_clause=CLAUSE)
    out["decided"] = d

    d = _dispute(alice, bob, "Email templates")
    dsvc.dispute_withdraw(actor=bob, dispute=d)
    out["withdrawn"] = d
    return out
