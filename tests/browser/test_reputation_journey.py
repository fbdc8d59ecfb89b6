"""Reputation through a whole contract, in two browsers: the client posts a job, a freelancer
applies, the client hires and funds, then cancels for a reason that is her own fault; the
freelancer accepts the terms; both leave feedback (double-blind). Both public profiles then
show the new score, the counts, and the explanation line naming this contract and why.

Each has two earlier completed contracts together, so this third ended contract gives each a
score (MIN_CONTRACTS_FOR_SCORE is 3).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from contracts.models import Contract, Settlement
from marketplace.kernel.scoring import AT_FAULT, COMPLETED, PRIOR, PRIOR_WEIGHT, RATING_STEP
from marketplace.tests.factories import ClientFactory, FreelancerFactory
from reputation.models import Feedback, Job, Reputation
from reputation.tests.factories import completed_contract
from tests.browser.journeys import (
    PASSWORD,
    act,
    check_ledger,
    expect_cents,
    expect_message,
    expect_state,
    other_person,
    sign_in,
)
from tests.browser.journeys2 import deposit, leave_feedback

pytestmark = pytest.mark.browser

PRICE = 35_000          # the freelancer's price: $350.00, one milestone
KILL_FEE = 10_000       # the client's terms: $100.00 of the escrow to the freelancer
EXPLANATION = ("Our product launch was called off by the board this week, so I no longer need "
               "the newsletter template. I am sorry; the kill fee pays for the work so far.")
CLIENT_COMMENT = "Quick, friendly and careful with the details; sorry we had to stop."
FREELANCER_COMMENT = "Clear brief and an honest, polite explanation when the project was cut."
CLIENT_STARS = 5      # the client rates the freelancer
FREELANCER_STARS = 4  # the freelancer rates the client



def documented_score(values: list[float]) -> float:
    """Policy §5.3 written out: an average of the contracts' values (all recent: ×2), started
    from PRIOR_WEIGHT contracts worth PRIOR."""
    return (PRIOR * PRIOR_WEIGHT + sum(2 * v for v in values)) / (PRIOR_WEIGHT + 2 * len(values))


def shown(score: float) -> int:
    return int(score + 0.5)


CLIENT_VALUE = AT_FAULT[0] + RATING_STEP * (FREELANCER_STARS - 3)  # her fault, rated 4
FREELANCER_VALUE = PRIOR + RATING_STEP * (CLIENT_STARS - 3)  # not his fault, but rated 5
# Her one cancellation was explained, accepted and paid the work so far: no low-trust brand.
CLIENT_SCORE = shown(documented_score([COMPLETED, COMPLETED, CLIENT_VALUE]))  # 74
FREELANCER_BEFORE_FEEDBACK = shown(documented_score([COMPLETED, COMPLETED]))  # 79
FREELANCER_SCORE = shown(documented_score([COMPLETED, COMPLETED, FREELANCER_VALUE]))  # 80
# Each explanation line: how far the contract moved the score (weight × (value − prior) / Σ).
CLIENT_LINE = round(2 * (CLIENT_VALUE - PRIOR) / (PRIOR_WEIGHT + 6), 1)  # -4.3
FREELANCER_LINE = round(2 * (FREELANCER_VALUE - PRIOR) / (PRIOR_WEIGHT + 6), 1)  # +1.3


def post_job(page: Page) -> str:
    page.goto("/jobs/")
    page.get_by_role("link", name="Post a job").click()
    page.fill("#id_title", "Newsletter template")
    page.fill("#id_description", "A responsive HTML newsletter template for our product launch.")
    page.fill("#id_skills", "HTML, Email")
    page.fill("#id_budget", "400.00")
    page.get_by_role("button", name="Post").click()
    expect_message(page, "Your job is on the board.")
    expect(page.locator("h1")).to_have_text("Newsletter template")
    return page.url


def apply(page: Page) -> None:
    page.goto("/jobs/")
    page.locator("#jobs").get_by_role("link", name=re.compile("Newsletter template")).click()
    form = page.locator("#apply-form")
    form.locator("[name=cover_note]").fill("I have built many email templates; see my profile.")
    form.locator("[name=price]").fill("350.00")
    form.get_by_role("button", name="Send application").click()
    expect_message(page, "Your application was sent.")
    expect(page.locator("#my-application")).to_contain_text("You applied at $350.00.")


def request_client_fault_cancellation(page: Page, contract_url: str) -> None:
    page.goto(contract_url)
    page.locator("#actions a[data-action=request_cancellation]").click()
    expect(page.locator("h1")).to_have_text("Ask to end this contract")
    page.wait_for_load_state("load")  # the form's script pre-fills the fault from the reason
    page.select_option("#id_reason", "no_longer_needed")
    expect(page.locator("#id_fault")).to_have_value("client")  # the reason's default fault
    page.fill("#id_amount", "100.00")
    page.fill("#id_explanation", EXPLANATION)
    page.get_by_role("button", name="Send the request").click()
    expect_message(page, "Your request was sent. The other party has to answer.")
    expect_state(page, "open", "Open")


def expect_profile(page: Page, username: str, *, score: int, at_fault: int, contract: Contract,
                   line_points: float, reasons: list[str], absent: list[str],
                   comment: str) -> None:
    page.goto(f"/u/{username}/")
    expect(page.locator("#score")).to_have_attribute("data-score", str(score))
    counts = page.locator("#counts")
    for key, value in (("completed", 2), ("cancelled", 1), ("at_fault", at_fault),
                       ("timeouts", 0), ("disputes_lost", 0)):
        expect(counts.locator(f"dd[data-count={key}]")).to_have_text(str(value))
    line = page.locator(f"#explanation tr[data-contract='{contract.pk}']")
    expect(line).to_contain_text(contract.title)
    for reason in reasons:
        expect(line).to_contain_text(reason)
    for reason in absent:
        expect(line).not_to_contain_text(reason)
    expect(line.locator("td").last).to_have_text(f"{line_points:+}")
    expect(page.locator(".feedback")).to_contain_text([comment])


def test_hire_from_job_board_client_cancels_at_fault_both_give_feedback(
        page: Page, browser, live_server):
    carla = ClientFactory(username="carla", first_name="Carla", last_name="Cruz")
    bob = FreelancerFactory(username="bob", first_name="Bob", last_name="Baker")
    for _ in range(2):
        completed_contract(client=carla, freelancer=bob)
    base_url = live_server.url

    with other_person(browser, base_url) as bob_page:
        # The client posts a job; the freelancer finds it on the board and applies.
        sign_in(page, "carla", PASSWORD)
        job_url = post_job(page)
        sign_in(bob_page, "bob", PASSWORD)
        apply(bob_page)

        # The client hires him from the applicants: an offer at his price.
        page.goto(job_url)
        act(page, ".card[id^=application-]", "hire", done="Done: Hire.")
        expect_state(page, "offered", "Offered")
        contract = Contract.objects.get(title="Newsletter template")
        contract_url = f"{base_url}{contract.get_absolute_url()}"
        assert page.url == contract_url

        # He accepts; she deposits and funds the milestone.
        bob_page.goto(contract_url)
        act(bob_page, "#actions", "accept", done="Done: Accept offer.")
        expect_state(bob_page, "active", "Active")
        deposit(page, "350.00", PRICE)
        page.goto(contract_url)
        milestone = contract.milestones.get()
        act(page, f"#milestone-{milestone.pk}", "fund", done="Done: Fund.")
        expect_cents(page.locator("#escrow-balance"), PRICE)

        # She no longer needs the work: a cancellation that is her fault, with a kill fee.
        request_client_fault_cancellation(page, contract_url)
        case_url = page.url

        # He accepts her terms; the contract is cancelled.
        bob_page.goto(case_url)
        expect(bob_page.locator("#turn")).to_contain_text("It is your turn.")
        act(bob_page, "#actions", "accept", done="Done: Accept the terms.")
        expect_state(bob_page, "accepted", "Accepted")
        bob_page.goto(contract_url)
        expect_state(bob_page, "cancelled", "Cancelled")

        # Feedback is double-blind: hers stays hidden until he has left his.
        leave_feedback(page, contract_url, rating=CLIENT_STARS, communication=5,
                       quality_or_clarity=5, professionalism=5, comment=CLIENT_COMMENT)
        expect(page.locator("#my-feedback")).to_contain_text("hidden until revealed")
        bob_page.goto("/u/bob/")
        expect(bob_page.locator("#score")).to_have_attribute(
            "data-score", str(FREELANCER_BEFORE_FEEDBACK))  # the cancellation was not his fault
        expect(bob_page.locator(".feedback")).to_have_count(0)

        bob_page.goto(f"{contract_url}feedback/")
        expect(bob_page.locator("#their-feedback")).to_contain_text("hidden until you leave yours")
        expect(bob_page.locator("#feedback-form")).to_contain_text(
            "Did the client explain the cancellation clearly and respectfully?")
        leave_feedback(bob_page, contract_url, rating=FREELANCER_STARS, communication=4,
                       quality_or_clarity=5, professionalism=4, comment=FREELANCER_COMMENT,
                       explained_clearly="yes")
        expect(bob_page.locator("#their-feedback")).to_contain_text(CLIENT_COMMENT)

        # Both profiles show the new score, the counts, and why (this contract's line).
        expect_profile(bob_page, "carla", score=CLIENT_SCORE, at_fault=1, contract=contract,
                       line_points=CLIENT_LINE, comment=FREELANCER_COMMENT,
                       reasons=["cancelled, their fault", f"rated {FREELANCER_STARS}/5"],
                       absent=["without proper communication", "your fault"])
        expect(bob_page.locator("#counts dd[data-count=without_communication]")).to_have_text("0")
        # One explained, accepted cancellation that paid for the work: no caution banner.
        expect(bob_page.locator(".low-trust-warning")).to_have_count(0)
        expect_profile(page, "bob", score=FREELANCER_SCORE, at_fault=0, contract=contract,
                       line_points=FREELANCER_LINE, comment=CLIENT_COMMENT,
                       reasons=["the other party's fault (no effect)", f"rated {CLIENT_STARS}/5"],
                       absent=["their fault:"])

    # The database agrees.
    contract.refresh_from_db()
    assert contract.state == "cancelled"
    job = Job.objects.get()
    application = job.applications.get()
    assert (job.state, application.state, application.contract) == ("filled", "hired", contract)
    settlement = Settlement.objects.get(contract=contract)
    assert (settlement.to_freelancer_cents, settlement.fault) == (KILL_FEE, "client")
    feedback = {f.author_role: f for f in Feedback.objects.filter(contract=contract)}
    assert all(f.revealed_at is not None for f in feedback.values())
    assert (feedback["client"].rating, feedback["client"].explained_clearly) == (CLIENT_STARS, None)
    assert (feedback["freelancer"].rating, feedback["freelancer"].explained_clearly) == (
        FREELANCER_STARS, True)
    client_rep, freelancer_rep = Reputation.objects.get(user=carla), Reputation.objects.get(user=bob)
    assert (client_rep.score, client_rep.contracts_ended, client_rep.completed, client_rep.cancelled,
            client_rep.at_fault_cancellations, client_rep.without_communication,
            client_rep.rating_count, client_rep.rating_sum) == (
        CLIENT_SCORE, 3, 2, 1, 1, 0, 1, FREELANCER_STARS)
    assert (freelancer_rep.score, freelancer_rep.contracts_ended, freelancer_rep.cancelled,
            freelancer_rep.at_fault_cancellations, freelancer_rep.rating_sum) == (
        FREELANCER_SCORE, 3, 1, 0, CLIENT_STARS)
    lines = {r.user_id: next(line for line in r.explanation if line["contract"] == contract.pk)
             for r in (client_rep, freelancer_rep)}
    assert lines[carla.pk]["points"] == CLIENT_LINE
    assert lines[bob.pk]["points"] == FREELANCER_LINE
    check_ledger()
