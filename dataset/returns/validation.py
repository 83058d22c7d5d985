"""Validation of one agency's quarterly neglect-indicator return.

A pure rule: plain data in, plain data out. Values arrive as the raw text the person typed (web form) or the
cell held (spreadsheet upload), so every caller gets the same checks and the same messages. Nothing here knows
about Django, the database or the request.

Errors (V..) always block submission. Queries (Q..) block until the agency explains them in the commentary.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from dataset.catalogue.numbers import (
    FIELDS_BY_UNIT,
    UNITS,
    counted,
    decimal_places,
    format_value,
    parse_number,
    round_text,
    with_unit,
)

NOT_AVAILABLE_REASONS: dict[str, str] = {
    "not_collected": "Not collected",
    "system_change": "System change",
    "operational_pressure": "Operational pressure",
    "other": "Other",
}

ERROR = "error"
QUERY = "query"

_UNIT_NOUN: dict[str, str] = {"count": "count", "percentage": "percentage", "rate_per_10k": "rate", "mean": "mean"}

_MAD_SCALE = Decimal("1.4826")  # makes the MAD estimate the standard deviation when values are roughly normal
_OUTLIER_MADS = 3
_MIN_HISTORY = 4
# Q02 reads the agency's usual range from at most this many earlier quarters (three years): recent practice, and a
# page whose cost does not grow with ten years of returns. Q01 and the page's "same quarter last year" fall inside it.
HISTORY_QUARTERS = 12
_SMALL_DENOMINATOR = 10


@dataclass(frozen=True)
class ValueInput:
    code: str
    title: str
    unit: str
    numerator: str = ""
    denominator: str = ""
    value: str = ""
    not_available_reason: str = ""
    commentary: str = ""
    numerator_label: str = "Numerator"
    denominator_label: str = "Denominator"
    allow_negative: bool = False
    tolerance: Decimal = Decimal("25")
    row: int | None = None

    def __post_init__(self) -> None:
        # The unit comes from the indicator definition, not from the person filling in the return, so an unknown
        # unit is a programming error to surface at once rather than a problem to report.
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}; expected one of {', '.join(UNITS)}")


@dataclass(frozen=True)
class ValueHistory:
    """An indicator's accepted values before this quarter: the previous quarter's (Q01) and, oldest first, those
    of up to HISTORY_QUARTERS earlier quarters (Q02)."""

    previous: Decimal | None = None
    previous_label: str = "the previous quarter"
    earlier: tuple[Decimal, ...] = ()


@dataclass(frozen=True)
class Problem:
    code: str
    indicator: str
    field: str
    message: str
    blocking: bool
    kind: str
    explained: bool = False
    # GOV.UK error style: `short` is what the field says (what to do, no rule code); `where` names the row, for the
    # summary at the top of the page. `message` is the full explanation (uploads, the API, the rules page).
    short: str = ""
    where: str = ""

    @classmethod
    def error(cls, *, code: str, indicator: str, field: str, where: str, what_and_how: str, short: str) -> Problem:
        """A blocking error: `where` (the row) prefixes the full message and heads the summary's line."""
        message = f"{where}: {what_and_how}"
        return cls(code, indicator, field, message, blocking=True, kind=ERROR, short=short, where=where)

    @property
    def field_message(self) -> str:
        return self.short or self.message

    @property
    def summary_message(self) -> str:
        return f"{self.where}: {self.short}" if self.short and self.where else self.message


@dataclass(frozen=True)
class Problems:
    items: tuple[Problem, ...] = ()

    def __post_init__(self) -> None:
        # Accept any iterable but keep the frozen object truly immutable.
        object.__setattr__(self, "items", tuple(self.items))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.kind == ERROR]

    @property
    def queries(self) -> list[Problem]:
        return [p for p in self.items if p.kind == QUERY]

    @property
    def unexplained_queries(self) -> list[Problem]:
        return [p for p in self.items if p.kind == QUERY and not p.explained]

    @property
    def blocking(self) -> bool:
        return any(p.blocking for p in self.items)

    def blocking_summary(self) -> str:
        """What blocks, counted as it is: "2 errors", "4 unexplained queries", "1 error and 3 unexplained queries";
        never "error(s)", and never "errors" for what are only queries."""
        errors = sum(1 for p in self.items if p.blocking and p.kind == ERROR)
        queries = sum(1 for p in self.items if p.blocking and p.kind != ERROR)
        parts = [counted(errors, "error")] if errors else []
        if queries:
            parts.append(counted(queries, "unexplained query", "unexplained queries"))
        return " and ".join(parts) or "no problems"

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def for_indicator(self, code: str) -> list[Problem]:
        return [p for p in self.items if p.indicator == code]

    def for_field(self, code: str, field: str) -> list[Problem]:
        return [p for p in self.items if p.indicator == code and p.field == field]


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    title: str
    description: str


