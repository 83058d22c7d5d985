"""A real Celery worker prepares a large export: the page's ask is queued through the broker, the worker writes the
file into the shared storage with its progress committed as it goes, and the reader downloads it.

Runs with CELERY_BROKER_URL and PostgreSQL (DATABASE_URL) set, and skips otherwise (see tests/conftest.py)."""

from __future__ import annotations

import hashlib
import time

import pytest
from django.urls import reverse

from agencies.models import User
from dataset.models import ExportJob, ExportStatus
from dataset.reading import export_requests, tasks
from tests.dataset.reading.test_export_streams import body, demo_snapshot, xlsx_cells

__all__ = ["demo_snapshot"]  # a fixture, used by name


@pytest.fixture
def media(tmp_path):
    return tmp_path / "media"


@pytest.fixture
def celery_worker_env(media):
    # The worker and this process share the storage, as web and worker processes do in production.
    return {"MEDIA_ROOT": str(media), "DATASET_EXPORT_INLINE_ROWS": "0"}


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_prepares_the_workbook_the_reader_downloads(
    client, settings, media, celery_worker, demo_snapshot, monkeypatch
):
    settings.MEDIA_ROOT = media
    settings.DATASET_EXPORT_INLINE_ROWS = 0

    class OnTheTestQueue:
        name = tasks.build_export.name

        @staticmethod
        def apply_async(*, args, kwargs=None, **options):
            return tasks.build_export.apply_async(args=args, kwargs=kwargs, queue=celery_worker, **options)

    monkeypatch.setattr(export_requests, "build_export", OnTheTestQueue)
    lead = User.objects.get(username="csc.lead")
    client.force_login(lead)
    page = reverse("dataset:dataset_export_job", args=[demo_snapshot.pk])
    assert client.post(page).status_code == 302
    job = ExportJob.objects.get(snapshot=demo_snapshot)
    deadline = time.monotonic() + 120
    seen = set()
    while True:
        current = ExportJob.objects.get(pk=job.pk)
        seen.add(current.status)
        if current.status in (ExportStatus.COMPLETE, ExportStatus.FAILED):
            break
        if time.monotonic() > deadline:
            pytest.fail(f"the export did not finish: {current.status} {current.progress}% {current.step}")
        time.sleep(0.2)
    assert current.status == ExportStatus.COMPLETE, current.error
    assert seen & {ExportStatus.QUEUED, ExportStatus.RUNNING}  # the ask returned before the file was made
    response = client.get(reverse("dataset:export_job_download", args=[job.pk]))
    content = body(response)
    assert response.status_code == 200 and hashlib.sha256(content).hexdigest() == current.sha256
    settings.DATASET_EXPORT_INLINE_ROWS = 10**9
    direct = body(client.get(reverse("dataset:dataset_export", args=[demo_snapshot.pk, "xlsx"])))
    assert xlsx_cells(content) == xlsx_cells(direct)
    # Asked again, the finished file is reused; run again (a redelivery), the job is left alone.
    assert client.post(page).status_code == 302
    assert tasks.build_export.apply_async(args=[job.pk], queue=celery_worker).get(timeout=60) == ExportStatus.COMPLETE
    assert ExportJob.objects.get(pk=job.pk).file_name == current.file_name
