"""The evidence pack's files, built from plain data: no ORM, no request. Pure apart from rendering a template.

services gathers an event's evidence into `PackData`; these builders turn it into the PDF (its content from
`sections`), the workbook, the CSVs and the manifest, and zip them. Every figure that leaves the app goes through
dataset.reading.disclosure: the dataset's through dataset.reading.exports (decided once per indicator and quarter, so
the PDF, the workbook and the CSV publish the same cells), and the pack's own counts (audit grades, RAG counts, how
many were heard) as groups whose total is the sum of their parts. Every text cell is formula-safe (set_cell, csv_text).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from django.conf import settings
from django.template.loader import render_to_string
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from dataset.build.figures import IndicatorInfo, PartnershipValue, SpcPhase, SpcResult, Theme, quarter_label
from dataset.catalogue.numbers import format_value
from dataset.cells import csv_text
from dataset.reading import disclosure, exports
from dataset.reading.disclosure import Cell
from neglect_portal.strategy import Objective
from scrutiny.models import AUDIT_QUESTIONS, GOOD_OR_BETTER, Grade

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
RISE_OR_FALL = frozenset({"sustained_rise", "sustained_fall"})
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
class ObjectiveRag:
    """The partnership's action RAG counts under one objective: this quarter's, and the quarter before's (None when
    no agency had an accepted report then)."""

    objective: str
    counts: Mapping[str, int]
    before: Mapping[str, int] | None


@dataclass(frozen=True)
class SpcView:
    """How an indicator's SPC reads: its method and its phases, oldest first."""

    method: str = "xmr"  # "xmr" | "year_to_date"
    phases: tuple[SpcPhase, ...] = ()


@dataclass(frozen=True)
class Gap:
    """An outcome in scope short of evidence: expected sources with nothing gathered, no linked actions."""

    outcome: str
    missing_sources: tuple[str, ...]
    no_actions: bool
    missing_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrainingRow:
    title: str
    held_on: date
    agency: str
    scale_max: int
    respondents: int
    mean_before: Decimal
    mean_after: Decimal


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
    snapshot_built_at: datetime | None = None  # "data as at": the snapshot's build, never the pack's
    spc: Mapping[str, SpcView] = field(default_factory=dict)
    # (code, quarter) -> ((agency short name, what it said), ...), from the snapshot's contributions
    commentary: Mapping[tuple[str, int], tuple[tuple[str, str], ...]] = field(default_factory=dict)
    ranked_themes: tuple[Theme, ...] = ()  # in rank order: the first few are the key messages
    rag_previous_quarter: str = ""
    objective_rags: tuple[ObjectiveRag, ...] = ()
    gaps: tuple[Gap, ...] = ()
    training: tuple[TrainingRow, ...] = ()


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
    partial: bool = False
    missing: tuple[str, ...] = ()  # agencies expected but missing, by full name
    direction: str = ""
    spc: str = ""

    @property
    def value_text(self) -> str:
        return f"{self.value.text} (partial)" if self.partial and self.value.shown else self.value.text


