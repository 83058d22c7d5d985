"""Action-plan reports in the tracker, the chase list and the reminders, through dataset.tracker.other_work."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from actionplans import services as plan_services
from actionplans.tracking import REPORTS
from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import ReportingPeriod
from dataset.returns import services
from dataset.tracker import other_work, tasks
from tests.actionplans.conftest import complete_inputs, fill
from tests.dataset.conftest import fill as fill_return

LONDON = ZoneInfo("Europe/London")
SITE = "https://portal.example.org"


def at(day: date, hour: int = 12):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=LONDON), tick=False)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def q1(db):
    opens_on, due_on, locks_on = default_dates(Quarter(2026, 1))  # inside the fixtures' 2026-28 plans
    return ReportingPeriod.objects.create(year=2026, quarter=1, opens_on=opens_on, due_on=due_on, locks_on=locks_on)


@pytest.fixture
def police_return_in(q1, police_lead, n28, police_plan):
    """Police have submitted the return but not started the action-plan report."""
    with at(q1.opens_on, 9):
        ret = services.return_start(agency=police_lead.agency, period=q1, acting_user=police_lead)
        fill_return(ret, police_lead, N28="24")
        ret.refresh_from_db()
        services.return_submit(signed_off=True, ret=ret, acting_user=police_lead, seen_version=ret.version)
    return q1


def submit_report(lead, period, day):
    with at(day, 10):
        report = plan_services.report_start(agency=lead.agency, period=period, acting_user=lead)
        actions = list(report.plan.actions.all())
        inputs = complete_inputs(actions)
        inputs["plan"] = {**inputs["plan"], "rag_respond": "green"}
        fill(report, lead, inputs)
        report.refresh_from_db()
        plan_services.report_submit(report=report, acting_user=lead, seen_version=report.version)
    return report


def test_action_plans_register_their_reports_with_the_tracker():
    assert REPORTS in other_work.kinds()


def test_the_chase_list_chases_a_report_even_when_the_return_is_in(client, analyst, police_return_in, police_lead):
    client.force_login(analyst)
    with at(date.fromordinal(police_return_in.opens_on.toordinal() + 2)):
        text = " ".join(client.get(reverse("dataset:chase_list")).content.decode().split())
    assert "Sussex Police" in text and "Action plan report: not started" in text
    submit_report(police_lead, police_return_in, police_return_in.opens_on)
    with at(date.fromordinal(police_return_in.opens_on.toordinal() + 2)):
        text = " ".join(client.get(reverse("dataset:chase_list")).content.decode().split())
    assert "Sussex Police" not in text  # return and report both in: nothing to chase


def test_a_reminder_names_the_report_and_links_to_it(client, analyst, police_return_in, police_lead):
    client.force_login(analyst)
    with at(police_return_in.due_on, 14):
        response = client.post(reverse("dataset:chase_send", args=[police_lead.agency.pk]), follow=True)
    assert "Reminder sent to Sussex Police" in response.content.decode()
    message = mail.outbox[-1]
    assert "action plan report" in message.subject and "neglect return" not in message.subject
    assert "Thank you: the 2026-27 Q1 neglect indicators return for Sussex Police is in." in message.body
    assert "action plan report for Sussex Police is due today" in message.body and f"{SITE}/plans/" in message.body
    assert "What to do with the return" not in message.body


def test_the_scheduled_reminders_cover_the_report_until_it_is_in(police_return_in, police_lead):
    due = police_return_in.due_on
    with at(due, 7):
        tasks.send_scheduled_reminders.delay(today=due.isoformat()).get()
    police = [m for m in mail.outbox if m.to == ["police.lead@example.org"]]
    assert len(police) == 1 and "action plan report" in police[0].subject
    submit_report(police_lead, police_return_in, due)
    mail.outbox.clear()
    week_late = date.fromordinal(due.toordinal() + 7)
    with at(week_late, 7):
        tasks.send_scheduled_reminders.delay(today=week_late.isoformat()).get()
    assert not [m for m in mail.outbox if m.to == ["police.lead@example.org"]]


def test_the_tracker_shows_each_agencys_report_status(client, analyst, member, police_return_in, police_lead):
    client.force_login(analyst)
    with at(date.fromordinal(police_return_in.opens_on.toordinal() + 1)):
        page = client.get(reverse("dataset:tracker")).content.decode()
    assert "Action plan reports" in page and 'data-agency="Police"' in page and "Not started" in page
    report = submit_report(police_lead, police_return_in, police_return_in.opens_on)
    with at(date.fromordinal(police_return_in.opens_on.toordinal() + 1)):
        page = client.get(reverse("dataset:tracker")).content.decode()
        client.force_login(member)
        member_page = client.get(reverse("dataset:tracker")).content.decode()
    assert report.get_absolute_url() in page  # the analyst may open a submitted report
    assert report.get_absolute_url() not in member_page  # a member only accepted ones


def test_the_analysts_monday_digest_lists_the_reports_outstanding(police_return_in, analyst):
    analyst.email = "analyst@example.org"
    analyst.save()
    day = police_return_in.opens_on
    while day.weekday() != 0:
        day = date.fromordinal(day.toordinal() + 1)
    with at(day, 7):
        tasks.send_scheduled_reminders.delay(today=day.isoformat()).get()
    digest = [m for m in mail.outbox if m.to == ["analyst@example.org"]]
    assert len(digest) == 1
    assert "Sussex Police: return in; action plan report not started" in digest[0].body