RULES: tuple[Rule, ...] = (
    Rule(
        "V01",
        ERROR,
        "Not a number",
        "A figure has been entered that is not a number, for example \u201c12%\u201d, \u201cn/a\u201d or \u201cabout "
        "40\u201d. Enter digits only (thousands separators such as 3,024 and decimal points are fine). If the figure "
        "is not available, leave it blank and choose a \u201cnot available\u201d reason.",
    ),
    Rule(
        "V02",
        ERROR,
        "Negative figure",
        "A figure is below zero. Counts, numerators and denominators cannot be negative; check the sign. Only the "
        "total of a \u201cmean change\u201d indicator may be negative.",
    ),
    Rule(
        "V03",
        ERROR,
        "Numerator larger than denominator",
        "For a percentage or a rate, the numerator is larger than the denominator. Check both figures come from the "
        "same cohort and have not been entered the wrong way round.",
    ),
    Rule(
        "V04",
        ERROR,
        "Not a whole number",
        "A figure that counts children, cases or plans has a fraction, for example 12.5. Enter a whole number. Only "
        "the total of a mean may have decimal places.",
    ),
    Rule(
        "V05",
        ERROR,
        "Zero denominator",
        "The denominator of a percentage, rate or mean is 0, so the indicator cannot be calculated. Check the "
        "denominator; if there genuinely were none this quarter, leave both figures blank, choose a \u201cnot "
        "available\u201d reason and explain in the commentary.",
    ),
    Rule(
        "V06",
        ERROR,
        "Figure missing",
        "A figure is blank and the indicator has not been marked not available. Enter the figure (0 if there were "
        "none), or choose a \u201cnot available\u201d reason.",
    ),
    Rule(
        "V07",
        ERROR,
        "Figures given and marked not available",
        "Figures have been entered but the indicator is also marked not available. Clear one or the other: the "
        "figures if they are not available, or the reason if they are.",
    ),
    Rule(
        "V08",
        ERROR,
        "Unrecognised \u201cnot available\u201d reason",
        "The \u201cnot available\u201d reason is not one of the recognised reasons: "
        + ", ".join(NOT_AVAILABLE_REASONS.values())
        + ". Choose one of them.",
    ),
    Rule(
        "Q01",
        QUERY,
        "Large change from the previous quarter",
        "The value has changed from the previous quarter by more than the indicator's tolerance (25% unless the "
        "indicator says otherwise), or has moved away from 0. Check the figures; if they are right, explain the "
        "change in the commentary.",
    ),
    Rule(
        "Q02",
        QUERY,
        "Outside the agency's usual range",
        "With at least four earlier quarters (of the last twelve), the value is more than three scaled median "
        "absolute deviations from the agency's median (or differs from it when the earlier values barely vary). "
        "Check the figures; if they are right, explain in the commentary why this quarter is different.",
    ),
    Rule(
        "Q03",
        QUERY,
        "Percentage of a small number",
        "The percentage's denominator is fewer than 10, so a single case moves it a long way and it will swing from "
        "quarter to quarter. Check the denominator; if it is right, say so in the commentary.",
    ),
)


def computed_value(v: ValueInput) -> Decimal | None:
    """The indicator's value, unrounded, or None when it cannot be worked out."""
    return figures_value(v.unit, v.numerator, v.denominator, v.value, v.not_available_reason)


def figures_value(unit: str, numerator: str, denominator: str, value: str, not_available_reason: str) -> Decimal | None:
    """computed_value from the stored figures themselves: for history, read as plain rows by the thousand, where
    building a ValueInput for each was a third of the reading."""
    if not_available_reason.strip():
        return None
    if unit == "count":
        return _parsed_or_none(value)
    numerator = _parsed_or_none(numerator)
    denominator = _parsed_or_none(denominator)
    if numerator is None or denominator is None or denominator == 0:
        return None
    if unit == "percentage":
        return 100 * numerator / denominator
    if unit == "rate_per_10k":
        return 10000 * numerator / denominator
    return numerator / denominator


