"""The Partnership Neglect Dataset as files that leave the app: an XLSX workbook and a CSV. Pure.

The caller gives plain data (dataset.build.figures) and gets bytes back, or for a download the CSV's text in pieces
(`csv_chunks`) or an unsaved write-only workbook (`dataset_workbook`), both made as the agencies' figures stream past
one indicator-quarter at a time (`Group`s): no ORM, no request. Every figure goes through dataset.reading.disclosure,
decided once per indicator and quarter (`PublishedFigures`) so every sheet and row publishes the same cells. Every
text cell is formula-safe through dataset.cells.

What is withheld besides the figures themselves, and why:
- RAG and SPC status of a quarter whose value is `c`: a target or a control limit would bracket the value.
- Direction of travel when this quarter, the previous one or the same quarter a year earlier is `c`: "no
  significant change" from 6 with a 25% tolerance pins a `c` at 5.
- A theme about an indicator with a `c` anywhere in its series: its sentence, question and numbers quote values,
  changes, means and limits, any of which can give a suppressed value back. Kind, severity and indicator stay.
- No change figures, SPC means or limits are exported, only words: each would give back a suppressed value.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.cell.cell import Cell as OpenpyxlCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import CellRange

from dataset.build.figures import Comparison, IndicatorInfo, PartnershipValue, SpcResult, Theme, quarter_label
from dataset.catalogue.numbers import UNIT_LABELS, format_value
from dataset.cells import csv_text, is_dangerous, set_cell
from neglect_portal.strategy import OBJECTIVE_AIMS, Objective

from . import disclosure, marks
from .disclosure import NOT_APPLICABLE_CELL, RATIO_UNITS, SUPPRESSED, Cell

DATASET_SHEET = "Dataset"
DATA_SHEET = "Data"
THEMES_SHEET = "Themes"
NOTES_SHEET = "Notes"
LATEST_QUARTERS = 5
PARTNERSHIP = "Partnership"

DATA_COLUMNS: tuple[str, ...] = (
    "indicator_code",
    "indicator_title",
    "period",
    "agency",
    "value",
    "numerator",
    "denominator",
    "unit",
    "rag",
    "spc",
    "completeness",
    "partial",  # "yes" when an expected agency is missing from the partnership value (never compared), else "no"
    "partial_note",  # who is missing: "Partial: 2 of 3 agencies; Sussex Police not yet accepted"
)
CSV_COLUMNS: tuple[str, ...] = tuple(name for name in DATA_COLUMNS if name != "agency")
THEME_COLUMNS: tuple[str, ...] = ("Kind", "Severity", "Indicator code", "Indicator", "Sentence", "Question", "Numbers")
DEFINITION_COLUMNS: tuple[str, ...] = (
    "Code",
    "Title",
    "Definition",
    "Numerator",
    "Denominator",
    "Unit",
    "Polarity",
    "Suppliers",
)
BENCHMARK_COLUMNS: tuple[str, ...] = ("Code", "Title", "Benchmark", "Source", "Year")

RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}
DIRECTION_WORDS = {
    "improving": "Improving",
    "worsening": "Worsening",
    "steady": "No significant change",
    "up": "Up",
    "down": "Down",
}
SPC_WORDS = {
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neutral": "Special cause: neither better nor worse",
    "": "Common cause variation",
}
SPC_RULE_WORDS = {
    "outside_limits": "outside the limits",
    "shift": "shift",
    "trend": "trend",
    "two_of_three": "two of three near a limit",
}
KIND_WORDS = {
    "possible_drift": "Possible drift",
    "sustained_rise": "Sustained rise",
    "sustained_fall": "Sustained fall",
    "special_cause": "Special cause variation",
    "target_missed": "Target missed",
    "implausible_value": "Implausible value",
    "data_gap": "Data gap",
}
SEVERITY_WORDS = {3: "High", 2: "Medium", 1: "Low"}
POLARITY_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "neither": "Neither is better"}
WITHHELD_TEXT = "Withheld under disclosure control: the indicator has figures shown as c, which this could give back."

DISCLOSURE_NOTES: tuple[str, ...] = (
    "Counts from 1 to 5 are shown as c. Zero is a figure and is shown.",
    "Secondary suppression: the partnership figure of an indicator in a quarter is the sum of the figures of the "
    "agencies that contributed (for a percentage, rate or mean, the numerators add up). Where one agency's figure "
    "is c, at least one more is c too, so no c can be worked out by subtracting the others from the partnership "
    "figure; where the partnership figure is c, at least two agencies' figures are. The extra figures are chosen by "
    "the agencies' order, never by their size, so knowing how they were chosen does not narrow a c either; more "
    "are c where the figures left could otherwise be only one value. "
    "Where the partnership figure would give every agency's c back (two agencies with 5 each under a total of 10), "
    "the partnership figure is c too.",
    "An agency with : did not contribute, so it is not part of the partnership figure.",
    "A percentage, rate or mean is c when its numerator or denominator is c, since either would give the other "
    "back. A denominator from 1 to 5 is c.",
    "RAG and SPC status are c for a quarter whose value is c; direction of travel is c when the latest quarter, "
    "the one before or the same quarter a year earlier is c. No change figures or control limits are given.",
    "A theme about an indicator with any figure shown as c is withheld (its kind and severity are still given), "
    "since its sentence and numbers quote changes, means and limits that could give the figure back.",
    "Agency rows give each agency's count, or its numerator for a percentage, rate or mean; an agency's own "
    "value and denominator are not published here (z).",
)

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_OBJECTIVE_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_UNIT_SUFFIXES = ("%", " per 10,000")


# --- disclosure, decided once -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Published:
    value: Cell
    numerator: Cell
    denominator: Cell
    parts: dict[str, Cell]  # agency short name -> its count, or its numerator for a ratio
    # An expected agency is missing from the partnership value: mark it wherever it is published, never compare it.
    partial: bool = False
    partial_note: str = ""  # "Partial: 2 of 3 agencies; Sussex Police not yet accepted", "" when whole


class PublishedFigures:
    """Every indicator-quarter through disclosure, once, so all sheets and rows publish the same cells."""

    def __init__(
        self,
        indicators: Sequence[IndicatorInfo],
        values: Mapping[tuple[str, int], PartnershipValue],
        contributions: Mapping[tuple[str, int], Mapping[str, Decimal | None]],
        agencies: Mapping[str, str] | None = None,  # short name -> name, for the partial notes
    ) -> None:
        self.units = {i.code: i.unit for i in indicators}
        self._values = values
        self._contributions = contributions
        self._agencies = agencies or {}
        self._cache: dict[tuple[str, int], _Published] = {}

    def get(self, code: str, quarter: int) -> _Published:
        key = (code, quarter)
        if key not in self._cache:
            self._cache[key] = self.publish(code, quarter, self._contributions.get(key, {}))
        return self._cache[key]

    def publish(self, code: str, quarter: int, parts: Mapping[str, Decimal | None]) -> _Published:
        """One indicator-quarter through disclosure, given its agencies' figures; not kept (see `keep`)."""
        published = self._publish(code, quarter, parts)
        pv = self._values.get((code, quarter))
        if pv is not None and pv.partial:
            note = marks.partial_note(
                contributors=pv.contributors,
                expected=pv.expected,
                not_available=pv.not_available,
                agencies=self._agencies,
            )
            published = replace(published, partial=True, partial_note=note)
        return published

    def decided(self, code: str, quarter: int, parts: Mapping[str, Decimal | None]) -> _Published:
        """The indicator-quarter as already published here, when it was (a caller that published the whole dataset
        first, as the evidence pack does for its PDF, hands its figures on to the workbook and the CSV, which then
        decide nothing again); else published now from `parts`, as `publish`."""
        kept = self._cache.get((code, quarter))
        return kept if kept is not None else self.publish(code, quarter, parts)

    def keep(self, code: str, quarter: int, published: _Published) -> None:
        """Remember a streamed indicator-quarter that a later sheet reads again (the Dataset sheet's quarters)."""
        self._cache[(code, quarter)] = published

    def _publish(self, code: str, quarter: int, parts: Mapping[str, Decimal | None]) -> _Published:
        unit = self.units[code]
        pv = self._values.get((code, quarter))
        if unit not in RATIO_UNITS:
            total, part_cells = disclosure.protect_group(total=pv.value if pv else None, parts=parts)
            return _Published(total, NOT_APPLICABLE_CELL, NOT_APPLICABLE_CELL, part_cells)
        numerator, part_cells = disclosure.protect_group(total=pv.numerator if pv else None, parts=parts)
        value, numerator, denominator = disclosure.protect_ratio(
            unit=unit,
            numerator=numerator,
            denominator=pv.denominator if pv else None,
            value=pv.value if pv else None,
        )
        return _Published(value, numerator, denominator, part_cells)

    def suppressed(self, code: str, quarter: int) -> bool:
        return self.get(code, quarter).value.status == SUPPRESSED


