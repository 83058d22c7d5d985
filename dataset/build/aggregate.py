"""The Partnership Neglect Dataset's values and their comparisons: plain data in, plain data out.

A partnership value is built from the agencies' summed figures, never by averaging their percentages:
an agency reporting on 400 children weighs more than one reporting on 40. Zero is a value and is summed
like any other; a figure the agency marked not available, or one missing a number its unit needs, is
left out (and the value is then partial, so it is not compared as if it were whole).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from .figures import SCALE, AgencyFigure, Comparison, IndicatorInfo, PartnershipValue, quarter_of

# The dataset stores values with six decimal places; rounding here keeps the build's hash stable and
# what is compared identical to what is stored.
VALUE_PLACES = Decimal("0.000001")
# Changes and gaps are read by people: one decimal place, as the report we start from prints them.
CHANGE_PLACES = Decimal("0.1")
# Below these a change is noise for a working group, not a movement to discuss.
STEADY_PP = Decimal(2)
STEADY_PERCENT = Decimal(5)

_PREVIOUS = 1
_YEAR = 4


def _round(number: Decimal, places: Decimal) -> Decimal:
    return number.quantize(places, rounding=ROUND_HALF_UP)


def _is_ratio(unit: str) -> bool:
    return unit in SCALE


def _partnership_value(
    *,
    indicator: IndicatorInfo,
    quarter: int,
    figures: Sequence[AgencyFigure],
    expected: Sequence[str],
) -> PartnershipValue:
    unit = indicator.unit
    ratio = _is_ratio(unit)
    # Used: not marked not available, and with every number its unit needs (zero counts; None does not).
    if ratio:
        used = [f for f in figures if not f.not_available and f.numerator is not None and f.denominator is not None]
    else:
        used = [f for f in figures if not f.not_available and f.value is not None]

    def result(
        value: Decimal | None, numerator: Decimal | None = None, denominator: Decimal | None = None
    ) -> PartnershipValue:
        return PartnershipValue(
            code=indicator.code,
            quarter=quarter,
            value=value,
            numerator=numerator,
            denominator=denominator,
            contributors=tuple(sorted(f.agency for f in used)),
            expected=tuple(sorted(set(expected))),
            not_available=tuple(sorted({f.agency for f in figures if f.not_available})),
        )

    if not used:
        return result(None)
    if not ratio:
        return result(sum((f.value for f in used), Decimal(0)))
    numerator = sum((f.numerator for f in used), Decimal(0))
    denominator = sum((f.denominator for f in used), Decimal(0))
    # Nothing to divide by is not a value of zero: there were no children in the cohort.
    value = None if denominator == 0 else _round(numerator / denominator * SCALE[unit], VALUE_PLACES)
    return result(value, numerator, denominator)


def aggregate(
    *,
    indicators: Mapping[str, IndicatorInfo],
    figures: Iterable[AgencyFigure],
    expected: Mapping[tuple[str, int], Sequence[str]],
) -> dict[tuple[str, int], PartnershipValue]:
    """The partnership value of each indicator in each quarter named in `expected` or in `figures`.

    `expected[(code, quarter)]` lists the agencies expected to supply the value that quarter; a quarter
    that only appears in `figures` expects the indicator's `suppliers`. Figures of indicators not in
    `indicators` are ignored, since without a unit they cannot be summed. Two figures from one agency for
    the same indicator and quarter raise ValueError rather than being counted twice.
    """
    figures = list(figures)
    grouped: dict[tuple[str, int], list[AgencyFigure]] = defaultdict(list)
    for figure in figures:
        if figure.code in indicators:
            grouped[(figure.code, figure.quarter)].append(figure)
    # One set per cell rather than one key per figure: a large build has a quarter of a million figures.
    if any(len({f.agency for f in found}) != len(found) for found in grouped.values()):
        _refuse_duplicate(indicators, figures)

    keys = {k for k in expected if k[0] in indicators} | set(grouped)
    out: dict[tuple[str, int], PartnershipValue] = {}
    for code, quarter in sorted(keys):
        indicator = indicators[code]
        out[(code, quarter)] = _partnership_value(
            indicator=indicator,
            quarter=quarter,
            figures=grouped.get((code, quarter), []),
            expected=expected.get((code, quarter), indicator.suppliers),
        )
    return out


def _refuse_duplicate(indicators: Mapping[str, IndicatorInfo], figures: Sequence[AgencyFigure]) -> None:
    """Raise about the first figure (in the order given) that repeats an agency's figure for its cell."""
    seen: set[tuple[str, int, str]] = set()
    for figure in figures:
        if figure.code not in indicators:
            continue
        key = (figure.code, figure.quarter, figure.agency)
        if key in seen:
            raise ValueError(
                f"{figure.agency} has two figures for {figure.code} in quarter {figure.quarter}; "
                "the build must pass one accepted figure per agency."
            )
        seen.add(key)


