"""Reads for the return pages. Every queryset passes through agencies.access, so out of scope is 404."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format

from agencies import access
from agencies.models import Agency, User
from dataset.catalogue.periods import Quarter
from dataset.catalogue.selectors import period_edit_block_reason
from dataset.models import Indicator, ReportingPeriod, Return, ReturnValue
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective

from . import validation

VALUE_FIELDS = ("numerator", "denominator", "value", "not_available_reason", "expected_on", "commentary")


def _returns() -> QuerySet[Return]:
    return Return.objects.select_related("agency", "period", "updated_by", "submitted_by", "reviewed_by")


def returns_readable(*, user: User) -> QuerySet[Return]:
    """Agency leads: all of their own agency's returns. Analyst: everything. Members and the
    scrutineer: accepted returns of every agency."""
    qs = access.scoped(_returns(), user)
    if access.can_read_all(user) and not access.can_manage(user):
        qs = qs.filter(status=State.ACCEPTED)
    return qs


def return_for_read(*, user: User, pk: int) -> Return:
    return access.get_in_scope(returns_readable(user=user), user, pk=pk)


def return_for_edit(*, user: User, pk: int) -> Return:
    return access.get_in_scope(access.scoped(_returns(), user, for_edit=True), user, pk=pk)


def return_for_review(*, user: User, pk: int) -> Return:
    if not access.can_manage(user):
        raise Http404("No return found")
    return get_object_or_404(_returns(), pk=pk)


def review_queue(*, user: User) -> QuerySet[Return]:
    if not access.can_manage(user):
        return Return.objects.none()
    return _returns().filter(status=State.SUBMITTED).order_by("submitted_at")


def expected_indicators(*, agency: Agency) -> QuerySet[Indicator]:
    return Indicator.objects.filter(active=True, suppliers=agency).order_by("code")


def edit_block_reason(ret: Return, user: User, today: date | None = None) -> str | None:
    """Why `user` may not change `ret` now, in words; None when they may."""
    if not access.can_edit(user, ret.agency):
        return f"Only {ret.agency}'s leads can change this return."
    when = _when(ret.submitted_at if ret.status == State.SUBMITTED else ret.reviewed_at)
    if ret.status == State.SUBMITTED:
        return (
            f"This return was submitted{when} and is waiting for the partnership analyst. "
            "Ask them to return it to you if something needs to change."
        )
    if ret.status == State.ACCEPTED:
        return f"This return was accepted{when}. Ask the partnership analyst to reopen it if it needs amending."
    # A return the analyst handed back (returned or reopened) may be changed even after the quarter locks:
    # handing it back is the analyst's decision to let it change.
    if ret.status == State.DRAFT:
        return period_edit_block_reason(ret.period, today or timezone.localdate())
    return None


def _when(moment) -> str:
    if not moment:
        return ""
    return " on " + date_format(timezone.localtime(moment), "j F Y")


# --- the rows of a return page ----------------------------------------------------------------------
@dataclass
class Row:
    indicator: Indicator
    value: ReturnValue | None
    current: Decimal | None = None
    previous: Decimal | None = None
    year_earlier: Decimal | None = None
    problems: list[validation.Problem] = field(default_factory=list)
    # The edit page's inputs for this row (forms.FigureInput), filled in by its view from the form it shows.
    figure_inputs: list = field(default_factory=list)
    other_inputs: list = field(default_factory=list)
    # The row's whole fieldset (rendering.row_fieldset), written once its inputs are set.
    html: str = ""

    @property
    def by_field(self) -> dict[str, list[validation.Problem]]:
        out: dict[str, list[validation.Problem]] = defaultdict(list)
        for problem in self.problems:
            out[problem.field].append(problem)
        return dict(out)


@dataclass
class ObjectiveGroup:
    objective: str
    label: str
    rows: list[Row]


def value_input(
    indicator: Indicator, value: ReturnValue | None, overrides: dict | None = None, row: int | None = None
) -> validation.ValueInput:
    data = {name: getattr(value, name, "") or "" for name in VALUE_FIELDS if name != "expected_on"}
    if overrides:
        data.update({k: v for k, v in overrides.items() if k in data})
    return validation.ValueInput(
        code=indicator.code,
        title=indicator.title,
        unit=indicator.unit,
        numerator=data["numerator"],
        denominator=data["denominator"],
        value=data["value"],
        not_available_reason=data["not_available_reason"],
        commentary=data["commentary"],
        numerator_label=indicator.numerator_label or "Numerator",
        denominator_label=indicator.denominator_label or "Denominator",
        allow_negative=indicator.allow_negative,
        tolerance=indicator.tolerance_pct,
        row=row,
    )


_FIGURES = ("numerator", "denominator", "value", "not_available_reason")


# An agency's accepted history is kept in the cache under a key of everything it is read from: the accepted returns
# of the window, each by id, version and last update (their values change only through a reopen and a saved edit,
# which bumps the version), and each indicator's id, code and unit. Any change is a new key: nothing stale is read.
HISTORY_SECONDS = 24 * 60 * 60


def accepted_history(*, ret: Return, indicators: list[Indicator]) -> dict[str, dict[int, Decimal]]:
    """This agency's computed values from accepted returns of the HISTORY_QUARTERS quarters before this one:
    {code: {quarter index: value}}. Two queries of plain rows, however many years of returns there are; one when
    those returns and indicators are as they were when it was last read (a large agency's 1,800 figures parsed
    again for every page and save were a fifth of the edit page)."""
    quarter = ret.period.as_quarter
    oldest = quarter
    for _ in range(validation.HISTORY_QUARTERS):
        oldest = oldest.previous()
    before = Q(period__year__lt=quarter.year) | Q(period__year=quarter.year, period__quarter__lt=quarter.number)
    from_oldest = Q(period__year__gt=oldest.year) | Q(period__year=oldest.year, period__quarter__gte=oldest.number)
    sources = list(
        Return.objects.filter(before, from_oldest, agency_id=ret.agency_id, status=State.ACCEPTED)
        .order_by("pk")
        .values_list("pk", "version", "updated_at")
    )
    made = [(pk, version, updated.timestamp()) for pk, version, updated in sources]
    shown = [(i.pk, i.code, i.unit) for i in indicators]
    key = "return-history:" + hashlib.sha256(repr((ret.agency_id, quarter.index, made, shown)).encode()).hexdigest()
    kept = cache.get(key)
    if kept is not None:
        return kept
    by_pk = {i.pk: i for i in indicators}
    rows = (
        ReturnValue.objects.filter(ret_id__in=[pk for pk, _, _ in sources], indicator_id__in=list(by_pk))
        .order_by()  # any order (keyed by quarter below): the model's order by code joined every row to its indicator
        .values_list("indicator_id", "ret__period__year", "ret__period__quarter", *_FIGURES)
    )
    out: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for indicator_id, year, number, numerator, denominator, value, reason in rows:
        indicator = by_pk[indicator_id]
        computed = validation.figures_value(
            indicator.unit, numerator or "", denominator or "", value or "", reason or ""
        )
        if computed is not None:
            out[indicator.code][Quarter(year, number).index] = computed
    history = dict(out)
    cache.set(key, history, HISTORY_SECONDS)
    return history


def validation_history(ret: Return, past: dict[str, dict[int, Decimal]]) -> dict[str, validation.ValueHistory]:
    quarter = ret.period.as_quarter
    previous = quarter.previous()
    return {
        code: validation.ValueHistory(
            previous=series.get(previous.index),
            previous_label=previous.label,
            earlier=tuple(series[i] for i in sorted(series)),
        )
        for code, series in past.items()
    }


def _values_and_indicators(ret: Return) -> tuple[dict[int, ReturnValue], list[Indicator]]:
    """The stored values by indicator id, and the indicators the page shows: those expected of the agency, and any
    since-retired one that has a value here (it stays visible). In the page's order: by objective, then code."""
    stored = {v.indicator_id: v for v in ret.values.select_related("indicator")}
    indicators = {i.pk: i for i in expected_indicators(agency=ret.agency)}
    for v in stored.values():
        indicators.setdefault(v.indicator_id, v.indicator)
    order = {o.value: n for n, o in enumerate(Objective)}
    return stored, sorted(indicators.values(), key=lambda i: (order.get(i.objective, len(order)), i.code))


