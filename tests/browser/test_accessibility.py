"""The accessibility and phone-layout sweep: every page a party, a visitor and a case worker
can open, checked with axe-core (the npm package in package.json) in Chromium, at a phone's
width (390 px) and a laptop's (1280 px).

One browser; each person signs in once in a context of their own and visits their pages.
On each page, at each width: axe-core runs (its script is injected; the test browser alone
bypasses the site's CSP for it) and every serious or critical violation is collected, and the
page must not scroll sideways (`scrollWidth > innerWidth`); the first few Tab stops must show
the focus (an outline or a focus ring). The test fails at the end with
the full list (rule, page, element). `test_every_url_pattern_is_swept` fails when a URL
pattern is neither in the page list nor in the reasoned exclusions below, so a new page is
swept from the day it exists.

Run it alone: `.venv/bin/python -m pytest -n 0 tests/browser/test_accessibility.py -q`; only
some pages while fixing them: `A11Y_ONLY="mediator /admin/disputes/dispute/1/change/"` (any
part of "who url").
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from contracts.models import Message
from contracts.services.messages import message_post
from contracts.services.reports import message_report
from contracts.tests.factories import make_active_contract, make_funded_contract, make_offer
from disputes.models import Dispute, SettlementOffer
from disputes.services import cancellations as csvc
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.tests.factories import in_mediation, make_request
from marketplace.kernel.mfa import enrol_totp
from marketplace.tests.factories import (
    ArbitratorFactory,
    ClientFactory,
    FreelancerFactory,
    MediatorFactory,
)
from reputation.services.jobs import job_apply, job_post
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.journeys import PASSWORD, sign_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = ((390, 844), (1280, 800))
BLOCKING = ("serious", "critical")
# Rules axe-core rates lower that the site holds to all the same.
ALSO_BLOCKING = ("empty-table-header",)
PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
LONG_WORD = "Supercalifragilisticexpialidocious-" * 4  # a word longer than a phone is wide
FINDINGS = "The first part was delivered and used; the second was never started."
CLAUSE = "§3.7 The settlement"

# --- the page list ------------------------------------------------------------------------------
# Each entry: who opens it, the URL name (or, for an unnamed pattern, its route), and how to
# build its arguments from the sweep's data. Names are what the coverage test checks.


@dataclass(frozen=True)
class Visit:
    who: str  # "visitor", "client", "freelancer", "mediator", "arbitrator"
    name: str
    args: object = None  # a function of the data returning the URL's args, or None
    query: str = ""

    def url(self, data: dict) -> str:
        args = self.args(data) if self.args else ()
        return reverse(self.name, args=args) + self.query


def _c(key):
    return lambda d: (d[key].pk,)


PAGES: list[Visit] = [
    # a visitor
    Visit("visitor", "dashboard"),
    Visit("visitor", "account_login"),
    Visit("visitor", "account_signup"),
    Visit("visitor", "account_reset_password"),
    Visit("visitor", "account_reset_password_done"),
    Visit("visitor", "account_reset_password_from_key", lambda d: ("1", "not-a-key")),
    Visit("visitor", "account_reset_password_from_key_done"),
    Visit("visitor", "account_confirm_email", lambda d: ("not-a-key",)),
    Visit("visitor", "account_email_verification_sent"),
    Visit("visitor", "account_inactive"),
    Visit("visitor", "policy"),
    Visit("visitor", "stats"),
    Visit("visitor", "public_profile", lambda d: (d["bob"].username,)),
    Visit("visitor", "reputation:directory"),
    Visit("visitor", "reputation:jobs"),
    Visit("visitor", "reputation:job", _c("job")),
    # the client
    Visit("client", "dashboard"),
    Visit("client", "notifications"),
    Visit("client", "contracts:list"),
    Visit("client", "contracts:new", query="?freelancer=bob"),
    Visit("client", "contracts:detail", _c("requested")),
    Visit("client", "contracts:detail", _c("settled")),
    Visit("client", "contracts:record", _c("requested")),
    Visit("client", "contracts:record", _c("settled")),
    Visit("client", "contracts:action", lambda d: (d["offer"].pk, "withdraw")),
    Visit("client", "contracts:action", lambda d: (d["active"].pk, "complete")),
    Visit("client", "contracts:milestone_new", _c("active")),
    Visit("client", "contracts:milestone_action",
          lambda d: (d["active"].pk, d["active"].milestones.get(position=1).pk, "fund")),
    Visit("client", "contracts:milestone_action",
          lambda d: (d["review"].pk, d["review"].milestones.get(position=1).pk, "approve")),
    Visit("client", "contracts:milestone_action",
          lambda d: (d["review"].pk, d["review"].milestones.get(position=1).pk,
                     "request_changes")),
    Visit("client", "contracts:message_report", lambda d: (d["requested"].pk, d["bob_said"].pk)),
    Visit("client", "contracts:wallet"),
    Visit("client", "disputes:cancellation_new", _c("review")),
    Visit("client", "disputes:cancellation", _c("request")),
    Visit("client", "disputes:cancellation_action", lambda d: (d["request"].pk, "withdraw")),
    Visit("client", "disputes:dispute", _c("mediation")),
    Visit("client", "disputes:dispute", _c("arbitration")),
    Visit("client", "disputes:dispute", _c("decided")),
    Visit("client", "disputes:dispute_action", lambda d: (d["mediation"].pk, "offer")),
    Visit("client", "disputes:offer_action",
          lambda d: (d["mediation"].pk, d["bob_offer"].pk, "accept")),
    Visit("client", "reputation:job_new"),
    Visit("client", "reputation:job", _c("job")),
    Visit("client", "reputation:job_action", lambda d: (d["job"].pk, "close")),
    Visit("client", "reputation:application_action", lambda d: (d["application"].pk, "hire")),
    Visit("client", "reputation:feedback", _c("settled")),
    Visit("client", "public_profile", lambda d: (d["bob"].username,)),
    Visit("client", "profile_settings"),
    Visit("client", "account_close"),
    Visit("client", "account_email"),
    Visit("client", "account_change_password"),
    Visit("client", "account_reauthenticate"),
    Visit("client", "mfa_index"),
    Visit("client", "mfa_activate_totp"),
    Visit("client", "account_logout"),
    # the freelancer
    Visit("freelancer", "dashboard"),
    Visit("freelancer", "notifications"),
    Visit("freelancer", "contracts:list"),
    Visit("freelancer", "contracts:detail", _c("offer")),
    Visit("freelancer", "contracts:detail", _c("requested")),
    Visit("freelancer", "contracts:action", lambda d: (d["offer"].pk, "accept")),
    Visit("freelancer", "contracts:action", lambda d: (d["offer"].pk, "decline")),
    Visit("freelancer", "contracts:milestone_action",
          lambda d: (d["requested"].pk, d["requested"].milestones.get(position=2).pk, "submit")),
    Visit("freelancer", "contracts:wallet"),
    Visit("freelancer", "disputes:cancellation", _c("request")),
    Visit("freelancer", "disputes:cancellation_action", lambda d: (d["request"].pk, "accept")),
    Visit("freelancer", "disputes:cancellation_action", lambda d: (d["request"].pk, "counter")),
    Visit("freelancer", "disputes:cancellation_action", lambda d: (d["request"].pk, "deny")),
    Visit("freelancer", "disputes:cancellation_action",
          lambda d: (d["request"].pk, "dispute_cancellation")),
    Visit("freelancer", "disputes:dispute", _c("mediation")),
    Visit("freelancer", "disputes:dispute", _c("proposal")),
    Visit("freelancer", "disputes:dispute_action", lambda d: (d["proposal"].pk, "accept_proposal")),
    Visit("freelancer", "disputes:dispute_action", lambda d: (d["proposal"].pk, "reject_proposal")),
    Visit("freelancer", "disputes:dispute_action", lambda d: (d["mediation"].pk, "withdraw")),
    Visit("freelancer", "disputes:dispute", _c("decided")),
    Visit("freelancer", "reputation:job", _c("job")),
    Visit("freelancer", "reputation:application_action",
          lambda d: (d["application"].pk, "withdraw")),
    Visit("freelancer", "reputation:feedback", _c("settled")),
    Visit("freelancer", "public_profile", lambda d: (d["bob"].username,)),
    # the mediator, in the console
    Visit("mediator", "admin:index"),
    Visit("mediator", "admin:disputes_dispute_changelist"),
    Visit("mediator", "admin:disputes_dispute_changelist", query="?assigned=none"),
    Visit("mediator", "admin:disputes_dispute_change", _c("mediation")),
    Visit("mediator", "admin:disputes_dispute_change", _c("decided_mediated")),
    Visit("mediator", "admin:disputes_dispute_act", lambda d: (d["mediation"].pk, "message")),
    Visit("mediator", "admin:disputes_dispute_act", lambda d: (d["mediation"].pk, "message"),
          query="?notice=request_evidence"),
    Visit("mediator", "admin:disputes_dispute_act", lambda d: (d["mediation"].pk, "propose")),
    Visit("mediator", "admin:disputes_dispute_act", lambda d: (d["mediation"].pk, "extend")),
    Visit("mediator", "admin:disputes_dispute_act", lambda d: (d["mediation"].pk, "recuse")),
    Visit("mediator", "admin:disputes_dispute_act", lambda d: (d["queued"].pk, "assign_to_me")),
    Visit("mediator", "admin:contracts_messagereport_changelist"),
    Visit("mediator", "admin:contracts_messagereport_change", _c("report")),
    Visit("mediator", "admin:contracts_messagereport_act", lambda d: (d["report"].pk, "warn")),
    Visit("mediator", "admin:contracts_messagereport_act", lambda d: (d["report"].pk, "hide")),
    Visit("mediator", "admin:contracts_messagereport_act", lambda d: (d["report"].pk, "dismiss")),
    Visit("mediator", "admin:contracts_contract_changelist"),
    Visit("mediator", "admin:contracts_contract_change", lambda d: (d["mediation"].contract_id,)),
    Visit("mediator", "admin:contracts_message_changelist"),
    Visit("mediator", "admin:contracts_message_change", _c("evidence_message")),
    Visit("mediator", "admin:contracts_attachment_changelist"),
    Visit("mediator", "admin:contracts_attachment_change", _c("evidence")),
    Visit("mediator", "admin:app_list", lambda d: ("disputes",)),
    Visit("mediator", "admin:password_change"),
    Visit("mediator", "admin:password_change_done"),
    Visit("mediator", "mfa_index"),
    Visit("mediator", "mfa_deactivate_totp"),
    Visit("mediator", "mfa_view_recovery_codes"),
    Visit("mediator", "mfa_generate_recovery_codes"),
    Visit("mediator", "mfa_reauthenticate"),
    # the arbitrator, in the console
    Visit("arbitrator", "admin:disputes_dispute_changelist"),
    Visit("arbitrator", "admin:disputes_dispute_change", _c("arbitration")),
    Visit("arbitrator", "admin:disputes_dispute_change", _c("decided")),
    Visit("arbitrator", "admin:disputes_dispute_act", lambda d: (d["arbitration"].pk, "decide")),
    Visit("arbitrator", "admin:disputes_dispute_act",
          lambda d: (d["arbitration"].pk, "recuse_arbitration")),
    Visit("arbitrator", "admin:disputes_dispute_act",
          lambda d: (d["arbitration"].pk, "message")),
]

# Pages reached on the way (sign-in steps) are checked where they appear: see _sign_in.
CHECKED_ON_THE_WAY = {"admin:login", "mfa_authenticate"}

# URL patterns (by name, or route when unnamed) a person opens that are not pages to check,
# each with its reason.
EXCLUDED: dict[str, str] = {
    "healthz": "a plain-text health probe for the load balancer, not a page",
    "robots.txt": "plain text for crawlers",
    "notifications_read": "POST-only: marks notifications read and redirects",
    "notifications_open": "marks the viewer's notice read and redirects to its page (swept)",
    "contracts:message": "POST-only: posts a message and redirects to the contract",
    "contracts:attachment": "a file download (the attachment's bytes), not a page",
    "disputes:cancellation_message": "POST-only: posts a message on the request's thread",
    "disputes:dispute_message": "POST-only: posts a message in the dispute room",
    "contracts:wallet_deposit": "POST-only: its form is on the wallet page",
    "contracts:wallet_withdraw": "POST-only: its form is on the wallet page",
    "reputation:reply": "POST-only: its form is on the profile beside the feedback",
    "account_set_password": "redirects to the password change page: every account has one",
    "account_confirm_login_code": "login by code is off (redirects to the login page)",
    "account_request_reauthentication_code": "login by code is off (redirects)",
    "account_confirm_reauthentication_code": "login by code is off (redirects)",
    "mfa_download_recovery_codes": "a text-file download, not a page",
    "admin:logout": "POST-only since Django 5 (the console's sign-out button posts to it)",
    "admin:jsi18n": "the admin's JavaScript catalogue, not a page",
    "admin:autocomplete": "JSON for the admin's autocomplete widgets, not a page",
    "admin:view_on_site": "a redirect for superusers only (404 for case workers)",
    "admin/(?P<url>.*)$": "the admin's catch-all: 404 for an unknown console URL",
}
# Console model admins not built for case work are superusers' only (ConsoleSite wraps them
# in SuperuserOnly: 403 for a mediator or an arbitrator); in those built for case work the
# add, delete and history views are refused too (changes go through the console actions).
CASE_WORK_REFUSED_VIEWS = ("add", "delete", "history")
# Each model admin's unnamed `<object_id>/` pattern only redirects to its change view.
ADMIN_LEGACY_REDIRECT = re.compile(r"^admin/[^/]+/[^/]+/<path:object_id>/$")


# --- the data -----------------------------------------------------------------------------------


def _build() -> dict:
    carla = ClientFactory(username="carla", first_name="Carla", last_name="Cruz")
    bob = FreelancerFactory(username="bob", first_name="Bob", last_name="Baker",
                            skills="Python, Django, " + LONG_WORD)
    maya = MediatorFactory(username="maya", first_name="Maya", last_name="Moss")
    arthur = ArbitratorFactory(username="arthur", first_name="Arthur", last_name="Ames")
    for staff in (maya, arthur):
        enrol_totp(staff)
    pair = {"client": carla, "freelancer": bob}
    d: dict = {"carla": carla, "bob": bob}

    d["offer"] = make_offer(title="Logo refresh " + LONG_WORD, **pair)
    d["active"] = make_active_contract(amounts=(20_000, 10_000), title="Newsletter", **pair)
    d["review"] = make_funded_contract(amounts=(30_000,), fund=1, submit=1, title="Landing page",
                                       **pair)

    # a contract with an open cancellation request, messages and a PDF
    d["requested"] = make_funded_contract(amounts=(30_000, 20_000), fund=2, submit=1,
                                          title="Booking page", **pair)
    message_post(actor=carla, contract=d["requested"], body="The calendar does not load.")
    d["bob_said"] = message_post(actor=bob, contract=d["requested"],
                                 body="Here is the brief again: " + LONG_WORD,
                                 files=[ContentFile(PDF_BYTES, name="brief-" + LONG_WORD + ".pdf")])
    d["request"] = make_request("client", contract=d["requested"], amount_cents=10_000)

    # a dispute in mediation held by maya, with evidence and an open offer
    d["mediation"] = _dispute(pair, "Shop checkout", mediator=maya)
    d["evidence_message"] = dsvc.dispute_message(
        actor=bob, dispute=d["mediation"], body="The delivered checkout.", evidence=True,
        files=[ContentFile(PDF_BYTES, name="checkout.pdf")])
    d["evidence"] = d["evidence_message"].attachments.get()
    d["bob_offer"] = dsvc.dispute_make_offer(actor=bob, dispute=d["mediation"], outcome="cancel",
                                             amount_cents=15_000, fault="none")
    # a case in the queue nobody holds yet
    d["queued"] = _dispute(pair, "Mobile app")
    # a proposal awaiting the parties' answers
    d["proposal"] = _dispute(pair, "Data import", mediator=maya)
    casework.dispute_propose(actor=maya, dispute=d["proposal"], outcome="cancel",
                             amount_cents=20_000, fault="none", findings=FINDINGS,
                             policy_clause=CLAUSE)
    # an arbitration case arthur holds
    d["arbitration"] = _to_arbitration(pair, "Inventory dashboard", maya)
    casework.dispute_assign_arbitrator(actor=arthur, dispute=d["arbitration"])
    # a closed case: decided by arthur, the settlement executed
    decided = _to_arbitration(pair, "Photo archive", maya)
    casework.dispute_assign_arbitrator(actor=arthur, dispute=decided)
    casework.dispute_decide(actor=arthur, dispute=decided, outcome="cancel", amount_cents=20_000,
                            fault="client", findings=FINDINGS, policy_clause=CLAUSE)
    d["decided"] = decided
    d["settled"] = decided.contract
    # a closed case maya resolved (her case view of an ended case)
    mediated = _dispute(pair, "Podcast edit", mediator=maya)
    casework.dispute_propose(actor=maya, dispute=mediated, outcome="cancel", amount_cents=20_000,
                             fault="none", findings=FINDINGS, policy_clause=CLAUSE)
    dsvc.dispute_accept_proposal(actor=carla, dispute=mediated)
    dsvc.dispute_accept_proposal(actor=bob, dispute=mediated)
    d["decided_mediated"] = mediated

    # feedback both ways on the settled contract (bob may reply to carla's)
    from reputation.services.feedback import feedback_submit

    d["feedback"] = feedback_submit(actor=carla, contract=d["settled"], rating=4, communication=4,
                                    quality_or_clarity=4, professionalism=5,
                                    comment="Good work on the first part. " + LONG_WORD)
    feedback_submit(actor=bob, contract=d["settled"], rating=5, communication=5,
                    quality_or_clarity=5, professionalism=5, comment="Clear brief.",
                    explained_clearly=True)

    # a reported message
    reported = message_post(actor=bob, contract=d["requested"], body="You never pay on time!")
    d["report"] = message_report(actor=carla, message=reported, reason="Insulting.")

    # a job with an application
    d["job"] = job_post(actor=carla, title="Booking widget", description="A widget. " + LONG_WORD,
                        skills="JavaScript", budget_cents=40_000)
    d["application"] = job_apply(actor=bob, job=d["job"], cover_note="I built three.",
                                 price_cents=35_000)
    for key in ("mediation", "proposal", "arbitration", "decided", "decided_mediated", "queued"):
        d[key].refresh_from_db()
    assert d["mediation"].state == "mediation" and d["arbitration"].state == "arbitration"
    assert d["decided"].state == "decided" and d["queued"].mediator_id is None
    assert SettlementOffer.objects.filter(pk=d["bob_offer"].pk, state="open").exists()
    assert Message.objects.filter(pk=d["bob_said"].pk).exists()
    return d


def _dispute(pair, title, mediator=None) -> Dispute:
    contract = make_funded_contract(amounts=(30_000, 20_000), fund=2, submit=1, title=title,
                                    **pair)
    request = make_request("client", contract=contract, amount_cents=0, fault="freelancer",
                           reason="quality")
    dispute = csvc.cancellation_dispute(actor=pair["freelancer"], request=request,
                                        reason="The work matches the written brief.")
    return in_mediation(dispute, mediator)


def _to_arbitration(pair, title, mediator) -> Dispute:
    dispute = _dispute(pair, title, mediator=mediator)
    for _round in range(2):
        casework.dispute_propose(actor=mediator, dispute=dispute, outcome="cancel",
                                 amount_cents=20_000, fault="none", findings=FINDINGS,
                                 policy_clause=CLAUSE)
        dsvc.dispute_reject_proposal(actor=pair["client"], dispute=dispute, reason="Too much.")
    dispute.refresh_from_db()
    return dispute


# --- the checks ---------------------------------------------------------------------------------

RUN_AXE = """async ([blocking, rules]) => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => blocking.includes(v.impact) || rules.includes(v.id))
    .map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" ")),
  }));
}"""

# What sticks out furthest past the window's right edge: the deepest element, or the element
# whose text runs out of its box (a long hash or word).
WIDEST = """() => {
  const edge = window.innerWidth;
  let found = null;
  const consider = (el, right) => {
    if (right > edge + 1 && (!found || right >= found.right)) found = {el, right};
  };
  for (const el of document.body.querySelectorAll("*")) {
    consider(el, el.getBoundingClientRect().right);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    range.selectNodeContents(walker.currentNode);
    consider(walker.currentNode.parentElement, range.getBoundingClientRect().right);
  }
  if (!found) return "(none found)";
  const el = found.el;
  const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.classList.length ? "." + [...el.classList].join(".") : "");
  return `${name} (right edge ${Math.round(found.right)} px): `
    + JSON.stringify((el.textContent || "").trim().slice(0, 60));
}"""


# Whether the focused element shows where the focus is: an outline or a focus ring (Bootstrap
# draws its rings on controls with box-shadow).
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow && style.boxShadow !== "none";
  if (outline || ring) return "";
  return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.classList.length ? "." + [...el.classList].join(".") : "")
    + " " + JSON.stringify((el.textContent || el.value || "").trim().slice(0, 40));
}"""
FOCUS_STEPS = 4  # the first few stops of Tab on each page: the skip link, the navigation, …


