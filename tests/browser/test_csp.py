"""The Content-Security-Policy allows no inline styles or scripts (issue 15 item 7), and the pages people use still
work under it: no violation reported on the main pages of each role, and the charts draw (plotly.js reads its rules
from a file instead of writing a <style> element)."""

from __future__ import annotations

import pytest

from dataset.models import Indicator
from scrutiny.models import EvidencePack
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

# Every violation, as the browser reports it to the page, and every console line about the policy.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _visit(page, path: str, console: list[str]) -> list[str]:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    return [*page.evaluate("window.__csp"), *console]


@pytest.fixture
def watched(page):
    console: list[str] = []
    page.add_init_script(LISTEN)
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    return page, console


def test_no_policy_violation_on_the_main_pages_and_the_charts_draw(watched, demo):
    page, console = watched
    code = Indicator.objects.order_by("code").values_list("code", flat=True).first()
    pack = EvidencePack.objects.order_by("-pk").first()
    pages = {
        "analyst": ["/", "/dataset/", f"/dataset/indicators/{code}/", "/tracker/", "/returns/", "/review/", "/plans/"],
        "csc.lead": ["/", "/returns/", "/my-figures/", "/plans/", "/notifications/"],
        "scrutineer": ["/", "/scrutiny/", "/scrutiny/events/", f"/scrutiny/packs/{pack.pk}/", "/plans/summary/"],
        "member": ["/", "/dashboard/", f"/dataset/indicators/{code}/"],
    }
    found: dict[str, list[str]] = {}
    for username, paths in pages.items():
        page.context.clear_cookies()
        sign_in(page, username)
        for path in paths:
            if problems := _visit(page, path, console):
                found[f"{username} {path}"] = problems
            console.clear()
    assert found == {}
    # the indicator's chart drew under the policy, with plotly's own rules from the file and no <style> element
    page.goto(f"/dataset/indicators/{code}/")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    page.hover(".js-plotly-plot .nsewdrag")
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert page.evaluate("getComputedStyle(document.querySelector('.js-plotly-plot .plotly')).direction") == "ltr"
    assert page.evaluate("window.__csp") == [] and console == []


def test_the_policy_would_report_an_inline_style(watched, live_server, demo):
    """The listener hears a violation when there is one: the test above cannot pass by not listening."""
    page, console = watched
    sign_in(page, "analyst")
    page.goto("/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">x</div>')")
    page.wait_for_timeout(200)
    assert any("style-src" in line for line in page.evaluate("window.__csp"))