def check_value(v: ValueInput, history: ValueHistory | None = None) -> list[Problem]:
    """Every error on one indicator's value and, when there are none, every query against its history."""
    errors = _errors(v)
    if errors:
        return errors
    current = computed_value(v)
    if current is None:
        return []
    return _queries(v, current, history or ValueHistory())


def check_return(values: Iterable[ValueInput], history: Mapping[str, ValueHistory] | None = None) -> Problems:
    """Every problem across a whole return; history is keyed by indicator code."""
    history = history or {}
    items: list[Problem] = []
    for v in values:
        items.extend(check_value(v, history.get(v.code)))
    return Problems(tuple(items))


# --- errors -------------------------------------------------------------------------------------------------------


def _errors(v: ValueInput) -> list[Problem]:
    problems: list[Problem] = []
    fields = FIELDS_BY_UNIT[v.unit]
    reason = v.not_available_reason.strip()

    if reason:
        if reason not in NOT_AVAILABLE_REASONS:
            choices = ", ".join(NOT_AVAILABLE_REASONS.values())
            problems.append(
                _error(
                    "V08",
                    v,
                    "not_available_reason",
                    f'"{_quote(reason)}" is not a recognised "not available" reason. Choose one of: {choices}.',
                    "Choose a reason the figure is not available from the list",
                )
            )
        if any(getattr(v, name).strip() for name in fields):
            label = NOT_AVAILABLE_REASONS.get(reason, _quote(reason))
            problems.append(
                _error(
                    "V07",
                    v,
                    "not_available_reason",
                    f'figures have been entered but the indicator is also marked not available ("{label}"). '
                    'Clear one or the other: the figures if they are not available, or the "not available" reason '
                    "if they are.",
                    "Clear the figures, or clear the reason they are not available",
                )
            )
        # A value marked not available has nothing further to check; once the person clears one side, whatever
        # remains is checked on the next pass.
        return problems

    parsed: dict[str, Decimal] = {}
    for name in fields:
        raw = getattr(v, name)
        if not raw.strip():
            problems.append(
                _error(
                    "V06",
                    v,
                    name,
                    f'{_field_name(v, name)} is blank. Enter the figure (0 if there were none), or choose a "not '
                    'available" reason.',
                    f"Enter {_short_name(v, name)}, or 0 if there were none",
                )
            )
            continue
        try:
            number = parse_number(raw)
        except ValueError:
            problems.append(
                _error(
                    "V01",
                    v,
                    name,
                    f'{_field_name(v, name)} ("{_quote(raw.strip())}") is not a number. Enter digits only, for '
                    "example 1,234 or 12.5, without % signs, units or words; if the figure is not available, leave "
                    'it blank and choose a "not available" reason.',
                    f"{_short_name(v, name, capital=True)} must be a number, like 1,234 or 12.5",
                )
            )
            continue
        assert number is not None  # blank was handled above
        parsed[name] = number
        problems.extend(_field_errors(v, name, number))

    numerator = parsed.get("numerator")
    denominator = parsed.get("denominator")
    if numerator is not None and denominator is not None:
        if v.unit in ("percentage", "rate_per_10k") and numerator > denominator:
            how = (
                "Check both figures come from the same cohort."
                if v.unit == "percentage"
                else "Check the figures are not the wrong way round and that the denominator is the whole "
                "population the rate is per 10,000 of."
            )
            problems.append(
                _error(
                    "V03",
                    v,
                    "numerator",
                    f"{_field_name(v, 'numerator')} ({_figure(numerator)}) is larger than "
                    f"{_field_name(v, 'denominator')} ({_figure(denominator)}). {how}",
                    f"{_short_name(v, 'numerator', capital=True)} must be no more than "
                    f"{_short_name(v, 'denominator')} ({_figure(denominator)})",
                )
            )
        if denominator == 0:
            problems.append(
                _error(
                    "V05",
                    v,
                    "denominator",
                    f"{_field_name(v, 'denominator')} is 0, so the {_UNIT_NOUN[v.unit]} cannot be calculated. Check "
                    "the denominator; if there genuinely were none this quarter, leave both figures blank, choose a "
                    '"not available" reason and explain in the commentary.',
                    f"{_short_name(v, 'denominator', capital=True)} must be more than 0",
                )
            )
    return problems