def _rounded(unit: str, value: Decimal) -> Decimal:
    """A ratio's value rounded as the dashboard shows it ("62.5%" -> 62.5)."""
    text = format_value(unit, value)
    for suffix in _UNIT_SUFFIXES:
        text = text.removesuffix(suffix)
    return Decimal(text.replace(",", ""))


def sheet_value(cell: Cell) -> int | Decimal | str:
    """A published cell for a spreadsheet: a number where shown, else its symbol."""
    if cell.value is None:
        return cell.status
    if cell.unit in RATIO_UNITS:
        return _rounded(cell.unit, cell.value)  # keeps its places: 62.0 stays 62.0, as the dashboard shows it
    return int(cell.value) if cell.value == cell.value.to_integral_value() else cell.value


def _csv_value(cell: Cell) -> str:
    """A published cell for a CSV: a plain number (no separators, no unit) or its symbol."""
    return csv_text(sheet_value(cell))


# --- words ------------------------------------------------------------------------------------------------------
def rag_text(indicator: IndicatorInfo, comparison: Comparison | None, value: Cell) -> str:
    if not value.shown:
        return value.status
    rag = comparison.rag if comparison else ""
    if rag:
        return RAG_WORDS.get(rag, rag.capitalize())
    return "No target" if indicator.target is None else "Not rated"


