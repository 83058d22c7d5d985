"""Background jobs for the build. Thin: each calls one service and is safe to run twice.

The task name is the wire name that queued messages and the beat schedule carry (neglect_portal/schedules.py), so
it stays as it was when every dataset task lived in one module.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from neglect_portal import jobs

from . import pruning, services

BUILD_SOFT_TIME_LIMIT = 240
BUILD_TIME_LIMIT = 300


@shared_task(
    bind=True,
    name="dataset.tasks.build_dataset",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=BUILD_SOFT_TIME_LIMIT,
    time_limit=BUILD_TIME_LIMIT,
    max_retries=len(jobs.RETRY_COUNTDOWNS),
)
def build_dataset(self, trigger: str = "") -> str:
    """Build the Partnership Neglect Dataset from accepted returns. Idempotent: the same inputs give the
    same snapshot. Queued a few seconds after an accept or reopen, and nightly. Returns the content hash.

    A failed build (recorded as a failed snapshot for the analyst) is tried again on a fresh connection after 30,
    60 and 120 seconds; the last failure stays on the dataset page. In the embedded run there is no worker to wait
    for, so it is not retried."""
    reasons = services.build_request_take()
    trigger = trigger or reasons.replace("\n", "; ") or "scheduled"
    try:
        snapshot = services.dataset_build(trigger=trigger)
    except Exception as error:
        countdown = None if self.request.is_eager else jobs.retry_countdown(self.request.retries)
        if countdown is None:
            services.build_request_finish()
            raise
        services.build_request_retry(due=timezone.now() + timedelta(seconds=countdown), reason=f"retry of {trigger}")
        raise self.retry(exc=error, countdown=countdown, kwargs={"trigger": trigger}) from error
    services.build_request_finish()
    return snapshot.content_hash


@shared_task(name="dataset.tasks.prune_snapshots", acks_late=True, soft_time_limit=240, time_limit=300)
def prune_snapshots() -> int:
    """Nightly: prune old unpublished snapshots by the documented policy (`build.pruning`). Returns how many
    snapshots went. Safe to run twice: a second run finds nothing more to prune."""
    return len(pruning.snapshots_prune().snapshots)
