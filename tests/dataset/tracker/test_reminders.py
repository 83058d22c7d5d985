"""Chasing returns: the analyst's chase list and Send reminder, the daily scheduled reminders and the Monday digest."""

from __future__ import annotations

import email
import smtplib
from datetime import date, datetime
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from agencies.models import Role, Sector
from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import Reminder, ReminderKind, ReportingPeriod
from dataset.returns import services
from dataset.tracker import delivery, tasks
from dataset.tracker import services as reminders
from neglect_portal import schedules
from notifications.models import EMAIL_MAX_ATTEMPTS
from tests.dataset.conftest import fill
from tests.factories import AgencyFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
CHASE = reverse("dataset:chase_list")
SITE = "https://portal.example.org"
# 2020-21 Q1: opens Wednesday 1 July 2020, due Tuesday 28 July 2020, locks 27 August 2020.
DUE = date(2020, 7, 28)


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=LONDON), tick=False)


def send(url: str, client):
    return client.post(url, follow=True)


def chase_send(agency) -> str:
    return reverse("dataset:chase_send", args=[agency.pk])


def page(response) -> str:
    return " ".join(response.content.decode().split())


def sent_to() -> list[tuple[str, ...]]:
    return [tuple(message.to) for message in mail.outbox]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def q1(db):
    opens_on, due_on, locks_on = default_dates(Quarter(2020, 1))
    assert due_on == DUE
    return ReportingPeriod.objects.create(year=2020, quarter=1, opens_on=opens_on, due_on=due_on, locks_on=locks_on)


@pytest.fixture
def partnership(q1, csc_lead, police_lead, n28, analyst):
    """CSC (lead Carys Hughes) and Police (lead Paul Okafor) both supply N28; neither has started."""
    analyst.email = "analyst@example.org"
    analyst.save()
    return q1


def run(day: date) -> dict:
    return tasks.send_scheduled_reminders.delay(today=day.isoformat()).get()


def submit_police(police_lead, q1, day: date) -> None:
    with at(day, 9):
        ret = services.return_start(agency=police_lead.agency, period=q1, acting_user=police_lead)
        fill(ret, police_lead, N28="24")
        ret.refresh_from_db()
        services.return_submit(signed_off=True, ret=ret, acting_user=police_lead, seen_version=ret.version)


# --- the chase list ------------------------------------------------------------------------------------
def test_the_chase_list_shows_who_has_not_submitted_their_leads_and_the_days_left(
    client, analyst, partnership, csc_lead, police_lead
):
    with at(date(2020, 7, 20), 9):
        ret = services.return_start(agency=csc_lead.agency, period=partnership, acting_user=csc_lead)
    submit_police(police_lead, partnership, date(2020, 7, 21))
    client.force_login(analyst)
    with at(date(2020, 7, 25)):
        text = page(client.get(CHASE))
    assert "Children's Social Care" in text.replace("&#x27;", "'")
    assert "Sussex Police" not in text  # submitted: nothing to chase
    assert "due in 3 days" in text and "Draft" in text
    assert "Carys Hughes" in text and "csc.lead@example.org" in text
    assert "Not yet" in text  # never reminded
    assert ret.agency.name == "Children's Social Care"
    client.force_login(analyst)
    with at(date(2020, 8, 2)):
        text = page(client.get(CHASE))
    assert (
        "5 days overdue" in text and "status-overdue" in text and 'Overdue</span> <span class="small">(draft)' in text
    )


def test_send_reminder_emails_the_leads_and_records_it(client, analyst, partnership, csc):
    client.force_login(analyst)
    with at(date(2020, 7, 18), 14, 2):
        response = send(chase_send(csc), client)
    assert "Reminder sent to Children&#x27;s Social Care (csc.lead@example.org)." in response.content.decode()
    assert sent_to() == [("csc.lead@example.org",)]
    message = mail.outbox[0]
    assert message.subject == "2020-21 Q1 neglect return for Children's Social Care: due in 10 days"
    assert "submit it by 28 July 2020" in message.body and f"{SITE}/returns/" in message.body
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html" and f'href="{SITE}/returns/"' in html
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.agency, reminder.period, reminder.sent_by) == (
        ReminderKind.MANUAL,
        csc,
        partnership,
        analyst,
    )
    assert reminder.recipients == "csc.lead@example.org" and reminder.sent_at is not None
    assert "18 July 2020, 14:02" in page(response)  # last reminded, on the chase list