def _change(unit: str, now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """Points difference for percentages (a per cent change of a per cent misleads); relative otherwise."""
    if now is None or before is None:
        return None
    if unit == "percentage":
        return _round(now - before, CHANGE_PLACES)
    if before == 0:
        return None  # from nothing, any rise is infinite per cent: say nothing rather than mislead
    # abs() so a rise always reads as positive, should a mean ever be negative.
    return _round((now - before) / abs(before) * 100, CHANGE_PLACES)


def _value_at(series: Mapping[int, PartnershipValue], quarter: int | None) -> Decimal | None:
    if quarter is None:
        return None
    found = series.get(quarter)
    return found.value if found is not None else None


def _direction(indicator: IndicatorInfo, change: Decimal) -> str:
    steady = STEADY_PP if indicator.unit == "percentage" else STEADY_PERCENT
    if abs(change) < steady:
        return "steady"
    rising = change > 0
    if indicator.polarity == "higher":
        return "improving" if rising else "worsening"
    if indicator.polarity == "lower":
        return "worsening" if rising else "improving"
    return "up" if rising else "down"


def pro_rata(indicator: IndicatorInfo, quarter: int) -> tuple[Decimal | None, Decimal | None]:
    """The target and red threshold that apply in `quarter`: the year's own for a quarterly indicator; for a
    year-to-date one, the year's scaled by the quarters of the year gone (Q1 a quarter of it, Q4 all of it).

    A year-to-date figure starts again each April, so 25% of the year's plan by the end of Q1 is on track, not red
    against 100%. Exact: a whole number of quarters over four always ends in at most two decimal places.
    """
    if not indicator.year_to_date:
        return indicator.target, indicator.red_threshold
    share = Decimal(quarter_of(quarter).number) / 4

    def scaled(threshold: Decimal | None) -> Decimal | None:
        return None if threshold is None else threshold * share

    return scaled(indicator.target), scaled(indicator.red_threshold)


def rag(indicator: IndicatorInfo, value: Decimal | None, quarter: int | None = None) -> str:
    """Red, amber or green against the target in the direction that is better; "" when there is no target.

    With `quarter`, a year-to-date indicator is rated against its pro-rata target for that quarter (`pro_rata`).
    """
    target, red = pro_rata(indicator, quarter) if quarter is not None else (indicator.target, indicator.red_threshold)
    if value is None or target is None or indicator.polarity not in ("higher", "lower"):
        return ""
    if indicator.polarity == "higher":
        if value >= target:
            return "green"
        return "red" if red is not None and value < red else "amber"
    if value <= target:
        return "green"
    return "red" if red is not None and value > red else "amber"


def compare(
    *,
    indicator: IndicatorInfo,
    series: Mapping[int, PartnershipValue],
    quarter: int,
    baseline: int | None,
) -> Comparison:
    """How `quarter`'s value compares with the previous quarter, a year earlier, the baseline, the target
    and the national benchmark.

    The numbers are given even when a value is partial, but then `comparable` is False and no direction
    is claimed: a fall caused by an agency not reporting is not a fall.

    A year-to-date indicator adds up from April and starts again each Q1, so its direction of travel is the
    change on the same quarter a year earlier, and its RAG is against the pro-rata target (`pro_rata`).
    """
    unit = indicator.unit
    change_unit = "pp" if unit == "percentage" else "%"
    current = series.get(quarter)
    if current is None:
        return Comparison(code=indicator.code, quarter=quarter, change_unit=change_unit, comparable=False)
    value = current.value
    change_year = _change(unit, value, _value_at(series, quarter - _YEAR))
    if indicator.year_to_date:
        # No quarter-on-quarter change at all: Q1 against the previous Q4 compares a quarter's worth with a year's
        # across the April reset, and Q2-Q4 against the quarter before always rise by the quarter's own activity,
        # so neither says which way the indicator is going. A change of either kind would be read as a direction.
        change_previous = None
        compared_with = series.get(quarter - _YEAR)
        change = change_year
        if baseline is not None:
            # The same quarter of the year in the baseline's year (or the first one after it): Q3 so far against
            # Q1 so far would measure half a year's activity, not a change.
            baseline += (quarter - baseline) % _YEAR
    else:
        compared_with = series.get(quarter - _PREVIOUS)
        change_previous = _change(unit, value, compared_with.value if compared_with is not None else None)
        change = change_previous
    comparable = not current.partial and not (compared_with is not None and compared_with.partial)
    direction = _direction(indicator, change) if comparable and change is not None else ""
    benchmark_gap = (
        _round(value - indicator.benchmark_value, CHANGE_PLACES)
        if value is not None and indicator.benchmark_value is not None
        else None
    )
    return Comparison(
        code=indicator.code,
        quarter=quarter,
        change_previous=change_previous,
        change_year=change_year,
        change_baseline=_change(unit, value, _value_at(series, baseline)),
        change_unit=change_unit,
        direction=direction,
        rag=rag(indicator, value, quarter),
        benchmark_gap=benchmark_gap,
        comparable=comparable,
    )


def compare_all(
    *,
    indicators: Mapping[str, IndicatorInfo],
    values: Mapping[tuple[str, int], PartnershipValue],
    baseline: int | None,
) -> dict[tuple[str, int], Comparison]:
    """`compare` for every value in `values` (as `aggregate` returns them) whose indicator is known."""
    series: dict[str, dict[int, PartnershipValue]] = defaultdict(dict)
    for (code, quarter), pv in values.items():
        series[code][quarter] = pv
    return {
        (code, quarter): compare(indicator=indicators[code], series=series[code], quarter=quarter, baseline=baseline)
        for code, quarter in sorted(values)
        if code in indicators
    }
