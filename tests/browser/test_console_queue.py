"""The console's queue at 1280 pixels: every column shows, none is cut off (the table's
scroll width fits its container), with long titles and names, and a screenshot to look at."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from contracts.tests.factories import make_funded_contract
from disputes.services import casework
from disputes.services import disputes as dsvc
from disputes.services.cancellations import cancellation_dispute
from disputes.tests.factories import in_mediation, make_dispute, make_request
from marketplace.tests.factories import MediatorFactory
from tests.browser.journeys import PASSWORD
from tests.browser.journeys2 import console_sign_in

pytestmark = pytest.mark.browser

LONG_TITLE = ("Redesign of the municipal harbour booking engine with calendar synchronisation "
              "and multilingual invoices")
FINDINGS = "Both parts were delivered as the brief describes; the second needed fixes."


def _cases(maya):
    """maya's queue with every column filled: long titles and names, big escrows, overdue
    and on-time cases, a proposal awaiting answers, and a case nobody holds (the arbitration
    her colleague mediated is not hers to see)."""
    colleague = MediatorFactory(first_name="Maximiliane-Konstanze", last_name="von Wartenberg")
    for _ in range(4):
        contract = make_funded_contract(amounts=(1_234_567, 89_000), fund=2, submit=1,
                                        title=LONG_TITLE)
        request = make_request("client", contract=contract, amount_cents=0, fault="freelancer",
                               reason="quality")
        in_mediation(cancellation_dispute(actor=contract.freelancer, request=request,
                                          reason="The work matches the written brief."), maya)
    proposal = in_mediation(make_dispute(), maya)
    casework.dispute_propose(actor=maya, dispute=proposal, outcome="continue", amount_cents=0,
                             fault="none", findings=FINDINGS, policy_clause="§4.6 Outcomes and fault")
    arbitration = in_mediation(make_dispute(), colleague)
    for _ in range(2):
        casework.dispute_propose(actor=colleague, dispute=arbitration, outcome="continue",
                                 amount_cents=0, fault="none", findings=FINDINGS,
                                 policy_clause="§4.6 Outcomes and fault")
        dsvc.dispute_reject_proposal(actor=arbitration.contract.client, dispute=arbitration,
                                     reason="Not acceptable.")
    in_mediation(make_dispute("denial"))  # nobody holds it


def test_no_queue_column_is_cut_off_at_1280_pixels(page: Page, mediator, tmp_path, jump):
    mediator.first_name, mediator.last_name = "Maya-Alexandrina", "Mendes-Oyelaran"
    mediator.save()
    _cases(mediator)
    jump(timedelta(days=3, hours=4))  # some cases are overdue now
    page.set_viewport_size({"width": 1280, "height": 800})
    console_sign_in(page, "maya", PASSWORD)
    page.goto("/admin/disputes/dispute/?state=all")
    table = page.locator("#result_list")
    expect(table.locator("tbody tr")).to_have_count(6)
    expect(table.locator(".console-badge.overdue").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "queue-1280.png"), full_page=True)
    sizes = page.evaluate("""() => {
        const table = document.querySelector('#result_list');
        const box = table.closest('.results');
        const right = box.getBoundingClientRect().right;
        return {scroll: table.scrollWidth, fits: box.clientWidth, boxScroll: box.scrollWidth,
                cut: [...table.querySelectorAll('thead th')]
                       .filter(th => th.getBoundingClientRect().right > right + 0.5)
                       .map(th => th.textContent.trim())};
    }""")
    assert sizes["cut"] == [], sizes
    assert sizes["scroll"] <= sizes["fits"], sizes
    assert sizes["boxScroll"] <= sizes["fits"], sizes
    for header in ("Case", "State", "Disputed", "Held by", "Deadline", "Escrow", "Age"):
        expect(table.locator("thead th", has_text=header)).to_be_visible()
