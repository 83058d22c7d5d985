"""Background jobs for evidence packs. Thin: each calls one service and is safe to run twice.

The task name is the wire name queued messages carry, so it stays as it was before packs had a package."""

from __future__ import annotations

from celery import shared_task

from neglect_portal import jobs

from . import services as pack_services


# The limits sit well above a large partnership's build (about a minute on 2 busy cores for the gather, charts and
# PDF, plus the workbook: over two minutes more until it is written in write-only mode), so a slow day is not a
# failure; stored.STALE_SECONDS is longer than the hard limit.
@shared_task(
    bind=True,
    name="scrutiny.tasks.build_pack",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=pack_services.PACK_SOFT_TIME_LIMIT,
    time_limit=pack_services.PACK_TIME_LIMIT,
    max_retries=len(jobs.RETRY_COUNTDOWNS),
)
def build_pack(self, pack_id: int) -> str:
    """Build one evidence pack. Idempotent: a pack already complete is left alone. Returns its status. A failure
    that may pass is tried again with backoff (not in the embedded run, which has no worker to wait for)."""
    retries = None if self.request.is_eager else self.request.retries
    try:
        return pack_services.pack_build(pack_id=pack_id, task_id=self.request.id or "", retries=retries).status
    except pack_services.PackRetry as retry:
        raise self.retry(exc=retry.error, countdown=retry.countdown) from retry.error