@dataclass
class PublishedDataset:
    indicators: dict[str, IndicatorInfo]
    quarters: list[int]
    figures: exports.PublishedFigures
    withheld_codes: set[str]
    comparisons: Mapping = field(default_factory=dict)
    themes: list[dict] = field(default_factory=list)
    values: Mapping[tuple[str, int], PartnershipValue] = field(default_factory=dict)
    spc: Mapping[str, SpcResult] = field(default_factory=dict)
    agencies: Mapping[str, str] = field(default_factory=dict)  # short name -> full name

    @property
    def latest_quarters(self) -> list[int]:
        return self.quarters[-LATEST_QUARTERS:]

    @property
    def latest(self) -> int | None:
        return self.quarters[-1] if self.quarters else None

    def agency_name(self, short: str) -> str:
        return self.agencies.get(short, short)

    def partial(self, code: str, quarter: int) -> PartnershipValue | None:
        """The value when it is partial (an expected agency missing), else None."""
        pv = self.values.get((code, quarter))
        return pv if pv is not None and pv.value is not None and pv.partial else None

    def all_withheld(self, code: str) -> bool:
        """Every quarter that has a value is c: nothing to draw."""
        cells = [self.figures.get(code, q).value for q in self.quarters]
        with_value = [c for c in cells if c.status != disclosure.MISSING]
        return bool(with_value) and all(c.status == disclosure.SUPPRESSED for c in with_value)

    def direction(self, code: str, quarter: int) -> str:
        """Direction of travel in words, never for a partial quarter (it is not a rise or a fall) and never where
        this quarter, the one before or the same quarter a year before is c (the change would pin it)."""
        partial = self.partial(code, quarter)
        if partial is not None:
            return f"Partial ({len(partial.contributors)} of {len(partial.expected)} agencies): not compared"
        comparison = self.comparisons.get((code, quarter))
        if comparison is None or not comparison.direction:
            return "Not compared"
        if not comparison.comparable:
            return "Not compared (partial quarter)"
        around = (quarter, quarter - 1, quarter - 4)
        if any(q in self.quarters and self.figures.suppressed(code, q) for q in around):
            return disclosure.SUPPRESSED
        return exports.DIRECTION_WORDS.get(comparison.direction, comparison.direction)

    def spc_text(self, code: str, quarter: int) -> str:
        if not self.figures.get(code, quarter).value.shown:
            return self.figures.get(code, quarter).value.status
        if self.partial(code, quarter) is not None:
            return "Not assessed (partial)"
        result = self.spc.get(code)
        if result is None:
            return "Not assessed"
        if result.method == "year_to_date":
            return "Year to date: not SPC"
        if not result.enough_data:
            return "Not enough data"
        point = next((p for p in result.points if p.quarter == quarter), None)
        if point is None:
            return "Not assessed"
        if not point.rules:
            return exports.SPC_WORDS[""]
        return exports.SPC_WORDS.get(point.assessment or "neutral", exports.SPC_WORDS["neutral"])

    def figure(self, code: str, quarter: int) -> QuarterFigure:
        info = self.indicators[code]
        published = self.figures.get(code, quarter)
        comparison = self.comparisons.get((code, quarter))
        partial = self.partial(code, quarter)
        return QuarterFigure(
            label=quarter_label(quarter),
            value=published.value,
            numerator=published.numerator,
            denominator=published.denominator,
            rag=exports.rag_text(info, comparison, published.value),
            partial=partial is not None,
            missing=tuple(self.agency_name(a) for a in partial.missing) if partial else (),
            direction=self.direction(code, quarter),
            spc=self.spc_text(code, quarter),
        )


def theme_row(theme: Theme, dataset: PublishedDataset) -> dict:
    """A theme as the pack prints it: withheld when its indicator has a c anywhere (its sentence quotes values,
    changes and limits), and marked when the quarter it is about is partial."""
    hidden = theme.code in dataset.withheld_codes
    info = dataset.indicators.get(theme.code)
    if theme.quarter is None or theme.since is None or theme.since == theme.quarter:
        status = f"New in {quarter_label(theme.quarter)}" if theme.quarter is not None else "New"
    else:
        status = f"Holding since {quarter_label(theme.since)}"
    about = theme.quarter if theme.quarter is not None else dataset.latest
    partial = dataset.partial(theme.code, about) if theme.code and about is not None else None
    kind = exports.KIND_WORDS.get(theme.kind, theme.kind.replace("_", " ").capitalize())
    sentence = exports.WITHHELD_TEXT if hidden else theme.sentence
    question = "" if hidden else theme.question
    note = ""
    if partial is not None:
        names = ", ".join(dataset.agency_name(a) for a in partial.missing)
        note = f"{quarter_label(about)} is partial: {names} did not report, so it is not a rise or a fall."
        if theme.kind in RISE_OR_FALL or RISE_OR_FALL & set(theme.signals):
            # A rise or a fall into a partial quarter is the missing agency, not a change: never said as one.
            kind, question = "Partial quarter", f"When will {names} send the figures?"
            sentence = (
                f"{info.title if info else theme.code}: {quarter_label(about)} is partial ({len(partial.contributors)} "
                f"of {len(partial.expected)} agencies; {names} did not report), so it is not compared with other "
                "quarters."
            )
            note = "It is not a rise or a fall."
    return {
        "kind": kind,
        "severity": exports.SEVERITY_WORDS.get(theme.severity, str(theme.severity)),
        "code": theme.code,
        "indicator": info.title if info else "",
        "objective": objective_label(theme.objective or (info.objective if info else "")),
        "sentence": sentence,
        "question": question,
        "status": status,
        "is_new": status.startswith("New"),
        "partial": note,
    }


