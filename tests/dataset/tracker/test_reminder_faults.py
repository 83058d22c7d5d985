"""Reminders against a mail server that never answers and a worker killed mid-send, through a real worker: the
reminder is not recorded sent, the chase is not refused because of it, and once a mail server answers the sweep
sends it exactly once. The SMTP server is tests/fake_smtp.py, on a real socket."""

from __future__ import annotations

import os
import runpy
import signal
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.mail import get_connection
from django.urls import reverse
from django.utils import timezone

from dataset.catalogue.periods import Quarter
from dataset.models import Reminder, ReminderKind, ReportingPeriod
from dataset.tracker import services as reminders
from dataset.tracker import tasks
from neglect_portal import settings as settings_module
from tests.conftest import require_worker_services, start_worker, stop_worker
from tests.fake_smtp import FakeSMTPServer

CHASE = reverse("dataset:chase_list")
FAST = {"EMAIL_TIMEOUT": "1", "EMAIL_SEND_LEASE": "3", "EMAIL_RETRY_PAUSE": "1", "SITE_URL": "https://portal.test"}


def page(response) -> str:
    return " ".join(response.content.decode().split()).replace("&#x27;", "'")


@pytest.fixture
def live(csc_lead, police_lead, n28, analyst):
    """A quarter being collected now, due in 7 days (today's scheduled reminder: due soon), CSC and Police both
    expected and neither started. The worker runs on the real clock, so the quarter is set around it."""
    today = timezone.localdate()
    quarter = Quarter.containing(today)
    return ReportingPeriod.objects.create(
        year=quarter.year,
        quarter=quarter.number,
        opens_on=today - timedelta(days=20),
        due_on=today + timedelta(days=7),
        locks_on=today + timedelta(days=40),
    )


@pytest.fixture
def smtp():
    server = FakeSMTPServer(answering=False)
    yield server
    server.stop()