def return_page_indicators(*, ret: Return) -> list[Indicator]:
    """The page's indicators in its order, as return_page_values gives them, without reading the stored values:
    what a save's form is built from. One query: those expected of the agency, and any retired one with a value."""
    supplied = Indicator.suppliers.through.objects.filter(agency_id=ret.agency_id).values("indicator_id")
    has_value = ReturnValue.objects.filter(ret_id=ret.pk).values("indicator_id")
    # Two subqueries rather than joins: a join to the values table and DISTINCT over it scanned every return's values.
    indicators = Indicator.objects.filter(Q(active=True, pk__in=supplied) | Q(pk__in=has_value))
    order = {o.value: n for n, o in enumerate(Objective)}
    return sorted(indicators, key=lambda i: (order.get(i.objective, len(order)), i.code))


def return_page_values(*, ret: Return) -> tuple[dict[int, ReturnValue], list[Indicator]]:
    """(stored values by indicator id, the page's indicators in order): read once by the edit page, which builds its
    form from them and passes them to return_rows, instead of reading them for each."""
    return _values_and_indicators(ret)


def return_rows(
    *,
    ret: Return,
    overrides: dict[str, dict] | None = None,
    row_numbers: dict[str, int] | None = None,
    read: tuple[dict[int, ReturnValue], list[Indicator]] | None = None,
) -> tuple[list[ObjectiveGroup], validation.Problems]:
    """The page's rows grouped by objective, with history beside each, and the problems of the values shown.

    `overrides` are typed-but-unsaved inputs (a refused save, or an uploaded file in its dry run): they are
    validated and shown instead of what is stored. `row_numbers` (code -> spreadsheet row) puts the row in
    each message, for uploads. `read` is return_page_values(ret=ret) when the caller has it already. A fixed number
    of queries, however long the agency's history.
    """
    stored, ordered = read if read is not None else _values_and_indicators(ret)
    past = accepted_history(ret=ret, indicators=ordered)
    history = validation_history(ret, past)
    quarter = ret.period.as_quarter
    inputs = {
        i.code: value_input(i, stored.get(i.pk), (overrides or {}).get(i.code), (row_numbers or {}).get(i.code))
        for i in ordered
    }
    problems = validation.check_return(inputs.values(), history)
    groups: dict[str, list[Row]] = defaultdict(list)
    for indicator in ordered:
        series = past.get(indicator.code, {})
        groups[indicator.objective].append(
            Row(
                indicator=indicator,
                value=stored.get(indicator.pk),
                current=validation.computed_value(inputs[indicator.code]),
                previous=series.get(quarter.previous().index),
                year_earlier=series.get(quarter.year_earlier().index),
                problems=problems.for_indicator(indicator.code),
            )
        )
    return [
        ObjectiveGroup(objective=o.value, label=o.label, rows=groups[o.value]) for o in Objective if groups.get(o.value)
    ], problems