@dataclass
class Findings:
    violations: dict = field(default_factory=dict)  # (rule, url) -> set of targets
    overflow: list = field(default_factory=list)
    unseen_focus: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    pages: int = 0

    def check(self, page: Page, who: str, url: str, script: str) -> None:
        self.pages += 1
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            wide = page.evaluate("() => [document.documentElement.scrollWidth,"
                                 " window.innerWidth]")
            if wide[0] > wide[1]:
                self.overflow.append(f"{who} {url} at {width} px: scrollWidth {wide[0]} > "
                                     f"{wide[1]}; widest: {page.evaluate(WIDEST)}")
            if not page.evaluate("() => typeof axe !== 'undefined'"):
                page.add_script_tag(content=script)
            for v in page.evaluate(RUN_AXE, [list(BLOCKING), list(ALSO_BLOCKING)]):
                key = (v["id"], v["impact"], v["help"], f"{who} {url}")
                self.violations.setdefault(key, set()).update(
                    f"{t} @{width}" for t in v["targets"])
        for _step in range(FOCUS_STEPS):
            page.keyboard.press("Tab")
            unseen = page.evaluate(FOCUS_SHOWN)
            if unseen:
                self.unseen_focus.append(f"{who} {url}: {unseen}")

    def report(self) -> str:
        lines = []
        for (rule, impact, help_, where), targets in sorted(self.violations.items()):
            lines.append(f"[{impact}] {rule} ({help_}) on {where}:")
            lines.extend(f"    {t}" for t in sorted(targets))
        if self.overflow:
            lines.append("Pages that scroll sideways:")
            lines.extend(f"    {o}" for o in self.overflow)
        if self.unseen_focus:
            lines.append("Focus not shown (no outline or ring) on:")
            lines.extend(f"    {u}" for u in self.unseen_focus)
        if self.errors:
            lines.append("Pages that did not open:")
            lines.extend(f"    {e}" for e in self.errors)
        return "\n".join(lines)