def _spc_text(result: SpcResult | None, quarter: int, value: Cell, partial: bool = False) -> str:
    if not value.shown:
        return value.status
    if result is None:
        return "Not assessed"
    if result.method == "year_to_date":
        return result.message  # compared with the same quarter of earlier years instead
    if partial:
        return marks.NOT_ASSESSED_PARTIAL
    # Judged against its own phase: the latest phase may be too short for limits while earlier ones are not.
    phase = next((p for p in result.phases if p.start <= quarter <= p.end), None)
    if phase is not None and not phase.enough_data and phase != result.phases[-1]:
        return "Not enough data: its phase has too few quarters for limits"
    if not (phase.enough_data if phase is not None else result.enough_data):
        return result.message or "Not enough data"
    point = next((p for p in result.points if p.quarter == quarter), None)
    if point is None:
        return "Not assessed"
    words = SPC_WORDS.get(point.assessment, point.assessment.capitalize())
    if point.assessment and point.rules:
        words += " (" + ", ".join(SPC_RULE_WORDS.get(rule, rule.replace("_", " ")) for rule in point.rules) + ")"
    return words


def _direction_text(comparison: Comparison | None, withheld: bool, partial: bool = False) -> str:
    if withheld:
        return SUPPRESSED
    if partial or (comparison is not None and not comparison.comparable):
        return marks.NOT_COMPARED_PARTIAL  # this quarter, or the one it is compared with, is partial
    if comparison is None or not comparison.direction:
        return "No comparison"
    return DIRECTION_WORDS.get(comparison.direction, comparison.direction.capitalize())


def _agencies_text(count: int) -> str:
    return f"{count} agency" if count == 1 else f"{count} agencies"


def _completeness(indicator: IndicatorInfo, pv: PartnershipValue | None) -> str:
    """How many of the agencies expected to supply it are in the value: "8 of 9 agencies"."""
    if pv is None:
        return f"0 of {_agencies_text(len(indicator.suppliers))}" if indicator.suppliers else "No data"
    expected = len(pv.expected) or len(pv.contributors)
    return f"{len(pv.contributors)} of {_agencies_text(expected)}"


def _agency_completeness(agency: str, figure: Decimal | None, pv: PartnershipValue | None) -> str:
    if figure is not None:
        return "Included"
    if pv is not None and agency in pv.not_available:
        return "Not available"
    return "Missing"


def _benchmark_text(indicator: IndicatorInfo) -> str:
    if indicator.benchmark_value is None:
        return "No national benchmark"
    source = ", ".join(x for x in (indicator.benchmark_source, indicator.benchmark_year) if x)
    value = format_value(indicator.unit, indicator.benchmark_value)
    return f"{value} ({source})" if source else value


def _unit_label(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit)


def _objective_order(indicators: Sequence[IndicatorInfo]) -> list[str]:
    known = [str(o.value) for o in Objective]
    extra = [i.objective for i in indicators if i.objective not in known]
    return known + list(dict.fromkeys(extra))


def _objective_heading(objective: str) -> str:
    if objective in Objective.values:
        return f"{Objective(objective).label}: {OBJECTIVE_AIMS[objective]}"
    return objective.replace("_", " ").capitalize()


def _number_format(unit: str, number: int | Decimal) -> str:
    places = -Decimal(number).as_tuple().exponent if isinstance(number, Decimal) else 0
    digits = "#,##0" + ("." + "0" * max(int(places), 0) if places > 0 else "")
    if unit == "percentage":
        return digits + '"%"'
    if unit == "rate_per_10k":
        return digits + '" per 10,000"'
    return digits


def _agency_order(names: Iterable[str], agencies: Mapping[str, str]) -> list[str]:
    names = set(names)
    return [a for a in agencies if a in names] + sorted(names - set(agencies))


# --- rows shared by the Data sheet and the CSV ------------------------------------------------------------------
def _partnership_row(
    indicator: IndicatorInfo,
    quarter: int,
    published: _Published,
    values: Mapping[tuple[str, int], PartnershipValue],
    comparisons: Mapping[tuple[str, int], Comparison],
    spc: Mapping[str, SpcResult],
) -> dict[str, object]:
    return {
        "indicator_code": indicator.code,
        "indicator_title": indicator.title,
        "period": quarter_label(quarter),
        "agency": PARTNERSHIP,
        "value": published.value,
        "numerator": published.numerator,
        "denominator": published.denominator,
        "unit": indicator.unit,
        "rag": rag_text(indicator, comparisons.get((indicator.code, quarter)), published.value),
        "spc": _spc_text(spc.get(indicator.code), quarter, published.value, published.partial),
        "completeness": _completeness(indicator, values.get((indicator.code, quarter))),
        "partial": "yes" if published.partial else "no",
        "partial_note": published.partial_note,
    }


