"""The indicator catalogue as a CSV file: check every row, then load all of it or none of it.

`parse_catalogue` reads the text and reports every problem with its line (line 1 is the header, so the first
indicator is on line 2, as a spreadsheet numbers its rows) and column. `catalogue_load` applies checked rows in
one transaction, upserting by code, so running the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from agencies.models import Agency, User
from dataset.models import Accumulation, HistorySource, Indicator, Polarity, Unit
from neglect_portal.strategy import Objective

from .numbers import counted
from .services import indicator_save

COLUMNS: tuple[str, ...] = (
    "code",
    "title",
    "definition",
    "unit",
    "numerator_label",
    "denominator_label",
    "allow_negative",
    "polarity",
    "objective",
    "supplied_by",
    "target",
    "red_threshold",
    "tolerance_pct",
    "benchmark_value",
    "benchmark_source",
    "benchmark_year",
    "active",
    "accumulation",
)
# Columns a file may leave out (older catalogues): a missing or blank one takes the model's default.
OPTIONAL_COLUMNS = ("accumulation",)
TEXT_COLUMNS = ("title", "definition", "numerator_label", "denominator_label", "benchmark_source", "benchmark_year")
NUMBER_COLUMNS = ("target", "red_threshold", "tolerance_pct", "benchmark_value")
CHOICE_COLUMNS: dict[str, type] = {
    "unit": Unit,
    "polarity": Polarity,
    "objective": Objective,
    "accumulation": Accumulation,
}
# Blank booleans and a blank tolerance take the model's default; every other blank number means "none".
BOOLEAN_COLUMNS = ("allow_negative", "active")
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})
ALL_AGENCIES = "all"

DEMO_CATALOGUE = Path(__file__).resolve().parent / "indicators.csv"


@dataclass(frozen=True, order=True)
class Problem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}, {self.column}: {self.message}"


@dataclass(frozen=True)
class CatalogueRow:
    line: int
    code: str
    fields: dict[str, Any]  # Indicator field -> value, suppliers excluded
    supplier_ids: frozenset[int]


@dataclass(frozen=True)
class Parsed:
    rows: list[CatalogueRow]
    problems: list[Problem]


@dataclass
class LoadSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"created {len(self.created)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}"


class CatalogueInvalid(Exception):
    """The file has problems, so nothing was loaded."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(f"{counted(len(self.problems), 'problem')}; nothing was loaded")


# --- cells ----------------------------------------------------------------------------------------
def _choice(column: str, text: str) -> str:
    choices = CHOICE_COLUMNS[column]
    if not text and column in OPTIONAL_COLUMNS:
        return Indicator._meta.get_field(column).default
    wanted = text.casefold()
    for choice in choices:
        if wanted in (choice.value.casefold(), str(choice.label).casefold()):
            return choice.value
    allowed = ", ".join(choice.value for choice in choices)
    if not text:
        raise ValueError(f"is blank; use one of {allowed}")
    raise ValueError(f'"{text}" is not a known {column}; use one of {allowed}')


def _boolean(column: str, text: str) -> bool:
    wanted = text.casefold()
    if not wanted:
        return Indicator._meta.get_field(column).default
    if wanted in YES:
        return True
    if wanted in NO:
        return False
    raise ValueError(f'"{text}" is not yes or no')


def _number(column: str, text: str) -> Decimal | None:
    if not text:
        return Indicator._meta.get_field(column).default if column == "tolerance_pct" else None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f'"{text}" is not a number; write digits with an optional decimal point, e.g. 50.5')
    return number


class _Agencies:
    """Agencies by short name or full name, case-insensitively: one query for the whole file."""

    def __init__(self) -> None:
        agencies = list(Agency.objects.all())
        self.active_ids = frozenset(a.pk for a in agencies if a.active)
        self.by_name: dict[str, int] = {}
        for agency in agencies:
            self.by_name[agency.short_name.casefold()] = agency.pk
            self.by_name[agency.name.casefold()] = agency.pk
        self.short_names = ", ".join(sorted(a.short_name for a in agencies))

    def resolve(self, text: str) -> frozenset[int]:
        names = [name.strip() for name in text.split(";") if name.strip()]
        if not names:
            raise ValueError(f'is blank; name the agencies that supply it, separated by ";", or write "{ALL_AGENCIES}"')
        if [name.casefold() for name in names] == [ALL_AGENCIES]:
            return self.active_ids
        unknown = [name for name in names if name.casefold() not in self.by_name]
        if unknown:
            listed = ", ".join(f'"{name}"' for name in unknown)
            known = self.short_names or "none yet: create the agencies first"
            raise ValueError(f"no agency called {listed}; use a short name or full name (agencies: {known})")
        return frozenset(self.by_name[name.casefold()] for name in names)


# --- rows -----------------------------------------------------------------------------------------
def _header_problems(header: list[str]) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(1, name, "this column appears twice"))
        elif name not in COLUMNS:
            problems.append(Problem(1, name or "(blank)", f"unknown column; the columns are {', '.join(COLUMNS)}"))
        seen.add(name)
    for name in COLUMNS:
        if name not in seen and name not in OPTIONAL_COLUMNS:
            problems.append(Problem(1, name, "column missing"))
    return problems