def _context(browser: Browser, base_url: str):
    # The site's CSP forbids inline scripts, rightly; only this test browser lets axe in.
    context = browser.new_context(base_url=base_url, bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    return context


def console_sign_in_checked(page: Page, username: str, findings: Findings, script: str) -> None:
    """The console's sign-in (journeys2.console_sign_in), checking the admin's login hand-over
    page and the second factor's page on the way."""
    from playwright.sync_api import expect

    from marketplace.kernel.models import User
    from tests.browser.journeys2 import fresh_totp_code

    user = User.objects.get(username=username)
    page.goto("/admin/login/?next=/admin/")
    findings.check(page, username, "/admin/login/ (allauth's login)", script)
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    findings.check(page, username, "/accounts/2fa/authenticate/", script)
    page.fill("#id_code", fresh_totp_code(user))
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("#user-tools")).to_contain_text(username, ignore_case=True)


PEOPLE = {"visitor": None, "client": "carla", "freelancer": "bob", "mediator": "maya",
          "arbitrator": "arthur"}


def test_every_page_is_accessible_and_fits_a_phone(browser, live_server):
    assert AXE.exists(), "axe-core is missing: run bin/setup (npm ci installs package.json)"
    script = AXE.read_text()
    data = _build()
    findings = Findings()
    only = os.environ.get("A11Y_ONLY", "")  # while fixing: the pages whose "who url" has this
    for who, username in PEOPLE.items():
        if only and not any(only in f"{who} {v.url(data)}" for v in PAGES if v.who == who):
            continue
        context = _context(browser, live_server.url)
        try:
            page = context.new_page()
            if who in ("mediator", "arbitrator"):
                console_sign_in_checked(page, username, findings, script)
            elif username:
                sign_in(page, username, PASSWORD)
            for visit in (v for v in PAGES if v.who == who):
                url = visit.url(data)
                if only not in f"{who} {url}":
                    continue
                try:
                    response = page.goto(url)
                except PlaywrightError as exc:
                    findings.errors.append(f"{who} {url}: {exc.message.splitlines()[0]}")
                    continue
                if response is None or response.status != 200:
                    findings.errors.append(f"{who} {url}: HTTP "
                                           f"{response.status if response else '—'}")
                    continue
                findings.check(page, who, url, script)
        finally:
            context.close()
    assert only or findings.pages >= len(PAGES)
    problems = findings.report()
    assert not problems, (f"{findings.pages} pages checked; serious/critical axe-core "
                          f"violations and sideways scroll:\n{problems}")