def _agency_rows(
    indicator: IndicatorInfo,
    quarter: int,
    published: _Published,
    values: Mapping[tuple[str, int], PartnershipValue],
    given: Mapping[str, Decimal | None],
    agencies: Mapping[str, str],
    only: Collection[str] | None = None,
) -> list[dict[str, object]]:
    """One row per agency in the value or expected in it; with `only`, just those agencies' rows."""
    pv = values.get((indicator.code, quarter))
    names = set(given) | set(pv.expected if pv else ())
    ratio = indicator.unit in RATIO_UNITS
    rows = []
    for agency in _agency_order(names, agencies):
        if only is not None and agency not in only:
            continue
        part = published.parts.get(agency, disclosure.MISSING_CELL)
        rows.append(
            {
                "indicator_code": indicator.code,
                "indicator_title": indicator.title,
                "period": quarter_label(quarter),
                "agency": agencies.get(agency, agency),
                "value": NOT_APPLICABLE_CELL if ratio else part,
                "numerator": part if ratio else NOT_APPLICABLE_CELL,
                "denominator": NOT_APPLICABLE_CELL,
                "unit": indicator.unit,
                "rag": disclosure.NOT_APPLICABLE,
                "spc": disclosure.NOT_APPLICABLE,
                "completeness": _agency_completeness(agency, given.get(agency), pv),
                "partial": disclosure.NOT_APPLICABLE,  # an agency's own figure is whole or missing, never partial
                "partial_note": disclosure.NOT_APPLICABLE,
            }
        )
    return rows


# --- sheets -----------------------------------------------------------------------------------------------------
# The workbook is written in openpyxl's write-only mode: rows go to the file as they are made and nothing is read
# back, so its memory does not grow with the Data sheet (a large partnership's is a quarter of a million rows).
# The Dataset, Themes and Notes sheets are a few hundred rows with their own styles: they are laid out cell by cell
# in a `_Grid`, as on an ordinary worksheet, and then written row by row.
class _Grid:
    """A small sheet laid out cell by cell, then written into a write-only worksheet by `flush`."""

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self.column_dimensions = ws.column_dimensions
        self.row_dimensions = ws.row_dimensions
        self._cells: dict[tuple[int, int], OpenpyxlCell] = {}

    @property
    def freeze_panes(self) -> str | None:
        return self.ws.freeze_panes

    @freeze_panes.setter
    def freeze_panes(self, coordinate: str) -> None:
        self.ws.freeze_panes = coordinate

    def cell(self, row: int, column: int) -> OpenpyxlCell:
        key = (row, column)
        if key not in self._cells:
            self._cells[key] = WriteOnlyCell(self.ws)
        return self._cells[key]

    def merge_cells(self, *, start_row: int, start_column: int, end_row: int, end_column: int) -> None:
        self.ws.merged_cells.add(
            CellRange(min_col=start_column, min_row=start_row, max_col=end_column, max_row=end_row)
        )

    def flush(self) -> None:
        if not self._cells:
            return
        last_row = max(row for row, _ in self._cells)
        last_column = max(column for _, column in self._cells)
        for row in range(1, last_row + 1):
            self.ws.append([self._cells.get((row, column)) for column in range(1, last_column + 1)])


def _header(ws: _Grid, row: int, names: Sequence[str]) -> None:
    for column, name in enumerate(names, start=1):
        cell = ws.cell(row=row, column=column)
        set_cell(cell, name)
        cell.font = _BOLD


def styled_cell(
    ws: WriteOnlyWorksheet, value: object, *, font: Font | None = None, alignment: Alignment | None = None
) -> OpenpyxlCell:
    """A cell for a write-only row that carries a style, its value through dataset.cells.set_cell."""
    cell = WriteOnlyCell(ws)
    set_cell(cell, value)
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def header_cells(ws: WriteOnlyWorksheet, names: Sequence[str]) -> list[OpenpyxlCell]:
    """A bold header row for a write-only sheet."""
    return [styled_cell(ws, name, font=_BOLD) for name in names]


def _widths(ws: _Grid | WriteOnlyWorksheet, widths: Sequence[int]) -> None:
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width


def _write(ws: _Grid, row: int, column: int, value: object, number_format: str = "") -> None:
    cell = ws.cell(row=row, column=column)
    set_cell(cell, value)
    if number_format:
        cell.number_format = number_format
    cell.alignment = _WRAP if isinstance(value, str) and len(value) > 40 else _TOP


def row_value(ws: WriteOnlyWorksheet, value: object) -> object:
    """A value for a write-only row as it is, or as a cell through dataset.cells.set_cell when it is text that a
    spreadsheet would run as a formula or that holds characters a workbook cannot (set_cell decides both). Plain
    values keep the Data sheet fast: a styled cell for each of its millions would cost minutes."""
    if isinstance(value, str) and (is_dangerous(value) or ILLEGAL_CHARACTERS_RE.search(value)):
        return styled_cell(ws, value)
    return value


