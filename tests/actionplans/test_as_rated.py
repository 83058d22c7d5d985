"""An accepted report keeps what it showed when accepted: every reader of its ratings (the report's pages, the RAG
summary, the dashboard panel) reads the action as rated, however the plan is edited afterwards."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from actionplans import services
from actionplans.summary.selectors import dashboard_panel, partnership_summary
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from tests.actionplans.conftest import complete_inputs, fill

OLD_TEXT = "Train every social worker in the neglect toolkit"
NEW_TEXT = "Revised toolkit training for team managers"
BEFORE_THE_RATED_DUE_DATE = date(2026, 8, 1)  # rated due 30 September 2026; the edit moves it to 30 June 2026


@pytest.fixture
def edited_after_acceptance(csc_report, csc_lead, csc_actions, analyst):
    """CSC's report accepted with its Recognise action Red, then the action reworded, made overdue and moved."""
    first = csc_actions[0]
    inputs = complete_inputs(csc_actions)
    inputs[str(first.pk)] = {"rag": "red", "done": "Slipped.", "recovery": "Extra sessions in May."}
    fill(csc_report, csc_lead, inputs)
    csc_report.refresh_from_db()
    services.report_submit(report=csc_report, acting_user=csc_lead, seen_version=csc_report.version)
    services.report_accept(report=csc_report, acting_user=analyst)
    services.action_save(
        action=first,
        plan=first.plan,
        fields={"description": NEW_TEXT, "due_on": date(2026, 6, 30), "objective": Objective.EVALUATE},
        indicators=None,
        acting_user=csc_lead,
    )
    csc_report.refresh_from_db()
    assert csc_report.status == State.ACCEPTED
    return csc_report


def test_the_rag_summary_counts_and_lists_the_action_as_rated(member, edited_after_acceptance):
    context = partnership_summary(user=member, today=BEFORE_THE_RATED_DUE_DATE)
    (row,) = context["rows"]
    cells = {objective: cell for objective, cell, _ in row.cells}
    assert cells["recognise"].counts["red"] == 1 and cells["evaluate"].total == 0
    (item,) = context["listed"]
    assert item.action.description == OLD_TEXT and item.action.objective == Objective.RECOGNISE
    assert item.action.due_on == date(2026, 9, 30) and not item.overdue  # the live due date would be overdue
    assert [f.code for f in item.figures] == ["N28"]


def test_the_rag_summary_page_shows_the_wording_and_date_as_rated(client, member, edited_after_acceptance):
    client.force_login(member)
    page = client.get(reverse("actionplans:summary")).content.decode()
    assert f"Recognise: {OLD_TEXT}" in page and "Due 30 September 2026" in page
    assert NEW_TEXT not in page and "30 June 2026" not in page


def test_the_dashboard_panel_counts_under_the_objective_as_rated(member, edited_after_acceptance):
    panel = dashboard_panel(user=member, today=BEFORE_THE_RATED_DUE_DATE)
    lines = {line.objective: line for line in panel["lines"]}
    assert lines["recognise"].cell.counts["red"] == 1 and lines["recognise"].red_or_overdue == 1
    assert lines["evaluate"].cell.total == 0 and lines["evaluate"].red_or_overdue == 0
    assert panel["red_or_overdue"] == 1


def test_the_report_pages_show_the_action_as_rated_and_the_plan_shows_it_as_now(
    client, csc_lead, edited_after_acceptance, csc_plan
):
    client.force_login(csc_lead)
    for name in ("report_detail", "report_print"):
        page = client.get(reverse(f"actionplans:{name}", args=[edited_after_acceptance.pk])).content.decode()
        assert OLD_TEXT in page and "30 Sep 2026" in page and NEW_TEXT not in page, name
        assert "1 Red, 0 Amber, 1 Green, 0 Blue" in page, name
    history = client.get(reverse("actionplans:report_history", args=[edited_after_acceptance.pk])).content.decode()
    assert OLD_TEXT in history and NEW_TEXT not in history
    plan = client.get(reverse("actionplans:plan_detail", args=[csc_plan.pk])).content.decode()
    assert NEW_TEXT in plan and OLD_TEXT not in plan
