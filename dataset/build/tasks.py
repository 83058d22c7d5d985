"""Background jobs for the build. Thin: each calls one service and is safe to run twice.

The task name is the wire name that queued messages and the beat schedule carry (neglect_portal/schedules.py), so
it stays as it was when every dataset task lived in one module.
"""

from __future__ import annotations

from celery import shared_task

from . import pruning, services


@shared_task(
    name="dataset.tasks.build_dataset", acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300
)
def build_dataset(trigger: str = "") -> str:
    """Build the Partnership Neglect Dataset from accepted returns. Idempotent: the same inputs give the
    same snapshot. Queued a few seconds after an accept or reopen, and nightly. Returns the content hash."""
    reasons = services.build_request_take()
    snapshot = services.dataset_build(trigger=trigger or reasons.replace("\n", "; ") or "scheduled")
    return snapshot.content_hash


@shared_task(name="dataset.tasks.prune_snapshots", acks_late=True, soft_time_limit=240, time_limit=300)
def prune_snapshots() -> int:
    """Nightly: prune old unpublished snapshots by the documented policy (`build.pruning`). Returns how many
    snapshots went. Safe to run twice: a second run finds nothing more to prune."""
    return len(pruning.snapshots_prune().snapshots)
