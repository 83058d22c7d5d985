"""Background jobs for the dataset app. Thin: each calls one service and is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import catalogue_services


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def ensure_next_period() -> list[str]:
    """Daily: the current quarter and the next exist, with default dates. Returns the labels it created."""
    created = catalogue_services.period_ensure_upcoming(today=timezone.localdate())
    return [period.label for period in created]
