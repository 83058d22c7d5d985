"""The evidence pack's files, built from plain data: no ORM, no request. Pure apart from rendering a template.

services gathers an event's evidence into `PackData`; these builders turn it into the PDF, the workbook, the
CSVs and the manifest, and zip them. Every figure that leaves the app goes through dataset.reading.disclosure: the
dataset's through dataset.reading.exports (decided once per indicator and quarter, so the PDF, the workbook and the CSV
publish the same cells), and the pack's own counts (audit grades, RAG counts, how many were heard) as groups whose
total is the sum of their parts. Every text cell is formula-safe (set_cell, csv_text).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.template.loader import render_to_string
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font

from dataset.build.figures import IndicatorInfo, quarter_label
from dataset.catalogue.numbers import format_value
from dataset.cells import csv_text, set_cell
from dataset.reading import disclosure, exports
from dataset.reading.disclosure import Cell
from neglect_portal.strategy import Objective
from scrutiny.models import AUDIT_QUESTIONS, GOOD_OR_BETTER, Grade

from . import charts as pack_charts

PDF_NAME = "evidence-pack.pdf"
XLSX_NAME = "evidence-pack.xlsx"
DATASET_CSV = "dataset.csv"
EVIDENCE_CSV = "evidence.csv"
AUDIT_CSV = "audit-grades.csv"
MANIFEST = "manifest.json"
LATEST_QUARTERS = 5
RAGS = ("red", "amber", "green", "blue")
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green", "blue": "Blue", "": "No RAG"}
GRADES = tuple(Grade)

RAG_SHEET = "RAG summary"
AUDIT_SHEET = "Audit grades"
EVIDENCE_SHEET = "Evidence list"
EVIDENCE_COLUMNS = (
    "Title",
    "Source",
    "Gathered on",
    "Agency",
    "Outcomes",
    "Summary",
    "Quotes",
    "How many were heard",
    "Who was heard",
)
AUDIT_COLUMNS = ("Audit", "Quarter", "Question", *(g.label for g in GRADES), "Cases", "Good or better")
RAG_COLUMNS = ("Agency", "Objective", "Red", "Amber", "Green", "Blue", "Total")
SHARE_WITHHELD = "c"
PACK_DISCLOSURE_NOTES = (
    "Audit grade counts, RAG counts and the number of people heard are counts too: from 1 to 5 they are shown as "
    "c, and where one count of a group is c at least one more is, so none can be worked out from the total.",
    "A good-or-better share is c when any of the grade counts it is made from is c, since the share and the "
    "counts shown would give the c back.",
)


# --- plain data in ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActionRow:
    agency: str
    objective: str
    description: str
    lead_officer: str
    due_on: date
    status: str
    rag: str  # "red" ... or "" when never rated in an accepted report
    rag_quarter: str


@dataclass(frozen=True)
class EvidenceRow:
    source: str  # EvidenceSource value
    source_label: str
    title: str
    gathered_on: date
    agency: str
    outcomes: tuple[str, ...]
    summary: str
    quotes: tuple[str, ...]
    heard_count: int | None
    heard_who: str

    @property
    def heard(self) -> str:
        """How many were heard, under disclosure control: "c practitioners", "12 children and young people"."""
        if self.heard_count is None:
            return ""
        return f"{heard_text(self.heard_count)} {self.heard_who.lower()}".strip()


@dataclass(frozen=True)
class CaseRow:
    reference: str
    agency: str
    grades: Mapping[str, str]  # AUDIT_QUESTIONS name -> Grade value
    findings: str


@dataclass(frozen=True)
class AuditData:
    title: str
    quarter: str
    scope: str
    cases: tuple[CaseRow, ...]


@dataclass(frozen=True)
class OutcomeData:
    title: str
    description: str
    questions: tuple[str, ...]
    codes: tuple[str, ...]  # linked indicators
    actions: tuple[ActionRow, ...]
    evidence: tuple[EvidenceRow, ...]


@dataclass(frozen=True)
class RagCount:
    agency: str
    objective: str
    counts: Mapping[str, int]


@dataclass(frozen=True)
class PackData:
    event_id: int
    event_title: str
    held_on: date
    notes: str
    quarters: tuple[str, ...]  # the quarters covered, as labels
    version: int
    built_by: str
    built_at: datetime
    snapshot_id: int
    snapshot_label: str
    dataset: Mapping  # dataset.reading.selectors.export_data(snapshot)
    outcomes: tuple[OutcomeData, ...]
    audits: tuple[AuditData, ...]
    rag_quarter: str
    rag_counts: tuple[RagCount, ...]
    evidence: tuple[EvidenceRow, ...]


# --- disclosure of the pack's own counts ----------------------------------------------------------------------------
@dataclass(frozen=True)
class GradeLine:
    question: str
    cells: tuple[Cell, ...]  # one per grade, in GRADES order
    cases: Cell
    good_or_better: str  # "55.0%", or "c"
    good_or_better_count: int = 0
    shown: bool = True


@dataclass(frozen=True)
class AuditSummary:
    title: str
    quarter: str
    scope: str
    cases: Cell
    lines: tuple[GradeLine, ...]
    overall: str
    findings: tuple[tuple[str, str, str], ...]  # (reference, agency, findings)


def share_text(part: int, whole: int) -> str:
    return format_value("percentage", Decimal(part) * 100 / Decimal(whole)) if whole else ":"


def audit_summary(audit: AuditData) -> AuditSummary:
    """Grade counts per question as a disclosure group (the cases are the total), and the good-or-better share
    only where every count it is made from is shown."""
    lines = []
    for name, question in AUDIT_QUESTIONS.items():
        counts = Counter(case.grades[name] for case in audit.cases)
        total, parts = disclosure.protect_group(
            total=len(audit.cases), parts={g.value: counts.get(g.value, 0) for g in GRADES}
        )
        cells = tuple(parts[g.value] for g in GRADES)
        shown = total.shown and all(c.shown for c in cells)
        better = sum(counts.get(g, 0) for g in GOOD_OR_BETTER)
        lines.append(
            GradeLine(
                question=question,
                cells=cells,
                cases=total,
                good_or_better=share_text(better, len(audit.cases)) if shown else SHARE_WITHHELD,
                good_or_better_count=better,
                shown=shown,
            )
        )
    if all(line.shown for line in lines) and lines:
        overall = share_text(sum(line.good_or_better_count for line in lines), len(audit.cases) * len(lines))
    else:
        overall = SHARE_WITHHELD
    return AuditSummary(
        title=audit.title,
        quarter=audit.quarter,
        scope=audit.scope,
        cases=disclosure.primary(len(audit.cases)),
        lines=tuple(lines),
        overall=overall,
        findings=tuple((c.reference, c.agency, c.findings) for c in audit.cases if c.findings.strip()),
    )


def rag_cells(counts: Mapping[str, int]) -> tuple[tuple[Cell, ...], Cell]:
    total, parts = disclosure.protect_group(total=sum(counts.get(r, 0) for r in RAGS), parts=dict(counts))
    return tuple(parts.get(r, disclosure.primary(0)) for r in RAGS), total


def heard_text(count: int | None) -> str:
    return disclosure.publish_count(count) if count is not None else ""


# --- the dataset, published once --------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuarterFigure:
    label: str
    value: Cell
    numerator: Cell
    denominator: Cell
    rag: str


@dataclass
class IndicatorSection:
    info: IndicatorInfo
    latest: list[QuarterFigure]
    chart: str = ""
    present: bool = True


@dataclass
class PublishedDataset:
    indicators: dict[str, IndicatorInfo]
    quarters: list[int]
    figures: exports.PublishedFigures
    withheld_codes: set[str]
    comparisons: Mapping = field(default_factory=dict)
    themes: list[dict] = field(default_factory=list)

    @property
    def latest_quarters(self) -> list[int]:
        return self.quarters[-LATEST_QUARTERS:]

    def figure(self, code: str, quarter: int) -> QuarterFigure:
        info = self.indicators[code]
        published = self.figures.get(code, quarter)
        comparison = self.comparisons.get((code, quarter))
        return QuarterFigure(
            label=quarter_label(quarter),
            value=published.value,
            numerator=published.numerator,
            denominator=published.denominator,
            rag=exports.rag_text(info, comparison, published.value),
        )


def publish_dataset(data: Mapping) -> PublishedDataset:
    """The dataset through disclosure, as dataset.reading.exports publishes it (the cells of the workbook and CSV)."""
    indicators = {i.code: i for i in data["indicators"]}
    figures = exports.PublishedFigures(data["indicators"], data["values"], data["contributions"])
    quarters = sorted(set(data["quarters"]))
    withheld = {code for code, q in data["values"] if code in figures.units and figures.suppressed(code, q)}
    published = PublishedDataset(
        indicators=indicators,
        quarters=quarters,
        figures=figures,
        withheld_codes=withheld,
        comparisons=data["comparisons"],
    )
    for theme in sorted(data["themes"], key=lambda t: (-t.severity, t.code)):
        hidden = theme.code in withheld
        info = indicators.get(theme.code)
        published.themes.append(
            {
                "kind": exports.KIND_WORDS.get(theme.kind, theme.kind.replace("_", " ").capitalize()),
                "severity": exports.SEVERITY_WORDS.get(theme.severity, str(theme.severity)),
                "code": theme.code,
                "indicator": info.title if info else "",
                "sentence": exports.WITHHELD_TEXT if hidden else theme.sentence,
                "question": "" if hidden else theme.question,
            }
        )
    return published


def indicator_section(dataset: PublishedDataset, code: str) -> IndicatorSection:
    info = dataset.indicators[code]
    latest = [dataset.figure(code, q) for q in dataset.latest_quarters]
    series = [dataset.figures.get(code, q).value for q in dataset.quarters]
    chart = pack_charts.indicator_chart(
        title=f"{code} {info.title}",
        unit=info.unit,
        labels=[quarter_label(q) for q in dataset.quarters],
        values=[c.value if c.shown else None for c in series],
        target=info.target,
    )
    return IndicatorSection(info=info, latest=latest, chart=chart)


# --- the PDF --------------------------------------------------------------------------------------------------------
def pdf_context(pack: PackData, dataset: PublishedDataset, progress: Callable[[str], None] | None = None) -> dict:
    sections = {}
    outcomes = []
    for outcome in pack.outcomes:
        indicators = []
        for code in outcome.codes:
            if code not in dataset.indicators:
                continue
            if code not in sections:
                if progress:
                    progress(f"Drawing the chart for {code}")
                sections[code] = indicator_section(dataset, code)
            indicators.append(sections[code])
        outcomes.append(
            {
                "outcome": outcome,
                "indicators": indicators,
                "missing_codes": [c for c in outcome.codes if c not in dataset.indicators],
                "voice_children": [e for e in outcome.evidence if e.source == "voice_children"],
                "voice_practitioners": [e for e in outcome.evidence if e.source == "voice_practitioners"],
                "observations": [e for e in outcome.evidence if e.source == "observation"],
            }
        )
    appendix = [
        {
            "info": info,
            "cells": [dataset.figures.get(code, q).value.text for q in dataset.latest_quarters],
        }
        for code, info in sorted(dataset.indicators.items())
    ]
    return {
        "pack": pack,
        "themes": dataset.themes,
        "outcomes": outcomes,
        "audits": [audit_summary(a) for a in pack.audits],
        "grades": GRADES,
        "appendix": appendix,
        "appendix_quarters": [quarter_label(q) for q in dataset.latest_quarters],
        "definitions": sorted(dataset.indicators.values(), key=lambda i: i.code),
        "unit_labels": exports.UNIT_LABELS,
        "symbols": disclosure.SYMBOLS,
        "disclosure_notes": (*exports.DISCLOSURE_NOTES, *PACK_DISCLOSURE_NOTES),
        "rag_words": RAG_WORDS,
    }


def pdf_bytes(context: Mapping) -> bytes:
    from weasyprint import HTML  # heavy: imported only where a PDF is made

    html = render_to_string("scrutiny/pack_pdf.html", dict(context))
    return HTML(string=html, base_url=".").write_pdf()


# --- the workbook ---------------------------------------------------------------------------------------------------
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def sheet_value(cell: Cell) -> int | Decimal | str:
    return exports.sheet_value(cell)


def _rows(ws, header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[int]) -> None:
    for column, name in enumerate(header, start=1):
        set_cell(ws.cell(row=1, column=column), name)
        ws.cell(row=1, column=column).font = _BOLD
    for r, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            set_cell(ws.cell(row=r, column=column), value)
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=column).column_letter].width = width
    ws.freeze_panes = "A2"


def rag_rows(pack: PackData) -> list[list[object]]:
    rows = []
    for item in pack.rag_counts:
        cells, total = rag_cells(item.counts)
        objective = Objective(item.objective).label if item.objective in Objective.values else item.objective
        rows.append([item.agency, objective, *(sheet_value(c) for c in cells), sheet_value(total)])
    return rows


def audit_rows(pack: PackData) -> list[list[object]]:
    rows = []
    for audit in pack.audits:
        summary = audit_summary(audit)
        for line in summary.lines:
            rows.append(
                [
                    summary.title,
                    summary.quarter,
                    line.question,
                    *(sheet_value(c) for c in line.cells),
                    sheet_value(line.cases),
                    line.good_or_better,
                ]
            )
    return rows


def evidence_rows(pack: PackData) -> list[list[object]]:
    return [
        [
            e.title,
            e.source_label,
            e.gathered_on.isoformat(),
            e.agency,
            "; ".join(e.outcomes),
            e.summary,
            "\n".join(e.quotes),
            heard_text(e.heard_count),
            e.heard_who,
        ]
        for e in pack.evidence
    ]


def xlsx_bytes(pack: PackData) -> bytes:
    """The dataset workbook from dataset.reading.exports (Dataset, Data, Themes, Notes) plus the pack's own sheets."""
    data = pack.dataset
    body = exports.export_xlsx(
        snapshot_label=pack.snapshot_label, built_at=pack.built_at.strftime("%d %B %Y %H:%M"), **data
    )
    wb = load_workbook(io.BytesIO(body))
    rag = wb.create_sheet(RAG_SHEET)
    _rows(rag, RAG_COLUMNS, rag_rows(pack), (30, 14, 8, 8, 8, 8, 8))
    if pack.rag_quarter:
        set_cell(rag.cell(row=1, column=len(RAG_COLUMNS) + 2), f"From the accepted reports for {pack.rag_quarter}")
    _rows(wb.create_sheet(AUDIT_SHEET), AUDIT_COLUMNS, audit_rows(pack), (36, 12, 44, 12, 8, 20, 12, 8, 14))
    evidence = wb.create_sheet(EVIDENCE_SHEET)
    _rows(evidence, EVIDENCE_COLUMNS, evidence_rows(pack), (40, 30, 12, 24, 40, 60, 60, 12, 24))
    for row in evidence.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = _WRAP
    wb.properties.title = f"Evidence pack: {pack.event_title}, version {pack.version}"
    wb.properties.creator = "Neglect portal"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the CSVs -------------------------------------------------------------------------------------------------------
