"""Stale saves on plans and actions: a save from a page opened before a colleague saved is refused, naming who and
when, with what was typed still in the form and what is saved now beside it; never a silent revert."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplans import services
from actionplans.models import Action, ActionPlan
from neglect_portal.strategy import Objective
from tests.actionplans.conftest import complete_inputs, fill
from tests.factories import UserFactory


def action_data(action: Action, **changes) -> dict[str, object]:
    data = {
        "seen_version": action.version,
        "objective": action.objective,
        "description": action.description,
        "lead_officer": action.lead_officer,
        "starts_on": action.starts_on.isoformat(),
        "due_on": action.due_on.isoformat(),
        "success_measure": action.success_measure,
        "status": action.status,
        "dropped_reason": action.dropped_reason,
    }
    return {**data, **changes}


def plan_data(plan: ActionPlan, **changes) -> dict[str, object]:
    data = {
        "seen_version": plan.version,
        "title": plan.title,
        "starts_on": plan.starts_on.isoformat(),
        "ends_on": plan.ends_on.isoformat(),
        "signed_off_by": plan.signed_off_by,
        "signed_off_role": plan.signed_off_role,
        "signed_off_on": plan.signed_off_on.isoformat() if plan.signed_off_on else "",
    }
    return {**data, **changes}


@pytest.fixture
def second_csc_lead(csc):
    return UserFactory(username="csc.deputy", first_name="Dev", last_name="Patel", agency=csc)


def at(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def test_the_second_of_two_action_edits_is_refused_naming_who_and_when_and_keeping_what_was_typed(
    client, csc_lead, second_csc_lead, csc_actions
):
    action = csc_actions[0]
    url = reverse("actionplans:action_edit", args=[action.pk])
    opened = action_data(action)  # both pages opened at version 1
    client.force_login(second_csc_lead)
    assert client.post(url, {**opened, "lead_officer": "Principal social worker"}).status_code == 302
    client.force_login(csc_lead)
    response = client.post(url, {**opened, "success_measure": "Audits show plans name the neglect."})
    assert response.status_code == 409
    page = response.content.decode()
    action.refresh_from_db()
    saved_at = action.history.latest().history_date
    assert f"Dev Patel changed this action at {at(saved_at)}, after you opened it." in page
    assert "Your changes have not been saved: they are still in the form below." in page
    assert "Audits show plans name the neglect." in page  # what the second person typed is back in the form
    assert "Lead officer: Principal social worker" in page  # what is saved now, so they can check it
    assert "<title>Error: " in page
    assert action.lead_officer == "Principal social worker"  # the first save stands: no silent revert
    assert action.success_measure == "Fewer children wait for help."
    # The refused form now carries the version it showed, and the colleague's change to a field this person left
    # alone, so saving again (having checked) keeps both edits.
    assert f'name="seen_version" value="{action.version}"' in page
    assert 'name="lead_officer" value="Principal social worker"' in page
    again = {**opened, "seen_version": action.version, "lead_officer": "Principal social worker"}
    again["success_measure"] = "Audits show plans name the neglect."
    assert client.post(url, again).status_code == 302
    action.refresh_from_db()
    assert (action.lead_officer, action.success_measure) == (
        "Principal social worker",
        "Audits show plans name the neglect.",
    )


def test_closing_an_action_from_a_stale_page_is_refused_and_the_colleagues_edit_stays(
    client, csc_lead, second_csc_lead, csc_actions
):
    action = csc_actions[1]
    url = reverse("actionplans:action_edit", args=[action.pk])
    opened = action_data(action)
    client.force_login(second_csc_lead)
    client.post(url, {**opened, "due_on": "2027-06-30"})
    client.force_login(csc_lead)
    response = client.post(url, {**opened, "status": "dropped", "dropped_reason": "Merged into the CIN review."})
    assert response.status_code == 409
    assert "Merged into the CIN review." in response.content.decode()
    action.refresh_from_db()
    assert (action.status, action.due_on) == ("not_started", date(2027, 6, 30))


def test_a_blue_rating_accepted_makes_an_open_edit_page_stale(client, csc_lead, analyst, csc_report, csc_actions):
    action = csc_actions[0]
    opened = action_data(action)
    inputs = complete_inputs(csc_actions)
    inputs[str(action.pk)] = {"rag": "blue", "done": "All trained.", "impact": "Audit: 9 in 10 spot it."}
    fill(csc_report, csc_lead, inputs)
    csc_report.refresh_from_db()
    services.report_submit(report=csc_report, acting_user=csc_lead, seen_version=csc_report.version)
    services.report_accept(report=csc_report, acting_user=analyst)
    client.force_login(csc_lead)
    response = client.post(reverse("actionplans:action_edit", args=[action.pk]), {**opened, "lead_officer": "X"})
    assert response.status_code == 409
    assert "Status: Complete" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "complete" and action.lead_officer == "Head of Safeguarding"


def test_a_plan_edit_from_a_stale_page_is_refused_and_the_first_edit_stays(client, csc_lead, second_csc_lead, csc_plan):
    csc_plan.refresh_from_db()
    url = reverse("actionplans:plan_edit", args=[csc_plan.pk])
    opened = plan_data(csc_plan)
    client.force_login(second_csc_lead)
    assert client.post(url, {**opened, "title": "Neglect plan (refreshed)"}).status_code == 302
    client.force_login(csc_lead)
    response = client.post(url, {**opened, "signed_off_role": "Executive Director"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Dev Patel changed this plan at" in page and "Title: Neglect plan (refreshed)" in page
    assert 'value="Executive Director"' in page
    csc_plan.refresh_from_db()
    assert (csc_plan.title, csc_plan.signed_off_role) == ("Neglect plan (refreshed)", "Director of Children's Services")


def test_the_same_new_action_sent_twice_is_added_once(client, csc_lead, csc_plan):
    csc_plan.refresh_from_db()
    url = reverse("actionplans:action_create", args=[csc_plan.pk])
    data = {
        "seen_version": csc_plan.version,
        "objective": Objective.EVALUATE,
        "description": "Audit twenty neglect cases",
        "lead_officer": "QA manager",
        "starts_on": "2026-06-01",
        "due_on": "2026-12-01",
        "success_measure": "Audit findings acted on.",
        "status": "not_started",
    }
    client.force_login(csc_lead)
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)  # a second tab, or the form sent again
    assert again.status_code == 409
    assert "Carys Hughes changed this plan at" in again.content.decode()
    assert Action.objects.filter(description="Audit twenty neglect cases").count() == 1


def test_a_page_without_the_version_it_showed_saves_nothing(client, csc_lead, csc_actions):
    action = csc_actions[0]
    data = action_data(action, lead_officer="Someone else")
    del data["seen_version"]
    client.force_login(csc_lead)
    response = client.post(reverse("actionplans:action_edit", args=[action.pk]), data)
    assert response.status_code == 400 and "This page is out of date: open it again" in response.content.decode()
    action.refresh_from_db()
    assert action.lead_officer == "Head of Safeguarding"


def test_the_service_refuses_a_stale_action_save_with_who_when_and_what_is_saved(csc_lead, second_csc_lead, csc_plan):
    action = Action.objects.filter(plan=csc_plan).first()
    fields = {name: getattr(action, name) for name in services.ACTION_FORM_FIELDS}
    services.action_save(
        action=action,
        plan=csc_plan,
        fields={**fields, "lead_officer": "Team manager"},
        indicators=None,
        acting_user=second_csc_lead,
        seen_version=1,
    )
    with pytest.raises(services.StaleSave) as refused:
        services.action_save(
            action=action, plan=csc_plan, fields=fields, indicators=None, acting_user=csc_lead, seen_version=1
        )
    assert refused.value.changed_by == "Dev Patel" and refused.value.current_version == 2
    assert refused.value.changed == [("Lead officer", "Team manager")]
    action.refresh_from_db()
    assert (action.lead_officer, action.version) == ("Team manager", 2)


def test_a_report_submitted_from_a_stale_page_is_refused_and_the_colleagues_ratings_stay(
    client, csc_lead, second_csc_lead, csc_report, csc_actions
):
    from tests.actionplans.test_report_pages import form_data

    opened = form_data(csc_report, csc_actions)  # every action Green, from version 1
    theirs = complete_inputs(csc_actions)
    theirs[str(csc_actions[0].pk)] = {"rag": "amber", "done": "Half trained.", "recovery": "Two more sessions."}
    fill(csc_report, second_csc_lead, theirs)
    client.force_login(csc_lead)
    response = client.post(reverse("actionplans:report_submit", args=[csc_report.pk]), opened)
    assert response.status_code == 409
    page = response.content.decode()
    csc_report.refresh_from_db()
    assert f"Dev Patel changed this report at {at(csc_report.updated_at)}, after you opened it." in page
    assert csc_report.status == "draft"
    assert csc_report.updates.get(action=csc_actions[0]).rag == "amber"  # their rating, not a silent revert