def _dataset_sheet(
    ws: _Grid,
    *,
    snapshot_label: str,
    built_at: str,
    indicators: Sequence[IndicatorInfo],
    quarters: Sequence[int],
    figures: PublishedFigures,
    values: Mapping[tuple[str, int], PartnershipValue],
    comparisons: Mapping[tuple[str, int], Comparison],
    spc: Mapping[str, SpcResult],
) -> None:
    shown = sorted(set(quarters))[-LATEST_QUARTERS:]
    latest = shown[-1] if shown else None
    set_cell(ws.cell(row=1, column=1), f"Partnership Neglect Dataset: {snapshot_label}")
    ws.cell(row=1, column=1).font = _TITLE
    set_cell(
        ws.cell(row=2, column=1),
        f"Built {built_at}. Counts from 1 to 5 are shown as c, missing figures as : and figures that do not apply "
        f"as z; a figure followed by {marks.PARTIAL_MARK} is from a partial quarter (an expected agency is missing), "
        "named in the Partial quarters column; see the Notes sheet.",
    )
    header_row = 4
    completeness_header = f"Completeness ({quarter_label(latest)})" if latest is not None else "Completeness"
    names = (
        "Code",
        "Indicator",
        "Unit",
        *(quarter_label(q) for q in shown),
        "Direction of travel",
        "RAG",
        "SPC",
        "Benchmark",
        completeness_header,
        "Partial quarters",
    )
    _header(ws, header_row, names)
    row = header_row
    by_objective: dict[str, list[IndicatorInfo]] = {}
    for indicator in indicators:
        by_objective.setdefault(indicator.objective, []).append(indicator)
    for objective in _objective_order(indicators):
        if objective not in by_objective:
            continue
        row += 1
        set_cell(ws.cell(row=row, column=1), _objective_heading(objective))
        for column in range(1, len(names) + 1):
            ws.cell(row=row, column=column).fill = _OBJECTIVE_FILL
            ws.cell(row=row, column=column).font = _BOLD
        for indicator in by_objective[objective]:
            row += 1
            code = indicator.code
            unit = _unit_label(indicator.unit) + (f", {marks.YEAR_TO_DATE.lower()}" if indicator.year_to_date else "")
            cells: list[tuple[object, str]] = [(code, ""), (indicator.title, ""), (unit, "")]
            partial_notes = []
            for quarter in shown:
                published = figures.get(code, quarter)
                value = sheet_value(published.value)
                number_format = "" if isinstance(value, str) else _number_format(indicator.unit, value)
                if published.partial:
                    # The marker is in the number format, so the cell stays a number for anyone computing with it.
                    number_format += f'" {marks.PARTIAL_MARK}"' if number_format else ""
                    partial_notes.append(f"{quarter_label(quarter)}: {published.partial_note}")
                cells.append((value, number_format))
            if latest is None:
                words = ["No comparison", ":", ":", _benchmark_text(indicator), "No data"]
            else:
                comparison = comparisons.get((code, latest))
                latest_published = figures.get(code, latest)
                value_cell = latest_published.value
                withheld = any(figures.suppressed(code, q) for q in (latest, latest - 1, latest - 4))
                rag_words = rag_text(indicator, comparison, value_cell)
                if indicator.year_to_date and value_cell.shown and comparison is not None and comparison.rag:
                    rag_words += f" ({marks.target_text(indicator, latest)})"
                words = [
                    _direction_text(comparison, withheld, latest_published.partial),
                    rag_words,
                    _spc_text(spc.get(code), latest, value_cell, latest_published.partial),
                    _benchmark_text(indicator),
                    _completeness(indicator, values.get((code, latest))),
                ]
            words.append("\n".join(partial_notes))
            cells.extend((w, "") for w in words)
            for column, (value, number_format) in enumerate(cells, start=1):
                _write(ws, row, column, value, number_format)
    ws.freeze_panes = f"{get_column_letter(4)}{header_row + 1}"
    _widths(ws, (10, 48, 22, *(12 for _ in shown), 24, 10, 30, 36, 22, 48))


Group = tuple[str, int, Mapping[str, Decimal | None]]  # (code, quarter, agency short name -> its figure)


def groups_of(
    indicators: Sequence[IndicatorInfo],
    quarters: Sequence[int],
    contributions: Mapping[tuple[str, int], Mapping[str, Decimal | None]],
) -> Iterator[Group]:
    """Every indicator-quarter of the files in their order (indicators as given, quarters ascending) with its
    agencies' figures: what the exports read, from a mapping already in memory (dataset.reading.selectors streams
    the same from the database)."""
    ordered = sorted(set(quarters))
    for indicator in indicators:
        for quarter in ordered:
            yield indicator.code, quarter, contributions.get((indicator.code, quarter), {})


