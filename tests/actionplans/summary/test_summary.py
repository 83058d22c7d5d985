"""The partnership's RAG summary of the action plans: counts, movement, Red and overdue actions, access."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import time_machine
from django.urls import include, path, reverse

import neglect_portal.urls
from actionplans.models import Action, ActionPlan, ActionStatus, ActionUpdate, ProgressReport
from actionplans.summary import counting as summary
from actionplans.summary.selectors import dashboard_panel, partnership_summary
from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import ReportingPeriod
from neglect_portal.lifecycle import State

# The summary's URL, whether or not the project's URLconf includes the action plans yet.
urlpatterns = [path("plans/", include("actionplans.urls")), *neglect_portal.urls.urlpatterns]
pytestmark = pytest.mark.urls(__name__)


# --- pure counting ---------------------------------------------------------------------------------
def rated(agency, objective, *rags):
    return [summary.Rated(agency, objective, r) for r in rags]


def test_it_counts_each_agencys_rags_by_objective_in_numbers_and_words():
    current = [
        *rated("CSC", "recognise", "red", "amber", "amber", "green", "green", "green"),
        *rated("CSC", "respond", "blue", ""),
        *rated("EH", "recognise", "green"),
    ]
    cells = summary.grid(
        current=current, previous=[], agencies=["CSC", "EH"], objectives=["recognise", "respond"], compared=[]
    )
    assert cells["CSC"]["recognise"].counts == Counter(red=1, amber=2, green=3)
    assert cells["CSC"]["recognise"].words == "1 Red, 2 Amber, 3 Green, 0 Blue"
    assert cells["CSC"]["respond"].words == "0 Red, 0 Amber, 0 Green, 1 Blue"  # an unrated update is not counted
    assert cells["EH"]["respond"].total == 0
    totals = summary.totals(cells, ["recognise", "respond"])
    assert totals["recognise"].words == "1 Red, 2 Amber, 4 Green, 0 Blue"


def test_it_says_how_each_colour_moved_since_last_quarter():
    previous = [*rated("CSC", "recognise", "red", "red", "green"), *rated("EH", "recognise", "green")]
    current = [*rated("CSC", "recognise", "red", "green", "green", "green"), *rated("EH", "recognise", "green")]
    cells = summary.grid(
        current=current,
        previous=previous,
        agencies=["CSC", "EH", "CVS"],
        objectives=["recognise"],
        compared=["CSC", "EH"],
    )
    moves = cells["CSC"]["recognise"].moves
    assert [(m.symbol, m.words) for m in moves] == [("▼", "Red down 1"), ("▲", "Green up 2")]
    assert cells["CSC"]["recognise"].movement_words == "Red down 1, Green up 2"
    assert cells["EH"]["recognise"].movement_words == "no change"
    assert cells["CVS"]["recognise"].movement_words.startswith("not compared")


# --- through the database and the page -------------------------------------------------------------
def period(year, number):
    opens, due, locks = default_dates(Quarter(year, number))
    return ReportingPeriod.objects.create(year=year, quarter=number, opens_on=opens, due_on=due, locks_on=locks)


@pytest.fixture
def plans(csc, police):
    """Two quarters of accepted reports from CSC and one from Police, plus a draft that must not count."""
    q4, q1 = period(2019, 4), period(2020, 1)
    csc_plan = ActionPlan.objects.create(
        agency=csc, title="CSC plan", starts_on=date(2019, 4, 1), ends_on=date(2021, 3, 31)
    )
    police_plan = ActionPlan.objects.create(
        agency=police, title="Police plan", starts_on=date(2019, 4, 1), ends_on=date(2021, 3, 31)
    )

    def action(plan, objective, text, due=date(2021, 3, 31), status=ActionStatus.IN_PROGRESS):
        return Action.objects.create(
            plan=plan,
            objective=objective,
            description=text,
            lead_officer="Jo Reid",
            starts_on=date(2019, 4, 1),
            due_on=due,
            success_measure="Better for children.",
            status=status,
        )

    champions = action(csc_plan, "recognise", "Recruit 24 neglect champions")
    toolkit = action(csc_plan, "respond", "Neglect toolkit in Mosaic", due=date(2020, 3, 31))
    training = action(csc_plan, "recognise", "Train practitioners")
    briefings = action(police_plan, "recognise", "60-second briefings")

    def report(plan, per, status=State.ACCEPTED, **rags):
        return ProgressReport.objects.create(
            agency=plan.agency,
            period=per,
            plan=plan,
            status=status,
            summary="Quarter summary.",
            **{f"rag_{o}": rags.get(o, "green") for o in ("recognise", "respond", "quantify", "evaluate")},
        )

    def update(rep, act, rag, **texts):
        return ActionUpdate.objects.create(report=rep, action=act, rag=rag, done=f"Did {act}.", **texts)

    before = report(csc_plan, q4)
    update(before, champions, "red", recovery="More panels.")
    update(before, toolkit, "green")
    update(before, training, "red", recovery="Online course.")
    now = report(csc_plan, q1, recognise="amber", respond="red")
    update(now, champions, "green")
    update(now, toolkit, "amber", recovery="Ask the supplier to fix the form by June.")
    update(now, training, "red", recovery="Online course from 1 June 2020.")
    police_now = report(police_plan, q1)
    update(police_now, briefings, "blue", impact="1,150 officers briefed.")
    draft = report(police_plan, q4, status=State.DRAFT)
    update(draft, briefings, "red", recovery="x")
    return {"q1": q1, "toolkit": toolkit, "training": training}


@time_machine.travel(date(2020, 7, 15), tick=False)
def test_the_page_shows_the_grid_movement_and_the_red_and_overdue_actions(client, member, plans):
    client.force_login(member)
    response = client.get(reverse("actionplans:summary"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2020-21 Q1" in page and "accepted progress reports only" in page
    assert "1 Red, 0 Amber, 1 Green, 0 Blue" in page  # CSC recognise
    assert "0 Red, 1 Amber, 0 Green, 0 Blue" in page  # CSC respond
    assert "Red down 1" in page and "Green up 1" in page and "▼" in page
    assert "not compared" in page  # Police had no accepted report in 2019-20 Q4: the draft does not count
    context = response.context
    listed = {item.action.pk: item for item in context["listed"]}
    assert set(listed) == {plans["toolkit"].pk, plans["training"].pk}
    assert listed[plans["toolkit"].pk].overdue and not listed[plans["training"].pk].overdue
    assert "Overdue" in page and "Ask the supplier to fix the form by June." in page


@time_machine.travel(date(2020, 3, 1), tick=False)
def test_an_amber_action_is_listed_only_once_it_is_overdue(client, member, plans):
    client.force_login(member)
    listed = client.get(reverse("actionplans:summary")).context["listed"]
    assert [(item.action.pk, item.overdue) for item in listed] == [(plans["training"].pk, False)]


def test_filters_are_kept_in_the_url_and_narrow_the_page(client, analyst, plans):
    client.force_login(analyst)
    response = client.get(reverse("actionplans:summary"), {"objective": "respond", "agency": "CSC"})
    assert [row.agency.short_name for row in response.context["rows"]] == ["CSC"]
    assert [o.value for o in response.context["objectives"]] == ["respond"]
    assert [i.action.pk for i in response.context["listed"]] == [plans["toolkit"].pk]
    assert 'value="respond" selected' in response.content.decode()


def test_the_summary_uses_a_fixed_number_of_queries(member, plans, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        context = partnership_summary(user=member, today=date(2020, 7, 15))
        [f for item in context["listed"] for f in item.figures]


def test_the_dashboard_panel_counts_the_partnership_by_objective(member, plans):
    panel = dashboard_panel(user=member, today=date(2020, 7, 15))
    lines = {line.objective: line for line in panel["lines"]}
    assert lines["recognise"].cell.words == "1 Red, 0 Amber, 1 Green, 1 Blue"
    assert lines["respond"].red_or_overdue == 1 and panel["red_or_overdue"] == 2


def test_there_is_no_panel_without_accepted_reports(member, db):
    assert dashboard_panel(user=member, today=date(2020, 7, 15)) is None


@pytest.mark.parametrize("persona", ["member", "scrutineer", "analyst"])
def test_the_partnership_can_read_the_summary(client, request, persona, plans):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("actionplans:summary")).status_code == 200


@pytest.mark.parametrize("persona", ["csc_lead", "no_agency_user"])
def test_agency_leads_cannot_see_the_summary(client, request, persona, plans):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("actionplans:summary")).status_code == 404


def test_with_nothing_accepted_the_page_says_so(client, member, db):
    client.force_login(member)
    assert "No progress report has been accepted yet" in client.get(reverse("actionplans:summary")).content.decode()


def test_the_dashboard_panel_renders_counts_and_links_to_the_summary(member, plans):
    from django.template.loader import render_to_string

    html = render_to_string(
        "actionplans/_panel.html", {"action_panel": dashboard_panel(user=member, today=date(2020, 7, 15))}
    )
    assert "Action plans in 2020-21 Q1" in html and "1 Red, 0 Amber, 1 Green, 1 Blue" in html
    assert reverse("actionplans:summary") + "?objective=respond" in html
