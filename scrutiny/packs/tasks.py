"""Background jobs for evidence packs. Thin: each calls one service and is safe to run twice.

The task name is the wire name queued messages carry, so it stays as it was before packs had a package."""

from __future__ import annotations

from celery import shared_task

from . import services as pack_services


# The limits sit well above a large partnership's build (about a minute on 2 busy cores for the gather, charts and
# PDF, plus the workbook: over two minutes more until it is written in write-only mode), so a slow day is not a
# failure; stored.STALE_SECONDS is longer than the hard limit.
@shared_task(
    name="scrutiny.tasks.build_pack", acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660
)
def build_pack(pack_id: int) -> str:
    """Build one evidence pack. Idempotent: a pack already complete is left alone. Returns its status."""
    return pack_services.pack_build(pack_id=pack_id).status
