"""Small screens (WCAG 1.4.10 reflow): at 320 CSS pixels wide no page a person reaches scrolls sideways, with
JavaScript or without it; a table wider than the screen scrolls inside a labelled region that takes focus, written
by the server (`{% scrolltable %}`); and at 390 px every kind of chart keeps its legend below the plot, its quarter
labels apart and its title whole."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from actionplans.models import ActionPlan, ProgressReport
from dataset.models import Return
from scrutiny.models import Audit, EvidencePack, ScrutinyEvent
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dashboard import serious_violations

pytestmark = pytest.mark.browser

WIDTH = 320
ROLES = ("csc.lead", "police.lead", "analyst", "member", "scrutineer")
# Links that leave the page's HTML (files, sign-out) or the portal's own pages (Django admin).
SKIP = ("logout", "download", "export", "/admin/", ".xlsx", ".csv", ".zip", ".pdf", "/pdf/", "/zip/", "/media/")

WIDE_BOXES = """() => [...document.querySelectorAll('.table-scroll')]
  .filter(box => box.scrollWidth > box.clientWidth + 1)
  .map(box => {
    const label = document.getElementById(box.getAttribute('aria-labelledby') || '');
    return {role: box.getAttribute('role'), label: label ? label.textContent.trim() : '',
            tabindex: box.getAttribute('tabindex')};
  })"""

# What sticks out past the right edge of the page, outside any scroll box: to say which element to fix.
OVERFLOWING = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-scroll'))
  .slice(0, 3).map(e => `${e.tagName.toLowerCase()}.${e.className}: ${(e.textContent || '').trim().slice(0, 40)}`)"""


def _links(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "header a[href^='/'], main a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
    )
    paths = []
    for href in hrefs:
        path = href.split("#")[0].split("?")[0]
        if path and path not in paths and not any(s in path for s in SKIP):
            paths.append(path)
    return paths


def _kind(path: str) -> str:
    """Pages of one kind share a shape: /indicators/N07/ and /indicators/N12/ are one page type."""
    return re.sub(r"/[A-Z]+\d+[A-Za-z0-9-]*/", "/<code>/", re.sub(r"/\d+/", "/<n>/", path))


def _too_wide(page) -> int | None:
    width = page.evaluate("document.documentElement.scrollWidth")
    return width if width > WIDTH else None


def _context(browser, live_server, *, javascript: bool = True, width: int = WIDTH):
    return browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport={"width": width, "height": 800},
        java_script_enabled=javascript,
    )