def _data_sheet(
    ws: WriteOnlyWorksheet,
    *,
    indicators: Sequence[IndicatorInfo],
    quarters: Sequence[int],
    figures: PublishedFigures,
    groups: Iterable[Group],
    values: Mapping[tuple[str, int], PartnershipValue],
    comparisons: Mapping[tuple[str, int], Comparison],
    spc: Mapping[str, SpcResult],
    agencies: Mapping[str, str],
    agency_rows: Collection[str] | None = None,
) -> set[str]:
    """The long sheet, written as the groups stream past; returns the indicators with a value shown as c (their
    themes are withheld). The groups of the Dataset sheet's quarters are kept in `figures` for it."""
    ws.freeze_panes = "E2"
    _widths(ws, (15, 48, 12, 32, 12, 12, 12, 14, 10, 30, 18, 8, 48))
    ws.append(header_cells(ws, DATA_COLUMNS))
    by_code = {i.code: i for i in indicators}
    ordered = sorted(set(quarters))
    latest = ordered[-1] if ordered else None
    kept = set(ordered[-LATEST_QUARTERS:]) | ({latest - 1, latest - 4} if latest is not None else set())
    withheld: set[str] = set()
    for code, quarter, parts in groups:
        indicator = by_code[code]
        published = figures.decided(code, quarter, parts)
        if quarter in kept:
            figures.keep(code, quarter, published)
        if published.value.status == SUPPRESSED and (code, quarter) in values:
            withheld.add(code)
        records = [
            _partnership_row(indicator, quarter, published, values, comparisons, spc),
            *_agency_rows(indicator, quarter, published, values, parts, agencies, agency_rows),
        ]
        for record in records:
            ws.append(
                [
                    row_value(ws, sheet_value(value) if isinstance(value, Cell) else value)
                    for value in (record[name] for name in DATA_COLUMNS)
                ]
            )
    # A value outside the quarters listed (never in a built snapshot) is still judged, as the whole files were.
    listed = set(ordered)
    withheld |= {
        code
        for code, quarter in values
        if quarter not in listed and code in figures.units and figures.suppressed(code, quarter)
    }
    return withheld


def _named_codes(theme: Theme, codes: Iterable[str]) -> set[str]:
    """The indicators a theme speaks of: its own, and any whose code its sentence or number labels mention."""
    text = " ".join((theme.sentence, theme.question, *theme.numbers))
    return {theme.code} - {""} | {code for code in codes if re.search(rf"(?<!\w){re.escape(code)}(?!\w)", text)}


def _themes_sheet(
    ws: _Grid, *, themes: Sequence[Theme], indicators: Sequence[IndicatorInfo], withheld_codes: set[str]
) -> None:
    titles = {i.code: i.title for i in indicators}
    _header(ws, 1, THEME_COLUMNS)
    for row, theme in enumerate(themes, start=2):
        if _named_codes(theme, titles) & withheld_codes:
            sentence, question, numbers = WITHHELD_TEXT, WITHHELD_TEXT, SUPPRESSED
        else:
            sentence, question = theme.sentence, theme.question
            numbers = "; ".join(f"{key}: {value}" for key, value in theme.numbers.items())
        cells = (
            KIND_WORDS.get(theme.kind, theme.kind.replace("_", " ").capitalize()),
            SEVERITY_WORDS.get(theme.severity, str(theme.severity)),
            theme.code,
            titles.get(theme.code, "The collection" if not theme.code else ""),
            sentence,
            question,
            numbers,
        )
        for column, value in enumerate(cells, start=1):
            _write(ws, row, column, value)
            ws.cell(row=row, column=column).alignment = _WRAP
    ws.freeze_panes = "A2"
    _widths(ws, (22, 10, 14, 40, 70, 60, 50))


