"""A cancellation asked for and answered with the keyboard alone (issue 18): Tab, Shift+Tab,
Enter, Space and the arrow keys move and act, typing fills the text fields; no click.

Carla (client) asks to cancel; Bob (freelancer) counter-proposes, reading the live preview of
his terms; Carla opens the notice of his counter from her notifications and accepts it. The
skip link is the first thing Tab reaches and moves the next Tab into the page's content.
"""

import pytest
from playwright.sync_api import Page, expect

from contracts.models import Settlement
from contracts.tests.factories import make_funded_contract
from disputes.models import CancellationRequest
from marketplace.kernel.models import Notification
from marketplace.tests.factories import ClientFactory, FreelancerFactory
from tests.browser.journeys import PASSWORD, expect_message, expect_state, other_person

pytestmark = pytest.mark.browser

MAX_PRESSES = 80  # more than any page here has focusable elements before its content ends
CARLA_WHY = ("Our budget for this quarter was cut, so we cannot go on with the second part; "
             "the first part is useful and we want to pay for it fairly.")
BOB_WHY = "The first part is delivered; most of it should be paid."


def focused(page: Page) -> str:
    return page.evaluate("() => { const e = document.activeElement;"
                         " return e ? e.outerHTML.slice(0, 160) : 'nothing'; }")


def tab_to(page: Page, selector: str, *, backwards: bool = False,
           max_presses: int = MAX_PRESSES) -> None:
    """Press Tab (Shift+Tab backwards) until the focused element matches `selector`; fail,
    saying where the focus is, when it is not reached in `max_presses`."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(max_presses):
        page.keyboard.press(key)
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
    raise AssertionError(f"{selector} not reached by keyboard after {max_presses} presses of "
                         f"{key}; the focus is on {focused(page)}")


def value_of(page: Page, selector: str) -> str:
    return page.locator(selector).input_value()


def sign_in_by_keyboard(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.wait_for_load_state("load")
    tab_to(page, "#id_login")
    page.keyboard.type(username)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("nav .dropdown-toggle")).to_contain_text(username)


def test_the_skip_link_comes_first_and_moves_focus_into_the_content(page: Page):
    FreelancerFactory(username="bob")
    sign_in_by_keyboard(page, "bob")
    page.goto("/")
    page.wait_for_load_state("load")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to main content")
    expect(skip).to_be_visible()  # shown while focused
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)"
                         ), focused(page)


def test_a_cancellation_requested_and_answered_by_keyboard_only(page: Page, browser,
                                                                live_server):
    carla = ClientFactory(username="carla", first_name="Carla", last_name="Cruz")
    bob = FreelancerFactory(username="bob", first_name="Bob", last_name="Baker")
    # $500.00 in escrow: part 1 ($300.00) submitted, part 2 ($200.00) funded.
    contract = make_funded_contract(amounts=(30_000, 20_000), fund=2, submit=1, client=carla,
                                    freelancer=bob, title="Shop checkout")

    # Carla asks to cancel: from the contract page to the form, every field by keyboard.
    sign_in_by_keyboard(page, "carla")
    page.goto(contract.get_absolute_url())
    page.wait_for_load_state("load")
    tab_to(page, "#actions a[data-action=request_cancellation]")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Ask to end this contract")
    page.wait_for_load_state("load")
    tab_to(page, "#id_reason")
    for _ in range(8):  # down the list to "My budget or priorities changed"
        page.keyboard.press("ArrowDown")
    assert value_of(page, "#id_reason") == "budget"
    expect(page.locator("#id_fault")).to_have_value("client")  # suggested by the reason
    tab_to(page, "#id_explanation")
    page.keyboard.type(CARLA_WHY)
    tab_to(page, "#id_amount")
    page.keyboard.type("100.00")
    expect(page.locator("#terms-preview [data-preview=client]")).to_have_text("$400.00")
    tab_to(page, "#id_fault")
    assert value_of(page, "#id_fault") == "client"
    tab_to(page, "#cancellation-form button[type=submit]")
    page.keyboard.press("Enter")
    expect_message(page, "Your request was sent. The other party has to answer.")
    case = CancellationRequest.objects.get()
    assert (case.amount_to_freelancer_cents, case.reason, case.fault) == (10_000, "budget",
                                                                          "client")

    with other_person(browser, live_server.url) as bob_page:
        # Bob finds the request on his dashboard and counter-proposes.
        sign_in_by_keyboard(bob_page, "bob")
        bob_page.goto("/")
        bob_page.wait_for_load_state("load")
        tab_to(bob_page, f'#needs-action a[href="{case.get_absolute_url()}"]')
        bob_page.keyboard.press("Enter")
        expect(bob_page.locator("#turn")).to_contain_text("It is your turn.")
        bob_page.wait_for_load_state("load")
        tab_to(bob_page, "#actions a[data-action=counter]")
        bob_page.keyboard.press("Enter")
        expect(bob_page.locator("#confirm")).to_be_visible()
        bob_page.wait_for_load_state("load")
        tab_to(bob_page, "#id_amount")  # Tab selects the amount already there: typing replaces it
        bob_page.keyboard.type("250.00")
        preview = bob_page.locator("#terms-preview")
        expect(preview.locator("[data-preview=freelancer]")).to_have_text("$250.00")
        expect(preview.locator("[data-preview=client]")).to_have_text("$250.00")
        tab_to(bob_page, "#id_fault")
        assert value_of(bob_page, "#id_fault") == "client"  # the terms' fault, to start from
        for _ in range(2):  # the client, the freelancer, nobody
            bob_page.keyboard.press("ArrowDown")
        assert value_of(bob_page, "#id_fault") == "none"
        tab_to(bob_page, "#id_message")
        bob_page.keyboard.type(BOB_WHY)
        # Back up to check the amount (Shift+Tab), then forward to the button, pressed with Space.
        tab_to(bob_page, "#id_amount", backwards=True)
        assert value_of(bob_page, "#id_amount") == "250.00"
        tab_to(bob_page, "#confirm")
        bob_page.keyboard.press("Space")
        expect_message(bob_page, "Done: Counter-propose.")
        expect(bob_page.locator("#turn")).to_contain_text("Waiting for Carla Cruz.")
    case.refresh_from_db()
    assert (case.amount_to_freelancer_cents, case.fault) == (25_000, "none")

    # Carla opens Bob's notice from her notifications (which marks it read) and accepts.
    notice = Notification.objects.filter(user=carla, read_at__isnull=True).latest("id")
    page.goto("/notifications/")
    page.wait_for_load_state("load")
    tab_to(page, f'a[href="/notifications/{notice.pk}/open/"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}{case.get_absolute_url()}")
    page.wait_for_load_state("load")
    tab_to(page, "#actions a[data-action=accept]")
    page.keyboard.press("Enter")
    expect(page.locator("#confirm")).to_be_visible()
    page.wait_for_load_state("load")
    tab_to(page, "#confirm")
    page.keyboard.press("Enter")
    expect_message(page, "Done: Accept the terms.")
    expect_state(page, "accepted", "Accepted")

    notice.refresh_from_db()
    assert notice.read_at is not None
    settlement = Settlement.objects.get()
    assert (settlement.to_freelancer_cents, settlement.to_client_cents) == (25_000, 25_000)
