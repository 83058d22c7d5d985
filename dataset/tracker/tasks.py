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
    name="dataset.tasks.send_scheduled_reminders",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=360,
)
def send_scheduled_reminders(today: str | None = None) -> dict[str, list[str]]:
    """Daily: today's reminders to agencies that have not submitted, and the analyst's Monday digest.

    `today` (ISO date) is for tests; by default the day it runs. Each reminder is recorded before it is sent, so
    running it again the same day (a redelivery, a second beat) sends nothing twice; one the mail server did not
    take stays recorded unsent, and the sweep below sends it.
    """
    day = date.fromisoformat(today) if today else timezone.localdate()
    return reminders.reminders_send_scheduled(today=day).as_dict()


@shared_task(
    name="dataset.tasks.send_unsent_reminders",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=360,
)
def send_unsent_reminders() -> dict[str, list[str]]:
    """Every SWEEP_EVERY_MINUTES: reminders the mail server has not taken (it failed or never answered, the worker
    died mid-send), sent again once their attempt is over; each claimed first, so none goes twice."""
    return reminders.reminders_send_unsent().as_dict()