def _notes_sheet(
    ws: _Grid,
    *,
    snapshot_label: str,
    built_at: str,
    indicators: Sequence[IndicatorInfo],
    agencies: Mapping[str, str],
    data_note: str = "",
) -> None:
    row = 1
    set_cell(ws.cell(row=row, column=1), f"Notes: Partnership Neglect Dataset {snapshot_label}, built {built_at}")
    ws.cell(row=row, column=1).font = _TITLE
    if data_note:
        row += 1
        _write(ws, row, 1, data_note)

    row += 2
    _header(ws, row, ("Symbol", "Meaning"))
    for symbol, meaning in disclosure.SYMBOLS.items():
        row += 1
        _write(ws, row, 1, symbol)
        _write(ws, row, 2, meaning)
    row += 1
    _write(ws, row, 1, marks.PARTIAL_MARK)
    _write(ws, row, 2, "Partial quarter, after a figure on the Dataset sheet: its Partial quarters column says who.")
    row += 2
    _header(ws, row, ("Disclosure control",))
    for note in DISCLOSURE_NOTES:
        row += 1
        _write(ws, row, 1, note)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(DEFINITION_COLUMNS))
        ws.cell(row=row, column=1).alignment = _WRAP
        ws.row_dimensions[row].height = 45

    row += 2
    _header(ws, row, ("Partial quarters and year-to-date figures",))
    for note in (marks.PARTIAL_FOOTNOTE, marks.YEAR_TO_DATE_NOTE):
        row += 1
        _write(ws, row, 1, note)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(DEFINITION_COLUMNS))
        ws.cell(row=row, column=1).alignment = _WRAP
        ws.row_dimensions[row].height = 45

    row += 2
    _header(ws, row, DEFINITION_COLUMNS)
    for indicator in indicators:
        row += 1
        suppliers = ", ".join(agencies.get(s, s) for s in indicator.suppliers)
        cells = (
            indicator.code,
            indicator.title,
            indicator.definition,
            indicator.numerator_label or ("z" if indicator.unit not in RATIO_UNITS else ""),
            indicator.denominator_label or ("z" if indicator.unit not in RATIO_UNITS else ""),
            _unit_label(indicator.unit),
            POLARITY_WORDS.get(indicator.polarity, indicator.polarity),
            suppliers,
        )
        for column, value in enumerate(cells, start=1):
            _write(ws, row, column, value)

    row += 2
    _header(ws, row, BENCHMARK_COLUMNS)
    for indicator in indicators:
        if indicator.benchmark_value is None:
            continue
        row += 1
        cells = (
            indicator.code,
            indicator.title,
            format_value(indicator.unit, indicator.benchmark_value),  # text, so a national count reads as such
            indicator.benchmark_source,
            indicator.benchmark_year,
        )
        for column, value in enumerate(cells, start=1):
            _write(ws, row, column, value)
    ws.freeze_panes = "A2"
    _widths(ws, (14, 40, 60, 28, 28, 22, 22, 40))


# --- the files --------------------------------------------------------------------------------------------------
def dataset_workbook(
    *,
    snapshot_label: str,
    built_at: str,
    indicators: Sequence[IndicatorInfo],
    quarters: Sequence[int],
    values: Mapping[tuple[str, int], PartnershipValue],
    groups: Iterable[Group],
    comparisons: Mapping[tuple[str, int], Comparison],
    spc: Mapping[str, SpcResult],
    themes: Sequence[Theme],
    agencies: Mapping[str, str],
    agency_rows: Collection[str] | None = None,
    data_note: str = "",
    figures: PublishedFigures | None = None,
) -> Workbook:
    """The dataset's four sheets in a write-only workbook, not yet saved: a caller may add sheets (the evidence
    pack does) and then saves it once. `groups` is read once, in order (see `groups_of`); see `export_xlsx`.
    `data_note` is a line under the Notes sheet's title (the pack says there where the agencies' rows are when it
    leaves them out). `figures`: the same dataset already through disclosure (made from the same contributions
    as `groups`, with the same agencies), to publish from instead of deciding every cell again."""
    figures = figures or PublishedFigures(indicators, values, {}, agencies)
    wb = Workbook(write_only=True)
    dataset = wb.create_sheet(DATASET_SHEET)
    data = wb.create_sheet(DATA_SHEET)
    themes_ws = wb.create_sheet(THEMES_SHEET)
    notes = wb.create_sheet(NOTES_SHEET)
    withheld_codes = _data_sheet(
        data,
        indicators=indicators,
        quarters=quarters,
        figures=figures,
        groups=groups,
        values=values,
        comparisons=comparisons,
        spc=spc,
        agencies=agencies,
        agency_rows=agency_rows,
    )
    grid = _Grid(dataset)
    _dataset_sheet(
        grid,
        snapshot_label=snapshot_label,
        built_at=built_at,
        indicators=indicators,
        quarters=quarters,
        figures=figures,
        values=values,
        comparisons=comparisons,
        spc=spc,
    )
    grid.flush()
    # A theme quotes values, changes, limits and means of its indicator's series, any of which can give back a
    # suppressed value: a theme about an indicator with a c anywhere in its series is withheld.
    grid = _Grid(themes_ws)
    _themes_sheet(grid, themes=themes, indicators=indicators, withheld_codes=withheld_codes)
    grid.flush()
    grid = _Grid(notes)
    _notes_sheet(
        grid,
        snapshot_label=snapshot_label,
        built_at=built_at,
        indicators=indicators,
        agencies=agencies,
        data_note=data_note,
    )
    grid.flush()
    wb.properties.title = f"Partnership Neglect Dataset {snapshot_label}"
    wb.properties.creator = "Neglect portal"
    return wb