def publish_dataset(
    data: Mapping, *, spc: Mapping[str, SpcView] | None = None, ranked_themes: Sequence[Theme] = ()
) -> PublishedDataset:
    """The dataset through disclosure, as dataset.reading.exports publishes it (the cells of the workbook and CSV).

    Themes keep the build's rank (the key messages first); `ranked_themes`, when given, carry their quarters."""
    indicators = {i.code: i for i in data["indicators"]}
    # With the agencies' names, as the workbook's and the CSV's own: the pack hands these figures on to both.
    figures = exports.PublishedFigures(
        data["indicators"], data["values"], data["contributions"], dict(data.get("agencies", {}))
    )
    quarters = sorted(set(data["quarters"]))
    withheld = {code for code, q in data["values"] if code in figures.units and figures.suppressed(code, q)}
    readings = dict(data.get("spc", {}))
    for code, view in (spc or {}).items():
        if code in readings:
            result = readings[code]
            readings[code] = SpcResult(
                code=result.code,
                enough_data=result.enough_data,
                message=result.message,
                mean=result.mean,
                upper=result.upper,
                lower=result.lower,
                points=result.points,
                phases=result.phases or view.phases,
                method=view.method or result.method,
                suggested_start=result.suggested_start,
                suggestion=result.suggestion,
            )
    published = PublishedDataset(
        indicators=indicators,
        quarters=quarters,
        figures=figures,
        withheld_codes=withheld,
        comparisons=data["comparisons"],
        values=data["values"],
        spc=readings,
        agencies=dict(data.get("agencies", {})),
    )
    for theme in ranked_themes or data["themes"]:
        published.themes.append(theme_row(theme, published))
    return published


# --- the PDF --------------------------------------------------------------------------------------------------------
# The PDF is rendered as if served from this origin, so that `{% static %}` links resolve to it and nothing else does:
# the renderer reads the app's own static files from disk and refuses every other address (file:, http:, https: of
# any other host, and data: other than the images the pack draws itself), so text in a pack can never make the server
# read a local file or call a network address (issue 15).
PDF_ORIGIN = "https://pack.invalid"
PDF_DATA_IMAGES = ("data:image/png;", "data:image/svg+xml;", "data:image/jpeg;")


class PdfFetchRefused(ValueError):
    """An address the pack's PDF may not load."""


def pdf_static_path(url: str) -> str:
    """The file on disk that `url` names among the app's static files, or PdfFetchRefused."""
    from django.contrib.staticfiles import finders

    prefix = f"{PDF_ORIGIN}/{settings.STATIC_URL.strip('/')}/"
    if not url.startswith(prefix):
        raise PdfFetchRefused(f"The pack's PDF loads only the portal's own static files, not {url[:80]}")
    relative = unquote(url[len(prefix) :].split("?", 1)[0].split("#", 1)[0])
    if not relative or relative.startswith("/") or ".." in PurePosixPath(relative).parts:
        raise PdfFetchRefused(f"Not a static file: {url[:80]}")
    found = finders.find(relative)
    if not found:
        raise PdfFetchRefused(f"No such static file: {relative[:80]}")
    return str(found)


def pdf_url_fetcher():
    """A WeasyPrint URL fetcher that serves the static files from disk and the pack's own images, and nothing else."""
    import mimetypes

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url: str, headers: Mapping | None = None) -> URLFetcherResponse:
            if url.startswith(PDF_DATA_IMAGES):
                return super().fetch(url, headers)  # the charts: bytes already in the page, nothing is reached
            path = pdf_static_path(url)
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": content_type})

    return StaticOnly(allowed_protocols=("https", "data"), allow_redirects=False)


def pdf_bytes(context: Mapping) -> bytes:
    from weasyprint import HTML  # heavy: imported only where a PDF is made

    html = render_to_string("scrutiny/pack_pdf.html", dict(context))
    return HTML(string=html, base_url=f"{PDF_ORIGIN}/", url_fetcher=pdf_url_fetcher()).write_pdf()


