"""A pack's files are files in storage, not rows: written whole or not at all, named on the row only once complete,
swept when a killed build left a partial, streamed on download, and in object storage when that is configured."""

from __future__ import annotations

import hashlib
import io
import os
import time
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from scrutiny.models import EvidencePack, PackStatus
from scrutiny.packs import files as packs
from scrutiny.packs import services as pack_services
from scrutiny.packs import stored


class Killed(BaseException):
    """What a worker killed mid-write looks like from inside: nothing after it runs, no handler catches it."""


def media(settings) -> Path:
    return Path(settings.MEDIA_ROOT)


def event_files(settings, pack) -> list[str]:
    folder = media(settings) / "packs" / f"event-{pack.event_id}"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def partials(settings) -> list[Path]:
    folder = media(settings) / stored.PARTIAL
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_the_zip_and_its_pdf_are_files_under_media_and_the_row_keeps_their_digests(settings, pack):
    done = pack_services.pack_build(pack_id=pack.pk)
    assert done.status == PackStatus.COMPLETE, done.error
    assert "content" not in {f.name for f in EvidencePack._meta.get_fields()}  # nothing of the ZIP in the table
    assert done.file.name == f"packs/event-{pack.event_id}/evidence-pack-{pack.pk}-v1.zip"
    assert done.pdf.name == f"packs/event-{pack.event_id}/evidence-pack-{pack.pk}-v1.pdf"
    zipped = (media(settings) / done.file.name).read_bytes()
    pdf = (media(settings) / done.pdf.name).read_bytes()
    assert done.sha256 == hashlib.sha256(zipped).hexdigest() and done.size == len(zipped)
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        assert archive.read(packs.PDF_NAME) == pdf
    assert done.pdf_sha256 == hashlib.sha256(pdf).hexdigest() and done.pdf_size == len(pdf)
    assert partials(settings) == []  # nothing left half-way


def test_a_file_appears_under_its_name_only_once_it_is_whole(settings, pack):
    seen = []
    real_fsync = os.fsync

    def fsync(fd):  # the bytes are written, not yet renamed into place
        seen.append((event_files(settings, pack), [p.stat().st_size for p in partials(settings)]))
        real_fsync(fd)

    with mock.patch.object(stored.os, "fsync", side_effect=fsync):
        done = pack_services.pack_build(pack_id=pack.pk)
    assert done.status == PackStatus.COMPLETE, done.error
    (zip_files, zip_partial), (pdf_files, pdf_partial) = seen
    assert zip_files == [] and zip_partial == [done.size]  # the ZIP, whole, only in .partial
    assert pdf_files == [Path(done.file.name).name] and pdf_partial == [done.pdf_size]
    assert event_files(settings, pack) == sorted([Path(done.file.name).name, Path(done.pdf.name).name])


def test_a_build_killed_mid_write_leaves_no_file_and_the_redelivery_builds_the_pack(settings, pack):
    with mock.patch.object(stored.os, "fsync", side_effect=Killed), pytest.raises(Killed):
        pack_services.pack_build(pack_id=pack.pk)
    left = EvidencePack.objects.get(pk=pack.pk)
    assert left.status == PackStatus.BUILDING and not left.file and not left.pdf  # as a lost worker leaves it
    assert event_files(settings, pack) == []
    # A partial left by a build killed outright (SIGKILL: not even a finally runs), long enough ago to be dead.
    dead = media(settings) / stored.PARTIAL / "pack-dead.partial"
    dead.write_bytes(b"PK\x03\x04 half a zip")
    long_ago = time.time() - stored.STALE_SECONDS - 60
    os.utime(dead, (long_ago, long_ago))
    done = pack_services.pack_build(pack_id=pack.pk)  # the broker redelivers (acks_late, reject_on_worker_lost)
    assert done.status == PackStatus.COMPLETE, done.error
    assert not dead.exists() and partials(settings) == []
    assert event_files(settings, pack) == sorted([Path(done.file.name).name, Path(done.pdf.name).name])


def test_a_failed_build_keeps_no_file(settings, pack):
    with mock.patch.object(packs, "zip_bytes", side_effect=RuntimeError("disk full")):
        failed = pack_services.pack_build(pack_id=pack.pk)
    assert failed.status == PackStatus.FAILED and "disk full" in failed.error
    assert event_files(settings, pack) == [] and partials(settings) == []
    with mock.patch.object(pack_services, "_complete", side_effect=RuntimeError("database gone")):
        failed = pack_services.pack_build(pack_id=pack.pk)
    assert failed.status == PackStatus.FAILED and "database gone" in failed.error
    assert event_files(settings, pack) == []  # the ZIP and the PDF it wrote are deleted: no row names them


def test_a_delivery_that_finishes_second_deletes_its_own_files_and_keeps_the_first(settings, pack):
    first = pack_services.pack_build(pack_id=pack.pk)
    late_zip = stored.save_whole(first.file.name, b"another delivery's zip")
    late_pdf = stored.save_whole(first.pdf.name, b"another delivery's pdf")
    assert late_zip.name != first.file.name  # the storage gave it a free name
    kept = pack_services._complete(pack.pk, late_zip, late_pdf)
    assert (kept.file.name, kept.sha256) == (first.file.name, first.sha256)
    assert not default_storage.exists(late_zip.name) and not default_storage.exists(late_pdf.name)
    assert default_storage.exists(first.file.name) and default_storage.exists(first.pdf.name)


def test_downloads_stream_from_storage(client, scrutineer, pack):
    done = pack_services.pack_build(pack_id=pack.pk)
    client.force_login(scrutineer)
    response = client.get(reverse("scrutiny:pack_download", args=[pack.pk]))
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body) == done.size
    assert hashlib.sha256(body).hexdigest() == done.sha256


def test_a_file_gone_from_storage_is_a_404_not_a_crash(client, scrutineer, pack):
    done = pack_services.pack_build(pack_id=pack.pk)
    default_storage.delete(done.pdf.name)
    client.force_login(scrutineer)
    assert client.get(reverse("scrutiny:pack_pdf", args=[pack.pk])).status_code == 404
    assert client.get(reverse("scrutiny:pack_download", args=[pack.pk])).status_code == 200


def test_object_storage_when_configured_takes_the_files(settings, client, scrutineer, pack):
    """Whatever STORAGES["default"] names holds the files (here Django's in-memory storage, standing in for S3)."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    done = pack_services.pack_build(pack_id=pack.pk)
    assert done.status == PackStatus.COMPLETE, done.error
    assert default_storage.exists(done.file.name) and default_storage.exists(done.pdf.name)
    assert event_files(settings, pack) == [] and partials(settings) == []  # nothing on the file system
    client.force_login(scrutineer)
    body = b"".join(client.get(reverse("scrutiny:pack_download", args=[pack.pk])).streaming_content)
    assert hashlib.sha256(body).hexdigest() == done.sha256


def test_fresh_partials_of_a_live_build_are_not_swept(settings):
    folder = media(settings) / stored.PARTIAL
    folder.mkdir(parents=True)
    live = folder / "pack-live.partial"
    live.write_bytes(b"being written")
    assert stored.sweep_partials() == 0 and live.exists()
