"""Reads for the Working Group's dashboard, the indicator page and an agency's own view: a fixed number of
queries whatever the size of the snapshot, and only the figures shown."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404

from agencies.models import User
from neglect_portal.strategy import OBJECTIVE_AIMS, Objective

from .dataset_selectors import DIRECTION_WORDS, agency_text, format_cell, indicators_of, spc_words
from .figures import IndicatorInfo, SpcPoint, SpcResult, quarter_label
from .models import DatasetContribution, DatasetSnapshot, DatasetSpc, DatasetTheme, DatasetValue

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
    from .dataset_selectors import contributions_visible_to

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
