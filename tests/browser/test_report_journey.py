"""Respectful dialogue in two browsers: a client reports an abusive message; a mediator reads
it with the messages around it in the console and warns the sender, or hides the message;
the reporter is told, and the parties' pages show what was decided."""

import pytest
from playwright.sync_api import Page, expect

from contracts.models import MessageReport
from contracts.services.messages import message_post
from contracts.tests.factories import make_active_contract
from marketplace.kernel.models import Event
from marketplace.tests.factories import ClientFactory, FreelancerFactory, MediatorFactory
from tests.browser.journeys import PASSWORD, expect_message, other_person, sign_in
from tests.browser.journeys2 import console_sign_in

pytestmark = pytest.mark.browser

ABUSE = "Only an idiot would ask for changes this late; you clearly cannot read a brief."
REASON = "He insults me instead of discussing the changes."


@pytest.fixture
def setting(db):
    carla = ClientFactory(username="carla", first_name="Carla", last_name="Cruz")
    bob = FreelancerFactory(username="bob", first_name="Bob", last_name="Baker")
    MediatorFactory(username="maya", first_name="Maya", last_name="Moss")
    contract = make_active_contract(client=carla, freelancer=bob, title="Shop checkout")
    message_post(actor=carla, contract=contract, body="Could the button be green instead?")
    abusive = message_post(actor=bob, contract=contract, body=ABUSE)
    message_post(actor=carla, contract=contract, body="Please keep this civil.")
    return contract, abusive


def report_it(page: Page, contract, message) -> None:
    sign_in(page, "carla", PASSWORD)
    page.goto(contract.get_absolute_url())
    page.locator(f"#message-{message.pk} a[data-report='{message.pk}']").click()
    expect(page.locator("#reported-message")).to_contain_text(ABUSE)
    page.fill("#id_reason", REASON)
    page.locator("#confirm").click()
    expect_message(page, "A mediator will look at the message")


def decide(browser, base_url: str, report: MessageReport, action: str, reason: str,
           done: str) -> None:
    with other_person(browser, base_url) as maya:
        console_sign_in(maya, "maya", PASSWORD)
        maya.goto("/admin/contracts/messagereport/")
        maya.get_by_role("link", name=f"#{report.pk} Shop checkout").click()
        context = maya.locator("#report-context")
        expect(context).to_contain_text(ABUSE)
        expect(context).to_contain_text("Could the button be green instead?")
        expect(maya.locator("#report-reason")).to_contain_text(REASON)
        maya.locator(f"#console-actions a[data-action={action}]").click()
        maya.fill("#id_reason", reason)
        maya.locator("#confirm").click()
        expect(maya.locator("ul.messagelist")).to_contain_text(done)
        expect(maya.locator("#report [data-state]")).not_to_have_attribute("data-state", "open")


def test_report_then_warn(page: Page, browser, live_server, setting):
    contract, abusive = setting
    report_it(page, contract, abusive)
    report = MessageReport.objects.get()
    decide(browser, live_server.url, report, "warn", "Insults have no place in a contract.",
           "The sender was warned")
    report.refresh_from_db()
    assert report.state == "warned"
    # The reporter is told; the sender's profile counts the warning.
    page.goto("/notifications/")
    expect(page.locator("main")).to_contain_text("The sender was warned")
    page.goto("/u/bob/")
    expect(page.locator("#counts dd[data-count=conduct_warnings]")).to_have_text("1")
    assert Event.objects.filter(contract=contract, kind="message.report_upheld").exists()


def test_report_then_hide(page: Page, browser, live_server, setting):
    contract, abusive = setting
    report_it(page, contract, abusive)
    report = MessageReport.objects.get()
    decide(browser, live_server.url, report, "hide", "A personal insult.",
           "The message is hidden from the parties")
    page.goto(contract.get_absolute_url())
    thread = page.locator(f"#message-{abusive.pk}")
    expect(thread).to_contain_text("Hidden by a mediator: A personal insult.")
    expect(page.locator("#thread")).not_to_contain_text(ABUSE)
    expect(page.locator("#timeline")).not_to_contain_text(ABUSE)
    page.goto(f"/contracts/{contract.pk}/record/")
    expect(page.locator("main")).not_to_contain_text(ABUSE)
    page.goto("/notifications/")
    expect(page.locator("main")).to_contain_text("The message was hidden")
