"""Asking for a large export: the reader's job for the snapshot, queued once the ask commits unless it is already
queued, running or done. The page asks here; the worker prepares the file (`tasks.build_export` ->
`export_jobs.export_job_build`). This module sits above `tasks`, which sits above `export_jobs`, so the three never
import each other in a circle."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from agencies.models import User
from dataset.models import DatasetSnapshot, ExportJob, ExportStatus
from neglect_portal import jobs

from . import export_jobs
from .tasks import build_export

WAITING = "Waiting for a worker to start"


def export_request(*, snapshot: DatasetSnapshot, acting_user: User, fmt: str = "xlsx") -> ExportJob:
    """The job of `acting_user`'s scope for `snapshot` (which the caller fetched through a selector, so the user may
    read it). Idempotent: a job queued, running or complete is returned as it is, since a snapshot never changes
    and the file is the same for everyone of that scope; a failed or lost one, or one whose file has gone, is queued
    again. Without a broker the job runs as this commits, so the page the user lands on shows it done."""
    scope = export_jobs.scope_of(acting_user)
    with transaction.atomic():
        job, created = ExportJob.objects.get_or_create(
            snapshot=snapshot, scope=scope, fmt=fmt, defaults={"requested_by": acting_user, "step": WAITING}
        )
        job = ExportJob.objects.select_for_update().get(pk=job.pk)
        if not created:
            if not export_jobs.needs_run(job):
                return job
            now = timezone.now()
            ExportJob.objects.filter(pk=job.pk).update(
                status=ExportStatus.QUEUED,
                progress=0,
                step=WAITING,
                error="",
                file_name="",
                size=None,
                sha256="",
                requested_by=acting_user,
                requested_at=now,
                updated_at=now,
                finished_at=None,
            )
        job_id = job.pk
        jobs.queue_on_commit(build_export, args=(job_id,))
    return ExportJob.objects.select_related("snapshot").get(pk=job_id)


def exports_sweep() -> int:
    """Every minute (beat): queue again each job still queued a minute after it was asked for (the broker was down,
    or its message was lost), and each one running that has said nothing for longer than a lost job takes to show
    (`export_jobs.STALE_AFTER`). Touching `updated_at` leaves the job to this message for the next minute. Returns
    the jobs queued."""
    now = timezone.now()
    queued = 0
    with transaction.atomic():
        waiting = ExportJob.objects.select_for_update(skip_locked=True).filter(
            status__in=(ExportStatus.QUEUED, ExportStatus.RUNNING), updated_at__lt=now - jobs.UNTAKEN_AFTER
        )
        for job in waiting:
            if job.status == ExportStatus.RUNNING and not export_jobs.is_stale(job, now=now):
                continue
            ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.QUEUED, step=WAITING, updated_at=now)
            jobs.queue_on_commit(build_export, args=(job.pk,))
            queued += 1
    return queued
