"""Backups of the PostgreSQL database and MEDIA_ROOT, and the check that a backup restores (issue 15, item 10).

`manage.py backup` (`make backup`) writes one set of files into a folder (`backups/` by default):

    <db>-<UTC timestamp>.dump            pg_dump, custom format (-Fc): every table, schema and sequence
    <db>-<UTC timestamp>.media.tar.gz    MEDIA_ROOT: attachments, evidence packs, large exports
    <db>-<UTC timestamp>.manifest.json   each table's row count and the current dataset snapshot, as dumped
    <db>-<UTC timestamp>.sha256          SHA-256 of the three, as `sha256sum -c` reads it; written last, so a set
                                         without it is unfinished and never chosen

The counts are taken in the very transaction snapshot that pg_dump dumps (`pg_export_snapshot()`, then
`pg_dump --snapshot`), so writes during or after the backup never make its restore look wrong.

`manage.py restore_check` (`make restore-check`) verifies the checksums, restores the dump into a scratch database
it creates and drops, and compares every table's row count and the current snapshot (its content hash and a digest
of its rows) with the manifest. pg_dump, pg_restore: from PATH, at least the server's major version.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess  # pg_dump and pg_restore from PATH, argument lists, never a shell  # nosec B404
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections, transaction
from django.db.utils import load_backend

from dataset.build.services import current_snapshot
from dataset.models import DatasetCodeText, DatasetContribution

MANIFEST_FORMAT = 1
STAMP = "%Y%m%dT%H%M%SZ"
SET_NAME = re.compile(r"^(?P<db>.+)-(?P<stamp>\d{8}T\d{6}Z)$")
SUFFIXES = (".dump", ".media.tar.gz", ".manifest.json", ".sha256")
CHUNK = 1024 * 1024

# Every base table outside the system schemas with its row count, in one statement: query_to_xml runs each
# count(*) with the names quoted by format('%I'), so no SQL is put together in Python.
TABLE_COUNTS = """
SELECT n.nspname || '.' || c.relname,
       (xpath('/row/n/text()',
              query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')
       ))[1]::text::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%%' AND n.nspname NOT LIKE 'pg_temp%%'
ORDER BY 1
"""


class BackupError(Exception):
    """A backup or restore check that cannot go on; the message says why and what to do."""


@dataclass
class Report:
    """What a restore check found, line by line; failed when any line failed."""

    lines: list[tuple[bool, str]] = field(default_factory=list)

    def add(self, ok: bool, text: str) -> None:
        self.lines.append((ok, text))

    @property
    def failures(self) -> int:
        return sum(1 for ok, _ in self.lines if not ok)


# --- the database, pg_dump and pg_restore ---------------------------------------------------------------------


def postgres_settings(alias: str = "default") -> dict:
    db = settings.DATABASES[alias]
    if connections[alias].vendor != "postgresql":
        raise BackupError(
            f"Backups need PostgreSQL, but DATABASE_URL names {connections[alias].vendor} ({db.get('NAME')}). "
            "Set DATABASE_URL to the PostgreSQL database to back up. (The embedded SQLite database is one file: "
            "copy it while nothing writes, or use `sqlite3 FILE .backup COPY`.)"
        )
    return db


def pg_environ(db: dict, *, name: str | None = None) -> dict[str, str]:
    """The environment that points libpq tools at `db` (or database `name` on the same server): the password
    goes in PGPASSWORD, never on a command line that `ps` shows."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    wanted = {
        "PGDATABASE": name or db.get("NAME"),
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({k: str(v) for k, v in wanted.items() if v not in (None, "")})
    return env


def server_major(alias: str = "default") -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.pg_version // 10000


