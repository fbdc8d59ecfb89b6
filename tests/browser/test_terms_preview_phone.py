"""On a phone (390 px wide), the preview of the terms and what they would record are read
before the submit button: on the cancellation request form and on the counter-proposal form."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from contracts.tests.factories import make_funded_contract
from disputes.tests.factories import make_request
from marketplace.tests.factories import ClientFactory, FreelancerFactory
from tests.browser.journeys import PASSWORD, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def top(page: Page, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not displayed"
    return box["y"]


def assert_preview_above_submit(page: Page, submit: str) -> None:
    page.wait_for_load_state("load")
    page.fill("#id_amount", "120.00")
    expect(page.locator("#terms-preview [data-preview=freelancer]")).to_have_text("$120.00")
    button = top(page, submit)
    assert top(page, "#terms-preview") < button
    assert top(page, "#consequences") < button
    assert top(page, "#id_amount") < top(page, "#terms-preview")


@pytest.mark.parametrize("form", ["request", "counter"])
def test_on_a_phone_the_preview_sits_above_the_submit_button(page: Page, form):
    carla = ClientFactory(username="carla")
    bob = FreelancerFactory(username="bob")
    page.set_viewport_size(PHONE)
    sign_in(page, "bob", PASSWORD)
    if form == "request":
        contract = make_funded_contract(amounts=(30_000, 20_000), fund=2, submit=1,
                                        client=carla, freelancer=bob)
        page.goto(reverse("disputes:cancellation_new", args=[contract.pk]))
        assert_preview_above_submit(page, "#cancellation-form button[type=submit]")
    else:
        case = make_request("client", contract=make_funded_contract(
            amounts=(30_000, 20_000), fund=2, submit=1, client=carla, freelancer=bob))
        page.goto(reverse("disputes:cancellation_action", args=[case.pk, "counter"]))
        assert_preview_above_submit(page, "#confirm")