def test_nobody_is_chased_twice_in_an_hour(client, analyst, partnership, csc, police):
    client.force_login(analyst)
    with at(date(2020, 7, 18), 14, 2):
        send(chase_send(csc), client)
    with at(date(2020, 7, 18), 14, 40):
        client.force_login(analyst)
        response = send(chase_send(csc), client)
        assert "Sussex Police" in page(send(chase_send(police), client))  # another agency is not held up
    assert "Children&#x27;s Social Care was reminded at 14:02; try again after 15:02." in response.content.decode()
    assert sent_to() == [("csc.lead@example.org",), ("police.lead@example.org",)]
    with at(date(2020, 7, 18), 15, 3):
        client.force_login(analyst)
        send(chase_send(csc), client)
    assert sent_to()[-1] == ("csc.lead@example.org",) and len(mail.outbox) == 3
    assert Reminder.objects.filter(agency=csc, kind=ReminderKind.MANUAL).count() == 2


def test_a_scheduled_reminder_counts_towards_the_hour(client, analyst, partnership, csc):
    with at(DUE, 7):
        run(DUE)
    assert len(mail.outbox) == 2
    client.force_login(analyst)
    with at(DUE, 7, 30):
        response = send(chase_send(csc), client)
    assert "was reminded at 07:00; try again after 08:00." in response.content.decode()
    assert len(mail.outbox) == 2


def test_an_agency_with_no_lead_email_or_already_submitted_is_not_chased(
    client, analyst, partnership, csc_lead, police_lead
):
    csc_lead.email = ""
    csc_lead.save()
    submit_police(police_lead, partnership, date(2020, 7, 10))
    client.force_login(analyst)
    with at(date(2020, 7, 18)):
        no_email = page(send(chase_send(csc_lead.agency), client))
        done = page(send(chase_send(police_lead.agency), client))
    assert "has no active lead with an email address, so no reminder was sent" in no_email
    assert "no email address" in no_email  # and the chase list says so beside the lead
    assert "Sussex Police has already submitted its 2020-21 Q1 return" in done
    assert mail.outbox == [] and not Reminder.objects.exists()


def test_a_reminder_the_mail_server_refuses_is_kept_unsent_and_the_chase_is_not_held_up(
    client, analyst, partnership, csc, monkeypatch
):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    client.force_login(analyst)
    with at(date(2020, 7, 18), 14):
        text = page(send(chase_send(csc), client))
    assert (
        "The reminder to Children&#x27;s Social Care was not sent. Not sent yet: the portal could not reach the mail "
        "server. It will be tried again at 14:15." in text
    )
    failed = Reminder.objects.get()
    assert failed.sent_at is None and failed.attempts == 1 and failed.last_error.startswith("SMTPServerDisconnected")
    with at(date(2020, 7, 18), 14, 1):
        text = page(client.get(CHASE))
    assert "Not yet" in text  # never reminded: the unsent one is not called a reminder
    assert "Sent by the partnership analyst:</strong> Not sent yet: the portal could not reach" in text
    monkeypatch.undo()
    with at(date(2020, 7, 18), 14, 2):
        text = page(send(chase_send(csc), client))  # at once: only a sent reminder counts towards the hour
    assert "Reminder sent to Children&#x27;s Social Care (csc.lead@example.org)." in text
    assert "18 July 2020, 14:02" in text and "Not sent yet" not in text
    assert sent_to() == [("csc.lead@example.org",)]
    failed.refresh_from_db()
    assert failed.retry_at is None and failed.last_error == "Not needed: a later reminder was sent at 14:02."
    with at(date(2020, 7, 18), 15):
        assert reminders.reminders_send_unsent().sent == []  # the refused one is not sent as well
    assert len(mail.outbox) == 1


