"""`make backup` and `make restore-check` (issue 15, item 10): a backup restores into a scratch database with every
table's row count and the current snapshot as they were dumped; a changed dump or a manifest the restore does not
match fails, loudly, and the scratch database is always dropped.

Needs PostgreSQL with pg_dump and pg_restore: skipped on SQLite locally, a failure under REQUIRE_SERVICES=1 (CI)."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from agencies.models import Agency
from dataset.build import services as dataset_services
from dataset.returns.services import return_accept, return_submit
from neglect_portal import backups
from tests.conftest import require
from tests.dataset.conftest import catalogue, csc_return, fill, n18, n28, open_period  # noqa: F401 - fixtures

# pg_dump and pg_restore read what is committed: the tests that write commit (and flush after).
in_database = pytest.mark.django_db(transaction=True)


def scratch_databases() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", ["%\\_restore\\_check\\_%"])
        return [name for (name,) in cursor.fetchall()]


def check(folder: Path, **options) -> str:
    out = StringIO()
    try:
        call_command("restore_check", dir=str(folder), stdout=out, **options)
    except CommandError as failed:
        raise AssertionError(out.getvalue()) from failed
    return out.getvalue()


def check_fails(folder: Path, **options) -> str:
    out = StringIO()
    with pytest.raises(CommandError, match="Restore check failed"):
        call_command("restore_check", dir=str(folder), stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def postgres():
    require(
        connection.vendor == "postgresql" and bool(shutil.which("pg_dump")) and bool(shutil.which("pg_restore")),
        "PostgreSQL with pg_dump and pg_restore",
    )


@pytest.fixture
def backed_up(postgres, tmp_path, settings, csc_return, csc_lead, analyst) -> Path:  # noqa: F811
    """An accepted return, the snapshot built from it, one evidence file in MEDIA_ROOT, and a backup of it all."""
    fill(csc_return, csc_lead, N18={"numerator": "150", "denominator": "420"}, N28={"value": "24"})
    csc_return.refresh_from_db()
    ret = return_submit(signed_off=True, ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version)
    return_accept(ret=ret, acting_user=analyst)
    dataset_services.dataset_build(trigger="test")
    attachment = Path(settings.MEDIA_ROOT) / "evidence" / "audit.pdf"
    attachment.parent.mkdir(parents=True)
    attachment.write_bytes(b"%PDF-1.4 audit findings")
    folder = tmp_path / "backups"
    call_command("backup", dir=str(folder), stdout=StringIO())
    return folder


def only_set(folder: Path) -> Path:
    (stem,) = backups.finished_sets(folder)
    return stem


def manifest_of(stem: Path) -> dict:
    return json.loads(stem.with_name(stem.name + ".manifest.json").read_text())


def rewrite_manifest(stem: Path, change) -> None:
    """Change the manifest and write its checksums again: a manifest the restore disagrees with, not a damaged
    file (that the checksums catch first)."""
    manifest = manifest_of(stem)
    change(manifest)
    stem.with_name(stem.name + ".manifest.json").write_text(json.dumps(manifest))
    backups.write_checksums(stem)


@in_database
def test_a_backup_restores_with_every_count_and_the_current_snapshot_as_dumped(backed_up):
    stem = only_set(backed_up)
    manifest = manifest_of(stem)
    snapshot = dataset_services.current_snapshot()
    assert stem.name.startswith(f"{connection.settings_dict['NAME']}-")
    assert {path.name.removeprefix(stem.name) for path in backed_up.iterdir()} == set(backups.SUFFIXES)
    assert manifest["tables"]["public.dataset_return"] == 1
    assert manifest["tables"]["public.agencies_agency"] == Agency.objects.count()
    assert manifest["current_snapshot"]["id"] == snapshot.pk
    assert manifest["current_snapshot"]["content_hash"] == snapshot.content_hash
    assert manifest["media"]["files"] == 1

    # Writes after the backup are not in it, and do not fail its check: the counts are the dump's own.
    Agency.objects.create(name="Youth Justice Service", short_name="YJS", sector="early_help")
    report = check(backed_up)

    assert "Restore check passed." in report
    assert "FAIL" not in report
    assert f"{len(manifest['tables'])} tables, {manifest['rows']:,} rows: every count matches" in report
    assert f"current dataset snapshot {snapshot.pk}: content hash {snapshot.content_hash[:12]} and rows match" in report
    assert "media archive: 1 of the 1 files the manifest lists" in report
    assert scratch_databases() == []


@in_database
def test_a_changed_dump_fails_its_checksum_and_is_never_restored(backed_up):
    stem = only_set(backed_up)
    dump = stem.with_name(stem.name + ".dump")
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    report = check_fails(backed_up, backup=str(dump))

    assert f"FAIL  {dump.name}: checksum does not match {stem.name}.sha256" in report
    assert "restored into" not in report
    assert scratch_databases() == []


@in_database
def test_a_restore_whose_row_counts_differ_from_the_manifest_fails(backed_up):
    stem = only_set(backed_up)

    def one_return_more(manifest: dict) -> None:
        manifest["tables"]["public.dataset_return"] += 1

    rewrite_manifest(stem, one_return_more)

    report = check_fails(backed_up)

    assert "FAIL  table public.dataset_return: 2 rows in the manifest, 1 restored" in report
    assert "ok    checksums match" in report
    assert "every count matches" not in report
    assert scratch_databases() == []  # dropped after a failed check too


@in_database
def test_a_restore_whose_current_snapshot_differs_from_the_manifest_fails(backed_up):
    stem = only_set(backed_up)

    def another_hash(manifest: dict) -> None:
        manifest["current_snapshot"]["rows_sha256"] = "0" * 64

    rewrite_manifest(stem, another_hash)

    report = check_fails(backed_up)

    assert "its rows differ from the ones backed up" in report
    assert "every count matches" in report


def test_restore_check_takes_the_newest_finished_backup_and_keep_removes_the_oldest(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp, suffixes in (
        ("20200101T020000Z", backups.SUFFIXES),
        ("20200102T020000Z", backups.SUFFIXES),
        ("20200103T020000Z", (".dump",)),  # unfinished: no .sha256 yet
    ):
        for suffix in suffixes:
            (folder / f"portal-{stamp}{suffix}").write_text("")

    assert backups.newest_set(folder).name == "portal-20200102T020000Z"
    assert backups.set_stem(folder / "portal-20200101T020000Z.media.tar.gz").name == "portal-20200101T020000Z"
    with pytest.raises(backups.BackupError, match="No finished backup"):
        backups.newest_set(tmp_path)


@in_database
def test_keep_removes_the_oldest_backups_of_the_database_after_writing_the_new_one(postgres, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    name = connection.settings_dict["NAME"]
    for stamp in ("20200101T020000Z", "20200102T020000Z"):
        for suffix in backups.SUFFIXES:
            (folder / f"{name}-{stamp}{suffix}").write_text("")
    (folder / "otherdb-20200101T020000Z.sha256").write_text("")

    call_command("backup", dir=str(folder), keep=2, no_media=True, stdout=StringIO())

    kept = backups.finished_sets(folder, db=name)
    assert [stem.name.removeprefix(f"{name}-") for stem in kept][0] == "20200102T020000Z"
    assert len(kept) == 2
    assert not list(folder.glob(f"{name}-20200101T020000Z*"))
    assert (folder / "otherdb-20200101T020000Z.sha256").exists()  # another database's backups are not its to prune
    assert manifest_of(kept[-1])["media"] == {"file": None, "not_covered": "left out (--no-media)"}


def test_a_backup_of_sqlite_is_refused_with_what_to_do_instead(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="Backups need PostgreSQL, but DATABASE_URL names sqlite"):
        call_command("backup", dir="unused", stdout=StringIO())


def test_missing_or_older_client_programs_are_refused_by_name(postgres, monkeypatch):
    with pytest.raises(backups.BackupError, match="pg_dump is version .* older than 99"):
        backups.tool("pg_dump", at_least=99)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(backups.BackupError, match="pg_restore was not found on PATH"):
        backups.tool("pg_restore", at_least=15)