# --- every URL pattern is in the sweep or excluded for a reason ---------------------------------


def _patterns(resolver=None, prefix="", namespace=""):
    """(key, route) of every URL pattern: key is the URL name (with its namespace), or the
    route when the pattern has no name."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _patterns(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield (f"{namespace}{pattern.name}" if pattern.name else route), route


def _superuser_only_or_refused(key: str) -> bool:
    """An admin URL of a model admin that case workers cannot open (see above)."""
    if not key.startswith("admin:"):
        return False
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if key.startswith(prefix) or (key == "admin:auth_user_password_change" and (
                model._meta.model_name == "user")):
            if not getattr(model_admin, "for_case_workers", False):
                return True
            return key.removeprefix(prefix) in CASE_WORK_REFUSED_VIEWS
    return False


def test_every_url_pattern_is_swept():
    swept = {v.name for v in PAGES} | CHECKED_ON_THE_WAY
    missing = []
    for key, route in _patterns():
        if key in swept or key in EXCLUDED or route in EXCLUDED:
            continue
        if _superuser_only_or_refused(key) or ADMIN_LEGACY_REDIRECT.match(route):
            continue
        missing.append(f"{key} ({route})")
    assert not missing, ("URL patterns neither in the accessibility sweep's page list nor "
                         "excluded with a reason (tests/browser/test_accessibility.py):\n"
                         + "\n".join(missing))
    stale = [k for k in EXCLUDED if k not in {key for key, _ in _patterns()}
             and k not in {route for _, route in _patterns()}]
    assert not stale, f"exclusions for URL patterns that no longer exist: {stale}"


def test_the_page_list_names_real_patterns():
    names = {key for key, _ in _patterns()}
    unknown = sorted({v.name for v in PAGES} - names)
    assert not unknown, f"the page list names no URL pattern: {unknown}"
