"""Plan pages: the list, the plan with its actions by objective, and the plan and action forms."""

from __future__ import annotations

from datetime import date

import time_machine
from django.urls import reverse

from actionplans.models import Action, ActionPlan
from neglect_portal.strategy import Objective


def test_the_plan_page_shows_sign_off_actions_by_objective_and_indicators(client, csc_lead, csc_plan):
    client.force_login(csc_lead)
    page = client.get(reverse("actionplans:plan_detail", args=[csc_plan.pk])).content.decode()
    assert "Dana Whitfield" in page and "Director of Children&#x27;s Services" in page and "20 March 2026" in page
    assert page.index('<h2 class="h4 mt-4">Recognise') < page.index('<h2 class="h4 mt-4">Respond')
    assert "<strong>N28</strong> Neglect champions in post" in page
    assert page.count("<h1") == 1


def test_an_overdue_action_is_flagged_in_words(client, csc_lead, csc_plan):
    url = reverse("actionplans:plan_detail", args=[csc_plan.pk])
    with time_machine.travel(date(2026, 8, 1), tick=False):
        client.force_login(csc_lead)  # sessions last 30 minutes: sign in on the day
        response = client.get(url)
        assert response.status_code == 200 and "Overdue" not in response.content.decode()
    with time_machine.travel(date(2026, 10, 15), tick=False):
        client.force_login(csc_lead)
        page = client.get(url).content.decode()
    assert page.count('<span class="badge status-overdue">Overdue</span>') == 1  # due 30 Sep 2026; the other 2027


def test_a_completed_action_is_not_overdue(client, csc_lead, csc_plan):
    Action.objects.filter(plan=csc_plan).update(status="complete")
    with time_machine.travel(date(2027, 6, 1), tick=False):
        client.force_login(csc_lead)
        page = client.get(reverse("actionplans:plan_detail", args=[csc_plan.pk])).content.decode()
    assert "Complete" in page and "Overdue" not in page


def test_an_action_due_before_it_starts_is_refused_with_the_typed_input_kept(client, csc_lead, csc_plan):
    client.force_login(csc_lead)
    before = Action.objects.count()
    response = client.post(
        reverse("actionplans:action_create", args=[csc_plan.pk]),
        {
            "objective": Objective.EVALUATE,
            "description": "Audit twenty neglect cases",
            "lead_officer": "QA manager",
            "starts_on": "2026-06-01",
            "due_on": "2026-05-01",
            "success_measure": "Audit findings acted on.",
            "status": "not_started",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Due date must be on or after the start date" in page
    assert 'href="#id_due_on"' in page and "Audit twenty neglect cases" in page
    assert Action.objects.count() == before


def test_an_action_is_added_and_edited(client, csc_lead, csc_plan, n28):
    client.force_login(csc_lead)
    data = {
        "objective": Objective.EVALUATE,
        "description": "Audit twenty neglect cases",
        "lead_officer": "QA manager",
        "starts_on": "2026-06-01",
        "due_on": "2026-12-01",
        "success_measure": "Audit findings acted on.",
        "status": "not_started",
        "indicators": [n28.pk],
    }
    csc_plan.refresh_from_db()
    response = client.post(
        reverse("actionplans:action_create", args=[csc_plan.pk]), {**data, "seen_version": csc_plan.version}
    )
    assert response.status_code == 302
    action = Action.objects.get(description="Audit twenty neglect cases")
    assert list(action.indicators.all()) == [n28]
    data["seen_version"] = action.version
    response = client.post(reverse("actionplans:action_edit", args=[action.pk]), {**data, "status": "dropped"})
    assert response.status_code == 400 and "Enter why the action was dropped" in response.content.decode()
    client.post(reverse("actionplans:action_edit", args=[action.pk]), {**data, "lead_officer": "Head of QA"})
    action.refresh_from_db()
    assert action.lead_officer == "Head of QA"


def test_a_new_plan_becomes_current_and_the_old_one_is_kept(client, csc_lead, csc_plan):
    client.force_login(csc_lead)
    data = {"title": "Plan 2028-30", "starts_on": "2028-04-01", "ends_on": "2030-03-31"}
    response = client.post(reverse("actionplans:plan_create"), {**data, "ends_on": "2027-01-01"})
    assert response.status_code == 400 and "End date must be on or after the start date" in response.content.decode()
    assert client.post(reverse("actionplans:plan_create"), data).status_code == 302
    assert ActionPlan.objects.get(is_current=True, agency=csc_lead.agency).title == "Plan 2028-30"
    csc_plan.refresh_from_db()
    assert not csc_plan.is_current


def test_the_list_offers_to_start_the_latest_open_quarter(client, csc_lead, csc_plan, open_period):
    client.force_login(csc_lead)
    page = client.get(reverse("actionplans:plan_list")).content.decode()
    assert f"Start the {open_period.label} report" in page
    response = client.post(reverse("actionplans:report_start", args=[open_period.pk]))
    assert response.status_code == 302
    assert f"Start the {open_period.label} report" not in client.get(reverse("actionplans:plan_list")).content.decode()


def test_partnership_readers_see_every_agencys_current_plan(client, member, csc_plan, police_plan, csc_lead):
    client.force_login(member)
    page = client.get(reverse("actionplans:plan_list")).content.decode()
    assert csc_plan.title in page and police_plan.title in page
