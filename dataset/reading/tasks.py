"""Background jobs for the reading side: a large export prepared as a file, and the daily sweep of old ones.
Thin: each calls one service and is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from . import export_jobs

# About four times the large scale's two minutes, and under the broker's 15-minute visibility timeout with room
# (settings: CELERY_BROKER_TRANSPORT_OPTIONS), so a job still running is never handed to a second worker.
EXPORT_SOFT_TIME_LIMIT = 420
EXPORT_TIME_LIMIT = 480


@shared_task(
    name="dataset.tasks.build_export",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=EXPORT_SOFT_TIME_LIMIT,
    time_limit=EXPORT_TIME_LIMIT,
)
def build_export(job_id: int) -> str:
    """Prepare one export job's file. Idempotent: a complete job is left alone. Returns its status."""
    job = export_jobs.export_job_build(job_id=job_id)
    return job.status if job is not None else "deleted"


@shared_task(
    name="dataset.tasks.delete_old_exports",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=180,
)
def delete_old_exports() -> int:
    """Daily: delete export files past their retention period, and leftovers no job names."""
    return export_jobs.exports_delete_old()
