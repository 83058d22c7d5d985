"""Background jobs for the catalogue. Thin: each calls one service and is safe to run twice.

Task names are the wire names that queued messages and the beat schedules carry (neglect_portal/schedules.py), so
they stay as they were when every dataset task lived in one module.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(
    name="dataset.tasks.ensure_next_period",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def ensure_next_period() -> list[str]:
    """Daily: the current quarter and the next exist, with default dates. Returns the labels it created."""
    created = services.period_ensure_upcoming(today=timezone.localdate())
    return [period.label for period in created]
