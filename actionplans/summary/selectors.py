"""Reads for the partnership's RAG summary of the agencies' action plans and its dashboard panel.

Accepted reports only, for everyone (the analyst too): the summary is what the partnership has agreed.
A fixed number of queries whatever the number of agencies, actions or indicators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.http import Http404

from actionplans.models import Action, ActionUpdate, ProgressReport, RatedAction
from actionplans.selectors import Rating, accepted_ratings
from agencies import access
from agencies.models import Agency, User
from dataset.build.figures import IndicatorInfo
from dataset.models import DatasetValue, ReportingPeriod
from dataset.reading import selectors as dataset_selectors
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective, Rag

from . import counting as summary


@dataclass
class LinkedFigure:
    code: str
    title: str
    text: str  # the partnership's latest value, formatted; ":" when there is none


@dataclass
class Listed:
    """A Red or overdue action in the latest quarter, with its narrative and recovery step."""

    rating: Rating
    overdue: bool
    figures: list[LinkedFigure] = field(default_factory=list)

    @property
    def update(self) -> ActionUpdate:
        return self.rating.update

    @property
    def action(self) -> Action | RatedAction:
        """The action as rated: its wording and due date when the report was accepted."""
        return self.rating.action


@dataclass
class Row:
    agency: Agency
    report: ProgressReport
    cells: list[tuple[str, summary.Cell, str]]  # (objective, cell, the agency's own objective RAG)


def _accepted_periods(limit: int = 2) -> list[ReportingPeriod]:
    """The latest quarters with accepted reports, newest first."""
    return list(
        ReportingPeriod.objects.filter(progress_reports__status=State.ACCEPTED)
        .distinct()
        .order_by("-year", "-quarter")[:limit]
    )


def as_counted(ratings: list[Rating]) -> list[summary.Rated]:
    # Counted under the objective the action had when rated: moving it later does not rewrite an accepted quarter.
    return [summary.Rated(r.agency.short_name, r.objective, r.rag) for r in ratings]


def _latest_figures(user: User, codes: set[str]) -> tuple[dict[str, IndicatorInfo], dict[str, DatasetValue]]:
    snapshot = dataset_selectors.snapshot_for(user=user)
    if snapshot is None or not codes:
        return {}, {}
    values = DatasetValue.objects.filter(snapshot=snapshot, quarter=snapshot.latest_quarter, code__in=codes)
    return dataset_selectors.indicators_of(snapshot), {v.code: v for v in values}


def _is_listed(rating: Rating, today: date) -> tuple[bool, bool]:
    overdue = rating.is_overdue(today)
    return rating.rag == Rag.RED or overdue, overdue


def partnership_summary(*, user: User, today: date, objective: str = "", agency: str = "") -> dict:
    """The grid of agencies by objective for the latest accepted quarter, its movement since the quarter before,
    and the Red and overdue actions with their linked indicators' latest values. `agency` is a short name."""
    if not access.can_read_all(user):
        raise Http404("No summary")
    periods = _accepted_periods()
    agencies = list(Agency.objects.filter(active=True).order_by("name"))
    context: dict = {"agencies": agencies, "period": None, "objective": objective, "agency": agency}
    if not periods:
        return context
    period, previous = periods[0], (periods[1] if len(periods) > 1 else None)
    current_ratings = accepted_ratings(period=period, with_indicators=True)
    previous_ratings = accepted_ratings(period=previous)
    reports = {
        r.agency_id: r
        for r in ProgressReport.objects.filter(period=period, status=State.ACCEPTED).select_related("agency")
    }
    compared = set(
        ProgressReport.objects.filter(period=previous, status=State.ACCEPTED).values_list(
            "agency__short_name", flat=True
        )
        if previous is not None
        else ()
    )
    objectives = [o for o in Objective if not objective or o.value == objective]
    shown = [a for a in agencies if a.pk in reports and (not agency or a.short_name == agency)]
    cells = summary.grid(
        current=as_counted(current_ratings),
        previous=as_counted(previous_ratings),
        agencies=[a.short_name for a in shown],
        objectives=[o.value for o in objectives],
        compared=compared,
    )
    rows = [
        Row(
            a,
            reports[a.pk],
            [(o.value, cells[a.short_name][o.value], reports[a.pk].objective_rags()[o.value]) for o in objectives],
        )
        for a in shown
    ]

    listed = []
    for r in current_ratings:
        if (objective and r.objective != objective) or (agency and r.agency.short_name != agency):
            continue
        is_listed, overdue = _is_listed(r, today)
        if is_listed:
            listed.append(Listed(r, overdue))
    # Linked indicators are the live action's: the figures beside them are the latest anyway.
    infos, values = _latest_figures(user, {i.code for item in listed for i in item.update.action.indicators.all()})
    for item in listed:
        for indicator in item.update.action.indicators.all():
            info = infos.get(indicator.code)
            text = dataset_selectors.format_cell(info, values.get(indicator.code)) if info else ":"
            item.figures.append(LinkedFigure(indicator.code, indicator.title, text))

    context.update(
        period=period,
        previous=previous,
        objectives=objectives,
        rows=rows,
        totals=list(summary.totals(cells, [o.value for o in objectives]).items()),
        listed=listed,
        not_accepted=[a for a in agencies if a.pk not in reports],
    )
    return context


@dataclass
class PanelLine:
    objective: str
    label: str
    cell: summary.Cell
    red_or_overdue: int


def dashboard_panel(*, user: User, today: date) -> dict | None:
    """Per objective, the partnership's RAG counts in the latest accepted quarter and how many actions are Red or
    overdue. None when there is nothing accepted yet (or the user may not read the partnership's plans)."""
    if not access.can_read_all(user):
        return None
    periods = _accepted_periods(limit=1)
    if not periods:
        return None
    ratings = accepted_ratings(period=periods[0])
    counts = summary.count(summary.Rated("*", r.objective, r.rag) for r in ratings)
    flagged: dict[str, int] = {}
    for r in ratings:
        if _is_listed(r, today)[0]:
            flagged[r.objective] = flagged.get(r.objective, 0) + 1
    lines = [
        PanelLine(
            o.value, o.label, summary.Cell(counts.get(("*", o.value), summary.Counter())), flagged.get(o.value, 0)
        )
        for o in Objective
    ]
    return {"period": periods[0], "lines": lines, "red_or_overdue": sum(flagged.values())}