def _field_errors(v: ValueInput, name: str, number: Decimal) -> list[Problem]:
    problems: list[Problem] = []
    is_mean_total = v.unit == "mean" and name == "numerator"
    if number < 0 and not (v.allow_negative and is_mean_total):
        problems.append(
            _error(
                "V02",
                v,
                name,
                f"{_field_name(v, name)} is negative ({_figure(number)}). This figure cannot be below zero: check "
                "the sign and enter 0 or more.",
                f"{_short_name(v, name, capital=True)} must be 0 or more",
            )
        )
    # A mean's total (e.g. total days, total change in score) may be fractional; everything else counts cases.
    if not is_mean_total and number != number.to_integral_value():
        problems.append(
            _error(
                "V04",
                v,
                name,
                f"{_field_name(v, name)} ({_figure(number)}) is not a whole number. It counts cases, so enter a "
                "whole number with no decimal places.",
                f"{_short_name(v, name, capital=True)} must be a whole number",
            )
        )
    return problems


# --- queries ------------------------------------------------------------------------------------------------------


def _queries(v: ValueInput, current: Decimal, history: ValueHistory) -> list[Problem]:
    problems: list[Problem] = []
    noun = _UNIT_NOUN[v.unit]

    if history.previous is not None:
        previous = history.previous
        when = history.previous_label
        if previous == 0:
            if current != 0:
                direction = "up" if current > 0 else "down"
                problems.append(
                    _query(
                        "Q01",
                        v,
                        f"the {noun} is {format_value(v.unit, current)}, {direction} from "
                        f"{format_value(v.unit, previous)} in {when}. "
                        f"A change from 0 cannot be measured in per cent, so any change needs explaining (the "
                        f"tolerance is {_figure(v.tolerance)}%). Check the figures, and if they are right, explain "
                        "the change in the commentary.",
                        f"Explain in the commentary why the {noun} changed from {format_value(v.unit, previous)}",
                    )
                )
        else:
            change = abs(current - previous) / abs(previous) * 100
            if change > v.tolerance:
                direction = "up" if current > previous else "down"
                problems.append(
                    _query(
                        "Q01",
                        v,
                        f"the {noun} is {format_value(v.unit, current)}, {direction} "
                        f"{_change(change, v.tolerance)}% on "
                        f"{when} ({format_value(v.unit, previous)}). Changes of more than {_figure(v.tolerance)}% need "
                        "explaining: check the figures, and if they are right, explain the change in the commentary.",
                        f"Explain in the commentary why the {noun} changed by {_change(change, v.tolerance)}% "
                        f"since {when}",
                    )
                )

    if len(history.earlier) >= _MIN_HISTORY:
        earlier = history.earlier
        median = statistics.median(earlier)
        spread = statistics.median(abs(x - median) for x in earlier) * _MAD_SCALE
        quarters = f"{len(earlier)} earlier quarters"
        if spread == 0:
            if current != median:
                problems.append(
                    _query(
                        "Q02",
                        v,
                        f"the {noun} ({format_value(v.unit, current)}) is different from this agency's usual value of "
                        f"{format_value(v.unit, median)}, which at least half of its {quarters} had exactly. Check the "
                        "figures, and if they are right, explain in the commentary why this quarter is different.",
                        f"Explain in the commentary why the {noun} differs from the usual "
                        f"{format_value(v.unit, median)}",
                    )
                )
        else:
            low = median - _OUTLIER_MADS * spread
            high = median + _OUTLIER_MADS * spread
            if not low <= current <= high:
                problems.append(
                    _query(
                        "Q02",
                        v,
                        f"the {noun} ({format_value(v.unit, current)}) is outside this agency's usual range of "
                        f"{_range(v, low, high)}, based on its {quarters}. Check the figures, and if they are right, "
                        "explain in the commentary why this quarter is different.",
                        f"Explain in the commentary why the {noun} is outside the usual range",
                    )
                )

    if v.unit == "percentage":
        denominator = _parsed_or_none(v.denominator)
        if denominator is not None and 0 < denominator < _SMALL_DENOMINATOR:
            swing = format_value("mean", 100 / denominator)
            problems.append(
                _query(
                    "Q03",
                    v,
                    f"the percentage is of only {_figure(denominator)} ({_field_name(v, 'denominator')}), so one "
                    f"case moves it by {swing} percentage points and a percentage of so few is unstable. Check the "
                    "denominator, and if it is right, say so in the commentary.",
                    f"Confirm in the commentary that the denominator of {_figure(denominator)} is right",
                )
            )
    return problems


