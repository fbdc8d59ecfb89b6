"""Shared steps of the browser journeys: a second person's browser, money on the pages, actions.

Signing in and out, and the state badge, are the offer journey's own helpers, re-exported here.
"""

import re
from contextlib import contextmanager
from io import StringIO

from django.core.management import call_command
from playwright.sync_api import Browser, Locator, Page, expect

from marketplace.kernel.money import format_money
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_offer_journey import expect_state, sign_in, sign_out

__all__ = [
    "PASSWORD", "act", "check_ledger", "expect_cents", "expect_message", "expect_state",
    "other_person", "sign_in", "sign_out", "wallet_balance",
]

PASSWORD = "pw-for-tests-1"  # the factories' password


@contextmanager
def other_person(browser: Browser, base_url: str):
    """A second person on their own browser (own cookies), set up as conftest's `page` is."""
    context = browser.new_context(base_url=base_url, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    try:
        yield context.new_page()
    finally:
        context.close()


def expect_cents(locator: Locator, cents: int) -> None:
    """An amount on a page: the machine-readable cents and the dollars a person reads agree."""
    expect(locator).to_have_attribute("data-cents", str(cents))
    expect(locator).to_have_text(format_money(cents))


def expect_message(page: Page, text: str) -> None:
    expect(page.locator("#messages")).to_contain_text(text)


def wallet_balance(page: Page, cents: int) -> None:
    """Open the wallet and check the balance shown."""
    page.goto("/wallet/")
    expect_cents(page.locator("#wallet-balance"), cents)


def act(page: Page, scope: str, action: str, fill: dict[str, str] | None = None,
        select: dict[str, str] | None = None, done: str | None = None) -> None:
    """Click an action's button inside `scope`, fill its confirmation page, confirm.

    `done` is the flash message expected afterwards (default: the generic "Done: …").
    """
    page.locator(f"{scope} a[data-action={action}]").click()
    expect(page.locator("#confirm")).to_be_visible()
    for selector, value in (select or {}).items():
        page.select_option(selector, value)
    for selector, value in (fill or {}).items():
        page.fill(selector, value)
    page.locator("#confirm").click()
    expect_message(page, done or "Done:")


def check_ledger() -> None:
    """`manage.py check_ledger` proves the ledger's invariants (it exits non-zero otherwise)."""
    out = StringIO()
    try:
        call_command("check_ledger", stdout=out, stderr=out)
    except SystemExit as exc:
        raise AssertionError(f"check_ledger failed:\n{out.getvalue()}") from exc
    assert re.match(r"check_ledger: OK", out.getvalue()), out.getvalue()