# --- the workbook ---------------------------------------------------------------------------------------------------
_WRAP = Alignment(wrap_text=True, vertical="top")


def sheet_value(cell: Cell) -> int | Decimal | str:
    return exports.sheet_value(cell)


def _rows(
    ws,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[int],
    *,
    wrap: bool = False,
    note: str = "",
) -> None:
    """A pack sheet into a write-only worksheet: a bold header, frozen, then the rows (text formula-safe through
    dataset.reading.exports.row_value); with `wrap`, every row's cells wrap; `note` goes beside the header."""
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "A2"
    ws.append([*exports.header_cells(ws, header), *((None, exports.styled_cell(ws, note)) if note else ())])
    for row in rows:
        if wrap:
            ws.append([exports.styled_cell(ws, value, alignment=_WRAP) for value in row])
        else:
            ws.append([exports.row_value(ws, value) for value in row])


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


# Above this many agency figures, the pack's workbook holds the partnership's rows only. A large partnership's ten
# years (240,900 agency figures, 3.2 million cells) take openpyxl about two minutes to write, most of a pack's time,
# and a panel reads the partnership's figures: the agencies' own are in the dataset's download for the same
# snapshot, which the Notes sheet names. Leaving agency rows out never publishes more, so disclosure stays safe.
WORKBOOK_AGENCY_FIGURES = 50_000


def agency_figure_count(contributions: Mapping[tuple[str, int], Mapping[str, object]]) -> int:
    return sum(len(parts) for parts in contributions.values())


def xlsx_bytes(pack: PackData, figures: exports.PublishedFigures | None = None) -> bytes:
    """The dataset workbook from dataset.reading.exports (Dataset, Data, Themes, Notes) plus the pack's own sheets,
    written once in write-only mode: the dataset's sheets are never read back and written again. `figures`: the
    dataset as the PDF published it (`publish_dataset`), so that no cell is decided twice."""
    data = pack.dataset
    built = pack.snapshot_built_at or pack.built_at  # the dataset's build, as the dataset's own workbook says
    agency_rows, data_note = data.get("agency_rows"), ""
    agency_figures = agency_figure_count(data["contributions"])
    if agency_figures > WORKBOOK_AGENCY_FIGURES:
        agency_rows = ()
        data_note = (
            f"The Data sheet holds the partnership's figures only. The agencies' own {agency_figures:,} figures are "
            f"in the dataset's XLSX download for {pack.snapshot_label} in the portal."
        )
    wb = exports.dataset_workbook(
        snapshot_label=pack.snapshot_label,
        built_at=built.strftime("%d %B %Y %H:%M"),
        indicators=data["indicators"],
        quarters=data["quarters"],
        values=data["values"],
        groups=exports.groups_of(data["indicators"], data["quarters"], data["contributions"]),
        comparisons=data["comparisons"],
        spc=data["spc"],
        themes=data["themes"],
        agencies=data["agencies"],
        agency_rows=agency_rows,
        data_note=data_note,
        figures=figures,
    )
    note = f"From the accepted reports for {pack.rag_quarter}" if pack.rag_quarter else ""
    _rows(wb.create_sheet(RAG_SHEET), RAG_COLUMNS, rag_rows(pack), (30, 14, 8, 8, 8, 8, 8), note=note)
    _rows(wb.create_sheet(AUDIT_SHEET), AUDIT_COLUMNS, audit_rows(pack), (36, 12, 44, 12, 8, 20, 12, 8, 14))
    _rows(
        wb.create_sheet(EVIDENCE_SHEET),
        EVIDENCE_COLUMNS,
        evidence_rows(pack),
        (40, 30, 12, 24, 40, 60, 60, 12, 24),
        wrap=True,
    )
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


def dataset_csv(pack: PackData, figures: exports.PublishedFigures | None = None) -> bytes:
    data = pack.dataset
    return exports.export_csv(
        indicators=data["indicators"],
        quarters=data["quarters"],
        values=data["values"],
        comparisons=data["comparisons"],
        spc=data["spc"],
        contributions=data["contributions"],
        agencies=data.get("agencies"),
        figures=figures,
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
        "data_as_at": pack.snapshot_built_at.isoformat() if pack.snapshot_built_at else None,
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