# --- building problems and messages -------------------------------------------------------------------------------


def _error(code: str, v: ValueInput, name: str, what_and_how: str, short: str) -> Problem:
    return Problem.error(
        code=code, indicator=v.code, field=name, where=_where(v), what_and_how=what_and_how, short=short
    )


def _query(code: str, v: ValueInput, what_and_how: str, short: str) -> Problem:
    explained = bool(v.commentary.strip())
    where = _where(v)
    return Problem(
        code=code,
        indicator=v.code,
        field="commentary",
        message=f"{where}: {what_and_how}",
        blocking=not explained,
        kind=QUERY,
        explained=explained,
        short=short,
        where=where,
    )


def _where(v: ValueInput) -> str:
    indicator = f"{v.code} {v.title}".strip()
    return f"Row {v.row}, {indicator}" if v.row is not None else indicator


def _field_name(v: ValueInput, name: str) -> str:
    if name == "value":
        return "the figure"
    label = (v.numerator_label if name == "numerator" else v.denominator_label).strip()
    # Don't say 'the numerator "Numerator"' when the indicator has no label of its own.
    if not label or label.casefold() == name:
        return f"the {name}"
    return f'the {name} "{label}"'


def _short_name(v: ValueInput, name: str, *, capital: bool = False) -> str:
    """What a field asks for, in the field's own words: "staff trained", or "the figure" where it has no label."""
    label = "" if name == "value" else (v.numerator_label if name == "numerator" else v.denominator_label).strip()
    # Lower-case the first letter of "Staff trained", not of "CP plans" or "ICB".
    lowered = label[:1].lower() + label[1:] if label[1:2].islower() else label
    text = lowered if label and label.casefold() != name else f"the {name}"
    if name == "value":
        text = "the figure"
    return text[:1].upper() + text[1:] if capital else text


def _marked_not_available(v: ValueInput) -> bool:
    return bool(v.not_available_reason.strip())


def _parsed_or_none(text: str) -> Decimal | None:
    try:
        return parse_number(text)
    except ValueError:
        return None


def _quote(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _figure(number: Decimal) -> str:
    """A figure as entered, with thousands separators and no rounding."""
    return f"{number:,}"


def _change(change: Decimal, tolerance: Decimal) -> str:
    """The percentage change, with just enough decimal places that it visibly exceeds the tolerance."""
    for places in range(5):
        text = round_text(change, places)
        if Decimal(text.replace(",", "")) > tolerance:
            return text
    return round_text(change, 4)


def _range(v: ValueInput, low: Decimal, high: Decimal) -> str:
    # Values that cannot be negative (or above 100%) should not be shown with an impossible usual range.
    if not (v.unit == "mean" and v.allow_negative):
        low = max(low, Decimal(0))
    if v.unit == "percentage":
        high = min(high, Decimal(100))
    places = max(decimal_places(v.unit, low), decimal_places(v.unit, high)) if v.unit != "count" else 0
    # Round inwards so every shown value inside the range really is inside it; counts are whole, so this is exact.
    shown_low = round_text(low, places, ROUND_CEILING)
    shown_high = round_text(high, places, ROUND_FLOOR)
    if Decimal(shown_low.replace(",", "")) > Decimal(shown_high.replace(",", "")):
        shown_low, shown_high = round_text(low, places), round_text(high, places)
    return f"{with_unit(v.unit, shown_low)} to {with_unit(v.unit, shown_high)}"


__all__ = [
    "ERROR",
    "NOT_AVAILABLE_REASONS",
    "QUERY",
    "RULES",
    "FIELDS_BY_UNIT",
    "UNITS",
    "Problem",
    "Problems",
    "Rule",
    "ValueHistory",
    "ValueInput",
    "check_return",
    "check_value",
    "computed_value",
    "format_value",
    "parse_number",
]
