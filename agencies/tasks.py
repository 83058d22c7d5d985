from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def clear_expired_sessions() -> int:
    """Nightly housekeeping: idle sessions end after 30 minutes, and their rows go here."""
    return services.sessions_clear_expired()
