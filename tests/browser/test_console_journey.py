"""The mediator console as a workbench, in real browsers.

maya signs in through the admin's own login page with her password and the code of her
authenticator app (computed here from her enrolled secret), finds the case in her queue,
takes it, asks both parties for evidence from the message template (edited before sending),
proposes; bob rejects with a reason she reads beside the round; she explains her revised
proposal from a template; both accept, and the case is resolved. The parties see that maya
opened their case. arthur, holding another case in arbitration, recuses himself with a
reason: the case goes back to the arbitration queue and the parties are told.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from contracts.services.milestones import milestone_submit
from contracts.tests.factories import make_funded_contract
from disputes.models import Dispute
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.services.cancellations import cancellation_dispute
from disputes.tests.factories import in_mediation, make_dispute, make_request
from marketplace.kernel.mfa import enrol_totp
from marketplace.kernel.models import Event, Notification
from marketplace.tests.factories import (
    ArbitratorFactory,
    ClientFactory,
    FreelancerFactory,
    MediatorFactory,
)
from tests.browser.journeys import PASSWORD, act, expect_state, other_person, sign_in
from tests.browser.journeys2 import console_act, console_sign_in

pytestmark = pytest.mark.browser

FINDINGS = ("The checkout page was delivered as the brief describes; the second part was not "
            "started, so most of it goes back to the client.")
REVISED = ("Part one works on desktop and mobile, as the staging link shows; part two was never "
           "started, so its escrow goes back to the client.")
POLICY = "§3.7 The settlement"
NOTE = "Checkout live on staging, test cards in the README."


def _case():
    carla = ClientFactory(username="carla", first_name="Carla", last_name="Cruz")
    bob = FreelancerFactory(username="bob", first_name="Bob", last_name="Baker")
    contract = make_funded_contract(amounts=(30_000, 20_000), fund=2, submit=0, client=carla,
                                    freelancer=bob, title="Shop checkout")
    milestone_submit(actor=bob, milestone=contract.milestones.get(position=1), note=NOTE)
    request = make_request("client", contract=contract, amount_cents=0, fault="freelancer",
                           reason="quality")
    dispute = cancellation_dispute(actor=bob, request=request,
                                   reason="The checkout page matches the written brief.")
    return in_mediation(dispute)  # both asked for a mediator; nobody holds it yet


def test_maya_works_a_case_end_to_end_with_a_template_message(page: Page, browser, live_server):
    maya = MediatorFactory(username="maya", first_name="Maya", last_name="Moss")
    enrol_totp(maya)
    dispute = _case()
    contract = dispute.contract
    base_url = live_server.url

    # maya signs in through the admin's own login page: password, then her app's code
    console_sign_in(page, "maya", PASSWORD)
    page.goto("/admin/disputes/dispute/?assigned=none")
    page.get_by_role("link", name=f"#{dispute.pk} Shop checkout").click()
    case = page.locator("#case")
    expect(case.locator("strong[data-state]")).to_have_attribute("data-state", "mediation")
    expect(page.locator("#case-milestones")).to_contain_text(NOTE)
    expect(page.locator("#case-milestones")).to_contain_text("$300.00")

    console_act(page, "assign_to_me", done="You now hold this case; both parties were told.")
    expect(page.locator("#case-mediator")).to_have_text("Maya Moss")

    # a request for evidence, from the template, edited before sending
    page.locator("#console-actions a[data-action=message]").click()
    page.locator("#notices a[data-notice=request_evidence]").click()
    body = page.locator("textarea[name=body]")
    expect(body).to_have_value(re.compile(r"^Hello Carla Cruz and Bob Baker,"))
    text = body.input_value().replace("Thank you,", "The staging link would help most.\n\n"
                                                    "Thank you,")
    body.fill(text)
    page.locator("#confirm").click()
    expect(page.locator("ul.messagelist")).to_contain_text("Message sent to both parties.")
    expect(page.locator("#case-messages")).to_contain_text("The staging link would help most.")

    # she proposes: the fault is hers to pick, nothing is pre-selected
    console_act(page, "propose", done="Proposal sent to both parties.",
                check=["input[name=outcome][value=cancel]"],
                select={"#id_fault": "client", "#id_policy_clause": POLICY},
                fill={"#id_amount": "300.00", "#id_findings": FINDINGS})

    with other_person(browser, base_url) as bob_page:
        # bob reads her message, sees that maya opened the case, and rejects with a reason
        sign_in(bob_page, "bob", PASSWORD)
        bob_page.goto(dispute.get_absolute_url())
        expect(bob_page.locator("#case-thread")).to_contain_text(
            "The staging link would help most.")
        expect(bob_page.locator("#staff-readers")).to_contain_text("Maya Moss")
        act(bob_page, "#actions", "reject_proposal",
            fill={"#id_reason": "Part two was half done: the cart page exists."},
            done="Done: Reject the proposal.")

    # maya reads the reason beside the round, and explains her revised proposal
    page.goto(f"/admin/disputes/dispute/{dispute.pk}/change/")
    round1 = page.locator("#round-1")
    expect(round1).to_contain_text("Rejected: a revised proposal is due.")
    expect(round1.locator("[data-answer=rejected]")).to_contain_text(
        "Part two was half done: the cart page exists.")
    expect(round1.locator("[data-answer=none]")).to_contain_text("the round had ended")
    console_act(page, "propose", done="Proposal sent to both parties.",
                check=["input[name=outcome][value=cancel]"],
                select={"#id_fault": "client", "#id_policy_clause": POLICY},
                fill={"#id_amount": "350.00", "#id_findings": REVISED})
    expect(page.locator("#round-1 .console-badge.superseded")).to_be_visible()
    page.locator("#console-actions a[data-action=message]").click()
    page.locator("#notices a[data-notice=proposal_explained]").click()
    expect(page.locator("textarea[name=body]")).to_contain_text(f"Why: {REVISED}")
    page.locator("#confirm").click()
    expect(page.locator("ul.messagelist")).to_contain_text("Message sent to both parties.")

    # both accept in the app; the case is resolved on her revised terms
    dispute = Dispute.objects.get(pk=dispute.pk)
    with other_person(browser, base_url) as carla_page:
        sign_in(carla_page, "carla", PASSWORD)
        carla_page.goto(dispute.get_absolute_url())
        expect(carla_page.locator("#case-thread")).to_contain_text(f"Why: {REVISED}")
        act(carla_page, "#actions", "accept_proposal", done="Done: Accept the proposal.")
    dsvc.dispute_accept_proposal(actor=contract.freelancer, dispute=dispute)
    page.goto(f"/admin/disputes/dispute/{dispute.pk}/change/")
    expect(page.locator("#case strong[data-state]")).to_have_attribute("data-state", "resolved")
    expect(page.locator("#round-2")).to_contain_text("Accepted: the case was resolved")
    expect(page.locator("#access-log")).to_contain_text("Maya Moss")

    dispute.refresh_from_db()
    assert (dispute.state, dispute.mediator, dispute.outcome_fault) == ("resolved", maya,
                                                                        "client")
    assert list(dispute.proposals.values_list("amount_to_freelancer_cents", flat=True)) == [
        30_000, 35_000]
    assert Event.objects.filter(contract=contract, kind="message.posted",
                                actor=maya).count() == 2


def test_arthur_recuses_himself_and_the_case_goes_back_to_the_queue(page: Page, browser,
                                                                   live_server):
    arthur = ArbitratorFactory(username="arthur", first_name="Arthur", last_name="Arnold")
    ari = ArbitratorFactory(username="ari", first_name="Ari", last_name="Adeyemi")
    mina = MediatorFactory(username="mina")
    dispute = in_mediation(make_dispute(), mina)
    for _ in range(2):
        casework.dispute_propose(actor=mina, dispute=dispute, outcome="continue", amount_cents=0,
                                 fault="none", findings=FINDINGS, policy_clause=POLICY)
        dsvc.dispute_reject_proposal(actor=dispute.contract.client, dispute=dispute,
                                     reason="Not acceptable.")
    casework.dispute_assign_arbitrator(actor=arthur, dispute=dispute)

    console_sign_in(page, "arthur", PASSWORD)
    page.goto("/")
    my_cases = page.locator("#my-cases")
    expect(my_cases).to_contain_text("Decide: “Build a booking page”")
    my_cases.get_by_role("link").first.click()
    expect(page.locator("#case-arbitrator")).to_have_text("Arthur Arnold")
    console_act(page, "recuse_arbitration",
                fill={"#id_reason": "I advised the client's company last year."},
                done="You stepped down. The case is back in the arbitration queue")
    expect(page.locator("#case-arbitrator")).to_have_text("—")
    expect(page.locator("#console-actions a[data-action=take_arbitration]")).to_be_visible()

    dispute.refresh_from_db()
    assert dispute.arbitrator is None and dispute.state == "arbitration"
    event = Event.objects.filter(contract=dispute.contract).order_by("-seq").first()
    assert (event.kind, event.actor) == ("dispute.arbitrator_recused", arthur)
    assert "I advised the client's company last year." in event.text
    assert Notification.objects.filter(user=ari, text__contains="back in the arbitration queue"
                                       ).exists()
    for party in dispute.contract.parties:
        assert Notification.objects.filter(user=party, text__contains="Arthur Arnold stepped "
                                                                      "down").exists()
    assert not Notification.objects.filter(user=mina, text__contains="arbitration queue").exists()
    # (the parties' pages show the state as before: arbitration, waiting for an arbitrator)
    with other_person(browser, live_server.url) as party_page:
        sign_in(party_page, dispute.contract.freelancer.username, PASSWORD)
        party_page.goto(dispute.get_absolute_url())
        expect_state(party_page, "arbitration", "Arbitration")
        expect(party_page.locator("#stage")).to_contain_text("Waiting for an arbitrator.")
