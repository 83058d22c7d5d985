"""Reads for the indicator catalogue and quarter pages, and how a quarter's state is put into words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies import access
from agencies.models import User
from dataset.models import Indicator, Polarity, ProcessChange, RelationshipCheck, ReportingPeriod
from neglect_portal.strategy import OBJECTIVE_AIMS, Objective

from . import periods

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(day: date) -> str:
    """`27 August 2020`: no leading zero, English month names whatever the server's locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def plain_number(value: Decimal | None) -> str:
    """`90`, `50.5`, `21.6`: a stored decimal without trailing zeros (or exponent notation)."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- indicators ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorLine:
    indicator: Indicator
    suppliers: str
    target: str
    benchmark: str


@dataclass(frozen=True)
class ObjectiveGroup:
    objective: str
    label: str
    aim: str
    lines: list[IndicatorLine]


def _target_text(indicator: Indicator) -> str:
    if indicator.target is None:
        return ""
    text = f"Target {plain_number(indicator.target)}"
    if indicator.red_threshold is not None:
        side = "below" if indicator.polarity == Polarity.HIGHER else "above"
        text += f" (red {side} {plain_number(indicator.red_threshold)})"
    return text


def _benchmark_text(indicator: Indicator) -> str:
    if indicator.benchmark_value is None:
        return ""
    where = ", ".join(part for part in (indicator.benchmark_source, indicator.benchmark_year) if part)
    return f"{plain_number(indicator.benchmark_value)} ({where})" if where else plain_number(indicator.benchmark_value)


def indicator_groups(*, objective: str = "", include_retired: bool = False) -> list[ObjectiveGroup]:
    """Indicators grouped by the strategy's objectives, in the strategy's order; empty groups are left out."""
    qs = Indicator.objects.prefetch_related("suppliers").order_by("code")
    if objective:
        qs = qs.filter(objective=objective)
    if not include_retired:
        qs = qs.filter(active=True)
    by_objective: dict[str, list[IndicatorLine]] = {choice.value: [] for choice in Objective}
    for indicator in qs:
        suppliers = ", ".join(sorted(agency.short_name for agency in indicator.suppliers.all()))
        line = IndicatorLine(indicator, suppliers, _target_text(indicator), _benchmark_text(indicator))
        by_objective.setdefault(indicator.objective, []).append(line)
    return [
        ObjectiveGroup(choice.value, choice.label, OBJECTIVE_AIMS.get(choice.value, ""), by_objective[choice.value])
        for choice in Objective
        if by_objective[choice.value]
    ]


def _manageable(qs: QuerySet, user: User) -> QuerySet:
    """Catalogue and quarter edits belong to the partnership analyst: for anyone else the object is a 404."""
    return qs if access.can_manage(user) else qs.none()


def indicator_for_manage(*, user: User, pk: int) -> Indicator:
    return get_object_or_404(_manageable(Indicator.objects.prefetch_related("suppliers"), user), pk=pk)


# --- relationship checks ------------------------------------------------------------------------
def relationship_checks() -> QuerySet[RelationshipCheck]:
    """Every check, those in use first, each with both indicators."""
    return RelationshipCheck.objects.select_related("indicator", "compared_with").order_by(
        "-active", "indicator__code", "compared_with__code"
    )


def relationship_check_for_manage(*, user: User, pk: int) -> RelationshipCheck:
    return get_object_or_404(_manageable(relationship_checks(), user), pk=pk)


# --- quarters -----------------------------------------------------------------------------------
def period_list() -> QuerySet[ReportingPeriod]:
    """Every quarter, the most recent first."""
    return ReportingPeriod.objects.order_by("-year", "-quarter")


def period_for_manage(*, user: User, pk: int) -> ReportingPeriod:
    return get_object_or_404(_manageable(ReportingPeriod.objects.all(), user), pk=pk)


def period_latest() -> ReportingPeriod | None:
    return period_list().first()


def period_next_quarter(*, today: date) -> periods.Quarter:
    """The quarter "create the next quarter" would add: after the latest, or the one containing today."""
    latest = period_latest()
    return latest.as_quarter.next() if latest else periods.Quarter.containing(today)


def period_state(period: ReportingPeriod, today: date | None = None) -> str:
    """Where a quarter stands, in words: `Open, due 28 July 2020`."""
    today = today or timezone.localdate()
    if today < period.opens_on:
        return f"Not open yet (opens {long_date(period.opens_on)})"
    if period.is_locked(today):
        return f"Locked on {long_date(period.locks_on)}"
    if today > period.due_on:
        return f"Overdue, locks {long_date(period.locks_on)}"
    return f"Open, due {long_date(period.due_on)}"


def period_edit_block_reason(period: ReportingPeriod, today: date | None = None) -> str | None:
    """Why an agency cannot change its return for this quarter today, or None when it can."""
    today = today or timezone.localdate()
    if period.is_locked(today):
        return f"{period.label} locked on {long_date(period.locks_on)} - ask the partnership analyst to reopen it"
    if not period.is_open(today):
        return f"{period.label} opens on {long_date(period.opens_on)}"
    return None


# --- process changes ----------------------------------------------------------------------------
def process_changes(*, code: str) -> QuerySet[ProcessChange]:
    """An indicator's recorded process changes, oldest first: everyone who reads the indicator may see them."""
    return (
        ProcessChange.objects.filter(indicator__code=code)
        .select_related("indicator", "period", "recorded_by")
        .order_by("period__year", "period__quarter")
    )


def indicator_for_process_change(*, user: User, code: str) -> Indicator:
    """Recording a process change is for the partnership analyst: for anyone else the indicator is a 404."""
    return get_object_or_404(_manageable(Indicator.objects.all(), user), code=code)


def process_change_for_manage(*, user: User, code: str, pk: int) -> ProcessChange:
    return get_object_or_404(_manageable(process_changes(code=code), user), pk=pk)


def period_for_quarter(quarter: periods.Quarter) -> ReportingPeriod | None:
    return ReportingPeriod.objects.filter(year=quarter.year, quarter=quarter.number).first()


def indicators_matching(*, user: User, text: str, limit: int = 20) -> list[Indicator]:
    """Indicators whose code or title contains `text`, for people who read the catalogue (the search page).
    An exact code comes first, so `N1` finds N1 before N10-N19."""
    if not (user.agency_id or access.can_read_all(user)):
        return []
    found = Indicator.objects.filter(Q(code__icontains=text) | Q(title__icontains=text))
    ordered = sorted(found, key=lambda i: (i.code.lower() != text.lower(), not i.active, len(i.code), i.code))
    return ordered[:limit]


@dataclass(frozen=True)
class IndicatorWithoutFigures:
    indicator: Indicator
    suppliers: list[str]
    first_asked: ReportingPeriod | None  # the first quarter whose returns ask for it; None if none has yet


def indicator_without_figures(*, code: str) -> IndicatorWithoutFigures:
    """A catalogue indicator the published dataset has no figures for: what it measures, who reports it and from
    which quarter, so its page says so instead of answering 404. An unknown code is still a 404."""
    indicator = get_object_or_404(Indicator.objects.prefetch_related("suppliers"), code=code)
    first = ReportingPeriod.objects.filter(returns__values__indicator=indicator).order_by("year", "quarter").first()
    return IndicatorWithoutFigures(indicator, sorted(a.name for a in indicator.suppliers.all()), first)
