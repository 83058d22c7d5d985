"""Background jobs for the dataset app. Thin: each calls one service and is safe to run twice."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from . import catalogue_services, dataset_services, reminders


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def ensure_next_period() -> list[str]:
    """Daily: the current quarter and the next exist, with default dates. Returns the labels it created."""
    created = catalogue_services.period_ensure_upcoming(today=timezone.localdate())
    return [period.label for period in created]


@shared_task(
    bind=True,
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


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def build_dataset(trigger: str = "") -> str:
    """Build the Partnership Neglect Dataset from accepted returns. Idempotent: the same inputs give the
    same snapshot. Queued a few seconds after an accept or reopen, and nightly. Returns the content hash."""
    reasons = dataset_services.build_request_take()
    snapshot = dataset_services.dataset_build(trigger=trigger or reasons.replace("\n", "; ") or "scheduled")
    return snapshot.content_hash
