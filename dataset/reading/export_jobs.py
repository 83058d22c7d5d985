"""Large dataset downloads prepared in the background: the workbook a reader may see, written by a job into the
default storage, then downloaded from there. Services (the job's work, the retention sweep) and the reads the
pages need; asking for a job is `export_requests`, which enqueues `tasks.build_export`.

Why a job: at the large scale (240,900 agency figures) openpyxl alone takes about two minutes to write the Data
sheet's 3 million cells, far past a web server's 30-60 s timeout. A snapshot small enough is still a direct
download (`export_in_background`).

What a file holds is decided by the reader's scope, never by who asked first: every partnership reader gets every
agency's rows ("all"), an agency lead only their own agency's ("agency:<short name>"), exactly as the direct
download scopes them (`selectors.visible_agency_rows`). A job is read only by someone of its scope who may read its
snapshot; anyone else gets a 404.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import IO

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import Http404
from django.utils import timezone

from agencies import access
from agencies.models import User
from dataset.models import DatasetSnapshot, ExportJob, ExportStatus
from neglect_portal import jobs

from . import exports, selectors

log = logging.getLogger(__name__)

EXPORTS_DIR = "exports"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALL, NONE, AGENCY = "all", "none", "agency:"
# The broker redelivers a lost job's message after its visibility timeout (15 minutes); a queued or running job
# that has said nothing for that long is lost, and asking again starts it again.
STALE_AFTER = timedelta(minutes=15)
# A file in exports/ that no job names is a leftover (a worker that died while storing it, a job or snapshot
# deleted since): the daily sweep deletes it once it is this old, so a job storing its file now is never touched.
ORPHAN_AFTER = timedelta(hours=1)
PROGRESS_EVERY = 2  # per cent: how often the job writes its progress while the Data sheet is written

Progress = Callable[[int, str], None]


# --- scope ---------------------------------------------------------------------------------------------------------
def scope_of(user: User) -> str:
    """The reader scope of `user`'s files: "all", "agency:<short name>" or "none"."""
    rows = selectors.visible_agency_rows(user)
    if rows is None:
        return ALL
    return AGENCY + next(iter(rows)) if rows else NONE


def agency_rows_of(scope: str) -> frozenset[str] | None:
    """The agencies whose own rows a file of `scope` holds: None for all (see `exports.dataset_workbook`)."""
    if scope == ALL:
        return None
    if scope.startswith(AGENCY):
        return frozenset({scope.removeprefix(AGENCY)})
    return frozenset()


# --- size -----------------------------------------------------------------------------------------------------------
def export_rows(snapshot: DatasetSnapshot) -> int:
    """How many agency-figure rows the snapshot's workbook holds at most: every supplier of every indicator in every
    quarter. From the snapshot's meta, so deciding costs no query; the partnership rows add one per supplier-less
    indicator-quarter at most, which never changes the decision."""
    meta = snapshot.meta or {}
    suppliers = sum(len(indicator.get("suppliers") or ()) for indicator in meta.get("indicators", []))
    return suppliers * len(set(meta.get("quarters", [])))


def export_in_background(snapshot: DatasetSnapshot) -> bool:
    """The workbook is too large to write within a request (DATASET_EXPORT_INLINE_ROWS)."""
    return export_rows(snapshot) > settings.DATASET_EXPORT_INLINE_ROWS


def download_name(snapshot: DatasetSnapshot, fmt: str = "xlsx") -> str:
    """The same name whether the file comes straight from the request or from a job."""
    return f"neglect-dataset-{timezone.localtime(snapshot.built_at):%Y-%m-%d-%H%M}.{fmt}"


# --- the workbook ---------------------------------------------------------------------------------------------------
def _reporting(groups: Iterable[exports.Group], total: int, progress: Progress) -> Iterator[exports.Group]:
    """The groups as they pass, telling `progress` every PROGRESS_EVERY per cent of the Data sheet (5-90%)."""
    told = -PROGRESS_EVERY
    for done, group in enumerate(groups):
        percent = 5 + 85 * done // max(total, 1)
        if percent - told >= PROGRESS_EVERY:
            progress(percent, f"Writing the Data sheet: {done:,} of {total:,} indicator-quarters")
            told = percent
        yield group