def test_a_reminder_being_sent_holds_the_chase_until_its_attempt_is_over(client, analyst, partnership, csc):
    with at(date(2020, 7, 18), 14):
        reminders._claim(kind=ReminderKind.MANUAL, agency=csc, period=partnership, occasion=date(2020, 7, 18))
    client.force_login(analyst)
    with at(date(2020, 7, 18), 14, 2):
        text = page(send(chase_send(csc), client))
    assert "A reminder to Children&#x27;s Social Care is being sent now (started 14:00)." in text
    assert "Being sent (started 14:00). If the mail server does not take it, it will be tried again at 14:15." in text
    assert mail.outbox == []


@pytest.mark.parametrize("persona", ["csc_lead", "police_lead", "member", "scrutineer", "no_agency_user"])
def test_only_the_analyst_has_a_chase_list(client, request, persona, partnership, csc):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(CHASE).status_code == 404
    assert client.get(chase_send(csc)).status_code == 404
    assert client.post(chase_send(csc)).status_code == 404
    assert mail.outbox == [] and not Reminder.objects.exists()


def test_the_analyst_cannot_get_the_send_address_only_post_to_it(client, analyst, partnership, csc):
    client.force_login(analyst)
    assert client.get(chase_send(csc)).status_code == 405
    assert client.post(reverse("dataset:chase_send", args=[99999])).status_code == 404


# --- the schedule ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2020, 7, 20), None),
        (date(2020, 7, 21), ReminderKind.DUE_SOON),
        (date(2020, 7, 22), None),
        (date(2020, 7, 27), None),
        (date(2020, 7, 28), ReminderKind.DUE_TODAY),
        (date(2020, 7, 29), None),
        (date(2020, 8, 3), None),
        (date(2020, 8, 4), ReminderKind.OVERDUE),
        (date(2020, 8, 11), ReminderKind.OVERDUE),
        (date(2020, 8, 12), None),
        (date(2020, 8, 18), ReminderKind.OVERDUE),
    ],
)
def test_which_reminder_is_due_on_which_day(day, kind):
    assert reminders.scheduled_kind(due_on=DUE, today=day) == kind


def test_a_week_before_the_due_date_the_leads_get_due_soon(partnership):
    result = run(date(2020, 7, 21))
    assert sorted(sent_to()) == [("csc.lead@example.org",), ("police.lead@example.org",)]
    assert len(result["sent"]) == 2
    assert set(Reminder.objects.values_list("kind", flat=True)) == {ReminderKind.DUE_SOON}
    csc = next(m for m in mail.outbox if m.to == ["csc.lead@example.org"])
    assert csc.subject == "2020-21 Q1 neglect return for Children's Social Care: due in 7 days"
    assert "Children's Social Care" in csc.body and "28 July 2020" in csc.body and "not been started" in csc.body
    assert f"{SITE}/returns/" in csc.body
    assert "Children&#x27;s Social Care" in csc.alternatives[0][0]
    assert all(r.sent_at and r.occasion == date(2020, 7, 21) for r in Reminder.objects.all())


def test_on_the_due_date_due_today_and_a_week_later_overdue(partnership):
    run(DUE)
    assert [m.subject for m in mail.outbox][0].endswith(": due today")
    run(date(2020, 8, 4))
    assert mail.outbox[-1].subject.endswith(": 7 days overdue")
    assert "was due on 28 July 2020 and is now 7 days overdue" in mail.outbox[-1].body
    kinds = sorted(Reminder.objects.values_list("kind", "agency__short_name"))
    assert kinds == [
        (ReminderKind.DUE_TODAY, "CSC"),
        (ReminderKind.DUE_TODAY, "Police"),
        (ReminderKind.OVERDUE, "CSC"),
        (ReminderKind.OVERDUE, "Police"),
    ]


