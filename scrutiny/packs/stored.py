"""The pack's files in storage, each written so that it appears only when it is whole.

Storage is whatever STORAGES["default"] names in the settings: the file system under MEDIA_ROOT by default (var/media
in the demo), or object storage when it is configured there. S3 through django-storages, for example, would be
`{"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": ...}}` and needs no change here (the
project does not depend on it).

Whole or not at all: on the file system the bytes go to a temporary file under packs/.partial/ (the same file system
as the final name) and are renamed into place, and a rename is atomic, so a worker killed mid-write leaves a partial
file only in .partial, never under a name that a row, a download or a person sees. Partials older than a build can
live are swept on the next build. Object storage shows an object only once its upload completes, so there the bytes
go up directly.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, default_storage

PARTIAL = "packs/.partial"
# Longer than the build task's hard time limit: a partial this old belongs to no live build.
STALE_SECONDS = 3600


@dataclass(frozen=True)
class Stored:
    name: str  # as the storage named it (it may add a suffix when the name is taken)
    size: int
    sha256: str


class _Staged(File):
    """A file already on disk that FileSystemStorage moves into place (by rename) instead of copying."""

    def __init__(self, path: str, name: str) -> None:
        super().__init__(None, name=name)
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


def save_whole(name: str, content: bytes, *, storage: Storage | None = None) -> Stored:
    """Save content under name (or the storage's free variant of it), visible only once complete."""
    storage = storage or default_storage
    digest = hashlib.sha256(content).hexdigest()
    if not isinstance(storage, FileSystemStorage):
        return Stored(storage.save(name, ContentFile(content)), len(content), digest)
    partial = Path(storage.path(PARTIAL))
    partial.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=partial, prefix="pack-", suffix=".partial", delete=False) as tmp:
        try:
            tmp.write(content)
            tmp.flush()
            os.fsync(tmp.fileno())
            tmp.close()
            saved = storage.save(name, _Staged(tmp.name, name))
        finally:
            with contextlib.suppress(FileNotFoundError):  # gone once renamed into place
                os.unlink(tmp.name)
    return Stored(saved, len(content), digest)


def discard(*names: str, storage: Storage | None = None) -> None:
    """Delete files no row names (a build that lost the race, or whose row could not be saved)."""
    storage = storage or default_storage
    for name in names:
        if name:
            storage.delete(name)


def sweep_partials(*, storage: Storage | None = None, older_than: float = STALE_SECONDS) -> int:
    """Remove partial files left by builds that were killed mid-write. Returns how many were removed."""
    storage = storage or default_storage
    if not isinstance(storage, FileSystemStorage):
        return 0
    partial = Path(storage.path(PARTIAL))
    if not partial.is_dir():
        return 0
    removed = 0
    cutoff = time.time() - older_than
    for path in partial.glob("pack-*.partial"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed
