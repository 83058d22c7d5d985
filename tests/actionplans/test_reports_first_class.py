"""Action-plan reports as first-class work (issue 14): counted RAGs, recovery steps for objectives, accepted
reports that keep what they showed, history in the words of the time, and the shared review queue."""

from __future__ import annotations

import importlib
from datetime import date

from django.urls import reverse

from actionplans import services, validation
from actionplans.models import ActionUpdate
from actionplans.selectors import accepted_ratings
from actionplans.summary.selectors import as_counted
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from tests.actionplans.conftest import COMPLETE_PLAN, complete_inputs, fill, make_action

MIGRATION = importlib.import_module("actionplans.migrations.0003_freeze_rated_actions_and_untype_rag_counts")


def submitted(report, lead, actions, inputs=None):
    fill(report, lead, inputs or complete_inputs(actions))
    report.refresh_from_db()
    return services.report_submit(report=report, acting_user=lead, seen_version=report.version)


# --- RAG counts, worked out -------------------------------------------------------------------------
def test_it_counts_the_ratings_and_follows_them_when_they_change(client, csc_lead, csc_report, csc_actions):
    inputs = complete_inputs(csc_actions)
    fill(csc_report, csc_lead, inputs)
    client.force_login(csc_lead)
    url = reverse("actionplans:report_detail", args=[csc_report.pk])
    assert "0 Red, 0 Amber, 2 Green, 0 Blue" in client.get(url).content.decode()
    inputs[str(csc_actions[0].pk)] = {"rag": "red", "done": "Slipped.", "recovery": "Extra sessions in May."}
    fill(csc_report, csc_lead, inputs)
    page = client.get(url).content.decode()
    assert "1 Red, 0 Amber, 1 Green, 0 Blue" in page and "0 Red, 0 Amber, 2 Green" not in page


def test_the_edit_form_has_no_field_for_the_counts(client, csc_lead, csc_report):
    client.force_login(csc_lead)
    page = client.get(reverse("actionplans:report_edit", args=[csc_report.pk])).content.decode()
    assert "worked out from the ratings" in page and "you do not type it" in page


def test_the_migration_strips_typed_counts_and_keeps_the_narrative():
    strip = MIGRATION.strip_counts
    assert strip("2020-21 Q1: 0 Red, 1 Amber, 1 Green, 0 Blue. Most actions are on track.") == (
        "Most actions are on track."
    )
    assert strip("0 Red, 1 Amber, 1 Green") == ""
    assert strip("Good progress; 3 Red actions remain from last year.") == (
        "Good progress; 3 Red actions remain from last year."
    )


# --- a Red or Amber objective needs a recovery step -------------------------------------------------
def test_a_red_or_amber_objective_needs_its_recovery_step():
    problem = validation.check_objective_recovery("respond", "amber", "  ")
    assert problem and problem.blocking and problem.field == "recovery_respond"
    assert problem.message == "Enter the recovery step for Respond: it is rated Amber."
    assert validation.check_objective_recovery("respond", "red", "Weekly audit.") is None
    assert validation.check_objective_recovery("respond", "green", "") is None


