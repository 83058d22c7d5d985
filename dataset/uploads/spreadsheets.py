"""Return spreadsheets, pure: templates out (XLSX and CSV), uploaded files in.

Plain data in, plain data out: no ORM, no request. `write_xlsx` and `write_csv` turn a return's rows into a
template; `read_upload` turns an uploaded file's bytes into rows and problems, each problem saying what is wrong
and where (row, column, cell). The figures themselves are checked by dataset.returns.validation (through
selectors.return_rows), so an upload and the web form share one set of rules; this module only checks what is
special to a file: its type and size, its header, its indicator codes, formulas, and text in number cells.

Formula safety: every text cell that starts with = + - @, a tab or a carriage return is written as text (XLSX)
or prefixed with a single quote (CSV), so no spreadsheet program runs it; the quote is stripped again on upload.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.packaging.custom import IntProperty, StringProperty
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dataset.catalogue import numbers
from dataset.catalogue.numbers import UNIT_LABELS
from dataset.cells import csv_text, is_dangerous, set_cell
from dataset.returns import validation

# --- the file's shape ------------------------------------------------------------------------------------------
INPUT_COLUMNS: tuple[str, ...] = (
    "indicator_code",
    "indicator_title",
    "unit",
    "numerator",
    "denominator",
    "value",
    "not_available_reason",
    "commentary",
)
REFERENCE_COLUMNS: tuple[str, ...] = ("previous_quarter", "same_quarter_last_year", "definition")
NUMBER_COLUMNS: tuple[str, ...] = ("numerator", "denominator", "value")
# The columns a person fills in (unlocked in the XLSX template).
EDITABLE_COLUMNS: tuple[str, ...] = ("numerator", "denominator", "value", "not_available_reason", "commentary")

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
# The sheet itself, whatever its rows hold (blank rows between figures are allowed): checked from the sheet's declared
# size before a row is read, and again while reading, which stops at the cap. An 8 KB file can claim row 1,048,576,
# and reading the empty rows up to it took 10 seconds (issue 15).
MAX_SHEET_ROWS = 5000
MAX_SHEET_COLUMNS = 100
# An XLSX is a zip: these are checked from the zip's directory before anything is decompressed.
MAX_MEMBERS = 200
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_RATIO = 100
# A member this small cannot be a bomb whatever its ratio, and tiny XML parts compress unusually well.
_RATIO_FLOOR = 64 * 1024
# The model keeps figures in 40 characters and the form caps commentary at 4,000.
MAX_FIGURE_LENGTH = 40
MAX_COMMENTARY_LENGTH = 4000

DATA_SHEET = "Return"
ABOUT_SHEET = "About this file"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

XLSX = "xlsx"
CSV = "csv"

_FILE_NAME = re.compile(r"^(?P<agency>.+?)_(?P<quarter>\d{4}-\d{2}_Q[1-4])_return(?:\s*\(\d+\)|-\d+)?\.csv$", re.I)


def file_name_part(text: str) -> str:
    """Text safe in a file name: letters, digits and hyphens."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-") or "agency"


def template_file_name(agency_short_name: str, quarter_label: str, extension: str) -> str:
    """`CSC_2020-21_Q1_return.xlsx`."""
    return f"{file_name_part(agency_short_name)}_{quarter_label.replace(' ', '_')}_return.{extension}"


# --- templates out ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TemplateInfo:
    agency_short_name: str
    agency_name: str
    quarter_label: str
    return_id: int
    version: int
    downloaded_at: str = ""  # already formatted for people


@dataclass(frozen=True)
class TemplateRow:
    code: str
    title: str
    unit: str
    allow_negative: bool = False
    numerator: str = ""
    denominator: str = ""
    value: str = ""
    not_available_reason: str = ""  # a key of validation.NOT_AVAILABLE_REASONS, or whatever was stored
    commentary: str = ""
    previous: str = ""  # formatted, e.g. "35.7%"
    year_earlier: str = ""
    definition: str = ""


def _number_or_text(text: str) -> int | Decimal | str:
    """A stored figure as a number where it parses, else the text as typed."""
    try:
        number = numbers.parse_number(text)
    except ValueError:
        return text.strip()
    if number is None:
        return ""
    return int(number) if number == number.to_integral_value() else number


def _reason_label(key: str) -> str:
    return validation.NOT_AVAILABLE_REASONS.get(key, key)


