"""Reads for what readers see of a snapshot: the dataset page, the Working Group's dashboard, the indicator
page, an agency's own view and the exports. A fixed number of queries whatever the size of the snapshot, and only
the figures shown."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from django.http import Http404
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from agencies import access
from agencies.models import User
from dataset.build.figures import (
    Comparison,
    IndicatorInfo,
    PartnershipValue,
    SpcPhase,
    SpcPoint,
    SpcResult,
    Theme,
    quarter_label,
)
from dataset.build.themes import KEY_MESSAGES
from dataset.catalogue import numbers
from dataset.models import DatasetContribution, DatasetSnapshot, DatasetSpc, DatasetTheme, DatasetValue, SnapshotStatus
from neglect_portal.strategy import OBJECTIVE_AIMS, Objective

from . import exports, marks

COLUMNS = 5

DIRECTION_WORDS = {
    "improving": ("▲", "Improving"),
    "worsening": ("▼", "Worsening"),
    "steady": ("►", "Steady"),
    "up": ("▲", "Up"),
    "down": ("▼", "Down"),
    "": ("", "Not compared"),
}


def direction_of(value: DatasetValue | None) -> tuple[str, str]:
    """(symbol, words) for a value's direction of travel. A partial quarter, or one compared with a partial one, is
    never called a rise or a fall."""
    if value is not None and not value.comparable:
        return "", marks.NOT_COMPARED_PARTIAL
    return DIRECTION_WORDS.get(value.direction if value else "", ("", "Not compared"))


def partial_note(value: DatasetValue | None, agencies: dict[str, str]) -> str:
    """ "Partial: 2 of 3 agencies; Sussex Police not yet accepted", or "" for a whole value (or none)."""
    if value is None or not value.partial:
        return ""
    return marks.partial_note(
        contributors=value.contributors, expected=value.expected, not_available=value.not_available, agencies=agencies
    )


def snapshots_readable(*, user: User):
    """Analyst: every complete snapshot. Everyone else who may read the dataset: published ones."""
    qs = DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE)
    if access.can_manage(user):
        return qs
    if access.can_read_all(user) or (user.agency_id and access.can_read(user, user.agency)):
        return qs.filter(published_at__isnull=False)
    return qs.none()


def snapshot_for(*, user: User, pk: int | None = None) -> DatasetSnapshot | None:
    qs = snapshots_readable(user=user)
    if pk is not None:
        return access.get_in_scope(qs, user, pk=pk, agency_field="")
    order = ["-built_at", "-pk"] if access.can_manage(user) else ["-published_at", "-pk"]
    return qs.order_by(*order).first()


def latest_failure(*, user: User) -> DatasetSnapshot | None:
    """A failed build newer than the current snapshot: shown to the analyst, never hidden."""
    if not access.can_manage(user):
        return None
    failed = DatasetSnapshot.objects.filter(status=SnapshotStatus.FAILED).order_by("-built_at").first()
    current = DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE).order_by("-built_at").first()
    if failed and (current is None or failed.built_at > current.built_at):
        return failed
    return None


def contributions_visible_to(user: User, agency_short: str, own_short: str | None) -> bool:
    return access.can_read_all(user) or (own_short is not None and agency_short == own_short)


def visible_agency_rows(user: User | None) -> frozenset[str] | None:
    """The agencies whose own figures an export for `user` may hold: None for all (partnership readers, and the
    partnership's own files made without a user), the lead's own agency only, or none."""
    if user is None or access.can_read_all(user):
        return None
    own = user.agency.short_name if getattr(user, "agency_id", None) else None
    return frozenset({own} if own else ())


def agencies_of(snapshot: DatasetSnapshot) -> dict[str, str]:
    """The snapshot's agencies (short name -> name) in short-name order, as the build wrote them. Sorted again on
    reading: they are a JSON object in the snapshot's meta, whose keys PostgreSQL's jsonb keeps in its own order
    (shortest first), and the order is the order of every agency list and export row."""
    return dict(sorted(snapshot.meta.get("agencies", {}).items()))


def indicators_of(snapshot: DatasetSnapshot) -> dict[str, IndicatorInfo]:
    out = {}
    for raw in snapshot.meta.get("indicators", []):
        data = dict(raw)
        for name in ("target", "red_threshold", "tolerance", "benchmark_value"):
            if data.get(name) is not None:
                data[name] = Decimal(str(data[name]))
        data["suppliers"] = tuple(data.get("suppliers", ()))
        out[data["code"]] = IndicatorInfo(**data)
    return out


@dataclass
class Cell:
    quarter: int
    label: str
    value: DatasetValue | None
    text: str
    contribution: DatasetContribution | None = None
    comments: int = 0  # the agencies' commentary on this quarter's figures that the user may read
    partial_note: str = ""  # "Partial: 2 of 3 agencies; ...", "" for a whole value
    url: str = ""  # the cell's page: its agencies' figures


@dataclass
class Line:
    info: IndicatorInfo
    cells: list[Cell]
    latest: DatasetValue | None
    spc: DatasetSpc | None
    direction_symbol: str = ""
    direction_words: str = ""
    spc_words: str = ""
    benchmark_text: str = ""
    completeness_text: str = ""
    target_text: str = ""  # the latest quarter's: pro rata for a year-to-date indicator


@dataclass
class Group:
    objective: str
    label: str
    lines: list[Line] = field(default_factory=list)


def spc_words(value: DatasetValue | None, reading: DatasetSpc | None) -> str:
    if reading is not None and reading.method == "year_to_date":
        return reading.message  # compared with earlier years' same quarter instead: no SPC words apply
    if reading is None:
        return "Not enough data"
    phase = phase_at(reading, value.quarter) if value is not None else None
    # A point is judged against its own phase's limits: the latest phase may be too short while earlier ones are not.
    if not (phase["enough_data"] if phase is not None else reading.enough_data):
        return "Not enough data"
    if value is None or value.partial:
        return "Not assessed (partial)"
    if not value.spc_rules:
        return "Common cause"
    kind = {"improvement": "improvement", "concern": "concern"}.get(value.spc_assessment, "neutral")
    rules = ", ".join(r.replace("_", " ") for r in value.spc_rules)
    return f"Special cause {kind} ({rules})"


def phase_at(reading: DatasetSpc, quarter: int) -> dict | None:
    """The stored phase (see DatasetSpc.phases) that `quarter` falls in, or None (before the first point, after the
    last, or a reading built before phases existed)."""
    return next((p for p in reading.phases or () if p["start"] <= quarter <= p["end"]), None)


def spc_phases(reading: DatasetSpc) -> tuple[SpcPhase, ...]:
    """The stored phases as figures, numbers parsed from their text."""

    def number(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    return tuple(
        SpcPhase(
            start=p["start"],
            end=p["end"],
            reason=p.get("reason", ""),
            enough_data=p.get("enough_data", False),
            mean=number(p.get("mean")),
            upper=number(p.get("upper")),
            lower=number(p.get("lower")),
        )
        for p in reading.phases or ()
    )


def format_cell(info: IndicatorInfo, value: DatasetValue | None) -> str:
    if value is None or value.value is None:
        return ":"
    text = numbers.format_value(info.unit, value.value)
    return text + (" *" if value.partial else "")


def dataset_table(
    *, snapshot: DatasetSnapshot, user: User, objective: str = "", agency: str = "", show: str = ""
) -> tuple[list[Group], list[int]]:
    """The dataset page: indicators by objective, the latest five quarters, then direction, RAG, SPC,
    benchmark and completeness. With `agency`, cells show that agency's own figures (if the user may see them)."""
    indicators = indicators_of(snapshot)
    quarters = list(snapshot.meta.get("quarters", []))[-COLUMNS:]
    values = {(v.code, v.quarter): v for v in DatasetValue.objects.filter(snapshot=snapshot, quarter__in=quarters)}
    readings = {s.code: s for s in DatasetSpc.objects.filter(snapshot=snapshot)}
    own = user.agency.short_name if getattr(user, "agency_id", None) else None
    contributions: dict[tuple[str, int], DatasetContribution] = {}
    if agency:
        if not contributions_visible_to(user, agency, own):
            raise Http404("No such agency in your view")
        contributions = {
            (c.code, c.quarter): c
            for c in DatasetContribution.objects.in_snapshot(snapshot).filter(agency=agency, quarter__in=quarters)
        }
    comments = Counter(
        (code, q)
        for code, q, who in DatasetContribution.objects.in_snapshot(snapshot)
        .filter(quarter__in=quarters)
        .exclude(commentary="")
        .values_list("code", "quarter", "agency")
        if contributions_visible_to(user, who, own) and (not agency or who == agency)
    )
    groups = {o.value: Group(o.value, o.label) for o in Objective}
    latest_q = quarters[-1] if quarters else None
    names = agencies_of(snapshot)
    for code, info in indicators.items():
        if objective and info.objective != objective:
            continue
        if agency and agency not in info.suppliers:
            continue
        latest = values.get((code, latest_q)) if latest_q is not None else None
        if not shows(latest, show):  # a dashboard count's link: only the indicators it counted
            continue
        cells = []
        # One reverse a line, not one a cell: the quarter is the URL's last part (a {% url %} for each of a large
        # snapshot's 1,500 cells was a third of the page's time).
        in_line = reverse("dataset:dataset_cell", args=[snapshot.pk, code, 0]).removesuffix("0/")
        for q in quarters:
            value = values.get((code, q))
            contribution = contributions.get((code, q))
            text = format_cell(info, value) if not agency else agency_text(info, contribution)
            cells.append(
                Cell(q, quarter_label(q), value, text, contribution, comments[(code, q)], url=f"{in_line}{q}/")
            )
            if not agency:  # an agency's own figure is whole; the partnership's may be short of someone
                cells[-1].partial_note = partial_note(value, names)
        symbol, words = direction_of(latest)
        line = Line(info=info, cells=cells, latest=latest, spc=readings.get(code))
        line.target_text = marks.target_text(info, latest_q)
        line.direction_symbol, line.direction_words = symbol, words
        line.spc_words = spc_words(latest, readings.get(code))
        if info.benchmark_value is not None:
            line.benchmark_text = (
                f"{numbers.format_value(info.unit, info.benchmark_value)} ({info.benchmark_source}, "
                f"{info.benchmark_year})"
            )
        if latest is not None:
            line.completeness_text = partial_note(latest, names) or (
                f"{len(latest.contributors)} of {len(latest.expected)} agencies"
            )
        groups[info.objective].lines.append(line)
    return [g for g in groups.values() if g.lines], quarters


def agency_text(info: IndicatorInfo, contribution: DatasetContribution | None) -> str:
    if contribution is None:
        return ":"
    if contribution.not_available:
        return "not available"
    if info.unit == "count":
        return numbers.format_value("count", contribution.value) if contribution.value is not None else ":"
    if contribution.numerator is None or not contribution.denominator:
        return ":"
    scale = {"percentage": 100, "rate_per_10k": 10000}.get(info.unit, 1)
    return numbers.format_value(info.unit, contribution.numerator / contribution.denominator * scale)


def cell_detail(*, snapshot: DatasetSnapshot, user: User, code: str, quarter: int):
    """One partnership value and the agencies' figures behind it (only those the user may see)."""
    indicators = indicators_of(snapshot)
    if code not in indicators:
        raise Http404("No such indicator in this snapshot")
    value = DatasetValue.objects.filter(snapshot=snapshot, code=code, quarter=quarter).first()
    own = user.agency.short_name if getattr(user, "agency_id", None) else None
    contributions = [
        c
        for c in DatasetContribution.objects.in_snapshot(snapshot).filter(code=code, quarter=quarter)
        if contributions_visible_to(user, c.agency, own)
    ]
    return indicators[code], value, contributions


def themes_of(snapshot: DatasetSnapshot) -> list[DatasetTheme]:
    return list(DatasetTheme.objects.filter(snapshot=snapshot))


@dataclass(frozen=True)
class ThemeLine:
    theme: DatasetTheme
    rank: int  # 1 for the first
    title: str  # the indicator's, "" for a theme about the collection
    key: bool  # one of the quarter's key messages


def themes_page(
    *, snapshot: DatasetSnapshot, objective: str = "", signal: str = "", held: str = ""
) -> tuple[list[ThemeLine], int]:
    """The snapshot's themes in rank order that match every filter given (an objective, a kind of signal among those
    a theme combines, "new" this quarter or "holding" from an earlier one), and how many themes it has in all.
    One query whatever the size."""
    titles = {code: info.title for code, info in indicators_of(snapshot).items()}
    themes = list(DatasetTheme.objects.filter(snapshot=snapshot))
    lines = []
    for rank, theme in enumerate(themes, start=1):
        if objective and theme.objective != objective:
            continue
        if signal and signal not in (theme.signals or [theme.kind]):
            continue
        if held and (held == "new") != theme.is_new:
            continue
        lines.append(ThemeLine(theme, rank, titles.get(theme.code, ""), rank <= KEY_MESSAGES))
    return lines, len(themes)


# --- for exports: the whole snapshot as plain data ---------------------------------------------------------
def export_figures(snapshot: DatasetSnapshot, *, user: User | None = None, code: str | None = None) -> dict:
    """Everything the exports need of a snapshot but its agencies' figures, as plain data: indicators, quarters,
    partnership values, comparisons, SPC, themes, agencies and `agency_rows` (see `export_data`). With `code`, only
    that indicator's (its one-indicator CSV). The agencies' figures are read as a stream: `contribution_groups`.
    Three queries whatever the size."""
    indicators = indicators_of(snapshot)
    if code is not None:
        indicators = {code: indicators[code]} if code in indicators else {}
    quarters = list(snapshot.meta.get("quarters", []))
    values: dict[tuple[str, int], PartnershipValue] = {}
    comparisons: dict[tuple[str, int], Comparison] = {}
    points: dict[str, list[SpcPoint]] = defaultdict(list)
    found = DatasetValue.objects.filter(snapshot=snapshot)
    readings = DatasetSpc.objects.filter(snapshot=snapshot)
    if code is not None:
        found, readings = found.filter(code=code), readings.filter(code=code)
    for v in found:
        values[(v.code, v.quarter)] = PartnershipValue(
            code=v.code,
            quarter=v.quarter,
            value=v.value,
            numerator=v.numerator,
            denominator=v.denominator,
            contributors=tuple(v.contributors),
            expected=tuple(v.expected),
            not_available=tuple(v.not_available),
        )
        comparisons[(v.code, v.quarter)] = Comparison(
            code=v.code,
            quarter=v.quarter,
            change_previous=v.change_previous,
            change_year=v.change_year,
            change_baseline=v.change_baseline,
            change_unit=v.change_unit,
            direction=v.direction,
            rag=v.rag,
            benchmark_gap=v.benchmark_gap,
            comparable=v.comparable,
        )
        if v.value is not None and not v.partial:
            points[v.code].append(SpcPoint(v.quarter, v.value, tuple(v.spc_rules), v.spc_assessment))
    spc = {
        s.code: SpcResult(
            code=s.code,
            enough_data=s.enough_data,
            message=s.message,
            mean=s.mean,
            upper=s.upper,
            lower=s.lower,
            points=tuple(sorted(points.get(s.code, []), key=lambda p: p.quarter)),
            method=s.method,
            phases=spc_phases(s),
        )
        for s in readings
    }
    themes = [] if code is not None else _export_themes(snapshot)
    return {
        "indicators": list(indicators.values()),
        "quarters": quarters,
        "values": values,
        "agency_rows": visible_agency_rows(user),
        "comparisons": comparisons,
        "spc": spc,
        "themes": themes,
        "agencies": agencies_of(snapshot),
    }


def _export_themes(snapshot: DatasetSnapshot) -> list[Theme]:
    return [  # in the build's rank order: the first few are the quarter's key messages
        Theme.stored(t) for t in DatasetTheme.objects.filter(snapshot=snapshot).order_by("position", "pk")
    ]


EXPORT_CHUNK = 5000  # contributions fetched from the database at a time while an export streams


def contribution_groups(
    snapshot: DatasetSnapshot, *, indicators: list[IndicatorInfo], quarters: list[int], only: bool = False
) -> Iterator[tuple[str, int, dict[str, Decimal | None]]]:
    """Every indicator-quarter of an export in its order (indicators as given, quarters ascending) with each
    agency's figure (its count, or its numerator for a ratio; None when not available), read from the database in
    chunks as the export is written: one query however large the snapshot, and only one indicator's figures in
    memory at a time (the figures come ordered by code; an indicator listed before codes that sort ahead of it
    waits in memory until they have passed, which the catalogue's order by code never asks).
    For a single indicator only its rows are read; with `only` (a page of the API's dataset), only the rows of the
    indicators and quarters given."""
    wanted = {i.code: i for i in indicators}
    ordered = sorted(set(quarters))
    rows = DatasetContribution.objects.in_snapshot(snapshot)
    if len(wanted) == 1:
        rows = rows.filter(code=next(iter(wanted)))
    elif only:
        rows = rows.filter(code__in=list(wanted), quarter__in=ordered)
    stream = groupby(
        rows.order_by("code", "quarter", "agency")
        .values_list("code", "quarter", "agency", "value", "numerator", "not_available")
        .iterator(chunk_size=EXPORT_CHUNK),
        key=itemgetter(0),
    )
    waiting: dict[str, dict[int, dict[str, Decimal | None]]] = {}
    for code in wanted:
        while code not in waiting:
            found = next(stream, None)
            if found is None:
                break
            other, figures = found
            if other not in wanted:
                continue
            by_quarter: dict[int, dict[str, Decimal | None]] = defaultdict(dict)
            count = wanted[other].unit == "count"
            for _, quarter, agency, value, numerator, not_available in figures:
                by_quarter[quarter][agency] = None if not_available else (value if count else numerator)
            waiting[other] = by_quarter
        by_quarter = waiting.pop(code, {})
        for quarter in ordered:
            yield code, quarter, by_quarter.get(quarter, {})


@dataclass(frozen=True)
class DatasetPage:
    total: int  # indicator-quarters matching the filter, on every page
    rows: list[dict[str, str]]  # this page's, as the CSV export writes them (exports.CSV_COLUMNS)


def dataset_page_rows(
    snapshot: DatasetSnapshot,
    *,
    user: User,
    codes: Collection[str] = (),
    quarters: Collection[int] = (),
    offset: int = 0,
    limit: int = 100,
) -> DatasetPage:
    """A page of the published dataset in long format (the API's), one row per indicator and quarter in the CSV's
    order, disclosure-controlled exactly as the CSV: each indicator-quarter is published from all of its agencies'
    figures, as the CSV is, so the same cells are withheld. Filtered by indicator codes and quarters (none: all).
    Four queries, reading only the page's agencies' figures."""
    data = export_figures(snapshot, user=user)
    indicators = [i for i in data["indicators"] if not codes or i.code in codes]
    ordered = sorted(q for q in data["quarters"] if not quarters or q in quarters)
    pairs = [(i.code, q) for i in indicators for q in ordered]
    page = pairs[offset : offset + limit]
    if not page:
        return DatasetPage(len(pairs), [])
    on_page = set(page)
    page_codes = {code for code, _ in page}
    page_indicators = [i for i in indicators if i.code in page_codes]
    groups = (
        group
        for group in contribution_groups(
            snapshot, indicators=page_indicators, quarters=sorted({q for _, q in page}), only=True
        )
        if (group[0], group[1]) in on_page
    )
    records = exports.csv_records(
        by_code={i.code: i for i in page_indicators},
        values=data["values"],
        comparisons=data["comparisons"],
        spc=data["spc"],
        groups=groups,
        figures=exports.PublishedFigures(page_indicators, data["values"], {}, data["agencies"]),
    )
    return DatasetPage(len(pairs), list(records))


def export_data(snapshot: DatasetSnapshot, *, user: User | None = None) -> dict:
    """The whole snapshot as plain data for dataset.reading.exports (and the scrutiny packs).

    `contributions` always holds every agency's figures: disclosure is decided on the whole group, so every
    reader's file publishes the same cells. Which agencies' own rows a file may publish is `agency_rows`: None (all)
    for partnership readers and without a user, else only the user's own agency, as on the screens. Commentary is
    scoped the same way. The downloads stream instead (`export_figures` and `contribution_groups`): this holds
    every figure in memory at once.
    """
    data = export_figures(snapshot, user=user)
    indicators = {i.code: i for i in data["indicators"]}
    agency_rows = data["agency_rows"]
    contributions: dict[tuple[str, int], dict[str, Decimal | None]] = defaultdict(dict)
    commentary: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
    for code, quarter, agency, value, numerator, not_available, said in (
        DatasetContribution.objects.in_snapshot(snapshot)
        .order_by("code", "quarter", "agency")
        .values_list("code", "quarter", "agency", "value", "numerator", "not_available", "commentary")
        .iterator(chunk_size=EXPORT_CHUNK)
    ):
        info = indicators.get(code)
        if info is None:
            continue
        figure = value if info.unit == "count" else numerator
        contributions[(code, quarter)][agency] = None if not_available else figure
        if said and (agency_rows is None or agency in agency_rows):
            commentary[(code, quarter)][agency] = said
    return {
        **data,
        "contributions": contributions,
        # (code, quarter) -> {agency short name: what it said about its figure}; only agencies that said something.
        "commentary": commentary,
    }


IMPROVING, WORSENING, STEADY = "improving", "worsening", "steady"


@dataclass
class IndicatorSummary:
    info: IndicatorInfo
    latest: DatasetValue | None
    text: str
    direction_symbol: str
    direction_words: str
    partial_note: str = ""


@dataclass
class ObjectivePanel:
    objective: str
    label: str
    aim: str
    counts: Counter = field(default_factory=Counter)
    indicators: list[IndicatorSummary] = field(default_factory=list)

    @property
    def off_target(self) -> int:
        return self.counts["red"] + self.counts["amber"]


def summarise(
    info: IndicatorInfo, latest: DatasetValue | None, agencies: dict[str, str] | None = None
) -> IndicatorSummary:
    symbol, words = direction_of(latest)
    text = format_cell(info, latest)
    return IndicatorSummary(info, latest, text, symbol, words, partial_note(latest, agencies or {}))


# What a dashboard count counts, and the dataset page's filter for the same indicators (its `show` choices).
SHOW_CHOICES = [
    ("improving", "Improving"),
    ("worsening", "Worsening"),
    ("steady", "Steady"),
    ("changed", "Changed (no better direction)"),
    ("not_compared", "Not compared (partial or new)"),
    ("off_target", "Off target (red or amber)"),
]


def direction_kind(value: DatasetValue | None) -> str:
    """improving, worsening, steady, changed (up or down with no better direction) or not_compared."""
    direction = value.direction if value and value.comparable else ""
    if direction in (IMPROVING, WORSENING, STEADY):
        return direction
    if direction in ("up", "down"):
        return "changed"
    return "not_compared"


def shows(value: DatasetValue | None, show: str) -> bool:
    """Is this latest value one that a dashboard count of kind `show` counts? (Empty `show`: every value.)"""
    if not show:
        return True
    if show == "off_target":
        return bool(value and value.rag in ("red", "amber"))
    return direction_kind(value) == show


def objective_panels(
    *,
    indicators: dict[str, IndicatorInfo],
    latest: dict[str, DatasetValue],
    objective: str = "",
    agencies: dict[str, str] | None = None,
) -> list[ObjectivePanel]:
    """Per objective: how many indicators are improving, worsening or steady, how many are off target."""
    panels = {o.value: ObjectivePanel(o.value, o.label, OBJECTIVE_AIMS[o.value]) for o in Objective}
    for code, info in indicators.items():
        if objective and info.objective != objective:
            continue
        value = latest.get(code)
        panel = panels[info.objective]
        panel.counts[direction_kind(value)] += 1
        if value and value.rag:
            panel.counts[value.rag] += 1
        panel.indicators.append(summarise(info, value, agencies))
    return [p for p in panels.values() if p.indicators]


@dataclass
class Completeness:
    supplied: int
    expected: int
    missing_agencies: list[tuple[str, int]]  # (name, figures missing)

    @property
    def percent(self) -> int | None:
        return round(100 * self.supplied / self.expected) if self.expected else None


def completeness(latest: dict[str, DatasetValue], agencies: dict[str, str]) -> Completeness:
    missing: Counter = Counter()
    supplied = expected = 0
    for value in latest.values():
        expected += len(value.expected)
        supplied += len(value.contributors) + len(value.not_available)
        for agency in value.expected:
            if agency not in value.contributors and agency not in value.not_available:
                missing[agency] += 1
    names = sorted(((agencies.get(a, a), n) for a, n in missing.items()), key=lambda item: (-item[1], item[0]))
    return Completeness(supplied, expected, names)


def dashboard(*, snapshot: DatasetSnapshot, objective: str = "", agency: str = "") -> dict:
    indicators = indicators_of(snapshot)
    if agency:
        indicators = {c: i for c, i in indicators.items() if agency in i.suppliers}
    latest_q = snapshot.latest_quarter
    latest = {v.code: v for v in DatasetValue.objects.filter(snapshot=snapshot, quarter=latest_q)}
    themes = list(DatasetTheme.objects.filter(snapshot=snapshot))
    themes_total = len(themes)
    if objective or agency:
        themes = [
            t
            for t in themes
            if not t.code or t.code in indicators and (not objective or indicators[t.code].objective == objective)
        ]
    agencies = agencies_of(snapshot)
    return {
        "latest_label": quarter_label(latest_q) if latest_q is not None else "",
        "panels": objective_panels(indicators=indicators, latest=latest, objective=objective, agencies=agencies),
        "themes": themes,
        "themes_total": themes_total,  # before the filters: the "All N themes" link
        "completeness": completeness({c: v for c, v in latest.items() if c in indicators}, agencies),
    }


# --- one indicator ------------------------------------------------------------------------------------------
@dataclass
class TableRow:
    quarter: int
    label: str
    value: DatasetValue | None
    text: str
    numerator: str
    denominator: str
    change: str
    rag: str
    spc: str
    contributors: str
    partial_note: str = ""  # "Partial: 2 of 3 agencies; ...", "" for a whole value
    target: str = ""  # the target that applies in the quarter: pro rata for a year-to-date indicator
    # The SPC phase the quarter is in: its mean and limits ("" when it has too few points), as on the chart.
    phase_mean: str = ""
    phase_lower: str = ""
    phase_upper: str = ""
    phase_start: str = ""  # on a phase's first quarter: "New phase from 2019-20 Q1: Neglect Strategy launched"


def _phase_rows(info: IndicatorInfo, phases: tuple[SpcPhase, ...], quarter: int) -> dict[str, str]:
    phase = next((p for p in phases if p.start <= quarter <= p.end), None)
    if phase is None:
        return {}
    out = {}
    if phase.enough_data:
        for name in ("mean", "lower", "upper"):
            number = getattr(phase, name)
            out[f"phase_{name}"] = numbers.format_value(info.unit, number) if number is not None else ""
    if quarter == phase.start and (phase.reason or len(phases) > 1):
        since = f"New phase from {quarter_label(phase.start)}"
        out["phase_start"] = f"{since}: {phase.reason}" if phase.reason else since
        if not phase.enough_data:
            out["phase_start"] += "; too few quarters for limits yet"
    return out


def _change_text(info: IndicatorInfo, v: DatasetValue | None) -> str:
    """The change readers are shown: on the previous quarter, or for a year-to-date figure on the same quarter a
    year earlier (the quarter before is across the April reset, or only adds the quarter's own activity)."""
    if v is None:
        return ""
    if not v.comparable:
        return marks.NOT_COMPARED_PARTIAL  # a number here would read as a rise or a fall
    change = v.change_year if info.year_to_date else v.change_previous
    if change is None:
        return ""
    step = change.quantize(Decimal("0.1"))
    sign = "+" if step > 0 else ""
    text = f"{sign}{step}{' pp' if v.change_unit == 'pp' else '%'}"
    return f"{text} on {quarter_label(v.quarter - 4)}" if info.year_to_date else text


def _figure(number: Decimal | None) -> str:
    if number is None:
        return ""
    return f"{number.normalize():,f}" if number == number.to_integral_value() else f"{number:,.2f}"


def snapshot_view_key(*, snapshot: DatasetSnapshot, user: User, parts: tuple) -> str:
    """A cache key for something a page shows of a snapshot, given `parts` (the page and its choices). A snapshot
    never changes once written (its hash and build time keep a key from outliving it); what else the view depends
    on is which agencies' figures the reader may see: all, their own, or none, as the selectors below read them."""
    own = user.agency.short_name if getattr(user, "agency_id", None) else "-"
    scope = "*" if access.can_read_all(user) else own
    made = f"{snapshot.pk}.{snapshot.content_hash}.{snapshot.built_at.timestamp()}"
    return hashlib.sha256(repr((made, scope, *parts)).encode()).hexdigest()


def indicator_page_key(*, snapshot: DatasetSnapshot, user: User, code: str, quarters: list[int]) -> str:
    """The indicator page's charts and contributions table: by indicator and the quarters shown."""
    first, last = (quarters[0], quarters[-1]) if quarters else ("", "")
    return snapshot_view_key(snapshot=snapshot, user=user, parts=("indicator", code, first, last, len(quarters)))


def indicator_page(
    *, snapshot: DatasetSnapshot, user: User, code: str, first: int | None = None, last: int | None = None
) -> dict:

    indicators = indicators_of(snapshot)
    if code not in indicators:
        raise Http404("No such indicator in this snapshot")
    info = indicators[code]
    quarters = [
        q for q in snapshot.meta.get("quarters", []) if (first is None or q >= first) and (last is None or q <= last)
    ]
    values = {v.quarter: v for v in DatasetValue.objects.filter(snapshot=snapshot, code=code, quarter__in=quarters)}
    reading = DatasetSpc.objects.filter(snapshot=snapshot, code=code).first()
    own = user.agency.short_name if getattr(user, "agency_id", None) else None
    # Snapshot and code in SQL, so the (snapshot, code, quarter, agency) index finds the rows; an agency lead's
    # own agency too, so nobody else's figures are even read.
    found = DatasetContribution.objects.in_snapshot(snapshot).filter(code=code, quarter__in=quarters)
    if not access.can_read_all(user):
        found = found.filter(agency=own) if own else found.none()

    def visible(rows) -> list[DatasetContribution]:
        # The SQL has already narrowed a lead's rows; the rule is still applied to each row they get.
        return (
            list(rows)
            if access.can_read_all(user)
            else [c for c in rows if contributions_visible_to(user, c.agency, own)]
        )

    # Every agency's figure for every quarter is read only when asked for (the page keeps its charts and table
    # for a snapshot); the commentary, a few rows, is read at once.
    contributions = SimpleLazyObject(lambda: visible(found))
    spc = None
    if reading is not None:
        points = tuple(
            SpcPoint(q, v.value, tuple(v.spc_rules), v.spc_assessment)
            for q, v in sorted(values.items())
            if v.value is not None and not v.partial
        )
        phases = spc_phases(reading)
        if not phases and reading.enough_data and points:
            # Built before phases were stored: one phase over the whole series.
            first_q, last_q = points[0].quarter, points[-1].quarter
            phases = (SpcPhase(first_q, last_q, "", True, reading.mean, reading.upper, reading.lower),)
        spc = SpcResult(
            code,
            reading.enough_data,
            reading.message,
            reading.mean,
            reading.upper,
            reading.lower,
            points,
            phases=phases,
            method=reading.method,
            suggested_start=reading.suggested_start,
            suggestion=reading.suggestion,
        )
    agencies = agencies_of(snapshot)
    commentary = quarter_commentary(visible(found.exclude(commentary="")), agencies)
    rows = []
    for q in quarters:
        v = values.get(q)
        rows.append(
            TableRow(
                quarter=q,
                label=quarter_label(q),
                value=v,
                text=format_cell(info, v),
                numerator=_figure(v.numerator) if v else "",
                denominator=_figure(v.denominator) if v else "",
                change=_change_text(info, v),
                rag=(v.rag or "").capitalize() if v else "",
                # the year-to-date message is given once above the table, not on every row
                spc=(marks.YEAR_TO_DATE_SPC if info.year_to_date else spc_words(v, reading)) if v else "",
                contributors=f"{len(v.contributors)} of {len(v.expected)}" if v else "",
                partial_note=partial_note(v, agencies),
                target=marks.target_text(info, q) if info.year_to_date else "",
                **_phase_rows(info, spc.phases if spc else (), q),
            )
        )
    return {
        "info": info,
        "quarters": quarters,
        "values": values,
        "spc": spc,
        "spc_message": reading.message if reading else "",
        "spc_limits": any(p.enough_data for p in spc.phases) if spc else False,
        "spc_phased": len(spc.phases) > 1 if spc else False,
        "target_text": marks.target_text(info),
        "rows": rows,
        "contributions": contributions,
        "agencies": agencies,
        "all_quarters": list(snapshot.meta.get("quarters", [])),
        "commentary": commentary,
    }


@dataclass
class QuarterCommentary:
    """What the agencies said about their figures for one quarter: the `number` is its marker on the trend chart."""

    quarter: int
    label: str
    number: int
    said: list[tuple[str, str]]  # (agency name, commentary)


def quarter_commentary(contributions: list[DatasetContribution], agencies: dict[str, str]) -> list[QuarterCommentary]:
    """Newest quarter first, only quarters with commentary, agencies by name; numbered 1, 2, ... in that order.
    Pass only the contributions the user may see."""
    by_quarter: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for c in contributions:
        if c.commentary.strip():
            by_quarter[c.quarter].append((agencies.get(c.agency, c.agency), c.commentary.strip()))
    return [
        QuarterCommentary(q, quarter_label(q), number, sorted(by_quarter[q]))
        for number, q in enumerate(sorted(by_quarter, reverse=True), start=1)
    ]


def agency_view(*, snapshot: DatasetSnapshot, agency: str) -> list[dict]:
    """An agency's own latest figures beside the partnership's, for the indicators it supplies."""
    indicators = {c: i for c, i in indicators_of(snapshot).items() if agency in i.suppliers}
    latest_q = snapshot.latest_quarter
    quarters = [q for q in (latest_q - 1, latest_q) if q is not None] if latest_q is not None else []
    values = {
        (v.code, v.quarter): v
        for v in DatasetValue.objects.filter(snapshot=snapshot, quarter__in=quarters, code__in=list(indicators))
    }
    own = {
        (c.code, c.quarter): c
        for c in DatasetContribution.objects.in_snapshot(snapshot).filter(agency=agency, quarter__in=quarters)
    }
    names = agencies_of(snapshot)
    lines = []
    for code, info in indicators.items():
        cells = []
        for q in quarters:
            contribution = own.get((code, q))
            cells.append(
                {
                    "label": quarter_label(q),
                    "own": agency_text(info, contribution),
                    "partnership": format_cell(info, values.get((code, q))),
                    "partial_note": partial_note(values.get((code, q)), names),
                }
            )
        lines.append({"info": info, "cells": cells})
    return lines


# --- the homes ----------------------------------------------------------------------------------------------------
def unpublished_snapshot(*, user: User) -> DatasetSnapshot | None:
    """The analyst's newest complete snapshot when it is newer than every published one: waiting to be published."""
    if not access.can_manage(user):
        return None
    newest = DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE).order_by("-built_at", "-pk").first()
    return newest if newest is not None and newest.published_at is None else None


@dataclass(frozen=True)
class Publication:
    """What changed with the latest publication: when, and the key messages and themes new since the one before."""

    snapshot: DatasetSnapshot
    previous: DatasetSnapshot | None
    latest_label: str
    new_themes: list[DatasetTheme]
    key_messages: list[DatasetTheme]


def latest_publication(*, user: User) -> Publication | None:
    """The latest published snapshot against the published one before it. Three queries whatever the size."""
    if not access.can_read_all(user):
        return None
    published = list(
        DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE, published_at__isnull=False)
        .defer("meta")
        .order_by("-published_at", "-pk")[:2]
    )
    if not published:
        return None
    latest, previous = published[0], (published[1] if len(published) > 1 else None)
    themes = list(DatasetTheme.objects.filter(snapshot=latest).order_by("position"))
    before: set[tuple[str, str]] = set()
    if previous is not None:
        before = set(DatasetTheme.objects.filter(snapshot=previous).values_list("code", "kind"))
    new = [t for t in themes if (t.code, t.kind) not in before]
    label = quarter_label(latest.latest_quarter) if latest.latest_quarter is not None else ""
    return Publication(latest, previous, label, new, themes[:KEY_MESSAGES])