def test_submitting_an_amber_objective_without_recovery_is_refused_at_the_field(
    client, csc_lead, csc_report, csc_actions
):
    client.force_login(csc_lead)
    data = {"seen_version": str(csc_report.version)}
    for action in csc_actions:
        data.update({f"{action.pk}-rag": "green", f"{action.pk}-done": "Done.", f"{action.pk}-next_steps": "More."})
    data.update({f"plan-{name}": value for name, value in COMPLETE_PLAN.items()})
    data["plan-rag_evaluate"], data["plan-recovery_evaluate"] = "red", ""  # no action under Evaluate at all
    response = client.post(reverse("actionplans:report_submit", args=[csc_report.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_plan-recovery_evaluate"' in page
    assert "Enter the recovery step for Evaluate: it is rated Red." in page
    assert 'id="id_plan-recovery_evaluate"' in page and 'aria-invalid="true"' in page
    csc_report.refresh_from_db()
    assert csc_report.status == State.DRAFT


# --- an accepted report keeps what it showed -------------------------------------------------------
def test_editing_the_plan_after_acceptance_leaves_the_accepted_report_as_it_was(
    client, csc_lead, accepted_csc_report, csc_actions, analyst
):
    first = csc_actions[0]
    old_text, old_due = first.description, first.due_on
    services.action_save(
        action=first,
        plan=first.plan,
        fields={"description": "Train every practitioner in the revised toolkit", "due_on": date(2027, 12, 31)},
        indicators=None,
        acting_user=csc_lead,
    )
    make_action(csc_lead, first.plan, "A new action added later", Objective.QUANTIFY, date(2027, 6, 30))
    client.force_login(analyst)
    for name in ("report_detail", "report_print"):
        page = client.get(reverse(f"actionplans:{name}", args=[accepted_csc_report.pk])).content.decode()
        assert old_text in page and old_due.strftime("%-d %b %Y") in page
        assert "revised toolkit" not in page and "A new action added later" not in page
    history = client.get(reverse("actionplans:report_history", args=[accepted_csc_report.pk])).content.decode()
    assert old_text in history and "revised toolkit" not in history


def test_reopening_shows_the_live_plan_and_resubmitting_freezes_it_again(
    client, csc_lead, accepted_csc_report, csc_actions, analyst
):
    first = csc_actions[0]
    services.report_reopen(report=accepted_csc_report, acting_user=analyst, reason="Add the new wording.")
    services.action_save(
        action=first, plan=first.plan, fields={"description": "Reworded action"}, indicators=None, acting_user=csc_lead
    )
    client.force_login(csc_lead)
    url = reverse("actionplans:report_detail", args=[accepted_csc_report.pk])
    assert "Reworded action" in client.get(url).content.decode()
    accepted_csc_report.refresh_from_db()
    services.report_submit(report=accepted_csc_report, acting_user=csc_lead, seen_version=accepted_csc_report.version)
    assert ActionUpdate.objects.get(report=accepted_csc_report, action=first).rated_description == "Reworded action"


def test_history_names_each_change_by_the_action_as_it_was_then(client, csc_lead, csc_report, csc_actions):
    first = csc_actions[0]
    old_text = first.description
    inputs = complete_inputs(csc_actions)
    fill(csc_report, csc_lead, inputs)  # a draft change, before the action is reworded
    services.action_save(
        action=first, plan=first.plan, fields={"description": "New wording"}, indicators=None, acting_user=csc_lead
    )
    inputs[str(first.pk)] = {**inputs[str(first.pk)], "done": "Done more."}
    fill(csc_report, csc_lead, inputs)
    client.force_login(csc_lead)
    page = client.get(reverse("actionplans:report_history", args=[csc_report.pk])).content.decode()
    assert f"{old_text} – what was done" in page and "New wording – what was done" in page


# --- the review queue ---------------------------------------------------------------------------------
def test_the_review_queue_lists_reports_beside_returns(client, analyst, csc_lead, csc_report, csc_actions, member):
    submitted(csc_report, csc_lead, csc_actions)
    client.force_login(analyst)
    page = client.get(reverse("review_queue")).content.decode()
    assert "Action plan report" in page and csc_report.get_absolute_url() in page
    assert "0 returns and 1 action plan report waiting." in page
    client.force_login(member)
    assert client.get(reverse("review_queue")).status_code == 404
    services.report_accept(report=csc_report, acting_user=analyst)
    client.force_login(analyst)
    assert csc_report.get_absolute_url() not in client.get(reverse("review_queue")).content.decode()


def test_the_rag_summary_counts_an_accepted_update_under_the_objective_it_was_rated_in(
    client, member, accepted_csc_report, csc_actions, csc_lead
):
    first = csc_actions[0]
    assert first.objective == Objective.RECOGNISE
    services.action_save(
        action=first, plan=first.plan, fields={"objective": Objective.EVALUATE}, indicators=None, acting_user=csc_lead
    )
    rated = as_counted(accepted_ratings(period=accepted_csc_report.period))
    assert {(r.objective, r.rag) for r in rated if r.objective == "recognise"} == {("recognise", "green")}
    assert not [r for r in rated if r.objective == "evaluate"]


def test_history_shows_an_objectives_recovery_step_by_name(client, csc_lead, accepted_csc_report):
    client.force_login(csc_lead)
    page = client.get(reverse("actionplans:report_history", args=[accepted_csc_report.pk])).content.decode()
    assert "Respond recovery step" in page and "Weekly audit of response times" in page
    assert "Recovery_respond" not in page
