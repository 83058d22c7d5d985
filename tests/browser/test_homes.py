"""Each role's task-list home in the browser, on the demo partnership: what each person meets first after signing in,
with axe finding no serious or critical problem, and no sideways scrolling at 320 px."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dashboard import serious_violations

pytestmark = pytest.mark.browser


def _fits_320(page) -> bool:
    page.set_viewport_size({"width": 320, "height": 800})
    return page.evaluate("document.documentElement.scrollWidth") <= 320


def test_each_role_lands_on_a_task_list_of_its_next_steps(page, demo):
    sign_in(page, "police.lead")
    assert page.get_by_role("heading", level=1).inner_text() == "Sussex Police: what to do next"
    tasks = page.get_by_test_id("this-quarter")
    assert "2020-21 Q1 quarterly return" in tasks.inner_text()
    assert "2020-21 Q1 action plan progress report" in tasks.inner_text()
    assert page.get_by_role("link", name="Your agency's page").is_visible()
    assert serious_violations(page) == []
    screenshot(page, "home-lead")
    page.get_by_role("link", name="Continue: 2020-21 Q1 quarterly return").click()
    page.wait_for_url("**/edit/")
    page.go_back()
    assert _fits_320(page)
    page.context.clear_cookies()

    sign_in(page, "analyst")
    assert page.get_by_role("heading", level=1).inner_text() == "What to do next"
    assert page.get_by_role("heading", name="Waiting for your review").is_visible()
    assert page.get_by_role("heading", name="Overdue").is_visible()
    assert serious_violations(page) == []
    screenshot(page, "home-analyst")
    page.get_by_role("link", name="The partnership dashboard").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Partnership dashboard"
    # Each count is a link to the dataset page listing exactly the indicators it counts.
    count = page.locator("[data-objective=recognise] .objective-counts a").first
    counted = int(count.inner_text().split()[0])
    count.click()
    assert "Showing only the indicators under Recognise" in page.get_by_test_id("shown").inner_text()
    assert page.locator("table.dataset-table tbody tr").count() == counted
    assert serious_violations(page) == []
    page.context.clear_cookies()

    sign_in(page, "member")
    assert page.get_by_role("heading", level=1).inner_text() == "What has changed"
    assert "was published on" in page.get_by_test_id("publication").inner_text()
    assert page.get_by_test_id("key-messages").locator("li").count() >= 1
    assert serious_violations(page) == []
    assert _fits_320(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.clear_cookies()

    sign_in(page, "scrutineer")
    event = page.get_by_test_id("next-event")
    assert "September 2020 scrutiny event" in event.inner_text()
    assert "Evidence pack, version" in event.inner_text()
    assert serious_violations(page) == []
    screenshot(page, "home-scrutineer")
