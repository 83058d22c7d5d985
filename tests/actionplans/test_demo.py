"""The demo action plans: believable, complete where accepted, and safe to load twice."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from actionplans import demo, selectors
from actionplans.models import Action, ActionPlan, ActionUpdate, ProgressReport
from actionplans.summary.selectors import dashboard_panel, partnership_summary
from agencies.demo import seed_partnership
from dataset import demo as dataset_demo
from dataset.catalogue.loader import load_demo_catalogue
from neglect_portal.lifecycle import State


@pytest.fixture
def seeded(db):
    seed_partnership()
    load_demo_catalogue()
    dataset_demo.seed_returns(today=timezone.localdate())
    return demo.seed_action_plans(today=timezone.localdate())


def test_a_second_run_creates_nothing(seeded):
    assert seeded["plans"] == 9 and seeded["reports"] == 36
    again = demo.seed_action_plans(today=timezone.localdate())
    assert again == {"plans": 0, "actions": 0, "indicator_links": 0, "reports": 0, "updates": 0}


def test_each_agency_has_a_signed_off_current_plan_of_4_to_8_actions(seeded):
    for plan in ActionPlan.objects.filter(is_current=True):
        assert 4 <= plan.actions.count() <= 8, plan
        assert plan.signed_off_by and plan.signed_off_role and plan.signed_off_on
        # Written for 2019-21; kept current by the same distance as its open actions (see demo.STORY_DAY).
        moved = max(timezone.localdate() - demo.STORY_DAY, date.min - date.min)
        assert (plan.starts_on, plan.ends_on) == (date(2019, 4, 1), date(2021, 3, 31) + moved)
    assert Action.objects.filter(indicators__code="N28").exists()


def test_four_quarters_of_reports_with_police_and_education_drafting_the_last(seeded):
    labels = {r.period.label for r in ProgressReport.objects.select_related("period")}
    assert labels == {"2019-20 Q2", "2019-20 Q3", "2019-20 Q4", "2020-21 Q1"}
    drafts = ProgressReport.objects.filter(status=State.DRAFT)
    assert {(r.agency.short_name, r.period.label) for r in drafts} == {("Police", "2020-21 Q1"), ("EDU", "2020-21 Q1")}
    assert all(selectors.report_problems(r).blocking for r in drafts)  # partly filled


def test_every_accepted_report_passes_validation(seeded):
    for report in ProgressReport.objects.filter(status=State.ACCEPTED).select_related("plan", "agency"):
        assert not report_problems_of(report), (report, report_problems_of(report))


def report_problems_of(report):
    return [p.message for p in selectors.report_problems(report).items]


def test_the_launch_events_cut_by_covid_have_a_virtual_recovery_plan(seeded):
    update = ActionUpdate.objects.get(
        report__agency__short_name="WSSCP", report__period__year=2020, action__description__contains="800 staff"
    )
    assert update.rag in ("amber", "red")
    assert "virtual sessions from 1 june 2020" in update.recovery.lower()
    assert "180" in update.done


def test_at_least_one_action_is_overdue(seeded):
    assert any(a.is_overdue(date(2020, 6, 30)) for a in Action.objects.all())


def test_the_summary_of_the_demo_shows_linked_indicators_latest_values(seeded, member):
    dataset_demo.seed_snapshot()
    context = partnership_summary(user=member, today=date(2020, 7, 15))
    assert context["period"].label == "2020-21 Q1"
    assert {r.agency.short_name for r in context["rows"]} == {"CSC", "EH", "SCFT", "SPFT", "CCG", "CVS", "WSSCP"}
    launch = next(i for i in context["listed"] if "800 staff" in i.action.description)
    assert launch.overdue and [f.code for f in launch.figures] == ["N27"] and launch.figures[0].text != ":"
    assert dashboard_panel(user=member, today=date(2020, 7, 15))["red_or_overdue"] >= 1


def test_every_action_is_due_inside_its_plans_period(seeded):
    actions = list(Action.objects.select_related("plan"))
    assert actions
    outside = [
        (a.plan.title, a.description, a.starts_on, a.due_on, a.plan.starts_on, a.plan.ends_on)
        for a in actions
        if not (a.plan.starts_on <= a.starts_on <= a.due_on <= a.plan.ends_on)
    ]
    assert outside == []


def test_the_plans_name_no_years_their_dates_contradict(seeded):
    for plan in ActionPlan.objects.all():
        assert "2019-21" not in plan.title
        assert plan.ends_on >= max(a.due_on for a in plan.actions.all())
