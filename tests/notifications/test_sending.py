"""The email task: sent once however often it runs, a failure recorded and retried, lost ones swept up."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from notifications import sending, services, tasks
from notifications.models import Kind, Notification


@pytest.fixture
def note(csc_lead):
    (made,) = services.notify(
        kind=Kind.SENT_BACK, recipients=[csc_lead], subject="Sent back: the return", text="Fix N18.", link="/returns/7/"
    )
    return made


def test_the_task_sends_once_however_often_it_runs(note, settings):
    settings.SITE_URL = "http://127.0.0.1:8112/"
    assert tasks.send_notification_email.delay(note.pk).get() == "sent"
    assert tasks.send_notification_email.delay(note.pk).get() == "sent"
    sending.notification_email_send(notification_id=note.pk)
    (message,) = mail.outbox
    assert message.subject == "Sent back: the return" and message.to == ["csc.lead@example.org"]
    assert "http://127.0.0.1:8112/returns/7/" in message.body
    assert "http://127.0.0.1:8112/notifications/settings/" in message.body
    note.refresh_from_db()
    assert note.emailed_at is not None and note.email_attempts == 1


def test_a_failure_is_recorded_and_the_retry_sends_it_once(note):
    with mock.patch.object(EmailMultiAlternatives, "send", side_effect=[ConnectionRefusedError("refused"), 1]) as send:
        with pytest.raises(Retry):  # eager mode hands the retry back instead of queueing it
            tasks.send_notification_email.delay(note.pk)
        tasks.send_notification_email.delay(note.pk)  # the retry
        tasks.send_notification_email.delay(note.pk)  # and a redelivery of it: nothing more is sent
    assert send.call_count == 2
    note.refresh_from_db()
    assert note.emailed_at is not None and note.email_attempts == 2
    assert note.email_failed_at is not None and note.email_error == ""


def test_a_failure_stays_on_the_row_for_a_person_to_see(note):
    with (
        mock.patch.object(EmailMultiAlternatives, "send", side_effect=TimeoutError("timed out")),
        pytest.raises(sending.EmailFailed),
    ):
        sending.notification_email_send(notification_id=note.pk)
    note.refresh_from_db()
    assert note.emailed_at is None and note.email_attempts == 1 and note.email_error == "TimeoutError: timed out"


def test_the_sweep_queues_unsent_emails_nobody_sent(note, csc_lead):
    Notification.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    (fresh,) = services.notify(kind=Kind.ACCEPTED, recipients=[csc_lead], subject="Accepted", text="Thanks.")
    assert tasks.send_unsent_notification_emails.delay().get() == 1  # the fresh one's own task is still due
    assert [m.subject for m in mail.outbox] == ["Sent back: the return"]
    assert tasks.send_unsent_notification_emails.delay().get() == 0
