"""Small screens (WCAG 1.4.10 reflow): at 320 CSS pixels wide no page a person reaches from their menu or their
home page scrolls sideways; a table wider than the screen scrolls inside a labelled region that takes focus."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dashboard import serious_violations

pytestmark = pytest.mark.browser

WIDTH = 320
ROLES = ("csc.lead", "police.lead", "analyst", "member", "scrutineer")
# Links that leave the page's HTML (files, sign-out) or the portal's own pages (Django admin).
SKIP = ("logout", "download", "export", "/admin/", ".xlsx", ".csv", ".zip", ".pdf")

WIDE_BOXES = """() => [...document.querySelectorAll('.table-scroll, .table-responsive')]
  .filter(box => box.scrollWidth > box.clientWidth + 1)
  .map(box => ({role: box.getAttribute('role'), label: box.getAttribute('aria-label') || '',
                tabindex: box.getAttribute('tabindex')}))"""


def _links(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "header a[href^='/'], main a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
    )
    paths = []
    for href in hrefs:
        path = href.split("#")[0]
        if path and path not in paths and not any(s in path for s in SKIP):
            paths.append(path)
    return paths


def _too_wide(page) -> int | None:
    width = page.evaluate("document.documentElement.scrollWidth")
    return width if width > WIDTH else None


@pytest.fixture
def narrow(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.mark.parametrize("username", ROLES)
def test_no_page_in_the_menu_or_on_the_home_page_scrolls_sideways_at_320px(narrow, demo, username):
    sign_in(narrow, username)
    narrow.wait_for_load_state()
    home = urlsplit(narrow.url).path
    wide: dict[str, int] = {}
    unlabelled: dict[str, list] = {}
    pages = [home, *_links(narrow)]
    for path in pages:
        response = narrow.goto(path)
        assert response is not None and response.status == 200, path
        if (width := _too_wide(narrow)) is not None:
            wide[path] = width
        boxes = narrow.evaluate(WIDE_BOXES)
        boxes = [b for b in boxes if b["role"] != "region" or not b["label"] or b["tabindex"] != "0"]
        if boxes:
            unlabelled[path] = boxes
    assert len(pages) >= 6  # the menu was found, so the crawl saw the pages it names
    assert wide == {}
    assert unlabelled == {}


def test_a_wide_table_scrolls_in_a_focusable_region_named_after_it(narrow, demo):
    sign_in(narrow, "csc.lead")
    narrow.goto("/my-figures/")
    region = narrow.get_by_role("region", name="(scrolls sideways)", exact=False).first
    assert region.get_attribute("tabindex") == "0"
    region.focus()
    narrow.keyboard.press("ArrowRight")
    narrow.keyboard.press("ArrowRight")
    assert region.evaluate("box => box.scrollLeft") > 0
    assert _too_wide(narrow) is None
    assert serious_violations(narrow) == []
    screenshot(narrow, "my-figures-320")
    # Wide enough for the table: no region, no extra tab stop.
    narrow.set_viewport_size({"width": 1600, "height": 900})
    narrow.wait_for_function("() => !document.querySelector('.table-scroll[tabindex], .table-responsive[tabindex]')")
