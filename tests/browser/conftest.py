"""Playwright fixtures: Debian's Chromium, one browser per session, a fresh context per test.

Never `playwright install`: the browser is the system package (`apt-get install chromium`).
Without it the browser tests are skipped, or fail when REQUIRE_BROWSER=1 (CI must not pass
by skipping them).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's package with "
                     "`apt-get install chromium` (never `playwright install`)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (requirements-dev.txt)")
    expect.set_options(timeout=TIMEOUT_MS)  # a loaded CI machine is slower than 5 s defaults
    # Playwright's sync API leaves an event loop running in the test thread until it stops;
    # the tests still use the database directly (factories, assertions), which Django refuses
    # in such a thread unless told it is deliberate. Set here, not at import: collecting this
    # file must not leak the variable into other tests' subprocesses (`check --deploy` fails
    # with async.E001 when it is set).
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(autouse=True)
def _no_used_sign_in_codes():
    """allauth remembers used TOTP codes per user id in the cache, and ids repeat from one
    test's database to the next: each journey starts with none used."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def page(browser, live_server):
    """A page in its own browser context (own cookies), with URLs relative to the live server."""
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    # The site has no favicon; Chromium's background request for it would be one more request
    # on the live server, racing the test's own (with in-memory SQLite they share a connection).
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page = context.new_page()
    yield page
    context.close()