def write_workbook(
    snapshot: DatasetSnapshot,
    *,
    agency_rows: frozenset[str] | None,
    out: IO[bytes],
    progress: Progress | None = None,
) -> None:
    """The dataset workbook of `snapshot` with the own rows of `agency_rows` (None: every agency's) into `out`:
    the direct download and the job write the same file. The agencies' figures stream from the database."""
    data = selectors.export_figures(snapshot)
    groups: Iterable[exports.Group] = selectors.contribution_groups(
        snapshot, indicators=data["indicators"], quarters=data["quarters"]
    )
    if progress is not None:
        total = len(data["indicators"]) * len(set(data["quarters"]))
        groups = _reporting(groups, total, progress)
    built = timezone.localtime(snapshot.built_at)
    workbook = exports.dataset_workbook(
        snapshot_label=f"Partnership Neglect Dataset as at {built:%d %B %Y}",
        built_at=f"{built:%d %B %Y %H:%M}",
        indicators=data["indicators"],
        quarters=data["quarters"],
        values=data["values"],
        groups=groups,
        comparisons=data["comparisons"],
        spc=data["spc"],
        themes=data["themes"],
        agencies=data["agencies"],
        agency_rows=agency_rows,
    )
    if progress is not None:
        progress(90, "Saving the workbook")
    workbook.save(out)


# --- reads for the pages --------------------------------------------------------------------------------------------
def job_current(*, user: User, snapshot: DatasetSnapshot, fmt: str = "xlsx") -> ExportJob | None:
    """The job of `user`'s scope for a snapshot they may read (the caller fetched it through a selector)."""
    return ExportJob.objects.filter(snapshot=snapshot, scope=scope_of(user), fmt=fmt).first()


def job_for_read(*, user: User, pk: int) -> ExportJob:
    """A job `user` may read: of their own scope, on a snapshot they may read. Anyone else: a 404."""
    readable = selectors.snapshots_readable(user=user).values("pk")
    # Another scope's job is a refusal, written to the access log (access.OutOfScope); an id that names nothing
    # is a plain 404.
    jobs_in_scope = ExportJob.objects.select_related("snapshot").filter(scope=scope_of(user), snapshot__in=readable)
    return access.get_in_scope(jobs_in_scope, user, pk=pk, agency_field="")


def is_stale(job: ExportJob, *, now: datetime | None = None) -> bool:
    """Queued or running, with no news for longer than the broker takes to give a lost job to another worker."""
    active = job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
    return active and job.updated_at < (now or timezone.now()) - STALE_AFTER


def needs_run(job: ExportJob) -> bool:
    """Asking again starts this job again: it failed, it was lost, or its file has gone from the storage."""
    if job.status == ExportStatus.FAILED or is_stale(job):
        return True
    return job.status == ExportStatus.COMPLETE and not (job.file_name and default_storage.exists(job.file_name))


def open_file(job: ExportJob) -> IO[bytes]:
    if job.status != ExportStatus.COMPLETE or not job.file_name:
        raise Http404("This export is not ready")
    try:
        return default_storage.open(job.file_name, "rb")
    except FileNotFoundError as gone:
        raise Http404("This export's file has been deleted; prepare it again") from gone


# --- the job --------------------------------------------------------------------------------------------------------
def _say(job_id: int, **fields: object) -> None:
    """Progress, committed at once (the job runs outside any transaction) so the polling page sees it."""
    ExportJob.objects.filter(pk=job_id).exclude(status=ExportStatus.COMPLETE).update(
        updated_at=timezone.now(), **fields
    )


def _digest(body: IO[bytes]) -> tuple[int, str]:
    body.seek(0)
    sha, size = hashlib.sha256(), 0
    while chunk := body.read(1024 * 1024):
        sha.update(chunk)
        size += len(chunk)
    body.seek(0)
    return size, sha.hexdigest()


