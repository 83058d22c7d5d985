"""Background jobs for notifications. Thin: ids in, one service each, safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from neglect_portal import jobs

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
        jobs.queue_now(send_notification_email, args=(pk,))
    return len(ids)


def notifications_sweep() -> int:
    """For the minute sweep (`neglect_portal.tasks.sweep_jobs`): queue again every wanted email no worker has tried
    a minute after it was made (the broker was down when it was asked for). Tried ones retry on their own, and
    `send_unsent_notification_emails` catches those it lost. Sending is once only, so a second message is harmless."""
    ids = sending.notifications_unsent(older_than=timedelta(minutes=1), max_attempts=1)
    for pk in ids:
        jobs.queue_now(send_notification_email, args=(pk,))
    return len(ids)
