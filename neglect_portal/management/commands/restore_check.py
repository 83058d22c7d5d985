from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from neglect_portal import backups


class Command(BaseCommand):
    help = (
        "Verify a backup's checksums, restore it into a scratch database (created and dropped) and compare every "
        "table's row count and the current dataset snapshot with its manifest. Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default="backups", help="folder to take the newest backup from")
        parser.add_argument("--backup", help="one backup's file (its .dump, or any file of the set) instead")

    def handle(self, *args, **options) -> None:
        try:
            stem = backups.set_stem(Path(options["backup"])) if options["backup"] else None
            stem = stem or backups.newest_set(Path(options["dir"]))
            self.stdout.write(f"Restore check of {stem}.dump")
            report, _ = backups.restore_check(stem)
        except backups.BackupError as problem:
            raise CommandError(f"Restore check failed: {problem}") from problem
        for ok, text in report.lines:
            mark = self.style.SUCCESS("  ok    ") if ok else self.style.ERROR("  FAIL  ")
            self.stdout.write(f"{mark}{text}")
        if report.failures:
            problems = "1 problem" if report.failures == 1 else f"{report.failures} problems"
            raise CommandError(f"Restore check failed: {problems}, listed above.")
        self.stdout.write(self.style.SUCCESS("Restore check passed."))
