from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from neglect_portal import backups


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump -Fc) and MEDIA_ROOT into a folder, with a manifest of every "
        "table's row count and the current dataset snapshot, and SHA-256 checksums. README: Backups."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default="backups", help="folder for the backup files (default: backups)")
        parser.add_argument("--no-media", action="store_true", help="leave MEDIA_ROOT out (the database only)")
        parser.add_argument("--keep", type=int, help="keep this many backups of the database, the oldest removed")

    def handle(self, *args, **options) -> None:
        if options["keep"] is not None and options["keep"] < 1:
            raise CommandError("--keep must be 1 or more: the backup just written is always kept.")
        try:
            stem, manifest = backups.backup(
                folder=Path(options["dir"]), media=not options["no_media"], keep=options["keep"]
            )
        except backups.BackupError as problem:
            raise CommandError(str(problem)) from problem
        dump, media, snapshot = manifest["dump"], manifest["media"], manifest["current_snapshot"]
        self.stdout.write(f"Backed up {manifest['database']} to {stem.parent}/")
        tables = len(manifest["tables"])
        self.stdout.write(f"  {dump['file']}: {dump['bytes']:,} bytes, {tables} tables, {manifest['rows']:,} rows")
        if media.get("file"):
            self.stdout.write(f"  {media['file']}: {media['files']} files, {media['bytes']:,} bytes")
        else:
            self.stdout.write(f"  media not backed up: {media['not_covered']}")
        if snapshot:
            self.stdout.write(f"  current dataset snapshot {snapshot['id']}: {snapshot['content_hash'][:12]}")
        self.stdout.write(f"  {stem.name}.manifest.json, {stem.name}.sha256")
        self.stdout.write(self.style.SUCCESS("Backup written. Check it restores: make restore-check"))
