"""The public-sector basics in Chromium: the footer's statements, the 404 page and the search, each with no serious
accessibility violations and no sideways scrolling at 320 px."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dashboard import serious_violations
from tests.factories import ActionFactory, IndicatorFactory

pytestmark = pytest.mark.browser


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_someone_signed_out_reaches_every_statement_from_the_footer(page, transactional_db):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/accounts/login/")
    for link, heading in (
        ("Accessibility statement", "Accessibility statement for the neglect portal"),
        ("Privacy notice", "Privacy notice"),
        ("Help", "Help"),
        ("Contact", "Contact"),
    ):
        page.get_by_role("contentinfo").get_by_role("link", name=link, exact=True).click()
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert serious_violations(page) == [], link
        assert fits(page), link
    screenshot(page, "contact-320")


def test_a_missing_page_is_styled_and_leads_home(page, csc_lead):
    sign_in(page, "csc.lead", "correct-horse-battery")
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert serious_violations(page) == []
    page.get_by_role("link", name="Go to the home page").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Children's Social Care: what to do next"


def test_the_analyst_searches_from_the_header_and_the_menu_never_clips(page, analyst, csc):
    IndicatorFactory(code="N18", title="Neglect CIN plans open more than 12 months")
    ActionFactory(plan__agency=csc, description="Review every neglect plan open more than 12 months")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "analyst", "correct-horse-battery")
    sign_out = page.get_by_role("button", name="Sign out")
    toggler = page.get_by_role("button", name="Menu")
    assert toggler.is_visible() and not sign_out.is_visible()  # collapsed at 1280: nothing can be cut off
    toggler.click()
    page.get_by_test_id("account-button").click()
    box = sign_out.bounding_box()
    assert box and box["x"] + box["width"] <= 1280
    page.get_by_label("Search indicators, agencies and actions").first.fill("12 months")
    page.get_by_role("search").first.get_by_role("button", name="Search").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Search"
    assert "2 results" in page.get_by_test_id("search-summary").inner_text()
    assert serious_violations(page) == []
    page.get_by_role("link", name="N18 Neglect CIN plans open more than 12 months").click()
    assert page.url.endswith("/dataset/indicators/N18/")
