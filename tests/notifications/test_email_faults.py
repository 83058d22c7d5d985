"""A notification email against a worker killed mid-send and a mail server that never answers, through real workers:
never recorded emailed until the server took it, and once a server answers the sweep sends it exactly once."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest

from notifications import sending, services, tasks
from notifications.models import Kind, Notification
from tests.conftest import require_worker_services, start_worker, stop_worker
from tests.fake_smtp import FakeSMTPServer

FAST = {"EMAIL_TIMEOUT": "1", "EMAIL_SEND_LEASE": "3", "SITE_URL": "https://portal.test"}


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_a_notification_email_survives_a_killed_worker_and_a_silent_mail_server(csc_lead, settings):
    require_worker_services()
    settings.EMAIL_SEND_LEASE = 3  # the sweep's age here, as in the workers
    smtp = FakeSMTPServer(answering=False)
    (note,) = services.notify(kind=Kind.ACCEPTED, recipients=[csc_lead], subject="Accepted: the return", text="Thanks.")
    killed, second = (f"test-{uuid.uuid4().hex[:8]}" for _ in range(2))
    try:
        # Killed while it waits for the greeting (it would wait a minute): its row lock goes with its connection.
        worker = start_worker(killed, {**FAST, "EMAIL_TIMEOUT": "60", "EMAIL_URL": smtp.url})
        try:
            tasks.send_notification_email.apply_async(args=[note.pk], queue=killed)
            smtp.wait_for_connections(1)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=20)
        finally:
            stop_worker(worker)
        note.refresh_from_db()
        assert note.emailed_at is None
        worker = start_worker(second, {**FAST, "EMAIL_URL": smtp.url})
        try:
            # The server still never answers: the attempt ends after EMAIL_TIMEOUT, recorded, not emailed.
            tasks.send_notification_email.apply_async(args=[note.pk], queue=second)
            deadline = time.monotonic() + 60
            while not Notification.objects.get(pk=note.pk).email_error and time.monotonic() < deadline:
                time.sleep(0.1)
            note.refresh_from_db()
            assert note.emailed_at is None and note.email_attempts == 1 and note.email_error.endswith("timed out")
            smtp.answering = True
            time.sleep(3.5)  # older than EMAIL_SEND_LEASE: the sweep takes it
            assert sending.notifications_unsent() == [note.pk]
            assert tasks.send_notification_email.apply_async(args=[note.pk], queue=second).get(timeout=60) == "sent"
            assert sending.notifications_unsent() == []
            # A second delivery of the same task (a redelivered message) finds it sent and sends nothing.
            assert tasks.send_notification_email.apply_async(args=[note.pk], queue=second).get(timeout=60) == "sent"
        finally:
            stop_worker(worker)
    finally:
        smtp.stop()
    assert smtp.recipients() == ["csc.lead@example.org"]
    note.refresh_from_db()
    assert note.emailed_at is not None and note.email_attempts == 2