@pytest.mark.parametrize("day", [date(2020, 7, 22), date(2020, 7, 29), date(2020, 8, 5), date(2020, 8, 28)])
def test_nothing_is_sent_on_other_days_or_once_the_quarter_locks(partnership, day):
    # 28 August is 31 days overdue... and 1 September (35) would be, but the quarter locked on 27 August.
    run(day)
    run(date(2020, 9, 1))
    assert mail.outbox == [] and not Reminder.objects.exists()


def test_an_agency_that_submitted_is_not_reminded(partnership, police_lead):
    submit_police(police_lead, partnership, date(2020, 7, 20))
    run(date(2020, 7, 21))
    assert sent_to() == [("csc.lead@example.org",)]


def test_an_inactive_lead_is_not_emailed(partnership, csc):
    UserFactory(username="csc.other", last_name="Zephaniah", agency=csc, email="other@example.org")
    UserFactory(username="csc.gone", agency=csc, email="gone@example.org", is_active=False)
    run(date(2020, 7, 21))
    assert ("csc.lead@example.org", "other@example.org") in sent_to()  # by name: Hughes, Zephaniah
    assert not any("gone@example.org" in to for to in sent_to())


def test_on_mondays_the_analyst_gets_a_digest_of_who_has_not_submitted(partnership, police_lead, member):
    submit_police(police_lead, partnership, date(2020, 7, 20))
    AgencyFactory(name="Voluntary Sector", short_name="VCS", sector=Sector.VOLUNTARY)  # supplies nothing
    UserFactory(username="analyst2", role=Role.ANALYST, email="second.analyst@example.org")
    run(date(2020, 7, 27))  # a Monday, the day before the due date: no agency reminder
    assert [sorted(to) for to in sent_to()] == [["analyst@example.org", "second.analyst@example.org"]]
    digest = mail.outbox[0]
    assert digest.subject == "Neglect returns not yet submitted: weekly digest, 27 July 2020"
    assert "2020-21 Q1: due 28 July 2020 (due tomorrow)" in digest.body
    assert "- Children's Social Care: not started" in digest.body
    assert "Sussex Police" not in digest.body and "Voluntary Sector" not in digest.body
    assert f"{SITE}/chase/" in digest.body and f"{SITE}/tracker/" in digest.body
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.agency, reminder.period) == (ReminderKind.DIGEST, None, None)
    run(date(2020, 7, 28))  # a Tuesday: no digest
    assert [m.to for m in mail.outbox[1:]] == [["csc.lead@example.org"]]


def test_running_twice_the_same_day_sends_once(partnership):
    first = run(date(2020, 8, 3))  # a Monday, 6 days overdue: the digest only
    second = run(date(2020, 8, 3))
    assert len(first["sent"]) == 1 and second["sent"] == [] and len(second["skipped"]) == 1
    first = run(date(2020, 8, 4))
    second = run(date(2020, 8, 4))
    assert len(first["sent"]) == 2 and second["sent"] == []
    assert len(mail.outbox) == 3 and Reminder.objects.count() == 3


def _refuse_first_send(monkeypatch) -> list:
    real_send, calls = EmailMultiAlternatives.send, []

    def flaky(self, fail_silently=False):
        calls.append(self.to)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    return calls


