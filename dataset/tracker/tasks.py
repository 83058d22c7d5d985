"""Background jobs for the tracker. Thin: each calls one service and is safe to run twice.

Task names are the wire names that queued messages and the beat schedules carry (neglect_portal/schedules.py), so
they stay as they were when every dataset task lived in one module.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from . import services as reminders


@shared_task(
    bind=True,
    name="dataset.tasks.send_scheduled_reminders",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=360,
    max_retries=3,
    default_retry_delay=5 * 60,  # well inside the broker visibility timeout (settings.py)
)
def send_scheduled_reminders(self, today: str | None = None) -> dict[str, list[str]]:
    """Daily: today's reminders to agencies that have not submitted, and the analyst's Monday digest.

    `today` (ISO date) is for tests and retries; by default the day it runs. Each reminder is recorded before it
    is sent, so running it again the same day (a retry, a second beat) sends nothing twice.
    """
    day = date.fromisoformat(today) if today else timezone.localdate()
    outcome = reminders.reminders_send_scheduled(today=day)
    if outcome.failed:
        # The failed ones gave up their claims: a retry for the same day sends just those.
        raise self.retry(kwargs={"today": day.isoformat()})
    return outcome.as_dict()