def tool(name: str, *, at_least: int) -> tuple[str, str]:
    """The path and version of a PostgreSQL client program, refused clearly when missing or too old."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client programs, major version {at_least} or "
            f"newer (Debian: apt-get install postgresql-client-{at_least}, or postgresql-client when that is the "
            "server's version)."
        )
    out = _call([path, "--version"], env=dict(os.environ))
    found = re.search(r"(\d+)(?:\.(\d+))?", out.stdout)
    if out.returncode != 0 or found is None:
        raise BackupError(f"{path} --version did not answer with a version: {out.stdout or out.stderr}")
    if int(found.group(1)) < at_least:
        raise BackupError(
            f"{path} is version {found.group(0)}, older than {at_least}: it cannot read what PostgreSQL "
            f"{at_least} writes. Install postgresql-client-{at_least} (or newer) and put it first on PATH."
        )
    return path, found.group(0)


def _call(argv: list[str], *, env: dict[str, str]) -> subprocess.CompletedProcess:
    # An argument list (no shell) naming a program found by shutil.which: the only inputs are paths and names.
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603


def run(argv: list[str], *, env: dict[str, str], what: str) -> None:
    done = _call(argv, env=env)
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


def table_counts(alias: str = "default") -> dict[str, int]:
    with connections[alias].cursor() as cursor:
        cursor.execute(TABLE_COUNTS)
        return {name: int(count) for name, count in cursor.fetchall()}


def snapshot_summary(alias: str = "default") -> dict | None:
    """The current dataset snapshot: its id, content hash and a digest of every row it holds (values, SPC, themes,
    the agencies' contributions and the result texts), so a restore is compared by content, not only by count."""
    snapshot = current_snapshot(using=alias)
    if snapshot is None:
        return None
    digest = hashlib.sha256()
    parts = {
        "values": snapshot.values.using(alias).all(),
        "spc": snapshot.spc.using(alias).all(),
        "themes": snapshot.themes.using(alias).all(),
        "contributions": DatasetContribution.objects.using(alias).in_snapshot(snapshot),
        "texts": DatasetCodeText.objects.using(alias).in_snapshot(snapshot),
    }
    for part, qs in parts.items():
        names = [f.attname for f in qs.model._meta.concrete_fields]
        digest.update(part.encode())
        for row in qs.order_by("pk").values_list(*names).iterator(chunk_size=5000):
            digest.update(json.dumps(row, default=str, separators=(",", ":")).encode())
    return {
        "id": snapshot.pk,
        "content_hash": snapshot.content_hash,
        "built_at": snapshot.built_at.isoformat(),
        "rows_sha256": digest.hexdigest(),
    }


# --- files ------------------------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_checksums(stem: Path) -> Path:
    """`<stem>.sha256` for the set's files, as `sha256sum -c` reads it (run it in the backup folder)."""
    lines = [
        f"{sha256_of(path)}  {path.name}\n"
        for suffix in SUFFIXES[:-1]
        if (path := stem.with_name(stem.name + suffix)).exists()
    ]
    out = stem.with_name(stem.name + ".sha256")
    partial = out.with_name(out.name + ".partial")
    partial.write_text("".join(lines))
    partial.replace(out)
    return out


def media_root() -> Path | None:
    """MEDIA_ROOT when the default storage keeps files there; None when it is object storage (back that up by the
    storage's own means)."""
    if isinstance(default_storage, FileSystemStorage):
        return Path(default_storage.location)
    return None


def archive_media(root: Path, out: Path) -> dict:
    partial = out.with_name(out.name + ".partial")
    files = size = 0
    with tarfile.open(partial, "w:gz") as tar:
        tar.add(root, arcname="media", recursive=False)
        for path in sorted(root.rglob("*")):
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                continue
            tar.add(path, arcname=f"media/{path.relative_to(root)}", recursive=False)
            if path.is_file():
                files += 1
                size += path.stat().st_size
    partial.replace(out)
    return {"file": out.name, "sha256": sha256_of(out), "files": files, "bytes": size}


def media_files(archive: Path) -> int:
    with tarfile.open(archive, "r:gz") as tar:
        return sum(1 for member in tar.getmembers() if member.isfile())


def set_stem(path: Path) -> Path:
    """The set a file belongs to: backups/portal-20260101T020000Z.dump -> backups/portal-20260101T020000Z."""
    for suffix in SUFFIXES:
        if path.name.endswith(suffix):
            return path.with_name(path.name[: -len(suffix)])
    return path


def finished_sets(folder: Path, *, db: str | None = None) -> list[Path]:
    """Every finished set in `folder` (its .sha256 written), oldest first."""
    found = []
    for checksums in folder.glob("*.sha256"):
        stem = set_stem(checksums)
        match = SET_NAME.match(stem.name)
        if match and (db is None or match["db"] == db):
            found.append((match["stamp"], stem))
    return [stem for _, stem in sorted(found)]


# --- backup -----------------------------------------------------------------------------------------------------


def backup(*, folder: Path, media: bool = True, keep: int | None = None) -> tuple[Path, dict]:
    """Write one backup set into `folder`; returns its stem and manifest. `keep`: finished sets of this database
    to keep, oldest removed after the new one is written."""
    db = postgres_settings()
    major = server_major()
    pg_dump, pg_dump_version = tool("pg_dump", at_least=major)
    folder.mkdir(parents=True, exist_ok=True)
    name = str(db["NAME"])
    stem = folder / f"{name}-{datetime.now(UTC).strftime(STAMP)}"
    if any(stem.with_name(stem.name + suffix).exists() for suffix in SUFFIXES):
        raise BackupError(f"A backup named {stem.name} is already there: wait a second and run it again.")
    dump = stem.with_name(stem.name + ".dump")
    partial = dump.with_name(dump.name + ".partial")
    connection = connections["default"]
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The counts and pg_dump read one and the same snapshot of the database.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (exported,) = cursor.fetchone()
        counts = table_counts()
        snapshot = snapshot_summary()
        try:
            run(
                [pg_dump, "--format=custom", f"--snapshot={exported}", "--no-password", f"--file={partial}"],
                env=pg_environ(db),
                what="pg_dump",
            )
        except BackupError:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(dump)
    manifest = {
        "format": MANIFEST_FORMAT,
        "database": name,
        "host": db.get("HOST") or "local socket",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "server_version": connection.pg_version,
        "pg_dump_version": pg_dump_version,
        "dump": {"file": dump.name, "sha256": sha256_of(dump), "bytes": dump.stat().st_size},
        "media": _media(stem, media),
        "tables": counts,
        "rows": sum(counts.values()),
        "current_snapshot": snapshot,
    }
    stem.with_name(stem.name + ".manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    write_checksums(stem)
    if keep is not None:
        for old in finished_sets(folder, db=name)[:-keep] if keep > 0 else []:
            for suffix in SUFFIXES:
                old.with_name(old.name + suffix).unlink(missing_ok=True)
    return stem, manifest


def _media(stem: Path, wanted: bool) -> dict:
    root = media_root()
    if not wanted:
        return {"file": None, "not_covered": "left out (--no-media)"}
    if root is None:
        return {"file": None, "not_covered": "the default storage is not the file system: back it up by its own means"}
    if not root.exists():
        return {"file": None, "not_covered": f"MEDIA_ROOT {root} does not exist (no files yet)"}
    return archive_media(root, stem.with_name(stem.name + ".media.tar.gz"))


# --- restore check ----------------------------------------------------------------------------------------------


def newest_set(folder: Path) -> Path:
    sets = finished_sets(folder)
    if not sets:
        raise BackupError(f"No finished backup in {folder} (a set's .sha256 is written last). Run `make backup`.")
    return sets[-1]


def verify_checksums(stem: Path, report: Report) -> bool:
    checksums = stem.with_name(stem.name + ".sha256")
    if not checksums.exists():
        report.add(False, f"{checksums.name} is missing: the backup is unfinished or was moved without it")
        return False
    good = True
    for line in checksums.read_text().splitlines():
        expected, _, file_name = line.partition("  ")
        path = stem.with_name(file_name)
        if not path.exists():
            report.add(False, f"{file_name} is missing")
            good = False
        elif sha256_of(path) != expected:
            report.add(False, f"{file_name}: checksum does not match {checksums.name}: the file has changed")
            good = False
    if good:
        report.add(True, f"checksums match {checksums.name}")
    return good


@contextmanager
def scratch_database(db: dict) -> Iterator[str]:
    """A new, empty database on the same server, dropped afterwards whatever happens; yields its alias."""
    name = f"{str(db['NAME'])[:30]}_restore_check_{secrets.token_hex(4)}"
    alias = f"restore_check_{secrets.token_hex(4)}"
    quoted = connections["default"].ops.quote_name(name)
    with connections["default"].cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {quoted} TEMPLATE template0")
    # A connection made here, not a configured alias: the ORM reaches it by `using(alias)` all the same.
    params = {**connections["default"].settings_dict, "NAME": name, "CONN_MAX_AGE": 0}
    connections[alias] = load_backend(params["ENGINE"]).DatabaseWrapper(params, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        with connections["default"].cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def compare_counts(expected: dict[str, int], found: dict[str, int], report: Report) -> None:
    problems = 0
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want == got:
            continue
        problems += 1
        if got is None:
            report.add(False, f"table {table}: {want:,} rows in the manifest, missing from the restore")
        elif want is None:
            report.add(False, f"table {table}: restored ({got:,} rows) but not in the manifest")
        else:
            report.add(False, f"table {table}: {want:,} rows in the manifest, {got:,} restored")
    if not problems:
        report.add(True, f"{len(expected)} tables, {sum(expected.values()):,} rows: every count matches the manifest")


def compare_snapshot(expected: dict | None, found: dict | None, report: Report) -> None:
    if expected is None and found is None:
        report.add(True, "no dataset snapshot in the backup, and none restored")
    elif expected is None or found is None:
        report.add(False, f"current dataset snapshot: manifest {expected and expected['id']}, restored {found}")
    elif expected["id"] != found["id"] or expected["content_hash"] != found["content_hash"]:
        report.add(
            False,
            f"current dataset snapshot: manifest {expected['id']} ({expected['content_hash'][:12]}), "
            f"restored {found['id']} ({found['content_hash'][:12]})",
        )
    elif expected["rows_sha256"] != found["rows_sha256"]:
        report.add(False, f"current dataset snapshot {found['id']}: its rows differ from the ones backed up")
    else:
        report.add(
            True, f"current dataset snapshot {found['id']}: content hash {found['content_hash'][:12]} and rows match"
        )


def restore_check(stem: Path) -> tuple[Report, dict | None]:
    """Check the backup set `stem`; the report says what held and what did not (a step that cannot go on, such as
    pg_restore refusing the dump, is its last line)."""
    report = Report()
    db = postgres_settings()
    if not verify_checksums(stem, report):
        return report, None
    try:
        return _restore_and_compare(stem, db, report)
    except BackupError as problem:
        report.add(False, str(problem))
        return report, None


def _restore_and_compare(stem: Path, db: dict, report: Report) -> tuple[Report, dict]:
    manifest = json.loads(stem.with_name(stem.name + ".manifest.json").read_text())
    if manifest.get("format") != MANIFEST_FORMAT:
        report.add(False, f"manifest format {manifest.get('format')} is not {MANIFEST_FORMAT}, which this reads")
        return report, manifest
    dumped_by = int(str(manifest["pg_dump_version"]).split(".")[0])
    pg_restore, version = tool("pg_restore", at_least=max(dumped_by, server_major()))
    media = manifest["media"]
    if media.get("file"):
        files = media_files(stem.with_name(media["file"]))
        report.add(files == media["files"], f"media archive: {files} of the {media['files']} files the manifest lists")
    else:
        report.add(True, f"media not in this backup: {media.get('not_covered')}")
    with scratch_database(db) as alias:
        name = connections[alias].settings_dict["NAME"]
        run(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--no-password",
                f"--dbname={name}",
                str(stem.with_name(manifest["dump"]["file"])),
            ],
            env=pg_environ(db, name=name),
            what="pg_restore",
        )
        report.add(True, f"restored into scratch database {name} with pg_restore {version}")
        compare_counts(manifest["tables"], table_counts(alias), report)
        compare_snapshot(manifest["current_snapshot"], snapshot_summary(alias), report)
    report.add(True, f"scratch database {name} dropped")
    return report, manifest