def current_problems(ret: Return) -> validation.Problems:
    return return_rows(ret=ret)[1]


# --- history -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    when: object
    who: str
    what: str
    old: str
    new: str
    how: str
    reason: str


def _label(field_name: str, indicator: Indicator) -> str:
    if field_name == "numerator":
        return indicator.numerator_label or "numerator"
    if field_name == "denominator":
        return indicator.denominator_label or "denominator"
    return {"value": "value", "not_available_reason": "not available", "expected_on": "expected by"}.get(
        field_name, field_name
    )


def return_history(*, ret: Return) -> tuple[list[Change], list[Change]]:
    """(status timeline, value changes), oldest first, from django-simple-history's records."""
    status_records = list(ret.history.select_related("history_user").order_by("history_date", "history_id"))
    timeline: list[Change] = []
    previous_status = None
    for record in status_records:
        if record.status != previous_status:
            timeline.append(
                Change(
                    when=record.history_date,
                    who=str(record.history_user or "system"),
                    what="Status",
                    old=State(previous_status).label if previous_status else "",
                    new=State(record.status).label + (f" (revision {record.revision})" if record.revision > 1 else ""),
                    how=record.get_history_source_display(),
                    reason=record.history_change_reason or "",
                )
            )
            previous_status = record.status
    value_records = (
        ReturnValue.history.filter(ret_id=ret.pk)
        .select_related("history_user", "indicator")
        .order_by("history_date", "history_id")
    )
    changes = field_changes(
        value_records,
        VALUE_FIELDS,
        what=lambda record, name: f"{record.indicator.code} {_label(name, record.indicator)}",
        show=_show,
    )
    return timeline, changes


def field_changes(records, fields, *, what, show) -> list[Change]:
    """Field-by-field changes between consecutive historical records of each row, oldest first.

    `what(record, field)` names the change; `show(field, raw)` puts a stored value into words."""
    last: dict[int, object] = {}
    changes: list[Change] = []
    for record in records:
        before = last.get(record.id)
        for name in fields:
            old = getattr(before, name, None) if before else None
            new = getattr(record, name)
            if (old or "") == (new or ""):
                continue
            changes.append(
                Change(
                    when=record.history_date,
                    who=str(record.history_user or "system"),
                    what=what(record, name),
                    old=show(name, old),
                    new=show(name, new),
                    how=record.get_history_source_display(),
                    reason=record.history_change_reason or "",
                )
            )
        last[record.id] = record
    return changes


def _show(name: str, raw) -> str:
    if raw in (None, ""):
        return ""
    if name == "not_available_reason":
        return validation.NOT_AVAILABLE_REASONS.get(raw, raw)
    if name == "expected_on":
        return date_format(raw, "j F Y")
    return str(raw)


def open_periods(*, today: date | None = None) -> QuerySet[ReportingPeriod]:
    today = today or timezone.localdate()
    return ReportingPeriod.objects.filter(opens_on__lte=today).order_by("-year", "-quarter")


# --- the lead's home ----------------------------------------------------------------------------------------------
def own_return_for(*, user: User, period: ReportingPeriod | None) -> Return | None:
    """This lead's agency's return for `period`, or None when not started (or the user edits no agency)."""
    if period is None:
        return None
    return access.scoped(_returns(), user, for_edit=True).filter(period=period).first()


def own_returns_sent_back(*, user: User) -> list[Return]:
    """The lead's returns that the analyst handed back (returned or reopened): their next step, reason attached."""
    qs = access.scoped(_returns(), user, for_edit=True).filter(status__in=[State.RETURNED, State.REOPENED])
    return list(qs.order_by("-reviewed_at", "-pk"))
