"""Statistical process control of one indicator's quarterly series: an XmR chart as NHS England's
"Making Data Count" draws it, plain data in and plain data out.

The limits are the mean plus and minus 2.66 times the mean moving range (the XmR constant: three
sigma estimated from point-to-point variation, so a sustained shift does not widen its own limits).
Four rules find special cause variation; everything else is common cause, the noise a system makes
when nothing has changed, and is not a theme to chase.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from .figures import ProcessChangeInfo, SpcPoint, SpcResult

XMR_CONSTANT = Decimal("2.66")
RUN_LENGTH = 7  # both shift and trend: shorter runs happen by chance too often to act on
# Stored limits have six decimal places; the rules use the unrounded ones so a point is judged once.
PLACES = Decimal("0.000001")

OUTSIDE_LIMITS = "outside_limits"
SHIFT = "shift"
TREND = "trend"
TWO_OF_THREE = "two_of_three"
RULES = (OUTSIDE_LIMITS, SHIFT, TREND, TWO_OF_THREE)

IMPROVEMENT = "improvement"
CONCERN = "concern"
NEUTRAL = "neutral"

# Each rule marks a point with the side it points to: +1 above the mean or rising, -1 below or falling.
Marks = list[dict[str, set[int]]]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _sign(x: Decimal, mean: Decimal) -> int:
    return (x > mean) - (x < mean)


def _runs(signs: Sequence[int]) -> list[tuple[int, int, int]]:
    """(start, end exclusive, sign) of each run of equal non-zero signs."""
    runs: list[tuple[int, int, int]] = []
    start = 0
    for i in range(1, len(signs) + 1):
        if i == len(signs) or signs[i] != signs[start]:
            if signs[start] != 0:
                runs.append((start, i, signs[start]))
            start = i
    return runs


def _mark_outside(values: Sequence[Decimal], upper: Decimal, lower: Decimal, marks: Marks) -> None:
    for i, x in enumerate(values):
        if x > upper:
            marks[i].setdefault(OUTSIDE_LIMITS, set()).add(1)
        elif x < lower:
            marks[i].setdefault(OUTSIDE_LIMITS, set()).add(-1)


def _mark_shift(values: Sequence[Decimal], mean: Decimal, marks: Marks) -> dict[int, int]:
    """Marks runs on one side of the mean; a point on the mean has sign 0 and so breaks the run.
    Returns, for each marked point, the length of its run (for the message)."""
    lengths: dict[int, int] = {}
    for start, end, sign in _runs([_sign(x, mean) for x in values]):
        if end - start >= RUN_LENGTH:
            for i in range(start, end):
                marks[i].setdefault(SHIFT, set()).add(sign)
                lengths[i] = end - start
    return lengths


def _mark_trend(values: Sequence[Decimal], marks: Marks) -> dict[int, int]:
    """Marks runs of points each higher (or each lower) than the one before; an equal step breaks it.

    steps[i] compares point i+1 with point i, so a run of k equal steps covers k+1 points."""
    lengths: dict[int, int] = {}
    steps = [_sign(values[i + 1], values[i]) for i in range(len(values) - 1)]
    for start, end, sign in _runs(steps):
        points = end - start + 1
        if points >= RUN_LENGTH:
            for i in range(start, end + 1):
                marks[i].setdefault(TREND, set()).add(sign)
                lengths[i] = points
    return lengths


def _mark_two_of_three(values: Sequence[Decimal], mean: Decimal, reach: Decimal, marks: Marks) -> None:
    """Two of three consecutive points beyond two-thirds of the way to a limit, on the same side."""
    near = mean + reach * 2 / 3
    far = mean - reach * 2 / 3
    for sign, beyond in ((1, [x > near for x in values]), (-1, [x < far for x in values])):
        for start in range(len(values) - 2):
            window = range(start, start + 3)
            if sum(beyond[i] for i in window) >= 2:
                for i in window:
                    if beyond[i]:
                        marks[i].setdefault(TWO_OF_THREE, set()).add(sign)


def _assessment(sides: set[int], polarity: str) -> str:
    if not sides:
        return ""
    if polarity not in ("higher", "lower"):
        return NEUTRAL
    better = 1 if polarity == "higher" else -1
    # A point pulled both ways (the peak between a rising and a falling trend, say) is shown as a
    # concern: a safeguarding partnership would rather look and find nothing than miss a worsening.
    return IMPROVEMENT if sides == {better} else CONCERN


def _describe(rules: dict[str, set[int]], shift_length: int | None, trend_length: int | None, assessment: str) -> str:
    parts: list[str] = []
    for rule in RULES:
        if rule not in rules:
            continue
        up = 1 in rules[rule]
        if rule == OUTSIDE_LIMITS:
            parts.append("above the upper limit" if up else "below the lower limit")
        elif rule == SHIFT:
            parts.append(f"shift: {_plural(shift_length or 0, 'quarter')} {'above' if up else 'below'} the mean")
        elif rule == TREND:
            parts.append(f"trend: {_plural(trend_length or 0, 'quarter')} {'rising' if up else 'falling'}")
        else:
            parts.append(f"2 of 3 quarters close to the {'upper' if up else 'lower'} limit")
    kind = "variation" if assessment == NEUTRAL else assessment
    return f"The latest point shows special cause {kind} ({'; '.join(parts)})."


def xmr(
    *,
    code: str,
    points: Sequence[tuple[int, Decimal]],
    polarity: str,
    min_points: int = 12,
    changes: Sequence[ProcessChangeInfo] = (),
) -> SpcResult:
    """The XmR reading of a series of (quarter index, value), oldest first, with partial quarters left out.

    With fewer than `min_points` points the limits would be too unreliable to judge anything, so none
    are given and no point is marked. Limits are not clipped at zero; the caller can.
    """
    values = [v for _, v in points]
    n = len(values)
    # Limits need at least one moving range, whatever min_points the caller asks for.
    needed = max(min_points, 2)
    if n < needed:
        return SpcResult(
            code=code,
            enough_data=False,
            message=(
                f"Not enough data for statistical process control: {_plural(n, 'quarter')}; "
                f"at least {needed} are needed."
            ),
            points=tuple(SpcPoint(quarter=q, value=v) for q, v in points),
        )

    mean = sum(values, Decimal(0)) / n
    mean_moving_range = sum((abs(values[i] - values[i - 1]) for i in range(1, n)), Decimal(0)) / (n - 1)
    reach = XMR_CONSTANT * mean_moving_range
    upper, lower = mean + reach, mean - reach

    marks: Marks = [{} for _ in values]
    _mark_outside(values, upper, lower, marks)
    shift_lengths = _mark_shift(values, mean, marks)
    trend_lengths = _mark_trend(values, marks)
    _mark_two_of_three(values, mean, reach, marks)

    out: list[SpcPoint] = []
    for (quarter, value), rules in zip(points, marks, strict=True):
        sides = set().union(*rules.values()) if rules else set()
        out.append(
            SpcPoint(
                quarter=quarter,
                value=value,
                rules=tuple(r for r in RULES if r in rules),
                assessment=_assessment(sides, polarity),
            )
        )

    last = n - 1
    if marks[last]:
        message = _describe(marks[last], shift_lengths.get(last), trend_lengths.get(last), out[last].assessment)
    else:
        message = "The latest point is common cause variation: within the limits and no pattern."
    return SpcResult(
        code=code,
        enough_data=True,
        message=message,
        mean=mean.quantize(PLACES, rounding=ROUND_HALF_UP),
        upper=upper.quantize(PLACES, rounding=ROUND_HALF_UP),
        lower=lower.quantize(PLACES, rounding=ROUND_HALF_UP),
        points=tuple(out),
    )


def year_to_date(*, code: str, points: Sequence[tuple[int, Decimal]]) -> SpcResult:
    """A year-to-date indicator adds up from April and starts again each Q1, so XmR across the reset would call
    every Q1 a fall. It is compared with the same quarter of earlier years instead, and gets no limits."""
    return SpcResult(
        code=code,
        enough_data=False,
        method="year_to_date",
        message=(
            "A year-to-date figure: it adds up from April and starts again each Q1, so it is compared with the same "
            "quarter of earlier years and a pro-rata target, not by statistical process control."
        ),
        points=tuple(SpcPoint(quarter=q, value=v) for q, v in points),
    )