def wait_until(check, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return value


# --- without a worker: the timeout reaches the SMTP backend --------------------------------------------------
def test_the_smtp_backend_built_from_settings_has_the_email_timeout(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert settings.EMAIL_TIMEOUT and get_connection().timeout == settings.EMAIL_TIMEOUT


@pytest.mark.parametrize(
    ("env", "timeout", "lease"),
    [
        ({"EMAIL_URL": "smtp://127.0.0.1:2525"}, 30, 360),
        ({"EMAIL_URL": "smtp://127.0.0.1:2525?timeout=4"}, 4, 100),
        ({"EMAIL_URL": "smtp://127.0.0.1:2525?timeout=4", "EMAIL_TIMEOUT": "7"}, 7, 130),
        ({"EMAIL_URL": "smtp://127.0.0.1:2525", "EMAIL_TIMEOUT": "0"}, 1, 70),  # 0 would mean wait for ever
    ],
)
def test_email_url_timeouts_reach_the_setting(monkeypatch, env, timeout, lease):
    """EMAIL_URL's ?timeout= (which django-environ puts where Django never reads it) or EMAIL_TIMEOUT; never none."""
    for name in [n for n in os.environ if n.startswith("EMAIL_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    built = runpy.run_path(str(Path(settings_module.__file__)))
    assert (built["EMAIL_TIMEOUT"], built["EMAIL_SEND_LEASE"]) == (timeout, lease)
    assert built["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend" and "OPTIONS" not in built


def test_a_mail_server_that_never_answers_leaves_the_reminder_unsent_within_the_timeout(
    settings, live, csc, analyst, smtp, client
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 1
    started = time.monotonic()
    with pytest.raises(reminders.ReminderNotSent):
        reminders.reminder_send_manual(agency=csc, acting_user=analyst)
    assert time.monotonic() - started < 5
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None and reminder.last_error.endswith("timed out")
    client.force_login(analyst)
    text = page(client.get(CHASE))
    assert "Not sent yet: the mail server took too long to answer. It will be tried again at" in text


# --- through a real worker ------------------------------------------------------------------------------------
@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_never_answers_then_comes_back(live, csc, police, analyst, smtp, client):
    require_worker_services()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue, {**FAST, "EMAIL_URL": smtp.url})
    try:
        outcome = tasks.send_scheduled_reminders.apply_async(queue=queue).get(timeout=60)
        assert outcome["sent"] == [] and len(outcome["failed"]) == 2  # each gave up after EMAIL_TIMEOUT
        assert not Reminder.objects.filter(sent_at__isnull=False).exists()
        assert all(error.endswith("timed out") for error in Reminder.objects.values_list("last_error", flat=True))
        client.force_login(analyst)
        text = page(client.get(CHASE))
        assert "Not yet" in text and "Not sent yet: the mail server took too long to answer." in text
        # The chase is not refused for a reminder that never went (the test process mails to its outbox).
        reminders.reminder_send_manual(agency=police, acting_user=analyst)
        smtp.answering = True
        time.sleep(2.5)  # both pauses (EMAIL_RETRY_PAUSE) over
        swept = tasks.send_unsent_reminders.apply_async(queue=queue).get(timeout=60)
        # Police's was closed by the chase's reminder: only CSC's goes.
        assert swept == {"sent": [f"Due in 7 days to Children's Social Care for {live}"], "skipped": [], "failed": []}
        again = tasks.send_unsent_reminders.apply_async(queue=queue).get(timeout=60)
        assert again["sent"] == []
    finally:
        stop_worker(worker)
    assert smtp.recipients() == ["csc.lead@example.org"]  # once, and not Police's, which the chase replaced
    csc_reminder = Reminder.objects.get(agency=csc, kind=ReminderKind.DUE_SOON)
    assert csc_reminder.sent_at is not None and csc_reminder.attempts == 2 and csc_reminder.retry_at is None
    police_reminder = Reminder.objects.get(agency=police, kind=ReminderKind.DUE_SOON)
    assert police_reminder.sent_at is None and police_reminder.last_error.startswith("Not needed: a later reminder")


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send(live, csc, police, analyst, smtp, client):
    require_worker_services()
    first, second = (f"test-{uuid.uuid4().hex[:8]}" for _ in range(2))
    # The first worker would wait a minute for the greeting: it is killed while it waits. Its attempt holds the
    # reminder for 6 seconds (EMAIL_SEND_LEASE), long enough to see it being sent.
    worker = start_worker(first, {**FAST, "EMAIL_TIMEOUT": "60", "EMAIL_SEND_LEASE": "6", "EMAIL_URL": smtp.url})
    try:
        tasks.send_scheduled_reminders.apply_async(queue=first)
        smtp.wait_for_connections(1)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=20)
    finally:
        stop_worker(worker)
    (claim,) = Reminder.objects.all()  # Children's Social Care's, first by name; Police's never started
    assert claim.agency == csc and claim.sent_at is None and claim.failed_at is None
    client.force_login(analyst)
    assert "Being sent (started" in page(client.get(CHASE))
    smtp.answering = True
    worker = start_worker(second, {**FAST, "EMAIL_URL": smtp.url})
    try:
        lease_over = claim.retry_at + timedelta(seconds=0.5)
        wait_until(lambda: timezone.now() > lease_over, "the killed attempt's lease")
        assert "Not sent yet: the sending stopped before the mail server took it." in page(client.get(CHASE))
        swept = tasks.send_unsent_reminders.apply_async(queue=second).get(timeout=60)
        assert swept["sent"] == [f"Due in 7 days to Children's Social Care for {live}"]
        assert tasks.send_unsent_reminders.apply_async(queue=second).get(timeout=60)["sent"] == []
        # The day's run again (the beat's next day would not): Police's is made and sent, CSC's not again.
        assert tasks.send_scheduled_reminders.apply_async(queue=second).get(timeout=60)["sent"] == [
            f"Due in 7 days to Sussex Police for {live}"
        ]
    finally:
        stop_worker(worker)
    assert smtp.recipients() == ["csc.lead@example.org", "police.lead@example.org"]
    claim.refresh_from_db()
    assert claim.sent_at is not None and claim.attempts == 2
    # The chase counts the sent one now: refused for the hour.
    with pytest.raises(reminders.ReminderRefused, match="was reminded at"):
        reminders.reminder_send_manual(agency=csc, acting_user=analyst)