def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_text(h) for h in header])
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def dataset_csv(pack: PackData) -> bytes:
    data = pack.dataset
    return exports.export_csv(
        indicators=data["indicators"],
        quarters=data["quarters"],
        values=data["values"],
        comparisons=data["comparisons"],
        spc=data["spc"],
        contributions=data["contributions"],
    )


def evidence_csv(pack: PackData) -> bytes:
    return _csv(EVIDENCE_COLUMNS, evidence_rows(pack))


def audit_csv(pack: PackData) -> bytes:
    return _csv(AUDIT_COLUMNS, audit_rows(pack))


# --- the ZIP ----------------------------------------------------------------------------------------------------------
def manifest(pack: PackData, files: Mapping[str, bytes]) -> bytes:
    body = {
        "event": {"id": pack.event_id, "title": pack.event_title, "held_on": pack.held_on.isoformat()},
        "version": pack.version,
        "snapshot_id": pack.snapshot_id,
        "built_by": pack.built_by,
        "built_at": pack.built_at.isoformat(),
        "files": [
            {"name": name, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
            for name, content in files.items()
        ],
    }
    return json.dumps(body, indent=2).encode("utf-8")


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out.getvalue()


def objective_label(objective: str) -> str:
    return Objective(objective).label if objective in Objective.values else objective
