"""Background jobs for evidence packs. Thin: each calls one service and is safe to run twice.

The task name is the wire name queued messages carry, so it stays as it was before packs had a package."""

from __future__ import annotations

from celery import shared_task

from . import services as pack_services


@shared_task(
    name="scrutiny.tasks.build_pack", acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300
)
def build_pack(pack_id: int) -> str:
    """Build one evidence pack. Idempotent: a pack already complete is left alone. Returns its status."""
    return pack_services.pack_build(pack_id=pack_id).status
