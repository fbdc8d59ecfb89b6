"""The spec's acceptance journey, in a real browser.

A client signs up and verifies their email, makes an offer, the freelancer accepts and sends a
message with a PDF; both see the timeline.
"""

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from contracts.models import Attachment, Contract
from marketplace.kernel.models import Event, User
from marketplace.tests.factories import FreelancerFactory

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests-1"  # FreelancerFactory's password
CLIENT = {"email": "carla@example.com", "username": "carla", "password": "Carla-signs-up-42"}
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
CONFIRM_LINK = re.compile(r"/accounts/confirm-email/[^\s/]+/")


def sign_up_client(page: Page) -> None:
    page.goto("/accounts/signup/")
    page.fill("#id_email", CLIENT["email"])
    page.fill("#id_username", CLIENT["username"])
    page.get_by_label("I want to hire (client)").check()
    page.select_option("#id_timezone", "Europe/Berlin")
    page.fill("#id_password1", CLIENT["password"])
    page.fill("#id_password2", CLIENT["password"])
    page.get_by_role("button", name="Sign Up").click()
    expect(page.locator("#messages")).to_contain_text(f"Confirmation email sent to {CLIENT['email']}")
    expect(page.locator("footer")).to_contain_text("Times shown in Europe/Berlin")


def confirm_email(page: Page, mailoutbox) -> None:
    mails = [m for m in mailoutbox if m.to == [CLIENT["email"]] and CONFIRM_LINK.search(m.body)]
    assert len(mails) == 1, [(m.to, m.subject) for m in mailoutbox]
    page.goto(CONFIRM_LINK.search(mails[0].body).group(0))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#messages")).to_contain_text(f"You have confirmed {CLIENT['email']}")


def sign_out(page: Page) -> None:
    page.wait_for_load_state()  # the menu needs Bootstrap's script, which runs before "load"
    page.locator("nav .dropdown-toggle").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def sign_in(page: Page, login: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("nav .dropdown-toggle")).to_contain_text(login)


def expect_state(page: Page, value: str, label: str) -> None:
    badge = page.locator("h1 + div span[data-state]")
    expect(badge).to_have_attribute("data-state", value)
    expect(badge).to_have_text(label)


def expect_timeline(page: Page, message: str) -> None:
    entries = page.locator("#timeline > li")
    expect(entries).to_have_count(3)
    expect(entries.nth(0)).to_contain_text("offered “Logo redesign” to Bob Baker")
    expect(entries.nth(1)).to_contain_text("Bob Baker accepted the offer.")
    expect(entries.nth(2)).to_contain_text(message)


def test_client_signs_up_offers_freelancer_accepts_and_sends_pdf(page: Page, live_server,
                                                                  mailoutbox, tmp_path):
    FreelancerFactory(username="bob", first_name="Bob", last_name="Baker")

    # The client signs up; until the email is verified no offer can be made.
    sign_up_client(page)
    page.goto("/contracts/new/?freelancer=bob")
    page.fill("#id_title", "Logo redesign")
    page.fill("#id_description", "A new logo in three colours.")
    page.fill("#id_milestones-0-title", "First drafts")
    page.fill("#id_milestones-0-amount", "250.00")
    page.get_by_role("button", name="Send offer").click()
    expect(page.locator("main .alert-danger").first).to_contain_text(
        "Verify your email address before making an offer.")
    assert not Contract.objects.exists()

    confirm_email(page, mailoutbox)

    # The client makes the offer from the freelancer's public profile.
    page.goto("/u/bob/")
    page.get_by_role("link", name="Make an offer").click()
    expect(page.locator("h1")).to_have_text("Make an offer to Bob Baker")
    page.fill("#id_title", "Logo redesign")
    page.fill("#id_description", "A new logo in three colours.")
    page.fill("#id_milestones-0-title", "First drafts")
    page.fill("#id_milestones-0-amount", "250.00")
    page.get_by_role("button", name="Send offer").click()
    expect(page.locator("#messages")).to_contain_text("Your offer was sent to Bob Baker.")
    expect_state(page, "offered", "Offered")
    expect(page.locator("#actions a[data-action=accept]")).to_have_count(0)
    contract_url = page.url
    sign_out(page)

    # The freelancer accepts.
    sign_in(page, "bob", PASSWORD)
    page.goto(contract_url)
    expect_state(page, "offered", "Offered")
    page.locator("#actions a[data-action=accept]").click()
    page.locator("#confirm").click()
    expect(page.locator("#messages")).to_contain_text("Done: Accept offer.")
    expect_state(page, "active", "Active")

    # ... and sends a message with a PDF.
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(PDF_BYTES)
    body = "Thanks! The brief is attached."
    form = page.locator("#message-form")
    form.locator("textarea[name=body]").fill(body)
    form.locator("input[type=file][name=files]").set_input_files(pdf)
    form.get_by_role("button", name="Send").click()
    expect(page.locator("#messages")).to_contain_text("Message sent.")
    message = page.locator("#thread .message")
    expect(message).to_have_count(1)
    expect(message).to_contain_text(body)
    expect(message.get_by_role("link", name="brief.pdf")).to_be_visible()
    expect_timeline(page, body)
    sign_out(page)

    # The client sees the same timeline and can download the attachment.
    sign_in(page, CLIENT["username"], CLIENT["password"])
    page.goto(contract_url)
    expect_state(page, "active", "Active")
    expect(page.locator("#thread .message")).to_contain_text(body)
    expect_timeline(page, body)
    with page.expect_download() as download:
        page.locator("#thread .message").get_by_role("link", name="brief.pdf").click()
    assert download.value.suggested_filename == "brief.pdf"
    assert Path(download.value.path()).read_bytes() == PDF_BYTES

    # The database agrees.
    client = User.objects.get(username=CLIENT["username"])
    assert (client.role, client.timezone, client.has_verified_email) == (
        "client", "Europe/Berlin", True)
    contract = Contract.objects.get()
    assert (contract.client, contract.freelancer.username, contract.state) == (
        client, "bob", "active")
    assert list(contract.events.order_by("seq").values_list("kind", flat=True)) == [
        "offer.made", "offer.accepted", "message.posted"]
    assert Event.objects.count() == 3
    attachment = Attachment.objects.get()
    assert attachment.contract == contract
    assert attachment.original_name == "brief.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF_BYTES)
    assert attachment.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
