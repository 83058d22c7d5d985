"""Every plan, action and report URL x persona, GET and POST, on CSC's objects: out of scope is 404 and
the database does not change. Members and the scrutineer read current plans and accepted reports only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from actionplans.models import Action, ActionPlan, ActionUpdate, ProgressReport
from tests.actionplans.conftest import make_plan

PERSONAS = ["csc_lead", "police_lead", "analyst", "member", "scrutineer", "no_agency_user"]
READERS = {"analyst", "member", "scrutineer"}


def snapshot():
    return (
        list(ActionPlan.objects.order_by("pk").values_list("title", "is_current", "signed_off_by")),
        list(Action.objects.order_by("pk").values_list("description", "status", "due_on")),
        list(ProgressReport.objects.order_by("pk").values_list("status", "version", "revision", "summary")),
        list(ActionUpdate.objects.order_by("pk").values_list("rag", "done")),
    )


def urls(plan, action, report):
    return {
        "plan_detail": reverse("actionplans:plan_detail", args=[plan.pk]),
        "plan_edit": reverse("actionplans:plan_edit", args=[plan.pk]),
        "action_create": reverse("actionplans:action_create", args=[plan.pk]),
        "action_edit": reverse("actionplans:action_edit", args=[action.pk]),
        "report_detail": reverse("actionplans:report_detail", args=[report.pk]),
        "report_history": reverse("actionplans:report_history", args=[report.pk]),
        "report_print": reverse("actionplans:report_print", args=[report.pk]),
        "report_edit": reverse("actionplans:report_edit", args=[report.pk]),
        "report_submit": reverse("actionplans:report_submit", args=[report.pk]),
        "report_accept": reverse("actionplans:report_accept", args=[report.pk]),
        "report_send_back": reverse("actionplans:report_send_back", args=[report.pk]),
        "report_reopen": reverse("actionplans:report_reopen", args=[report.pk]),
    }


def expected_get(persona: str, name: str, status: str) -> int:
    if name in {"report_submit", "report_accept", "report_send_back", "report_reopen"}:
        return 405
    if name == "plan_detail":
        return 200 if persona == "csc_lead" or persona in READERS else 404
    if name in {"report_detail", "report_history", "report_print"}:
        readable = persona in {"csc_lead", "analyst"} or (persona in READERS and status == "accepted")
        return 200 if readable else 404
    return 200 if persona == "csc_lead" else 404  # the edit pages


@pytest.fixture(params=["draft", "accepted"])
def report(request, csc_report):
    return request.getfixturevalue("accepted_csc_report") if request.param == "accepted" else csc_report


@pytest.mark.parametrize("persona", PERSONAS)
def test_get_by_persona(client, request, report, csc_plan, csc_actions, persona):
    client.force_login(request.getfixturevalue(persona))
    before = snapshot()
    for name, url in urls(csc_plan, csc_actions[0], report).items():
        assert client.get(url).status_code == expected_get(persona, name, report.status), name
    assert snapshot() == before


def post_data(report, actions):
    data = {
        "seen_version": str(report.version),
        "title": "Hijacked",
        "starts_on": "2026-01-01",
        "ends_on": "2027-01-01",
        "objective": "recognise",
        "description": "Hijacked",
        "lead_officer": "x",
        "due_on": "2027-01-01",
        "success_measure": "x",
        "status": "complete",
        "reason": "because",
        "plan-summary": "Hijacked",
    }
    for a in actions:
        data.update({f"{a.pk}-rag": "red", f"{a.pk}-done": "Hijacked"})
    return data


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "csc_lead"])
def test_nobody_but_the_agency_can_post_to_its_plan_and_report(
    client, request, csc_report, csc_plan, csc_actions, persona
):
    client.force_login(request.getfixturevalue(persona))
    before = snapshot()
    all_urls = urls(csc_plan, csc_actions[0], csc_report)
    for name in ("plan_edit", "action_create", "action_edit", "report_edit", "report_submit"):
        assert client.post(all_urls[name], post_data(csc_report, csc_actions)).status_code == 404, name
    for name in ("plan_detail", "report_detail", "report_history", "report_print"):
        assert client.post(all_urls[name], post_data(csc_report, csc_actions)).status_code == 405, name
    assert snapshot() == before


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "analyst"])
@pytest.mark.parametrize("status", ["submitted", "accepted"])
def test_nobody_but_the_analyst_can_review(
    client, request, accepted_csc_report, analyst, csc_plan, csc_actions, persona, status
):
    report = accepted_csc_report
    if status == "submitted":
        ProgressReport.objects.filter(pk=report.pk).update(status="submitted")
    client.force_login(request.getfixturevalue(persona))
    before = snapshot()
    all_urls = urls(csc_plan, csc_actions[0], report)
    for name in ("report_accept", "report_send_back", "report_reopen"):
        assert client.post(all_urls[name], {"reason": "because"}).status_code == 404, name
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["police_lead", "analyst", "member", "scrutineer", "no_agency_user"])
def test_only_an_agency_lead_starts_or_adds_plans_and_reports(client, request, csc_plan, open_period, persona):
    client.force_login(request.getfixturevalue(persona))
    before = snapshot()
    expected = 302 if persona == "police_lead" else 404  # Police's own report, refused (no plan) with a message
    assert client.post(reverse("actionplans:report_start", args=[open_period.pk])).status_code == expected
    if persona != "police_lead":
        assert client.get(reverse("actionplans:plan_create")).status_code == 404
        assert client.post(reverse("actionplans:plan_create"), {"title": "x"}).status_code == 404
    assert snapshot() == before
    assert not ProgressReport.objects.exists()


def test_an_earlier_plan_is_the_agencys_and_the_analysts_only(client, csc_lead, csc_plan, analyst, member, scrutineer):
    make_plan(csc_lead, "The next plan")
    url = reverse("actionplans:plan_detail", args=[csc_plan.pk])
    for user, code in ((csc_lead, 200), (analyst, 200), (member, 404), (scrutineer, 404)):
        client.force_login(user)
        assert client.get(url).status_code == code
