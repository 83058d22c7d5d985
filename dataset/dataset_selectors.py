"""Reads for the dataset pages and exports: a fixed number of queries whatever the size of the snapshot."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404

from agencies import access
from agencies.models import User
from neglect_portal.strategy import Objective

from . import validation
from .figures import Comparison, IndicatorInfo, PartnershipValue, SpcPoint, SpcResult, Theme, quarter_label
from .models import DatasetContribution, DatasetSnapshot, DatasetSpc, DatasetTheme, DatasetValue, SnapshotStatus

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
    text = validation.format_value(info.unit, value.value)
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
                f"{validation.format_value(info.unit, info.benchmark_value)} ({info.benchmark_source}, "
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
        return validation.format_value("count", contribution.value) if contribution.value is not None else ":"
    if contribution.numerator is None or not contribution.denominator:
        return ":"
    scale = {"percentage": 100, "rate_per_10k": 10000}.get(info.unit, 1)
    return validation.format_value(info.unit, contribution.numerator / contribution.denominator * scale)


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
