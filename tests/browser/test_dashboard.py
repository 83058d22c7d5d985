"""The Working Group's dashboard in the browser: themes, an indicator's chart and table, and an automated
accessibility check (axe-core, vendored from the npm registry) on the pages people use most."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone

from agencies.demo import seed_partnership
from dataset import demo
from dataset.catalogue.loader import load_demo_catalogue
from dataset.models import Return
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()


@pytest.fixture
def demo_dataset(transactional_db):
    seed_partnership()
    load_demo_catalogue()
    demo.seed_returns(today=timezone.localdate())
    return demo.seed_snapshot()


def serious_violations(page) -> list[str]:
    """Run axe-core in the page (evaluated over the DevTools protocol, so the page's CSP still applies to
    the page itself) and list serious or critical violations."""
    page.evaluate(AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_member_reads_the_dashboard_drills_into_n18_and_reads_its_chart_as_a_table(page, demo_dataset):
    sign_in(page, "member")
    page.get_by_role("link", name="Open the partnership dashboard").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Partnership dashboard"
    themes = page.locator("section", has=page.get_by_role("heading", name="Key messages for 2020-21 Q1"))
    assert "possible drift" in themes.inner_text()
    assert serious_violations(page) == []
    screenshot(page, "dashboard")

    # Each indicator's row is one click away, below the key messages and the objectives' cards.
    rows = page.get_by_test_id("indicator-rows")
    assert rows.get_attribute("open") is None
    page.get_by_text("Each indicator's value, direction and RAG in 2020-21 Q1").click()
    page.get_by_role("link", name=re.compile(r"N18 Neglect CIN plans open more than 12 months")).click()
    page.wait_for_selector("#trend-chart .main-svg")
    points = page.locator("#trend-chart .scatterlayer .point")
    assert points.count() >= 12
    row = page.get_by_test_id("indicator-table").locator("tr[data-quarter='2020-21 Q1']")
    assert "35.7%" in row.inner_text()
    assert serious_violations(page) == []
    screenshot(page, "indicator-n18")


def test_the_return_form_has_no_serious_accessibility_violations(page, demo_dataset):
    sign_in(page, "police.lead")
    draft = Return.objects.get(agency__short_name="Police", period__year=2020, period__quarter=1)
    page.goto(f"/returns/{draft.pk}/edit/")
    assert page.get_by_role("heading", level=1).inner_text().endswith("enter figures")
    assert serious_violations(page) == []
