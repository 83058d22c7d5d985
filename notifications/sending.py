"""Emailing one notification, once. The task's service: safe to run any number of times for the same row."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import EMAIL_MAX_ATTEMPTS, NOT_SENT, Notification

log = logging.getLogger(__name__)


class EmailFailed(Exception):
    """The mail server refused the message or could not be reached; the failure is recorded on the row."""


def site_url(path: str) -> str:
    # The same setting the reminders use, so the demo's links name the port it serves on.
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "link_url": site_url(notification.link) if notification.link else "",
        "list_url": site_url(reverse("notifications:list")),
        "settings_url": site_url(reverse("notifications:preferences")),
    }
    subject = " ".join(render_to_string("email/notification_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string("email/notification.txt", context), to=[notification.recipient.email]
    )
    message.attach_alternative(render_to_string("email/notification.html", context), "text/html")
    return message


def notification_email_send(*, notification_id: int) -> Notification:
    """Send the email unless it was sent (or is not wanted). The row stays locked while the message goes, so a
    second delivery of the task waits, then finds `emailed_at` set and sends nothing."""
    failure: OSError | None = None
    with transaction.atomic():
        notification = Notification.objects.select_for_update().select_related("recipient").get(pk=notification_id)
        if notification.emailed_at is not None or not notification.email_wanted:
            return notification
        if not notification.recipient.email or not notification.recipient.is_active:
            notification.email_failed_at = timezone.now()
            notification.email_error = f"{NOT_SENT}: the person has no email address or their account is closed."
            notification.save(update_fields=["email_failed_at", "email_error"])
            return notification
        notification.email_attempts += 1
        try:
            notification_message(notification).send()
        except OSError as exc:  # smtplib's errors included; EMAIL_TIMEOUT bounds the wait
            failure = exc
            notification.email_failed_at = timezone.now()
            notification.email_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            notification.save(update_fields=["email_attempts", "email_failed_at", "email_error"])
        else:
            notification.emailed_at = timezone.now()
            notification.email_error = ""
            notification.save(update_fields=["email_attempts", "emailed_at", "email_error"])
            return notification
    log.warning("Notification %s not emailed: %s", notification_id, failure)
    raise EmailFailed(str(failure)) from failure


def notifications_unsent(*, older_than: timedelta | None = None, max_attempts: int = EMAIL_MAX_ATTEMPTS) -> list[int]:
    """Rows whose email is wanted and not sent, for the sweep that queues them again (a lost task, a worker killed
    mid-send, a mail server that never answered). By default those older than EMAIL_SEND_LEASE, the longest one send
    may take: a row still being sent is locked, so its second task waits, then finds it sent."""
    cutoff = timezone.now() - (older_than or timedelta(seconds=settings.EMAIL_SEND_LEASE))
    return list(
        Notification.objects.filter(
            email_wanted=True, emailed_at__isnull=True, created_at__lt=cutoff, email_attempts__lt=max_attempts
        )
        .exclude(email_error__startswith=NOT_SENT)
        .values_list("pk", flat=True)[:500]
    )


# Errors in the words of the person who has to act on them; the technical text is kept beside it.
_PLAIN_ERRORS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("SMTPRecipientsRefused", "SMTPSenderRefused"), "The mail server refused the email address."),
    (("SMTPAuthenticationError",), "The mail server would not accept the portal's sign-in details."),
    (
        ("ConnectionRefusedError", "SMTPConnectError", "SMTPServerDisconnected", "gaierror", "ConnectionError"),
        "The portal could not reach the mail server.",
    ),
    (("TimeoutError", "timeout"), "The mail server took too long to answer."),
)


def plain_error(error: str) -> str:
    """What went wrong, in plain words, from the error recorded on the row (pure)."""
    if error.startswith(NOT_SENT):
        return "The person has no email address, or their account is closed. Add an address in the admin first."
    name = error.split(":", 1)[0].strip()
    if error.endswith("timed out"):  # smtplib reports a greeting that never came as a disconnection
        name = "TimeoutError"
    for names, words in _PLAIN_ERRORS:
        if name in names:
            return words
    return "The mail server could not send it." if error else "It was not sent, and no reason was recorded."