def failure_text(exc: BaseException) -> str:
    """What the reader is told, under "The workbook could not be prepared"."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return "It took longer than the time a job is given. Try again; if it fails again, tell the analyst."
    return f"{exc.__class__.__name__}: {exc}"


def export_job_build(*, job_id: int) -> ExportJob | None:
    """Prepare one job's file. Idempotent: a complete job is left alone; a queued, running (a redelivery after a
    lost worker) or failed one is written again from the start. A failure is recorded on the job, not raised.

    The workbook is written to a local temporary file first and stored under its final name only once whole; the
    row names the stored file only after that, so a download never meets a partial file. Returns None when the job
    was deleted meanwhile (its snapshot pruned)."""
    job = ExportJob.objects.select_related("snapshot").filter(pk=job_id).first()
    if job is None or job.status == ExportStatus.COMPLETE:
        return job
    if job.status == ExportStatus.RUNNING and not is_stale(job):  # a live worker has it (a second message): leave it
        return job
    _say(job_id, status=ExportStatus.RUNNING, progress=1, step="Reading the dataset", error="")
    try:
        with tempfile.TemporaryFile() as body:
            write_workbook(
                job.snapshot,
                agency_rows=agency_rows_of(job.scope),
                out=body,
                progress=lambda percent, step: _say(job_id, progress=percent, step=step),
            )
            _say(job_id, progress=97, step="Storing the file")
            size, sha256 = _digest(body)
            stem = f"dataset-{job.snapshot_id}-{job.fmt}-{job_id}-{secrets.token_hex(6)}"
            name = default_storage.save(f"{EXPORTS_DIR}/{stem}.{job.fmt}", File(body, name=f"{stem}.{job.fmt}"))
    except Exception as exc:  # recorded for the person who asked, whatever went wrong (a time limit too)
        log.exception("Export job %s failed", job_id)
        jobs.fresh_connection()  # a cut connection would lose the failure too
        _say(job_id, status=ExportStatus.FAILED, step="Failed", error=failure_text(exc)[:2000])
        return ExportJob.objects.filter(pk=job_id).first()
    with transaction.atomic():
        locked = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if locked is None or locked.status == ExportStatus.COMPLETE:  # deleted, or another delivery finished first
            transaction.on_commit(lambda: default_storage.delete(name))
            return locked
        locked.file_name, locked.size, locked.sha256 = name, size, sha256
        locked.status, locked.progress, locked.step, locked.error = ExportStatus.COMPLETE, 100, "Ready", ""
        locked.finished_at = locked.updated_at = timezone.now()
        locked.save()
    return locked


# --- retention ------------------------------------------------------------------------------------------------------
def exports_delete_old(*, now: datetime | None = None) -> int:
    """Delete jobs (and so their files) with no news for DATASET_EXPORT_RETENTION_DAYS, and files in exports/ that
    no job names, once an hour old. A deleted job is simply prepared again when someone asks. Returns how many
    jobs and leftover files went."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DATASET_EXPORT_RETENTION_DAYS)
    with transaction.atomic():
        deleted, _ = ExportJob.objects.filter(updated_at__lt=cutoff).delete()  # files go on commit (`_delete_file`)
    try:
        _, names = default_storage.listdir(EXPORTS_DIR)
    except FileNotFoundError:
        return deleted
    named = set(ExportJob.objects.exclude(file_name="").values_list("file_name", flat=True))
    for base in names:
        path = f"{EXPORTS_DIR}/{base}"
        if path not in named and default_storage.get_modified_time(path) < now - ORPHAN_AFTER:
            default_storage.delete(path)
            deleted += 1
    return deleted


@receiver(post_delete, sender=ExportJob, dispatch_uid="export_job_file")
def _delete_file(sender: type[ExportJob], instance: ExportJob, **kwargs: object) -> None:
    """A job's file goes with it, however the row goes (the retention sweep, or its snapshot pruned), once that
    commits: a rolled-back delete keeps the file its row still names."""
    if instance.file_name:
        name = instance.file_name
        transaction.on_commit(lambda: default_storage.delete(name))