def _parse_row(line: int, cells: dict[str, str], agencies: _Agencies) -> tuple[CatalogueRow | None, list[Problem]]:
    problems: list[Problem] = []
    values: dict[str, Any] = {"code": cells["code"].upper()}
    for name in TEXT_COLUMNS:
        values[name] = cells[name]
    converters = (
        [(name, _choice) for name in CHOICE_COLUMNS]
        + [(name, _boolean) for name in BOOLEAN_COLUMNS]
        + [(name, _number) for name in NUMBER_COLUMNS]
    )
    for name, convert in converters:
        try:
            values[name] = convert(name, cells[name])
        except ValueError as error:
            problems.append(Problem(line, name, str(error)))
    supplier_ids: frozenset[int] = frozenset()
    try:
        supplier_ids = agencies.resolve(cells["supplied_by"])
    except ValueError as error:
        problems.append(Problem(line, "supplied_by", str(error)))

    # The model's own rules (required fields, lengths, "a ratio needs both labels", RAG thresholds...). Its
    # cross-field rules run only when every column parsed, so a bad polarity cannot cause a misleading
    # threshold message. Uniqueness is not checked: an existing code is updated, not duplicated.
    failed = {problem.column for problem in problems}
    candidate = Indicator(**values)
    try:
        if failed:
            candidate.clean_fields(exclude=sorted(failed))
        else:
            candidate.full_clean(validate_unique=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            if name in failed:
                continue
            column = "row" if name == NON_FIELD_ERRORS else name
            problems.extend(Problem(line, column, message) for message in messages)
    if problems:
        return None, problems
    return CatalogueRow(line, values["code"], values, supplier_ids), []


def parse_catalogue(text: str) -> Parsed:
    """Every row of a catalogue CSV checked: the rows that can be loaded, and every problem found."""
    records = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header_cells = next(records, None)
    if not header_cells or not any(cell.strip() for cell in header_cells):
        return Parsed([], [Problem(1, "header", f"the file is empty; the first line must be: {','.join(COLUMNS)}")])
    header = [cell.strip().lower() for cell in header_cells]
    problems = _header_problems(header)
    if problems:
        return Parsed([], problems)

    agencies = _Agencies()
    rows: list[CatalogueRow] = []
    first_line: dict[str, int] = {}
    # Numbered by record, not physical line: a quoted definition may run over several lines, and a spreadsheet
    # shows it as one row.
    for line, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.append(Problem(line, "row", f"has {len(record)} values but the header has {len(header)} columns"))
            continue
        cells = {name: cell.strip() for name, cell in zip(header, record, strict=True)}
        cells.update({name: "" for name in OPTIONAL_COLUMNS if name not in cells})
        code = cells["code"].upper()
        if code and code in first_line:
            problems.append(Problem(line, "code", f"{code} is already on line {first_line[code]}"))
            continue
        if code:
            first_line[code] = line
        row, row_problems = _parse_row(line, cells, agencies)
        problems.extend(row_problems)
        if row:
            rows.append(row)
    return Parsed(rows, sorted(problems, key=lambda p: (p.line, _column_order(p.column))))


def _column_order(column: str) -> int:
    return COLUMNS.index(column) if column in COLUMNS else -1


# --- loading --------------------------------------------------------------------------------------
@transaction.atomic
def catalogue_load(
    *,
    rows: Iterable[CatalogueRow],
    acting_user: User | None,
    source: str = HistorySource.UPLOAD,
    reason: str = "Loaded from the indicator catalogue",
) -> LoadSummary:
    """Create or update an indicator for each checked row, by code, all in one transaction."""
    rows = list(rows)
    existing = {
        indicator.code: indicator
        for indicator in Indicator.objects.filter(code__in=[row.code for row in rows]).select_for_update()
    }
    summary = LoadSummary()
    for row in rows:
        saved = indicator_save(
            indicator=existing.get(row.code),
            fields=row.fields,
            supplier_ids=row.supplier_ids,
            acting_user=acting_user,
            source=source,
            reason=reason,
        )
        getattr(summary, saved.outcome).append(row.code)
    return summary


def catalogue_load_text(
    *, text: str, acting_user: User | None, source: str = HistorySource.UPLOAD, reason: str = ""
) -> LoadSummary:
    """Check the whole file, then load it. Raises CatalogueInvalid, loading nothing, if any row has a problem."""
    parsed = parse_catalogue(text)
    if parsed.problems:
        raise CatalogueInvalid(parsed.problems)
    return catalogue_load(
        rows=parsed.rows, acting_user=acting_user, source=source, reason=reason or "Loaded from the catalogue file"
    )


def read_catalogue_file(path: Path | str) -> str:
    """The file's text. Excel's UTF-8 byte-order mark is allowed; raises OSError or UnicodeDecodeError."""
    return Path(path).read_text(encoding="utf-8-sig")


def load_demo_catalogue() -> LoadSummary:
    """Load the shipped catalogue (dataset/catalogue/indicators.csv). Needs the demo agencies; safe to run twice."""
    return catalogue_load_text(
        text=read_catalogue_file(DEMO_CATALOGUE),
        acting_user=None,
        source=HistorySource.SYSTEM,
        reason="Loaded the demo indicator catalogue",
    )
