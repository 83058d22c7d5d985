"""Load or update indicators from a catalogue CSV. Every row is checked first; a file with problems loads nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dataset.catalogue import loader as catalogue
from dataset.catalogue.numbers import counted


class Command(BaseCommand):
    help = (
        "Create or update indicators, by code, from a CSV with the columns of dataset/catalogue/indicators.csv. "
        "If any row has a problem, every problem is listed and nothing is loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The catalogue CSV (UTF-8).")
        parser.add_argument("--check", action="store_true", help="Check the file and report problems; load nothing.")

    def handle(self, *args, file: Path, check: bool = False, **options) -> None:
        try:
            text = catalogue.read_catalogue_file(file)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        parsed = catalogue.parse_catalogue(text)
        if parsed.problems:
            listed = "\n".join(f"  {problem}" for problem in parsed.problems)
            raise CommandError(
                f"Nothing was loaded: {counted(len(parsed.problems), 'problem')} in {file}. "
                f"Fix them and run the command again.\n{listed}"
            )
        if check:
            self.stdout.write(self.style.SUCCESS(f"{file}: {len(parsed.rows)} indicators, no problems."))
            return
        summary = catalogue.catalogue_load(rows=parsed.rows, acting_user=None, reason=f"Loaded from {file.name}")
        self.stdout.write(self.style.SUCCESS(f"Indicators from {file}: {summary}."))
