"""Action-plan progress as its people meet it: Police reports, the analyst accepts, the Working Group sees it."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from actionplans.demo import seed_action_plans
from actionplans.models import ProgressReport
from agencies.demo import seed_partnership
from dataset import demo
from dataset.catalogue.loader import load_demo_catalogue
from neglect_portal.lifecycle import State
from tests.browser.conftest import screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_plans(transactional_db):
    seed_partnership()
    load_demo_catalogue()
    today = timezone.localdate()
    demo.seed_returns(today=today)
    seed_action_plans(today=today)
    return ProgressReport.objects.get(agency__short_name="Police", period__year=2020, period__quarter=1)


def police_row(page) -> str:
    page.goto("/plans/summary/")
    row = page.locator("[data-testid='rag-grid'] tr[data-agency='Police']")
    return row.inner_text() if row.count() else ""


def test_police_report_progress_the_analyst_accepts_and_the_working_group_sees_it(page, demo_plans):
    report = demo_plans
    sign_in(page, "member")
    before = police_row(page)
    sign_out(page)

    sign_in(page, "police.lead")
    page.goto(f"/plans/reports/{report.pk}/edit/")
    rags = page.locator("select[name$='-rag']")
    keys = [rags.nth(i).get_attribute("name").removesuffix("-rag") for i in range(rags.count())]
    assert len(keys) >= 2
    for key in keys:  # every open action needs a RAG; the first two are the ones this quarter changed
        if not page.locator(f"select[name='{key}-rag']").input_value():
            page.locator(f"select[name='{key}-rag']").select_option("green")
            page.locator(f"textarea[name='{key}-done']").fill("On track: briefings delivered as planned.")
    first, second = keys[0], keys[1]
    page.locator(f"select[name='{first}-rag']").select_option("amber")
    page.locator(f"textarea[name='{first}-done']").fill("Two of four 60-second briefings recorded; two delayed.")
    page.locator(f"textarea[name='{first}-recovery']").fill("Record the remaining briefings by 31 August 2020.")
    page.locator(f"select[name='{second}-rag']").select_option("green")
    page.locator(f"textarea[name='{second}-done']").fill("Neglect champions named in every district.")
    for objective in ("recognise", "respond", "quantify", "evaluate"):
        select = page.locator(f"select[name='plan-rag_{objective}']")
        if not select.input_value():
            select.select_option("green")
    page.get_by_role("button", name="Submit to the partnership analyst").click()
    page.wait_for_url(re.compile(rf"/plans/reports/{report.pk}/$"))
    report.refresh_from_db()
    assert report.status == State.SUBMITTED
    sign_out(page)

    sign_in(page, "analyst")
    page.goto(f"/plans/reports/{report.pk}/")
    assert "Record the remaining briefings by 31 August 2020." in page.content()
    page.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.status == State.ACCEPTED
    sign_out(page)

    sign_in(page, "member")
    after = police_row(page)
    assert after != before
    assert "Amber" in after
    screenshot(page, "action-plan-summary")


def test_an_action_with_errors_gets_the_summary_its_links_reach_the_fields_and_axe_finds_nothing(page, demo_plans):
    from tests.browser.test_dashboard import serious_violations

    sign_in(page, "police.lead")
    page.goto(f"/plans/{demo_plans.plan_id}/actions/new/")
    page.get_by_role("button", name=re.compile("Add|Save")).click()
    summary = page.locator("[data-error-summary]")
    assert "There is a problem" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.dataset.testid") == "error-summary"
    summary.get_by_role("link", name="Enter the due date").click()
    assert page.evaluate("document.activeElement.id") == "id_due_on"
    summary.get_by_role("link", name="Choose the objective").click()
    assert page.evaluate("document.activeElement.id") == "id_objective"
    field_message = page.locator("#id_due_on ~ .invalid-feedback").first
    assert " ".join(field_message.text_content().split()) == "Error: Enter the due date"
    assert serious_violations(page) == []
    screenshot(page, "action-form-errors")
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "action-form-errors-320")
