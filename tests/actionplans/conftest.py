"""Action plan fixtures: an open quarter, a CSC plan with two actions, a Police plan, and report helpers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from actionplans import services
from actionplans.models import Action
from dataset.models import Indicator, Polarity, ReportingPeriod, Unit
from neglect_portal.strategy import Objective


@pytest.fixture
def open_period(db):
    today = timezone.localdate()
    return ReportingPeriod.objects.create(
        year=2020,
        quarter=1,
        opens_on=today - timedelta(days=30),
        due_on=today + timedelta(days=10),
        locks_on=today + timedelta(days=40),
    )


@pytest.fixture
def n28(csc, police):
    indicator = Indicator.objects.create(
        code="N28",
        title="Neglect champions in post",
        definition="Champions at quarter end.",
        unit=Unit.COUNT,
        polarity=Polarity.HIGHER,
        objective=Objective.RECOGNISE,
    )
    indicator.suppliers.add(csc, police)
    return indicator


def make_plan(lead, title="Neglect action plan 2026-28"):
    return services.plan_save(
        plan=None,
        agency=lead.agency,
        fields={
            "title": title,
            "starts_on": date(2026, 4, 1),
            "ends_on": date(2028, 3, 31),
            "signed_off_by": "Dana Whitfield",
            "signed_off_role": "Director of Children's Services",
            "signed_off_on": date(2026, 3, 20),
        },
        acting_user=lead,
    )


def make_action(lead, plan, description, objective, due_on, indicators=None):
    return services.action_save(
        action=None,
        plan=plan,
        fields={
            "objective": objective,
            "description": description,
            "lead_officer": "Head of Safeguarding",
            "starts_on": date(2026, 4, 1),
            "due_on": due_on,
            "success_measure": "Fewer children wait for help.",
        },
        indicators=indicators,
        acting_user=lead,
    )


@pytest.fixture
def csc_plan(csc_lead, n28):
    plan = make_plan(csc_lead)
    make_action(
        csc_lead,
        plan,
        "Train every social worker in the neglect toolkit",
        Objective.RECOGNISE,
        date(2026, 9, 30),
        [n28],
    )
    make_action(csc_lead, plan, "Review neglect CIN plans open over a year", Objective.RESPOND, date(2027, 3, 31))
    return plan


@pytest.fixture
def police_plan(police_lead):
    plan = make_plan(police_lead, "Police neglect plan")
    make_action(police_lead, plan, "Neglect briefing for response officers", Objective.RECOGNISE, date(2026, 12, 31))
    return plan


@pytest.fixture
def csc_actions(csc_plan):
    return list(Action.objects.filter(plan=csc_plan).order_by("objective", "due_on", "pk"))


@pytest.fixture
def csc_report(csc_lead, csc_plan, open_period):
    return services.report_start(agency=csc_lead.agency, period=open_period, acting_user=csc_lead)


COMPLETE_PLAN = {
    "summary": "Steady progress.",
    "rag_recognise": "green",
    "rag_respond": "amber",
    "rag_quantify": "green",
    "rag_evaluate": "green",
    "recovery_respond": "Weekly audit of response times until the backlog clears.",
}


def complete_inputs(actions) -> dict:
    inputs = {str(a.pk): {"rag": "green", "done": "Done some.", "next_steps": "More."} for a in actions}
    inputs["plan"] = COMPLETE_PLAN
    return inputs


def fill(report, user, inputs):
    report.refresh_from_db()
    saved, _ = services.report_save(report=report, acting_user=user, seen_version=report.version, inputs=inputs)
    return saved


@pytest.fixture
def accepted_csc_report(csc_report, csc_lead, csc_actions, analyst):
    fill(csc_report, csc_lead, complete_inputs(csc_actions))
    csc_report.refresh_from_db()
    services.report_submit(report=csc_report, acting_user=csc_lead, seen_version=csc_report.version)
    services.report_accept(report=csc_report, acting_user=analyst)
    csc_report.refresh_from_db()
    return csc_report
