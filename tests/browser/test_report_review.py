"""An action-plan report as first-class work: the analyst finds it in the review queue beside the returns and
accepts it; the agency then rewords an action and moves its due date, and the accepted report still shows
what was rated."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from actionplans import selectors, services
from actionplans.demo import seed_action_plans
from actionplans.models import ProgressReport
from agencies.demo import seed_partnership
from agencies.models import User
from dataset import demo
from dataset.catalogue.loader import load_demo_catalogue
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from tests.browser.conftest import screenshot, sign_in, sign_out
from tests.browser.test_dashboard import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def submitted_report(transactional_db):
    seed_partnership()
    load_demo_catalogue()
    today = timezone.localdate()
    demo.seed_returns(today=today)
    seed_action_plans(today=today)
    report = ProgressReport.objects.get(agency__short_name="Police", period__year=2020, period__quarter=1)
    lead = User.objects.get(username="police.lead")
    inputs = {
        str(action.pk): {"rag": "green", "done": "Briefings delivered as planned.", "next_steps": "Keep going."}
        for action, _ in selectors.report_updates(report)
    }
    inputs["plan"] = {f"rag_{o.value}": "green" for o in Objective}
    saved, _ = services.report_save(report=report, acting_user=lead, seen_version=report.version, inputs=inputs)
    services.report_submit(report=saved, acting_user=lead, seen_version=saved.version)
    return ProgressReport.objects.get(pk=report.pk)


def test_the_analyst_accepts_a_report_from_the_queue_and_later_plan_edits_leave_it_alone(page, submitted_report):
    report = submitted_report
    action, _ = selectors.report_updates(report)[0]
    old_text, old_due = action.description, action.due_on.strftime("%-d %b %Y")

    sign_in(page, "analyst")
    page.get_by_role("link", name="Review").first.click()
    page.wait_for_url(re.compile(r"/review/$"))
    row = page.locator("[data-testid='review-queue'] tr[data-kind='Action plan report']", has_text="Police")
    assert row.count() == 1 and report.period.label in row.inner_text()
    assert serious_violations(page) == []
    screenshot(page, "review-queue-with-report")
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/plans/reports/{report.pk}/$"))
    page.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    assert "accepted" in page.locator("body").inner_text()
    report.refresh_from_db()
    assert report.status == State.ACCEPTED
    assert serious_violations(page) == []
    page.goto("/review/")
    assert page.locator("tr[data-kind='Action plan report']", has_text="Police").count() == 0
    for path in ("/tracker/", "/chase/"):
        page.goto(path)
        assert serious_violations(page) == [], path
    page.goto("/tracker/")
    assert "Accepted" in page.locator("[data-testid='other-work'] tr[data-agency='Police']").inner_text()
    sign_out(page)

    sign_in(page, "police.lead")
    page.goto(f"/plans/actions/{action.pk}/edit/")
    page.get_by_label("What will be done").fill("A reworded action, written after the report was accepted")
    page.get_by_label("Due date").fill("2021-03-31")
    page.get_by_role("button", name=re.compile("Save")).click()
    page.wait_for_load_state()
    assert "A reworded action" in page.content()  # the plan itself changed

    page.goto(f"/plans/reports/{report.pk}/")
    text = page.locator("main").inner_text()
    assert old_text in text and old_due in text
    assert "A reworded action" not in text
    assert "as they stood when the report was submitted and accepted" in text
    screenshot(page, "accepted-report-after-plan-edit")
    page.goto(f"/plans/reports/{report.pk}/history/")
    history = page.locator("main").inner_text()
    assert old_text[:40] in history and "A reworded action" not in history


def test_an_amber_objective_without_a_recovery_step_is_stopped_at_its_field(page, transactional_db):
    seed_partnership()
    load_demo_catalogue()
    today = timezone.localdate()
    demo.seed_returns(today=today)
    seed_action_plans(today=today)
    report = ProgressReport.objects.get(agency__short_name="Police", period__year=2020, period__quarter=1)
    sign_in(page, "police.lead")
    page.goto(f"/plans/reports/{report.pk}/edit/")
    rags = page.locator("select[name$='-rag']:not([name^='plan-'])")
    for i in range(rags.count()):
        key = rags.nth(i).get_attribute("name").removesuffix("-rag")
        rags.nth(i).select_option("green")
        page.locator(f"textarea[name='{key}-done']").fill("On track.")
    for objective in ("recognise", "respond", "quantify", "evaluate"):
        page.locator(f"select[name='plan-rag_{objective}']").select_option("green")
        page.locator(f"textarea[name='plan-recovery_{objective}']").fill("")
    page.get_by_label("Evaluate: the agency's RAG").select_option("amber")
    page.get_by_role("button", name="Submit to the partnership analyst").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    link = summary.get_by_role("link", name="Enter the recovery step for Evaluate: it is rated Amber.")
    assert link.count() == 1
    link.click()
    assert page.evaluate("document.activeElement && document.activeElement.name") == "plan-recovery_evaluate" or (
        page.url.endswith("#id_plan-recovery_evaluate")
    )
    assert serious_violations(page) == []
    screenshot(page, "report-objective-recovery-error")
    report.refresh_from_db()
    assert report.status == State.DRAFT
    page.get_by_label("Evaluate: recovery step (if Red or Amber)").fill("Commission the evaluation by September.")
    page.get_by_role("button", name="Submit to the partnership analyst").click()
    page.wait_for_url(re.compile(rf"/plans/reports/{report.pk}/$"))
    report.refresh_from_db()
    assert report.status == State.SUBMITTED and report.recovery_evaluate.startswith("Commission")