@pytest.fixture
def narrow(browser, live_server):
    context = _context(browser, live_server)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def no_script(browser, live_server):
    context = _context(browser, live_server, javascript=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.mark.parametrize("username", ROLES)
def test_no_page_type_a_persona_reaches_scrolls_sideways_at_320px(narrow, demo, username):
    """Every kind of page two clicks from the persona's home page (one page of each kind), with JavaScript on."""
    sign_in(narrow, username)
    narrow.wait_for_load_state()
    queue = [urlsplit(narrow.url).path]
    seen: set[str] = set()
    kinds: set[str] = set()
    wide: dict[str, tuple] = {}
    unlabelled: dict[str, list] = {}
    depth = {queue[0]: 0}
    while queue:
        path = queue.pop(0)
        if path in seen or _kind(path) in kinds:
            continue
        seen.add(path)
        response = narrow.goto(path)
        assert response is not None, path
        if response.status != 200 or "html" not in response.headers.get("content-type", ""):
            continue
        kinds.add(_kind(path))
        if (width := _too_wide(narrow)) is not None:
            wide[path] = (width, narrow.evaluate(OVERFLOWING, WIDTH))
        boxes = [
            b for b in narrow.evaluate(WIDE_BOXES) if b["role"] != "region" or not b["label"] or b["tabindex"] != "0"
        ]
        if boxes:
            unlabelled[path] = boxes
        if depth[path] < 2:
            for link in _links(narrow):
                if link not in depth:
                    depth[link] = depth[path] + 1
                    queue.append(link)
    assert len(kinds) >= 12  # the menu and the pages it leads to were found, so the crawl saw them
    assert wide == {}
    assert unlabelled == {}


def _widest_pages() -> dict[str, tuple[str, ...]]:
    """The widest pages, by who reaches them: return edit, tracker, dataset, review, pack, action plan, event."""
    draft = Return.objects.filter(agency__short_name="Police", status="draft").first()
    plan = ActionPlan.objects.filter(agency__short_name="CSC").first()
    report = ProgressReport.objects.filter(plan=plan).order_by("-pk").first()
    event, pack, audit = ScrutinyEvent.objects.first(), EvidencePack.objects.first(), Audit.objects.first()
    assert None not in (draft, plan, report, event, pack, audit)
    return {
        "police.lead": (f"/returns/{draft.pk}/edit/", "/my-figures/", "/plans/"),
        "analyst": ("/tracker/", "/review/", "/dataset/", "/dataset/indicators/N08/", "/plans/summary/"),
        "scrutineer": (
            event.get_absolute_url(),
            f"/scrutiny/packs/{pack.pk}/",
            plan.get_absolute_url(),
            f"/plans/reports/{report.pk}/",
            f"/scrutiny/audits/{audit.pk}/",
        ),
    }


def test_without_javascript_the_widest_pages_do_not_scroll_sideways_at_320px(no_script, demo):
    wide: dict[str, tuple] = {}
    tables = 0
    for username, paths in _widest_pages().items():
        no_script.context.clear_cookies()
        sign_in(no_script, username)
        for path in paths:
            response = no_script.goto(path)
            assert response is not None and response.status == 200, (username, path)
            if (width := _too_wide(no_script)) is not None:
                wide[path] = (width, no_script.evaluate(OVERFLOWING, WIDTH))
            # The server wrote the regions: with no script to add them, each wide table is in one already.
            boxes = no_script.evaluate(WIDE_BOXES)
            assert all(b["role"] == "region" and b["label"] and b["tabindex"] == "0" for b in boxes), (path, boxes)
            tables += len(boxes)
    assert wide == {}
    assert tables >= 5  # wide tables were there to be tested
    screenshot(no_script, "no-script-audit-320")


def test_a_wide_table_scrolls_in_a_focusable_region_named_by_its_caption(narrow, demo):
    sign_in(narrow, "csc.lead")
    narrow.goto("/my-figures/")
    caption = narrow.locator(".table-scroll caption").first
    region = narrow.get_by_role("region", name=caption.text_content().strip())
    assert region.get_attribute("tabindex") == "0"
    region.focus()
    narrow.keyboard.press("ArrowRight")
    narrow.keyboard.press("ArrowRight")
    assert region.evaluate("box => box.scrollLeft") > 0
    # The caption stays in view, wrapped to the box, while the table scrolls under it.
    box, text = region.bounding_box(), caption.bounding_box()
    assert (
        box is not None
        and text is not None
        and box["x"] <= text["x"]
        and text["x"] + text["width"] <= box["x"] + box["width"] + 1
    )
    assert _too_wide(narrow) is None
    assert serious_violations(narrow) == []
    screenshot(narrow, "my-figures-320")
    # Wide enough for the table: no region, no extra tab stop.
    narrow.set_viewport_size({"width": 1600, "height": 900})
    narrow.wait_for_function("() => !document.querySelector('.table-scroll[tabindex]')")


CHART_BOXES = """() => [...document.querySelectorAll('.chart')].map(div => {
  const box = el => { const b = el.getBoundingClientRect(); return {l: b.left, r: b.right, t: b.top, b: b.bottom}; };
  const plot = div.querySelector('.cartesianlayer .bglayer rect, .nsewdrag');
  const legend = div.querySelector('.legend');
  const title = div.querySelector('.gtitle');
  const ticks = [...div.querySelectorAll('.xaxislayer-above .xtick text')].map(box);
  const overlapping = ticks.slice(1).filter((b, i) => { const a = ticks[i];
    return a.r > b.l + 0.5 && b.r > a.l + 0.5 && a.b > b.t + 0.5 && b.b > a.t + 0.5; }).length;
  return {id: div.id, chart: box(div), plot: box(plot), legend: legend && box(legend), title: title && box(title),
          ticks: ticks.length, lowestTick: Math.max(...ticks.map(t => t.b)), overlapping};
})"""

# One indicator for each kind of chart: a percentage's trend with process limits and its agencies' lines (N01);
# a count's trend and its agencies' stacked bars, whose long legend wraps to a row an agency (N08); a year-to-date
# indicator's years side by side (N27); a rate per 10,000 with a benchmark (N15).
CHARTS = ("N01", "N08", "N27", "N15")


@pytest.mark.parametrize("code", CHARTS)
def test_at_390px_each_chart_has_its_legend_below_its_labels_apart_and_its_title_whole(
    browser, live_server, demo, code
):
    context = _context(browser, live_server, width=390)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, "analyst")
        page.goto(f"/dataset/indicators/{code}/")
        page.wait_for_function("() => [...document.querySelectorAll('.chart')].every(c => c.querySelector('.legend'))")
        page.wait_for_timeout(300)  # a legend taller than guessed grows the chart once, just after drawing
        charts = page.evaluate(CHART_BOXES)
        assert {c["id"] for c in charts} == {"trend-chart", "contribution-chart"}
        for chart in charts:
            name = (code, chart["id"])
            assert chart["legend"]["t"] >= chart["plot"]["b"], name  # below the plot area
            assert chart["legend"]["t"] >= chart["lowestTick"], name  # and below the quarter labels, not over them
            assert chart["ticks"] >= 5 and chart["overlapping"] == 0, name
            title, box = chart["title"], chart["chart"]
            assert box["l"] <= title["l"] and title["r"] <= box["r"], name  # not clipped at either side
            assert title["b"] <= chart["plot"]["t"], name  # nor run into the plot
            assert chart["chart"]["r"] <= 390, name
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"indicator-{code}-390")
    finally:
        context.close()