def export_xlsx(
    *,
    snapshot_label: str,
    built_at: str,
    indicators: Sequence[IndicatorInfo],
    quarters: Sequence[int],
    values: Mapping[tuple[str, int], PartnershipValue],
    contributions: Mapping[tuple[str, int], Mapping[str, Decimal | None]],
    comparisons: Mapping[tuple[str, int], Comparison],
    spc: Mapping[str, SpcResult],
    themes: Sequence[Theme],
    agencies: Mapping[str, str],
    commentary: Mapping[tuple[str, int], Mapping[str, str]] | None = None,
    agency_rows: Collection[str] | None = None,
) -> bytes:
    """The dataset workbook: Dataset (as the web page), Data (long), Themes, Notes. Every figure through disclosure.

    contributions: per indicator and quarter, each agency's count (the numerator for a ratio), None when missing;
    they should be the agencies in the partnership value, whose figures add up to its total.
    agency_rows: the agencies (short names) whose own rows the Data sheet holds, None for all. An agency lead's file
    holds only their own agency's, as their screens do; disclosure is still decided on every agency's figures, so
    the cells published are the same in every reader's file.
    commentary: accepted so that `export_data(snapshot)` can be passed whole, but not written: free text cannot go
    through disclosure control, so the agencies' commentary stays on the pages where readers are scoped.
    The download streams the same workbook from the database (`dataset_workbook`); this is it from memory.
    """
    wb = dataset_workbook(
        snapshot_label=snapshot_label,
        built_at=built_at,
        indicators=indicators,
        quarters=quarters,
        values=values,
        groups=groups_of(indicators, quarters, contributions),
        comparisons=comparisons,
        spc=spc,
        themes=themes,
        agencies=agencies,
        agency_rows=agency_rows,
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


CSV_CHUNK = 64 * 1024  # characters: a streamed CSV goes out in pieces of about this size


def csv_chunks(
    *,
    indicators: Sequence[IndicatorInfo],
    values: Mapping[tuple[str, int], PartnershipValue],
    comparisons: Mapping[tuple[str, int], Comparison],
    spc: Mapping[str, SpcResult],
    groups: Iterable[Group],
    agencies: Mapping[str, str] | None = None,
    figures: PublishedFigures | None = None,
) -> Iterator[str]:
    """The CSV of `export_csv` as text in pieces, made as `groups` (see `groups_of`) stream past: the byte-order
    mark and header first, then one row per indicator and quarter. `figures` as for `dataset_workbook`."""
    figures = figures or PublishedFigures(indicators, values, {}, agencies)
    by_code = {i.code: i for i in indicators}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for record in csv_records(
        by_code=by_code, values=values, comparisons=comparisons, spc=spc, groups=groups, figures=figures
    ):
        writer.writerow([record[name] for name in CSV_COLUMNS])
        if out.tell() >= CSV_CHUNK:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_records(
    *,
    by_code: Mapping[str, IndicatorInfo],
    values: Mapping[tuple[str, int], PartnershipValue],
    comparisons: Mapping[tuple[str, int], Comparison],
    spc: Mapping[str, SpcResult],
    groups: Iterable[Group],
    figures: PublishedFigures,
) -> Iterator[dict[str, str]]:
    """The CSV's rows as text by column (CSV_COLUMNS), one per indicator-quarter of `groups`: the CSV writes them,
    the API's dataset sends them, so both publish the same cells in the same words."""
    for code, quarter, parts in groups:
        published = figures.decided(code, quarter, parts)
        record = _partnership_row(by_code[code], quarter, published, values, comparisons, spc)
        yield {
            name: _csv_value(value) if isinstance(value, Cell) else csv_text(value)
            for name, value in ((name, record[name]) for name in CSV_COLUMNS)
        }


def export_csv(
    *,
    indicators: Sequence[IndicatorInfo],
    quarters: Sequence[int],
    values: Mapping[tuple[str, int], PartnershipValue],
    comparisons: Mapping[tuple[str, int], Comparison],
    spc: Mapping[str, SpcResult],
    contributions: Mapping[tuple[str, int], Mapping[str, Decimal | None]],
    agencies: Mapping[str, str] | None = None,
    figures: PublishedFigures | None = None,
) -> bytes:
    """The partnership's figures, one row per indicator and quarter, as UTF-8 CSV with a byte-order mark.

    A partial quarter has `partial` "yes" and a `partial_note` naming who is missing (by name, given `agencies`).

    Only totals are in this file, but a total is not always safe on its own: where the agencies' figures are
    published elsewhere (the workbook), a total can give them back (two agencies with 5 each under a total of 10),
    so the total is then suppressed too. Pass the same contributions as to `export_xlsx` so both files publish the
    same totals; pass {} only when no agency figures of this dataset are published anywhere (primary
    suppression alone then applies). The download streams the same text (`csv_chunks`); this is it from memory.
    """
    chunks = csv_chunks(
        indicators=indicators,
        values=values,
        comparisons=comparisons,
        spc=spc,
        groups=groups_of(indicators, quarters, contributions),
        agencies=agencies,
        figures=figures,
    )
    return "".join(chunks).encode("utf-8")


__all__ = [
    "CSV_COLUMNS",
    "DATASET_SHEET",
    "DATA_COLUMNS",
    "DATA_SHEET",
    "NOTES_SHEET",
    "PARTNERSHIP",
    "THEMES_SHEET",
    "THEME_COLUMNS",
    "csv_chunks",
    "dataset_workbook",
    "export_csv",
    "export_xlsx",
    "groups_of",
    "header_cells",
    "row_value",
    "styled_cell",
]