def test_a_reminder_the_mail_server_refused_is_sent_by_the_sweep_and_no_other_twice(partnership, monkeypatch):
    _refuse_first_send(monkeypatch)
    with at(date(2020, 7, 21), 7):
        outcome = run(date(2020, 7, 21))
    assert len(outcome["failed"]) == 1 and len(outcome["sent"]) == 1
    refused = Reminder.objects.get(sent_at__isnull=True)
    assert refused.attempts == 1 and refused.retry_at == datetime(2020, 7, 21, 7, 5, tzinfo=LONDON)
    with at(date(2020, 7, 21), 7, 4):
        assert tasks.send_unsent_reminders.delay().get()["sent"] == []  # its pause is not over
        assert run(date(2020, 7, 21))["sent"] == []  # the day's run again: recorded already, nothing sent
    with at(date(2020, 7, 21), 7, 15):
        assert tasks.send_unsent_reminders.delay().get()["sent"] == [
            "Due in 7 days to Children's Social Care for 2020-21 Q1"
        ]
        assert tasks.send_unsent_reminders.delay().get() == {"sent": [], "skipped": [], "failed": []}
    assert sorted(sent_to()) == [("csc.lead@example.org",), ("police.lead@example.org",)]
    refused.refresh_from_db()
    assert refused.sent_at == datetime(2020, 7, 21, 7, 15, tzinfo=LONDON) and refused.attempts == 2
    assert refused.retry_at is None and Reminder.objects.count() == 2


def test_the_sweep_gives_up_after_the_attempt_limit_and_says_so(client, analyst, partnership, csc, monkeypatch):
    monkeypatch.setattr(EmailMultiAlternatives, "send", mock.Mock(side_effect=TimeoutError("timed out")))
    with at(DUE, 7):
        run(DUE)
    for hour in range(8, 14):
        with at(DUE, hour):
            reminders.reminders_send_unsent()
    reminder = Reminder.objects.get(agency=csc)
    assert reminder.sent_at is None and reminder.attempts == EMAIL_MAX_ATTEMPTS and reminder.retry_at is None
    assert EmailMultiAlternatives.send.call_count == 2 * EMAIL_MAX_ATTEMPTS  # CSC's and Police's, five times each
    client.force_login(analyst)
    with at(DUE, 14):
        text = page(client.get(CHASE))
    assert (
        "Not sent: the mail server took too long to answer. It was tried 5 times and will not be tried again by "
        "itself; use Send reminder to send one now." in text
    )


def test_a_reminder_no_longer_needed_is_closed_not_sent(partnership, csc_lead, monkeypatch):
    _refuse_first_send(monkeypatch)  # agencies go by name: Children's Social Care's is the first, refused
    with at(date(2020, 7, 21), 7):
        run(date(2020, 7, 21))
    (refused,) = Reminder.objects.filter(sent_at__isnull=True)
    assert refused.agency == csc_lead.agency
    with at(date(2020, 7, 21), 7, 30):
        ret = services.return_start(agency=csc_lead.agency, period=partnership, acting_user=csc_lead)
        fill(ret, csc_lead, N28="3")
        ret.refresh_from_db()
        services.return_submit(signed_off=True, ret=ret, acting_user=csc_lead, seen_version=ret.version)
    with at(date(2020, 7, 21), 8):
        outcome = reminders.reminders_send_unsent()
    assert outcome.sent == [] and "not needed" in outcome.skipped[0]
    refused.refresh_from_db()
    assert refused.sent_at is None and refused.retry_at is None and refused.last_error.startswith("Not needed:")
    assert len(mail.outbox) == 1


def test_two_sweeps_at_once_send_a_reminder_once(partnership, monkeypatch):
    _refuse_first_send(monkeypatch)
    with at(date(2020, 7, 21), 7):
        run(date(2020, 7, 21))
    (refused,) = Reminder.objects.filter(sent_at__isnull=True)
    stale = Reminder.objects.get(pk=refused.pk)  # what a second sweep read before the first took it
    with at(date(2020, 7, 21), 7, 15):
        reminders.reminders_send_unsent()
        taken = Reminder.objects.filter(pk=stale.pk, sent_at__isnull=True, attempts=stale.attempts).update(attempts=9)
    assert taken == 0 and len(mail.outbox) == 2


