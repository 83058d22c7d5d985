"""Behaviour of the reporting quarters: their state in words, the analyst's date changes, and the daily check."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from dataset.catalogue import tasks
from dataset.catalogue.periods import Quarter, default_dates
from dataset.catalogue.selectors import period_edit_block_reason, period_state
from dataset.catalogue.services import period_ensure_upcoming
from dataset.models import HistorySource, ReportingPeriod
from neglect_portal import schedules

LONDON = ZoneInfo("Europe/London")


def on(day: date) -> time_machine.travel:
    """Freeze the clock at midday in London on `day`."""
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=LONDON), tick=False)


def make_period(year: int = 2020, number: int = 1) -> ReportingPeriod:
    opens_on, due_on, locks_on = default_dates(Quarter(year, number))
    return ReportingPeriod.objects.create(
        year=year, quarter=number, opens_on=opens_on, due_on=due_on, locks_on=locks_on
    )


@pytest.fixture
def q1(db):
    """2020-21 Q1: opens 1 July 2020, due 28 July 2020, locks 27 August 2020."""
    period = make_period(2020, 1)
    assert (period.opens_on, period.due_on, period.locks_on) == (date(2020, 7, 1), date(2020, 7, 28), date(2020, 8, 27))
    return period


def newest(period: ReportingPeriod):
    """The last historical record written (history dates follow the frozen clock, so order by id)."""
    return period.history.order_by("-history_id").first()


def page(response) -> str:
    return response.content.decode()


# --- state in words ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("today", "words"),
    [
        (date(2020, 6, 30), "Not open yet (opens 1 July 2020)"),
        (date(2020, 7, 1), "Open, due 28 July 2020"),
        (date(2020, 7, 28), "Open, due 28 July 2020"),
        (date(2020, 7, 29), "Overdue, locks 27 August 2020"),
        (date(2020, 8, 26), "Overdue, locks 27 August 2020"),
        (date(2020, 8, 27), "Locked on 27 August 2020"),
    ],
)
def test_a_quarters_state_is_put_into_words(q1, today, words):
    assert period_state(q1, today) == words


@pytest.mark.parametrize(
    ("today", "reason"),
    [
        (date(2020, 6, 30), "2020-21 Q1 opens on 1 July 2020"),
        (date(2020, 7, 15), None),
        (date(2020, 8, 1), None),
        (date(2020, 8, 27), "2020-21 Q1 locked on 27 August 2020 - ask the partnership analyst to reopen it"),
    ],
)
def test_it_says_why_a_return_cannot_be_changed_today(q1, today, reason):
    assert period_edit_block_reason(q1, today) == reason


@pytest.mark.parametrize("persona", ["csc_lead", "member", "analyst"])
def test_every_signed_in_person_sees_the_quarters_and_their_state(client, request, persona, q1):
    make_period(2020, 2)
    client.force_login(request.getfixturevalue(persona))

    with on(date(2020, 7, 14)):
        response = client.get(reverse("dataset:period_list"))

    assert response.status_code == 200
    text = page(response)
    assert "Open, due 28 July 2020" in text
    assert "Not open yet (opens 1 October 2020)" in text
    assert text.index("2020-21 Q2") < text.index("2020-21 Q1")  # most recent first
    assert "<caption" in text and 'scope="col"' in text


def test_only_the_analyst_is_offered_edit_and_add(client, csc_lead, analyst, q1):
    client.force_login(csc_lead)
    text = page(client.get(reverse("dataset:period_list")))
    assert reverse("dataset:period_edit", args=[q1.pk]) not in text
    assert reverse("dataset:period_create_next") not in text
    client.force_login(analyst)
    text = page(client.get(reverse("dataset:period_list")))
    assert reverse("dataset:period_edit", args=[q1.pk]) in text
    assert "Add the next quarter (2020-21 Q2)" in text


# --- editing dates ---------------------------------------------------------------------------------
def dates(
    opens: str = "2020-07-01", due: str = "2020-07-31", locks: str = "2020-08-31", reason: str = "", note: str = ""
) -> dict:
    return {"opens_on": opens, "due_on": due, "locks_on": locks, "reason": reason, "note": note}


def test_the_analyst_moves_a_due_date_and_it_is_recorded(client, analyst, q1):
    client.force_login(analyst)
    url = reverse("dataset:period_edit", args=[q1.pk])

    with on(date(2020, 7, 14)):
        assert 'value="2020-07-28"' in page(client.get(url))
        response = client.post(url, dates(reason="Bank holiday moved", note="Extended: Covid-19"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("dataset:period_list")
    q1.refresh_from_db()
    assert (q1.due_on, q1.locks_on) == (date(2020, 7, 31), date(2020, 8, 31))
    assert q1.note == "Extended: Covid-19" and "Extended: Covid-19" in page(response)
    latest = newest(q1)
    assert latest.history_user == analyst and latest.history_source == HistorySource.FORM
    assert latest.history_change_reason == "Bank holiday moved"
    assert "2020-21 Q1 dates saved" in page(response)


def test_a_lock_date_before_the_due_date_is_refused(client, analyst, q1):
    client.force_login(analyst)

    with on(date(2020, 7, 14)):
        response = client.post(reverse("dataset:period_edit", args=[q1.pk]), dates(locks="2020-07-20"))

    assert response.status_code == 400
    text = page(response)
    assert "There is a problem" in text and "The lock date must be after the due date." in text
    assert 'value="2020-07-20"' in text  # what was typed is kept
    q1.refresh_from_db()
    assert q1.locks_on == date(2020, 8, 27)


def test_a_locked_quarter_needs_a_reason_to_change_its_dates(client, analyst, q1):
    client.force_login(analyst)
    url = reverse("dataset:period_edit", args=[q1.pk])
    reopened = dates(due="2020-07-28", locks="2020-09-30")

    with on(date(2020, 9, 1)):
        refused = client.post(url, reopened)
        q1.refresh_from_db()
        assert refused.status_code == 400 and q1.locks_on == date(2020, 8, 27)
        assert "Enter the reason for changing the dates of a locked quarter" in page(refused)

        accepted = client.post(url, {**reopened, "reason": "Reopened for the late Police return"})

    assert accepted.status_code == 302
    q1.refresh_from_db()
    assert q1.locks_on == date(2020, 9, 30)
    assert newest(q1).history_change_reason == "Reopened for the late Police return"


@pytest.mark.parametrize("persona", ["csc_lead", "member", "scrutineer"])
def test_no_one_but_the_analyst_can_change_quarters(client, request, persona, q1):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("dataset:period_edit", args=[q1.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, dates(locks="2020-12-31")).status_code == 404
    assert client.post(reverse("dataset:period_create_next"), {"latest": "2020-21 Q1"}).status_code == 404

    q1.refresh_from_db()
    assert q1.locks_on == date(2020, 8, 27)
    assert ReportingPeriod.objects.count() == 1


# --- adding quarters -------------------------------------------------------------------------------
def test_the_analyst_adds_the_next_quarter_once_however_often_the_button_is_pressed(client, analyst, q1):
    client.force_login(analyst)
    url = reverse("dataset:period_create_next")

    first = client.post(url, {"latest": "2020-21 Q1"}, follow=True)
    second = client.post(url, {"latest": "2020-21 Q1"}, follow=True)

    assert [p.label for p in ReportingPeriod.objects.all()] == ["2020-21 Q1", "2020-21 Q2"]
    q2 = ReportingPeriod.objects.get(year=2020, quarter=2)
    assert (q2.opens_on, q2.due_on, q2.locks_on) == default_dates(Quarter(2020, 2))
    assert q2.history.get().history_user == analyst
    assert "2020-21 Q2 added" in page(first)
    assert "2020-21 Q2 already exists" in page(second)


def test_with_no_quarters_the_first_added_is_the_one_containing_today(client, analyst):
    client.force_login(analyst)

    with on(date(2020, 5, 20)):
        client.post(reverse("dataset:period_create_next"), {"latest": ""})

    assert [p.label for p in ReportingPeriod.objects.all()] == ["2020-21 Q1"]


def test_adding_a_quarter_does_not_answer_a_get(client, analyst, q1):
    client.force_login(analyst)
    assert client.get(reverse("dataset:period_create_next")).status_code == 405
    assert ReportingPeriod.objects.count() == 1


# --- the daily check -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("today", "labels"),
    [
        (date(2020, 7, 14), ["2020-21 Q1", "2020-21 Q2"]),
        (date(2020, 12, 31), ["2020-21 Q2", "2020-21 Q3"]),
        (date(2021, 1, 1), ["2020-21 Q3", "2020-21 Q4"]),
        (date(2021, 3, 31), ["2020-21 Q3", "2020-21 Q4"]),
        (date(2021, 4, 1), ["2020-21 Q4", "2021-22 Q1"]),
    ],
)
def test_the_daily_check_creates_the_quarter_being_collected_and_the_next(db, today, labels):
    created = period_ensure_upcoming(today=today)

    assert [p.label for p in created] == labels
    for period in created:
        assert (period.opens_on, period.due_on, period.locks_on) == default_dates(period.as_quarter)
        assert period.history.get().history_source == HistorySource.SYSTEM


def test_the_daily_check_is_safe_to_run_twice(db):
    make_period(2020, 1)  # already there: left alone

    first = period_ensure_upcoming(today=date(2020, 7, 14))
    second = period_ensure_upcoming(today=date(2020, 7, 14))

    assert [p.label for p in first] == ["2020-21 Q2"]
    assert second == []
    assert ReportingPeriod.objects.count() == 2


def test_the_task_runs_the_check_for_today_and_returns_the_labels_it_created(db):
    with on(date(2020, 7, 14)):
        first = tasks.ensure_next_period.delay().get()
        again = tasks.ensure_next_period.delay().get()

    assert first == ["2020-21 Q1", "2020-21 Q2"]
    assert again == []


def test_the_task_is_scheduled_daily():
    (schedule,) = [s for s in schedules.SCHEDULES if s.task == "dataset.tasks.ensure_next_period"]
    assert (schedule.name, schedule.minute, schedule.hour) == ("Create the next reporting quarter", "5", "1")
    assert schedule.day_of_week == schedule.day_of_month == "*"
