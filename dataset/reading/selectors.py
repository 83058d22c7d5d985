"""Reads for what readers see of a snapshot: the dataset page, the Working Group's dashboard, the indicator
page, an agency's own view and the exports. A fixed number of queries whatever the size of the snapshot, and only
the figures shown."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404

from agencies import access
from agencies.models import User
from dataset.build.figures import Comparison, IndicatorInfo, PartnershipValue, SpcPoint, SpcResult, Theme, quarter_label
from dataset.catalogue import numbers
from dataset.models import DatasetContribution, DatasetSnapshot, DatasetSpc, DatasetTheme, DatasetValue, SnapshotStatus
from neglect_portal.strategy import OBJECTIVE_AIMS, Objective

COLUMNS = 5

DIRECTION_WORDS = {
    "improving": ("▲", "Improving"),
    "worsening": ("▼", "Worsening"),
    "steady": ("►", "Steady"),
    "up": ("▲", "Up"),
    "down": ("▼", "Down"),
    "": ("", "Not compared"),
}


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
        return get_object_or_404(qs, pk=pk)
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


@dataclass
class Group:
    objective: str
    label: str
    lines: list[Line] = field(default_factory=list)


def spc_words(value: DatasetValue | None, reading: DatasetSpc | None) -> str:
    if reading is None or not reading.enough_data:
        return "Not enough data"
    if value is None or value.partial:
        return "Not assessed (partial)"
    if not value.spc_rules:
        return "Common cause"
    kind = {"improvement": "improvement", "concern": "concern"}.get(value.spc_assessment, "neutral")
    rules = ", ".join(r.replace("_", " ") for r in value.spc_rules)
    return f"Special cause {kind} ({rules})"


def format_cell(info: IndicatorInfo, value: DatasetValue | None) -> str:
    if value is None or value.value is None:
        return ":"
    text = numbers.format_value(info.unit, value.value)
    return text + (" *" if value.partial else "")


def dataset_table(
    *, snapshot: DatasetSnapshot, user: User, objective: str = "", agency: str = ""
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
            for c in DatasetContribution.objects.filter(snapshot=snapshot, agency=agency, quarter__in=quarters)
        }
    groups = {o.value: Group(o.value, o.label) for o in Objective}
    latest_q = quarters[-1] if quarters else None
    for code, info in indicators.items():
        if objective and info.objective != objective:
            continue
        if agency and agency not in info.suppliers:
            continue
        cells = []
        for q in quarters:
            value = values.get((code, q))
            contribution = contributions.get((code, q))
            text = format_cell(info, value) if not agency else agency_text(info, contribution)
            cells.append(Cell(q, quarter_label(q), value, text, contribution))
        latest = values.get((code, latest_q)) if latest_q is not None else None
        symbol, words = DIRECTION_WORDS.get(latest.direction if latest else "", ("", "Not compared"))
        line = Line(info=info, cells=cells, latest=latest, spc=readings.get(code))
        line.direction_symbol, line.direction_words = symbol, words
        line.spc_words = spc_words(latest, readings.get(code))
        if info.benchmark_value is not None:
            line.benchmark_text = (
                f"{numbers.format_value(info.unit, info.benchmark_value)} ({info.benchmark_source}, "
                f"{info.benchmark_year})"
            )
        if latest is not None:
            line.completeness_text = f"{len(latest.contributors)} of {len(latest.expected)} agencies"
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
        for c in DatasetContribution.objects.filter(snapshot=snapshot, code=code, quarter=quarter)
        if contributions_visible_to(user, c.agency, own)
    ]
    return indicators[code], value, contributions


def themes_of(snapshot: DatasetSnapshot) -> list[DatasetTheme]:
    return list(DatasetTheme.objects.filter(snapshot=snapshot))


# --- for exports: the whole snapshot as plain data ---------------------------------------------------------
def export_data(snapshot: DatasetSnapshot) -> dict:
    indicators = indicators_of(snapshot)
    quarters = list(snapshot.meta.get("quarters", []))
    values: dict[tuple[str, int], PartnershipValue] = {}
    comparisons: dict[tuple[str, int], Comparison] = {}
    points: dict[str, list[SpcPoint]] = defaultdict(list)
    for v in DatasetValue.objects.filter(snapshot=snapshot):
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
        )
        for s in DatasetSpc.objects.filter(snapshot=snapshot)
    }
    contributions: dict[tuple[str, int], dict[str, Decimal | None]] = defaultdict(dict)
    for c in DatasetContribution.objects.filter(snapshot=snapshot):
        info = indicators.get(c.code)
        if info is None:
            continue
        figure = c.value if info.unit == "count" else c.numerator
        contributions[(c.code, c.quarter)][c.agency] = None if c.not_available else figure
    themes = [
        Theme(
            code=t.code, kind=t.kind, severity=t.severity, sentence=t.sentence, question=t.question, numbers=t.numbers
        )
        for t in DatasetTheme.objects.filter(snapshot=snapshot)
    ]
    return {
        "indicators": list(indicators.values()),
        "quarters": quarters,
        "values": values,
        "contributions": contributions,
        "comparisons": comparisons,
        "spc": spc,
        "themes": themes,
        "agencies": dict(snapshot.meta.get("agencies", {})),
    }


IMPROVING, WORSENING, STEADY = "improving", "worsening", "steady"


@dataclass
class IndicatorSummary:
    info: IndicatorInfo
    latest: DatasetValue | None
    text: str
    direction_symbol: str
    direction_words: str


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


def summarise(info: IndicatorInfo, latest: DatasetValue | None) -> IndicatorSummary:
    symbol, words = DIRECTION_WORDS.get(latest.direction if latest else "", ("", "Not compared"))
    return IndicatorSummary(info, latest, format_cell(info, latest), symbol, words)


def objective_panels(
    *, indicators: dict[str, IndicatorInfo], latest: dict[str, DatasetValue], objective: str = ""
) -> list[ObjectivePanel]:
    """Per objective: how many indicators are improving, worsening or steady, how many are off target."""
    panels = {o.value: ObjectivePanel(o.value, o.label, OBJECTIVE_AIMS[o.value]) for o in Objective}
    for code, info in indicators.items():
        if objective and info.objective != objective:
            continue
        value = latest.get(code)
        panel = panels[info.objective]
        direction = value.direction if value else ""
        if direction in (IMPROVING, WORSENING, STEADY):
            panel.counts[direction] += 1
        elif direction in ("up", "down"):
            panel.counts["changed"] += 1
        else:
            panel.counts["not_compared"] += 1
        if value and value.rag:
            panel.counts[value.rag] += 1
        panel.indicators.append(summarise(info, value))
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
    if objective or agency:
        themes = [
            t
            for t in themes
            if not t.code or t.code in indicators and (not objective or indicators[t.code].objective == objective)
        ]
    agencies = dict(snapshot.meta.get("agencies", {}))
    return {
        "latest_label": quarter_label(latest_q) if latest_q is not None else "",
        "panels": objective_panels(indicators=indicators, latest=latest, objective=objective),
        "themes": themes,
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


def _figure(number: Decimal | None) -> str:
    if number is None:
        return ""
    return f"{number.normalize():,f}" if number == number.to_integral_value() else f"{number:,.2f}"


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
    contributions = [
        c
        for c in DatasetContribution.objects.filter(snapshot=snapshot, code=code, quarter__in=quarters)
        if contributions_visible_to(user, c.agency, own)
    ]
    spc = None
    if reading is not None:
        points = tuple(
            SpcPoint(q, v.value, tuple(v.spc_rules), v.spc_assessment)
            for q, v in sorted(values.items())
            if v.value is not None and not v.partial
        )
        spc = SpcResult(code, reading.enough_data, reading.message, reading.mean, reading.upper, reading.lower, points)
    agencies = dict(snapshot.meta.get("agencies", {}))
    rows = []
    for q in quarters:
        v = values.get(q)
        change = ""
        if v is not None and v.change_previous is not None:
            step = v.change_previous.quantize(Decimal("0.1"))
            sign = "+" if step > 0 else ""
            change = f"{sign}{step}{' pp' if v.change_unit == 'pp' else '%'}"
        rows.append(
            TableRow(
                quarter=q,
                label=quarter_label(q),
                value=v,
                text=format_cell(info, v),
                numerator=_figure(v.numerator) if v else "",
                denominator=_figure(v.denominator) if v else "",
                change=change,
                rag=(v.rag or "").capitalize() if v else "",
                spc=spc_words(v, reading) if v else "",
                contributors=f"{len(v.contributors)} of {len(v.expected)}" if v else "",
            )
        )
    return {
        "info": info,
        "quarters": quarters,
        "values": values,
        "spc": spc,
        "spc_message": reading.message if reading else "",
        "rows": rows,
        "contributions": contributions,
        "agencies": agencies,
        "all_quarters": list(snapshot.meta.get("quarters", [])),
    }


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
        for c in DatasetContribution.objects.filter(snapshot=snapshot, agency=agency, quarter__in=quarters)
    }
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
                }
            )
        lines.append({"info": info, "cells": cells})
    return lines