def test_a_claim_whose_worker_died_is_sent_by_the_sweep_once_its_lease_is_over(partnership, csc, settings):
    settings.EMAIL_SEND_LEASE = 120
    with at(date(2020, 7, 21), 7):
        # As a worker killed mid-send leaves it: claimed, no error, never marked sent.
        reminders._claim(kind=ReminderKind.DUE_SOON, agency=csc, period=partnership, occasion=date(2020, 7, 21))
    with at(date(2020, 7, 21), 7, 1):
        assert reminders.reminders_send_unsent().sent == []  # still inside its lease: it may yet be sent
        assert run(date(2020, 7, 21))["sent"] == ["Due in 7 days to Sussex Police for 2020-21 Q1"]
    with at(date(2020, 7, 21), 7, 3):
        assert reminders.reminders_send_unsent().sent == ["Due in 7 days to Children's Social Care for 2020-21 Q1"]
        assert reminders.reminders_send_unsent().sent == []
    assert sorted(sent_to()) == [("csc.lead@example.org",), ("police.lead@example.org",)]


@pytest.mark.parametrize(
    ("moment", "sweep"),
    [((14, 0), (14, 0)), ((14, 0, 1), (14, 15)), ((14, 5), (14, 15)), ((14, 15), (14, 15)), ((14, 59), (15, 0))],
)
def test_the_next_sweep_is_on_the_quarter_hour(moment, sweep):
    def t(*hms):
        return datetime(2020, 7, 21, *hms, tzinfo=LONDON)

    assert delivery.next_sweep(t(*moment)) == t(*sweep)


def test_the_sweep_is_scheduled_every_quarter_hour():
    task = tasks.send_unsent_reminders
    assert task.acks_late and task.reject_on_worker_lost and task.time_limit and task.soft_time_limit
    (schedule,) = [s for s in schedules.SCHEDULES if s.task == "dataset.tasks.send_unsent_reminders"]
    assert schedule.minute == f"*/{delivery.SWEEP_EVERY_MINUTES}" and schedule.hour == "*"


def test_the_reminder_task_is_scheduled_daily_and_safe_against_a_lost_worker():
    task = tasks.send_scheduled_reminders
    assert task.acks_late and task.reject_on_worker_lost and task.time_limit and task.soft_time_limit
    schedule = next(s for s in schedules.SCHEDULES if s.task == "dataset.tasks.send_scheduled_reminders")
    assert (schedule.name, schedule.minute, schedule.hour) == ("Send return reminders", "0", "7")


# --- through a real worker ------------------------------------------------------------------------------
@pytest.fixture
def celery_worker_env(tmp_path) -> dict[str, str]:
    # django-environ drops the first slash of the path: filemail:////tmp/x is the absolute /tmp/x.
    return {"EMAIL_URL": f"filemail:///{tmp_path / 'mail'}", "SITE_URL": SITE}


def _mailed(directory: Path) -> list[email.message.Message]:
    """Every message the file email backend wrote (each file holds one connection's messages, separated by rules)."""
    messages = []
    for path in sorted(directory.glob("*.log")) if directory.exists() else []:
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.strip()))
    return messages


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_reminders_once(celery_worker, tmp_path, partnership):
    outbox = tmp_path / "mail"
    first = tasks.send_scheduled_reminders.apply_async(queue=celery_worker, kwargs={"today": "2020-07-21"})
    assert len(first.get(timeout=60)["sent"]) == 2
    messages = _mailed(outbox)
    assert sorted(m["To"] for m in messages) == ["csc.lead@example.org", "police.lead@example.org"]
    assert all(m.is_multipart() and m["Subject"].endswith("due in 7 days") for m in messages)
    body = next(m for m in messages if m["To"] == "csc.lead@example.org").get_payload(0).get_payload(decode=True)
    assert f"{SITE}/returns/".encode() in body and b"28 July 2020" in body
    assert set(Reminder.objects.values_list("kind", flat=True)) == {ReminderKind.DUE_SOON}
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 2
    again = tasks.send_scheduled_reminders.apply_async(queue=celery_worker, kwargs={"today": "2020-07-21"})
    assert again.get(timeout=60)["sent"] == []
    assert len(_mailed(outbox)) == 2 and Reminder.objects.count() == 2
