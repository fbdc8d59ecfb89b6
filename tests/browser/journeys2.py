"""More shared steps of the browser journeys: the mediator console (Django admin), deposits,
and leaving feedback.

The app's own steps (signing in, actions, money) are in `journeys.py`; these follow the same
conventions: a person clicks the visible button, fills the confirmation page, and the test
waits for the message the site shows afterwards.
"""

import re
import time

from allauth.mfa import app_settings as mfa_settings
from django.core.cache import cache
from playwright.sync_api import Page, expect

from marketplace.kernel.mfa import current_totp_code, enrol_totp, is_enrolled
from marketplace.kernel.models import User
from tests.browser.journeys import expect_cents, expect_message

__all__ = ["console_act", "console_sign_in", "deposit", "fresh_totp_code", "leave_feedback"]


def console_sign_in(page: Page, username: str, password: str) -> None:
    """A case worker signs in to the mediator console: the admin's login page hands over to
    the site's, which asks for the password, then for the code of the authenticator app on
    their phone (computed here from the enrolled secret, as the app would)."""
    user = User.objects.get(username=username)
    if not is_enrolled(user):
        enrol_totp(user)
    page.goto("/admin/login/?next=/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.fill("#id_code", fresh_totp_code(user))
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("#user-tools")).to_contain_text(username, ignore_case=True)


# A code typed in its last seconds may reach the server in the next 30-second window (a
# loaded CI machine), where allauth no longer accepts it: a person would wait for the next.
TOTP_MARGIN = 6  # seconds


def fresh_totp_code(user) -> str:
    """The code the authenticator app shows now, with time left to type it. allauth accepts
    each code once per user; if this one was already used (a second sign-in within its 30
    seconds), wait for the next."""
    while True:
        left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
        if left < TOTP_MARGIN:
            time.sleep(left + 0.1)
        code = current_totp_code(user)
        if cache.get(f"allauth.mfa.totp.used?user={user.pk}&code={code}") is None:
            return code
        time.sleep(1)


def console_act(page: Page, action: str, *, fill: dict[str, str] | None = None,
                check: list[str] | None = None, select: dict[str, str] | None = None,
                done: str) -> None:
    """On the console's case view: click an action, fill its form, confirm; the admin's
    message list says in words what happened (`done`) and the case view is back."""
    page.locator(f"#console-actions a[data-action={action}]").click()
    expect(page.locator("#confirm")).to_be_visible()
    for selector in check or []:
        page.check(selector)
    for selector, value in (select or {}).items():
        page.select_option(selector, value)
    for selector, value in (fill or {}).items():
        page.fill(selector, value)
    page.locator("#confirm").click()
    expect(page.locator("ul.messagelist")).to_contain_text(done)
    expect(page.locator("#case")).to_be_visible()


def deposit(page: Page, dollars: str, cents: int) -> None:
    """Open the wallet, deposit `dollars`, and check the new balance is `cents`."""
    page.goto("/wallet/")
    form = page.locator("#deposit-form")
    form.locator("[name=deposit-amount]").fill(dollars)
    form.get_by_role("button", name="Deposit").click()
    expect_message(page, f"${dollars} deposited into your wallet.")
    expect_cents(page.locator("#wallet-balance"), cents)


def leave_feedback(page: Page, contract_url: str, *, rating: int, communication: int,
                   quality_or_clarity: int, professionalism: int, comment: str,
                   explained_clearly: str | None = None) -> None:
    """From the contract page's banner to the feedback form: stars, comment, submit."""
    page.goto(contract_url)
    page.locator("#feedback-banner").get_by_role("link", name="Feedback").click()
    expect(page).to_have_url(re.compile(r"/contracts/\d+/feedback/$"))
    form = page.locator("#feedback-form")
    for name, stars in (("rating", rating), ("communication", communication),
                        ("quality_or_clarity", quality_or_clarity),
                        ("professionalism", professionalism)):
        form.locator(f"input[name={name}][value='{stars}']").check()
    if explained_clearly is not None:
        form.locator(f"input[name=explained_clearly][value={explained_clearly}]").check()
    form.locator("textarea[name=comment]").fill(comment)
    form.get_by_role("button", name="Submit feedback").click()
    expect_message(page, "Thank you. Your feedback is shown once the other party has left "
                         "theirs")
    expect(page.locator("#my-feedback")).to_contain_text(comment)
