"""Emails given up on are shown where people work: a line on the analyst's home, a list with the error in plain
words, and Try again (once, however often it is clicked). The person still sees the notification in the portal."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from notifications import selectors, sending, services
from notifications.models import EMAIL_MAX_ATTEMPTS, Kind, Notification

SUBJECT = "Sent back: the CSC return for 2020-21 Q1"


def fail_for_good(note: Notification, error: Exception) -> Notification:
    """Every attempt the task and the sweep would make, failing."""
    with mock.patch.object(EmailMultiAlternatives, "send", side_effect=error):
        while not note.email_given_up:
            with pytest.raises(sending.EmailFailed):
                sending.notification_email_send(notification_id=note.pk)
            note.refresh_from_db()
    return note


@pytest.fixture
def failed(csc_lead):
    (note,) = services.notify(kind=Kind.SENT_BACK, recipients=[csc_lead], subject=SUBJECT, text="Fix N18.")
    return fail_for_good(note, ConnectionRefusedError(111, "Connection refused"))


@pytest.fixture
def retry(client, django_capture_on_commit_callbacks):
    """Press Try again, running what is queued on commit as a real request would."""

    def press(note, failure=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("notifications:failed_retry", args=[note.pk]),
                {"failure": note.email_failure if failure is None else failure},
            )

    return press


def test_an_email_that_failed_every_attempt_is_given_up_and_the_sweep_leaves_it(failed):
    assert failed.email_given_up and failed.email_attempts == EMAIL_MAX_ATTEMPTS
    assert failed.pk not in sending.notifications_unsent(older_than=timedelta(minutes=-1))


def test_the_analysts_home_says_how_many_could_not_be_sent_and_links_to_the_list(client, analyst, failed, police_lead):
    client.force_login(analyst)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="email-tasks"' in page and "1 email could not be sent" in page
    assert reverse("notifications:failed") in page
    (other,) = services.notify(kind=Kind.ACCEPTED, recipients=[police_lead], subject="Accepted", text="Done.")
    fail_for_good(other, TimeoutError("timed out"))
    assert "2 emails could not be sent" in client.get(reverse("home")).content.decode()


def test_the_analysts_home_says_nothing_of_emails_when_all_were_sent(client, analyst):
    client.force_login(analyst)
    page = client.get(reverse("home")).content.decode()
    assert "could not be sent" not in page and 'data-testid="email-tasks"' not in page


def test_the_list_gives_recipient_kind_when_and_the_error_in_plain_words(client, analyst, failed):
    client.force_login(analyst)
    page = client.get(reverse("notifications:failed")).content.decode()
    assert SUBJECT in page and "csc.lead@example.org" in page and "Sent back for changes" in page
    assert "The portal could not reach the mail server." in page
    assert "ConnectionRefusedError" in page  # the technical words, kept in a details element
    assert f'name="failure" value="{failed.email_failure}"' in page and "csrfmiddlewaretoken" in page


@pytest.mark.parametrize("persona", ["csc_lead", "member", "scrutineer", "no_agency_user"])
def test_only_the_analyst_and_administrators_see_or_retry_failed_emails(client, request, persona, failed, retry):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("notifications:failed")).status_code == 404
    assert retry(failed).status_code == 404
    failed.refresh_from_db()
    assert failed.email_given_up
    assert "could not be sent" not in client.get(reverse("home")).content.decode()


def test_an_administrator_sees_the_list(client, admin_user, failed):
    client.force_login(admin_user)
    assert SUBJECT in client.get(reverse("notifications:failed")).content.decode()


def test_try_again_queues_it_once_and_it_is_sent(client, analyst, failed, retry):
    client.force_login(analyst)
    with mock.patch("notifications.tasks.send_notification_email.apply_async") as queued:
        response = retry(failed)
    assert response.status_code == 302 and response["Location"] == reverse("notifications:failed")
    queued.assert_called_once_with(args=(failed.pk,), kwargs={})
    failed.refresh_from_db()
    assert not failed.email_given_up and failed.email_attempts == 0 and failed.email_error == ""
    sending.notification_email_send(notification_id=failed.pk)  # what the queued task does
    failed.refresh_from_db()
    assert failed.emailed_at is not None and len(mail.outbox) == 1
    page = client.get(reverse("notifications:failed")).content.decode()
    assert "is being sent again" in page and "Every email has been sent." in page


def test_a_double_submit_queues_it_once(client, analyst, failed, retry):
    client.force_login(analyst)
    seen = failed.email_failure
    with mock.patch("notifications.tasks.send_notification_email.apply_async") as queued:
        retry(failed, failure=seen)
        second = retry(failed, failure=seen)
    assert queued.call_count == 1
    assert "has already been tried again" in client.get(second["Location"]).content.decode()


def test_a_stale_try_again_after_it_failed_again_does_not_queue_it_a_third_time(client, analyst, failed, retry):
    client.force_login(analyst)
    seen = failed.email_failure
    with mock.patch.object(EmailMultiAlternatives, "send", side_effect=ConnectionRefusedError(111, "refused")):
        response = retry(failed, failure=seen)  # eager: the task runs on commit and fails (recorded, no error page)
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.email_attempts == 1 and failed.email_error.startswith("ConnectionRefusedError")
    fail_for_good(failed, ConnectionRefusedError(111, "Connection refused"))
    assert failed.email_given_up and failed.email_failure != seen
    with mock.patch("notifications.tasks.send_notification_email.apply_async") as queued:
        retry(failed, failure=seen)  # the first page's button, pressed again
    queued.assert_not_called()


def test_the_person_still_sees_the_notification_in_the_portal(client, csc_lead, failed):
    client.force_login(csc_lead)
    assert SUBJECT in client.get(reverse("notifications:list")).content.decode()


def test_an_email_that_could_not_be_tried_is_listed_with_what_to_do(client, analyst, police_lead):
    police_lead.email = ""
    police_lead.save()
    (note,) = services.notify(kind=Kind.ACCEPTED, recipients=[police_lead], subject="Accepted", text="Done.")
    Notification.objects.filter(pk=note.pk).update(email_wanted=True)
    sending.notification_email_send(notification_id=note.pk)
    client.force_login(analyst)
    assert selectors.failed_email_count(user=analyst) == 1
    page = client.get(reverse("notifications:failed")).content.decode()
    assert "The person has no email address, or their account is closed." in page


def test_plain_words_for_each_kind_of_error():
    assert sending.plain_error("SMTPRecipientsRefused: {...}") == "The mail server refused the email address."
    assert sending.plain_error("TimeoutError: timed out") == "The mail server took too long to answer."
    timed_out = "SMTPServerDisconnected: Connection unexpectedly closed: timed out"  # no greeting within the timeout
    assert sending.plain_error(timed_out) == "The mail server took too long to answer."
    assert sending.plain_error("SMTPAuthenticationError: (535, b'no')").startswith("The mail server would not")
    assert sending.plain_error("OSError: odd") == "The mail server could not send it."