def _row_cells(row: TemplateRow) -> list[object]:
    return [
        row.code,
        row.title,
        UNIT_LABELS.get(row.unit, row.unit),
        _number_or_text(row.numerator),
        _number_or_text(row.denominator),
        _number_or_text(row.value),
        _reason_label(row.not_available_reason),
        row.commentary,
    ]


_WIDTHS = {
    "indicator_code": 15,
    "indicator_title": 48,
    "unit": 16,
    "numerator": 14,
    "denominator": 14,
    "value": 12,
    "not_available_reason": 24,
    "commentary": 60,
    "previous_quarter": 18,
    "same_quarter_last_year": 24,
    "definition": 80,
}
_UNLOCKED = Protection(locked=False)
_REFERENCE_FILL = PatternFill("solid", fgColor="F3F2F1")
_INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


def _validation(kind: str, *, minimum: str | None, prompt: str, error: str) -> DataValidation:
    dv = DataValidation(
        type=kind,
        operator="greaterThanOrEqual" if minimum is not None else "between",
        formula1=minimum if minimum is not None else "-1E+15",
        formula2=None if minimum is not None else "1E+15",
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="Check the figure",
        error=error,
        promptTitle="Figure",
        prompt=prompt,
    )
    return dv


def write_xlsx(info: TemplateInfo, rows: Sequence[TemplateRow]) -> bytes:
    """The return's template: one row per expected indicator, input columns unlocked, the rest read-only."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    columns = (*INPUT_COLUMNS, *REFERENCE_COLUMNS)
    letter = {name: get_column_letter(i) for i, name in enumerate(columns, start=1)}
    for i, name in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i)
        set_cell(cell, name)
        cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS[name]

    whole = _validation(
        "whole",
        minimum="0",
        prompt="A whole number, 0 or more. Leave blank and choose a reason if it is not available.",
        error="Enter a whole number, 0 or more, with no decimal places.",
    )
    decimal = _validation(
        "decimal",
        minimum="0",
        prompt="A number, 0 or more (decimals allowed).",
        error="Enter a number, 0 or more.",
    )
    signed = _validation(
        "decimal",
        minimum=None,
        prompt="A number; it may be negative (decimals allowed).",
        error="Enter a number.",
    )
    reasons = DataValidation(
        type="list",
        formula1='"' + ",".join(validation.NOT_AVAILABLE_REASONS.values()) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not available reason",
        error="Choose one of the reasons in the list, or leave it blank when the figures are given.",
    )

    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(_row_cells(row), start=1):
            set_cell(ws.cell(row=r, column=c), value)
        for c, value in enumerate((row.previous, row.year_earlier, row.definition), start=len(INPUT_COLUMNS) + 1):
            set_cell(ws.cell(row=r, column=c), value)
        uses = numbers.FIELDS_BY_UNIT.get(row.unit, ())
        for name in columns:
            cell = ws[f"{letter[name]}{r}"]
            cell.alignment = _WRAP if name in ("indicator_title", "commentary", "definition") else _TOP
            used = name in EDITABLE_COLUMNS and (name not in NUMBER_COLUMNS or name in uses)
            if used:
                cell.protection = _UNLOCKED
                cell.fill = _INPUT_FILL
            else:
                cell.fill = _REFERENCE_FILL
        for name in uses:
            ref = f"{letter[name]}{r}"
            if row.unit == "mean" and name == "numerator":
                (signed if row.allow_negative else decimal).add(ref)
            else:
                whole.add(ref)
        reasons.add(f"{letter['not_available_reason']}{r}")

    for dv in (whole, decimal, signed, reasons):
        if dv.sqref:
            ws.add_data_validation(dv)
    ws.freeze_panes = "B2"
    ws.protection.sheet = True  # no password: it guards against slips, not against the person filling it in
    ws.protection.formatColumns = False
    ws.protection.formatRows = False

    _about_sheet(wb, info, len(rows))
    _properties(wb, info)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


ABOUT_LABELS = {
    "agency": "Agency (short name)",
    "agency_name": "Agency",
    "quarter": "Quarter",
    "return_id": "Return id",
    "version": "Version downloaded",
    "downloaded_at": "Downloaded",
}


def _about_sheet(wb: Workbook, info: TemplateInfo, count: int) -> None:
    ws = wb.create_sheet(ABOUT_SHEET)
    facts = [
        (ABOUT_LABELS["agency"], info.agency_short_name),
        (ABOUT_LABELS["agency_name"], info.agency_name),
        (ABOUT_LABELS["quarter"], info.quarter_label),
        (ABOUT_LABELS["return_id"], info.return_id),
        (ABOUT_LABELS["version"], info.version),
        (ABOUT_LABELS["downloaded_at"], info.downloaded_at),
    ]
    reasons = ", ".join(validation.NOT_AVAILABLE_REASONS.values())
    instructions = [
        f"This is {info.agency_name}'s neglect indicator return for {info.quarter_label}, "
        f'with {count} indicator(s) on the "{DATA_SHEET}" sheet.',
        "Fill in the white cells only: numerator and denominator for a percentage, rate or mean; value for a count; "
        "and commentary wherever a figure needs explaining. The grey columns are for reference and are read-only.",
        "Zero is a figure: enter 0 if there were none. If a figure is not available, leave it blank and choose a "
        f"not_available_reason: {reasons}.",
        "Type figures, not formulas: a cell holding a formula is refused when you upload the file.",
        "Do not change the header row or the indicator codes, and do not add indicators.",
        "Upload the file on the return's \u201cUpload a spreadsheet\u201d page. You will see every change, and "
        "every problem with its row and column, before anything is saved. Nothing is saved until you confirm.",
        f"Limits: {MAX_BYTES // (1024 * 1024)} MB and {MAX_ROWS:,} rows. Saved as .xlsx or as CSV (UTF-8).",
    ]
    for r, (label, value) in enumerate(facts, start=1):
        set_cell(ws.cell(row=r, column=1), label)
        ws.cell(row=r, column=1).font = Font(bold=True)
        set_cell(ws.cell(row=r, column=2), value)
    start = len(facts) + 2
    set_cell(ws.cell(row=start, column=1), "How to fill it in")
    ws.cell(row=start, column=1).font = Font(bold=True)
    for r, text in enumerate(instructions, start=start + 1):
        set_cell(ws.cell(row=r, column=1), text)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 40
    ws.protection.sheet = True


def _properties(wb: Workbook, info: TemplateInfo) -> None:
    props = wb.properties
    props.title = f"{info.agency_short_name} {info.quarter_label} return"
    props.subject = "Neglect indicator return"
    props.creator = "Neglect portal"
    props.keywords = f"agency={info.agency_short_name}; quarter={info.quarter_label}; return={info.return_id}"
    props.category = info.quarter_label
    props.description = f"{info.agency_name} return {info.return_id} for {info.quarter_label}, version {info.version}"
    wb.custom_doc_props.append(StringProperty(name="agency", value=info.agency_short_name))
    wb.custom_doc_props.append(StringProperty(name="quarter", value=info.quarter_label))
    wb.custom_doc_props.append(IntProperty(name="return_id", value=info.return_id))
    wb.custom_doc_props.append(IntProperty(name="version", value=info.version))


def write_csv(rows: Iterable[TemplateRow]) -> bytes:
    """The first eight template columns as UTF-8 CSV with a byte-order mark, so Excel reads accents right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(INPUT_COLUMNS)
    for row in rows:
        writer.writerow([csv_text(value) for value in _row_cells(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- files in ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Expected:
    """What the return being uploaded onto expects."""

    agency_short_name: str
    quarter_label: str
    units: Mapping[str, str]  # code -> unit, for the indicators this agency supplies
    known_codes: frozenset[str] = frozenset()  # every indicator code in the catalogue


@dataclass(frozen=True)
class FileProblem:
    message: str
    row: int | None = None
    column: str = ""
    cell: str = ""
    code: str = ""  # the row's indicator code, when there is one


@dataclass(frozen=True)
class UploadRow:
    row: int
    code: str
    fields: dict[str, str]  # the fields this indicator uses, plus not_available_reason and commentary


@dataclass(frozen=True)
class Parsed:
    kind: str = ""  # "xlsx", "csv", or "" when the file could not be read at all
    rows: tuple[UploadRow, ...] = ()
    problems: tuple[FileProblem, ...] = ()
    # The whole file is refused (wrong type, too big, bad header, another agency's...): no row is shown.
    fatal: bool = False
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def parsed_to_json(parsed: Parsed) -> dict:
    """A Parsed as plain JSON, to keep with the upload: the file is parsed once, at upload (issue 15)."""
    return {
        "kind": parsed.kind,
        "rows": [{"row": r.row, "code": r.code, "fields": dict(r.fields)} for r in parsed.rows],
        "problems": [
            {"message": p.message, "row": p.row, "column": p.column, "cell": p.cell, "code": p.code}
            for p in parsed.problems
        ],
        "fatal": parsed.fatal,
        "meta": dict(parsed.meta),
    }


def parsed_from_json(data: Mapping) -> Parsed:
    return Parsed(
        kind=data.get("kind", ""),
        rows=tuple(UploadRow(row=r["row"], code=r["code"], fields=dict(r["fields"])) for r in data.get("rows", ())),
        problems=tuple(FileProblem(**p) for p in data.get("problems", ())),
        fatal=bool(data.get("fatal")),
        meta=dict(data.get("meta", {})),
    )


class _Refused(Exception):
    def __init__(self, *problems: FileProblem) -> None:
        super().__init__(problems[0].message if problems else "")
        self.problems = problems


def _refuse(message: str, **where: object) -> _Refused:
    return _Refused(FileProblem(message, **where))


def read_upload(content: bytes, file_name: str, expected: Expected) -> Parsed:
    """The rows of an uploaded return file and every problem in it; never raises for a bad file."""
    kind = ""
    try:
        kind = sniff(content, file_name)
        if kind == XLSX:
            header, cells, meta = _read_xlsx(content)
        else:
            header, cells, meta = _read_csv(content)
            meta.update(_csv_name_meta(file_name))
        _check_identity(meta, expected)
        columns = _columns(header)
        rows, problems = _rows(cells, columns, expected, kind)
    except _Refused as refused:
        return Parsed(kind=kind, problems=refused.problems, fatal=True)
    return Parsed(kind=kind, rows=tuple(rows), problems=tuple(problems), meta=meta)


def sniff(content: bytes, file_name: str) -> str:
    """ "xlsx" or "csv" from the content, whatever the file's extension; _Refused when it is neither."""
    if not content:
        raise _refuse(f"\u201c{file_name}\u201d is empty. Choose the filled-in template file.")
    if len(content) > MAX_BYTES:
        raise _refuse(too_big_message(len(content)))
    if content.startswith(OLE2_MAGIC):
        raise _refuse(
            f"\u201c{file_name}\u201d cannot be read: it is password-protected, or an old .xls file: save it as "
            ".xlsx without a password and upload it again."
        )
    if content.startswith(b"PK"):
        _check_zip(content, file_name)
        return XLSX
    if b"\x00" in content:
        raise _not_a_spreadsheet(file_name)
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_a_spreadsheet(
            file_name,
            " If it is a CSV file, save it again as \u201cCSV UTF-8 (Comma delimited)\u201d.",
        ) from None
    return CSV


def too_big_message(size: int) -> str:
    return (
        f"The file is {size / (1024 * 1024):.1f} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB. "
        "Upload only the return's template, without other sheets or pictures."
    )


def _not_a_spreadsheet(file_name: str, hint: str = "") -> _Refused:
    return _refuse(
        f"\u201c{file_name}\u201d is not a spreadsheet this portal can read: upload the Excel workbook (.xlsx) or "
        f"CSV file made from this return's template.{hint}"
    )


def _check_zip(content: bytes, file_name: str) -> None:
    """Refuse a zip that is not a workbook, or that would expand too far, before anything decompresses it.

    The sizes come from the zip's directory; zipfile stops reading a member at its declared size and fails
    its CRC check if the data says otherwise, so a lying directory cannot expand further than it declares.
    """
    corrupt = _refuse(
        f"\u201c{file_name}\u201d is damaged and cannot be opened. Open it in Excel, save it again as .xlsx, "
        "and upload the new file."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise corrupt from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            raise _refuse(
                f"\u201c{file_name}\u201d is an Excel binary workbook (.xlsb). Save it as .xlsx and upload it again."
            )
        raise _not_a_spreadsheet(file_name, " (It is a zip file, but not an Excel workbook.)")
    if len(members) > MAX_MEMBERS:
        raise _refuse(
            f"\u201c{file_name}\u201d has {len(members):,} parts inside it; a return's template has far fewer "
            f"(the limit is {MAX_MEMBERS}). Copy the figures into a fresh template and upload that."
        )
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise _refuse(
            f"\u201c{file_name}\u201d would expand to {total / (1024 * 1024):,.0f} MB when opened; the limit is "
            f"{MAX_UNCOMPRESSED // (1024 * 1024)} MB. Copy the figures into a fresh template and upload that."
        )
    for m in members:
        if m.file_size > _RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise _refuse(
                f"\u201c{file_name}\u201d contains a part ({m.filename}) that expands more than {MAX_RATIO} times, "
                "which a real return never does. Copy the figures into a fresh template and upload that."
            )


def _xlsx_text(cell) -> tuple[str, str]:
    """(text, kind) of a read-only cell; kind is "formula", "number", "text", "date", "bool", "error" or ""."""
    value = cell.value
    data_type = getattr(cell, "data_type", None)
    if value is None:
        return "", ""
    if data_type == "f":
        text = getattr(value, "text", None) or str(value)
        return (text if text.startswith("=") else "=" + text), "formula"
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), "bool"
    if isinstance(value, int):
        return str(value), "number"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value)), "number"
        try:
            return format(Decimal(repr(value)), "f"), "number"
        except InvalidOperation:  # inf or nan, which Excel cannot hold anyway
            return str(value), "text"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f"), "number"
    if data_type == "e":
        return str(value), "error"
    if data_type == "d" or hasattr(value, "isoformat"):
        return str(value), "date"
    return str(value), "text"


def _read_xlsx(content: bytes) -> tuple[list[str], Iterator[list[tuple[str, str]]], dict[str, str]]:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise _refuse(
            "The workbook is damaged and cannot be opened. Open it in Excel, save it again as .xlsx, "
            "and upload the new file."
        ) from None
    try:
        meta = _xlsx_meta(wb)
        ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
        # The size the sheet declares (its <dimension>), read without reading a row; a sheet may leave it out or lie,
        # so the rows are read only up to one past the cap, which is all openpyxl then parses.
        if (ws.max_row or 0) > MAX_SHEET_ROWS or (ws.max_column or 0) > MAX_SHEET_COLUMNS:
            raise _sheet_too_big(ws.max_row or 0, ws.max_column or 0)
        header: list[str] = []
        rows: list[list[tuple[str, str]]] = []
        width = len(INPUT_COLUMNS) + len(REFERENCE_COLUMNS) + 20
        data = 0
        for index, row in enumerate(ws.iter_rows(min_row=1, max_row=MAX_SHEET_ROWS + 1, max_col=width), start=1):
            if index > MAX_SHEET_ROWS:  # openpyxl yields this row only when the sheet goes on past the cap
                raise _sheet_too_big(index, 0)
            cells = [_xlsx_text(c) for c in row]
            if index == 1:
                header = [text for text, _ in cells]
                continue
            if any(text.strip() for text, _ in cells):
                data += 1
                if data > MAX_ROWS:
                    raise _too_many_rows()
            rows.append(cells)
    except _Refused:
        raise
    except Exception:
        raise _refuse(
            "The workbook is damaged and cannot be read. Open it in Excel, save it again as .xlsx, "
            "and upload the new file."
        ) from None
    finally:
        wb.close()
    return header, iter(rows), meta


def _sheet_too_big(rows: int, columns: int) -> _Refused:
    size = f"goes down to row {rows:,}" if rows > MAX_SHEET_ROWS else f"goes across to column {columns:,}"
    return _refuse(
        f"The sheet is too big to be a return: it {size}, and the limit is {MAX_SHEET_ROWS:,} rows and "
        f"{MAX_SHEET_COLUMNS} columns. Copy the figures into a fresh template (or delete the rows and columns below "
        "and to the right of them) and upload that."
    )


def _too_many_rows() -> _Refused:
    return _refuse(
        f"The file has more than {MAX_ROWS:,} rows of data; a return has one row per indicator. "
        "Upload the return's template with only its own rows."
    )


def _xlsx_meta(wb) -> dict[str, str]:
    meta: dict[str, str] = {}
    for prop in getattr(wb, "custom_doc_props", None) or ():
        if prop.name in ("agency", "quarter", "return_id", "version") and prop.value is not None:
            meta[prop.name] = str(prop.value).strip()
    if "agency" in meta and "quarter" in meta:
        return meta
    # Some programs drop custom properties on saving; the About sheet carries the same facts.
    if ABOUT_SHEET in wb.sheetnames:
        wanted = {label.casefold(): key for key, label in ABOUT_LABELS.items()}
        for row in wb[ABOUT_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
            if len(row) < 2 or row[0] is None or row[1] is None:
                continue
            key = wanted.get(str(row[0]).strip().casefold())
            if key and key not in meta:
                meta[key] = str(row[1]).strip()
    return meta


def _csv_name_meta(file_name: str) -> dict[str, str]:
    match = _FILE_NAME.match(file_name.strip())
    if not match:
        return {}
    return {"agency_in_name": match["agency"], "quarter": match["quarter"].replace("_", " ").upper()}


def _check_identity(meta: Mapping[str, str], expected: Expected) -> None:
    quarter = meta.get("quarter", "").replace("_", " ")
    agency = meta.get("agency")
    named = meta.get("agency_in_name")
    wrong_agency = (agency is not None and agency.casefold() != expected.agency_short_name.casefold()) or (
        named is not None and named.casefold() != file_name_part(expected.agency_short_name).casefold()
    )
    wrong_quarter = bool(quarter) and quarter.casefold() != expected.quarter_label.casefold()
    if not (wrong_agency or wrong_quarter):
        return
    theirs = " ".join(x for x in (agency or named or expected.agency_short_name, quarter or expected.quarter_label))
    raise _refuse(
        f"This file is for {theirs}, but this is {expected.agency_short_name}'s {expected.quarter_label} return. "
        "Upload the file made from this return's template, or copy the figures into it."
    )


def _read_csv(content: bytes) -> tuple[list[str], Iterator[list[tuple[str, str]]], dict[str, str]]:
    text = content.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        rows: list[list[tuple[str, str]]] = []
        data = 0
        for record in reader:
            cells = [(_unquote(value), "text") for value in record]
            if any(value.strip() for value, _ in cells):
                data += 1
                if data > MAX_ROWS:
                    raise _too_many_rows()
            rows.append(cells)
    except csv.Error as exc:
        raise _refuse(
            f"The CSV file cannot be read ({exc}). Open it in Excel, save it again as \u201cCSV UTF-8 (Comma "
            "delimited)\u201d, and upload the new file."
        ) from None
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        raise _refuse(
            "The CSV file's columns are separated by semicolons or tabs, not commas. Save it again as \u201cCSV "
            "UTF-8 (Comma delimited)\u201d and upload the new file."
        )
    return header, iter(rows), {}


def _unquote(text: str) -> str:
    """Undo the template's formula guard: a single quote before = + - @, tab or CR."""
    return text[1:] if text.startswith("'") and is_dangerous(text[1:]) else text


def _columns(header: Sequence[str]) -> dict[str, int]:
    """Column index of each template column, by name (any order); _Refused naming what is missing."""
    names = [h.strip().lstrip("\ufeff").casefold() for h in header]
    found: dict[str, int] = {}
    twice: list[str] = []
    for index, name in enumerate(names):
        if name in INPUT_COLUMNS or name in REFERENCE_COLUMNS:
            if name in found:
                twice.append(f"\u201c{name}\u201d ({get_column_letter(found[name] + 1)}1 and {_cell(index, 1)})")
            else:
                found[name] = index
    missing = [name for name in INPUT_COLUMNS if name not in found]
    if missing:
        known = set(INPUT_COLUMNS) | set(REFERENCE_COLUMNS)
        others = [f"\u201c{h.strip()}\u201d" for h in header if h.strip() and h.strip().casefold() not in known]
        message = f"The header row (row 1) is missing the column{'s' if len(missing) > 1 else ''} " + _and(
            [f"\u201c{name}\u201d" for name in missing]
        )
        if others:
            message += f"; it has {_and(others[:8])}{', ...' if len(others) > 8 else ''} instead"
        message += ". Put back the template's header row: " + ", ".join(INPUT_COLUMNS) + "."
        raise _refuse(message, row=1)
    if twice:
        raise _refuse(
            f"The header row has the column {_and(twice)} twice. Keep one of each: " + ", ".join(INPUT_COLUMNS) + ".",
            row=1,
        )
    return found


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _cell(index: int, row: int) -> str:
    return f"{get_column_letter(index + 1)}{row}"


def _reason_key(text: str) -> str:
    """A "not available" label or key, any case, as its key; anything else as typed so validation reports it."""
    wanted = text.strip().casefold()
    for key, label in validation.NOT_AVAILABLE_REASONS.items():
        if wanted in (key.casefold(), label.casefold()):
            return key
    return text.strip()


def _rows(
    cells_by_row: Iterator[list[tuple[str, str]]], columns: Mapping[str, int], expected: Expected, kind: str
) -> tuple[list[UploadRow], list[FileProblem]]:
    rows: list[UploadRow] = []
    problems: list[FileProblem] = []
    seen: dict[str, int] = {}
    supplied = {code.upper(): unit for code, unit in expected.units.items()}
    known = {code.upper() for code in expected.known_codes} | set(supplied)

    def get(cells: list[tuple[str, str]], name: str) -> tuple[str, str]:
        index = columns[name]
        return cells[index] if index < len(cells) else ("", "")

    for number, cells in enumerate(cells_by_row, start=2):
        read = ("indicator_code", *EDITABLE_COLUMNS)
        if not any(get(cells, name)[0].strip() for name in read):
            continue
        code = get(cells, "indicator_code")[0].strip().upper()
        code_cell = _cell(columns["indicator_code"], number)
        if get(cells, "indicator_code")[1] == "formula":
            problems.append(_formula(get(cells, "indicator_code")[0], code_cell, number, "indicator_code", ""))
            continue
        if not code:
            problems.append(
                FileProblem(
                    f"Row {number} has figures but no indicator code in cell {code_cell}. Put back the row's code "
                    "from the template, or delete the row.",
                    row=number,
                    column="indicator_code",
                    cell=code_cell,
                )
            )
            continue
        if code not in supplied:
            if code in known:
                why = (
                    f"is not one of the indicators {expected.agency_short_name} supplies. Delete the row, or ask the "
                    "partnership analyst if you think you should report it"
                )
            else:
                why = "is not an indicator code. Check it against the template, or delete the row"
            problems.append(
                FileProblem(
                    f"Row {number}, cell {code_cell}: \u201c{_short(code)}\u201d {why}.",
                    row=number,
                    column="indicator_code",
                    cell=code_cell,
                    code=code,
                )
            )
            continue
        if code in seen:
            problems.append(
                FileProblem(
                    f"Row {number}, cell {code_cell}: {code} appears again (first in row {seen[code]}). Give each "
                    "indicator once: delete one of the rows.",
                    row=number,
                    column="indicator_code",
                    cell=code_cell,
                    code=code,
                )
            )
            continue
        seen[code] = number
        unit = supplied[code]
        fields: dict[str, str] = {}
        for name in (*numbers.FIELDS_BY_UNIT[unit], "not_available_reason", "commentary"):
            text, how = get(cells, name)
            ref = _cell(columns[name], number)
            if how == "formula":
                problems.append(_formula(text, ref, number, name, code))
            elif name in NUMBER_COLUMNS:
                problem = _number_problem(text, how, ref, number, name, code, kind)
                if problem:
                    problems.append(problem)
            elif name == "commentary" and len(text) > MAX_COMMENTARY_LENGTH:
                problems.append(
                    FileProblem(
                        f"Row {number}, cell {ref} ({code} commentary) is {len(text):,} characters long; the limit "
                        f"is {MAX_COMMENTARY_LENGTH:,}. Shorten it.",
                        row=number,
                        column=name,
                        cell=ref,
                        code=code,
                    )
                )
            if name == "not_available_reason":
                text = _reason_key(text)
            elif name in NUMBER_COLUMNS:
                text = text.strip()
            fields[name] = text
        rows.append(UploadRow(row=number, code=code, fields=fields))
    return rows, problems


def _formula(text: str, ref: str, number: int, name: str, code: str) -> FileProblem:
    return FileProblem(
        f"Row {number}: cell {ref} holds a formula ({_short(text)}); type the value instead.",
        row=number,
        column=name,
        cell=ref,
        code=code,
    )


def _number_problem(text: str, how: str, ref: str, number: int, name: str, code: str, kind: str) -> FileProblem | None:
    if not text.strip():
        return None
    what = {"date": "a date", "bool": "TRUE or FALSE", "error": f"the error {text}"}.get(how)
    if what is None:
        try:
            numbers.parse_number(text)
        except ValueError:
            what = f"text (\u201c{_short(text.strip())}\u201d)"
    if what is None and len(text.strip()) > MAX_FIGURE_LENGTH:
        what = f"a figure {len(text.strip())} characters long"
    if what is None:
        return None
    return FileProblem(
        f"Row {number}: cell {ref} ({code} {name}) holds {what} where a number is expected. Type the figure only, "
        "for example 1234 or 12.5, without % signs or words; if it is not available, leave it blank and choose a "
        "not_available_reason.",
        row=number,
        column=name,
        cell=ref,
        code=code,
    )
