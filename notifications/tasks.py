"""Background jobs for notifications. Thin: ids in, one service each, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from . import sending


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    max_retries=5,
    default_retry_delay=5 * 60,  # well inside the broker visibility timeout (settings.py)
)
def send_notification_email(self, notification_id: int) -> str:
    try:
        notification = sending.notification_email_send(notification_id=notification_id)
    except sending.EmailFailed as exc:
        # Recorded on the row already; the retry finds it unsent and tries again, or finds it sent and stops.
        raise self.retry(exc=exc) from exc
    return "sent" if notification.emailed_at else "not sent"


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def send_unsent_notification_emails() -> int:
    """The sweep: queue again every wanted email that no task sent (a lost message, a worker that died)."""
    ids = sending.notifications_unsent()
    for pk in ids:
        send_notification_email.delay(pk)
    return len(ids)
