"""Statistical process control of one indicator's quarterly series: an XmR chart as NHS England's
"Making Data Count" draws it, plain data in and plain data out.

The limits are the mean plus and minus 2.66 times the mean moving range (the XmR constant: three
sigma estimated from point-to-point variation, so a sustained shift does not widen its own limits).
Four rules find special cause variation; everything else is common cause, the noise a system makes
when nothing has changed, and is not a theme to chase.

A series is read in phases: each recorded process change (a new strategy, a lockdown) starts a new one, with its
own mean, moving ranges and limits, so that a system that has changed is judged against itself and not against
the one before. A phase needs 12 points before its limits are drawn. Every comparison is exact (fractions): a
point exactly on a limit is inside it, and the same data always gives the same reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import lcm

from .figures import ProcessChangeInfo, SpcPhase, SpcPoint, SpcResult, quarter_label

XMR_CONSTANT = Fraction(266, 100)
RUN_LENGTH = 7  # both shift and trend: shorter runs happen by chance too often to act on
MIN_POINTS = 12  # per phase, as Making Data Count advises: fewer make limits too unreliable to judge against
# Stored limits have six decimal places, for display; the rules use the exact ones so a point is judged once.
PLACES = 6

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


def _sign(x: int, mean: int) -> int:
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


def _quantize(x: Fraction) -> Decimal:
    """Exactly rounded to PLACES, halves away from zero (ROUND_HALF_UP), with no float or 28-digit step between."""
    scaled = abs(x) * 10**PLACES
    whole = int(scaled + Fraction(1, 2))  # floor, as scaled is not negative
    return Decimal(-whole if x < 0 else whole).scaleb(-PLACES)


def _scaled(values: Sequence[Decimal]) -> tuple[list[int], int]:
    """The values as integers over one common denominator, exactly: (each value times `common`, `common`).
    The rules compare integers instead of fractions (several times faster; the same answers)."""
    ratios = [v.as_integer_ratio() for v in values]
    common = lcm(*(d for _, d in ratios)) if ratios else 1
    return [n * (common // d) for n, d in ratios], common


@dataclass(frozen=True)
class Limits:
    """One phase's exact centre line, limits and two-thirds lines, all as integers over `scale`: a phase's value
    x (an integer of `_scaled`) compares as x * `per_value`. With n points summing to S and moving ranges summing
    to R, the mean is S/n and the reach (2.66 times the mean moving range) 266 R / 100 (n - 1); over the common
    denominator 150 n (n - 1) both, and two-thirds of the reach, are whole numbers."""

    per_value: int  # 150 n (n - 1)
    mean: int  # 150 (n - 1) S
    reach: int  # 399 n R: the distance from the mean to either limit
    two_thirds: int  # 266 n R
    scale: int  # per_value times the values' common denominator: the limits are these numbers over it

    @property
    def upper(self) -> int:
        return self.mean + self.reach

    @property
    def lower(self) -> int:
        return self.mean - self.reach

    def exact(self, number: int) -> Fraction:
        return Fraction(number, self.scale)


def limits(values: Sequence[int], common: int = 1) -> Limits:
    """The XmR limits of one phase's values (at least two, integers of `_scaled`): moving ranges are taken within
    the phase only."""
    n = len(values)
    total = sum(values)
    ranges = sum(abs(values[i] - values[i - 1]) for i in range(1, n))
    per_value = 150 * n * (n - 1)
    # 266/100 = 133/50; times 150 n (n - 1) / (n - 1): 399 n. Two-thirds of that: 266 n.
    return Limits(
        per_value=per_value,
        mean=150 * (n - 1) * total,
        reach=399 * n * ranges,
        two_thirds=266 * n * ranges,
        scale=per_value * common,
    )


def _mark_outside(values: Sequence[int], lim: Limits, marks: Marks) -> None:
    # Strictly beyond: a point exactly on a limit is inside it.
    upper, lower = lim.upper, lim.lower
    for i, x in enumerate(values):
        if x > upper:
            marks[i].setdefault(OUTSIDE_LIMITS, set()).add(1)
        elif x < lower:
            marks[i].setdefault(OUTSIDE_LIMITS, set()).add(-1)


def _mark_shift(values: Sequence[int], mean: int, marks: Marks) -> dict[int, int]:
    """Marks runs on one side of the mean; a point on the mean has sign 0 and so breaks the run.
    Returns, for each marked point, the length of its run (for the message)."""
    lengths: dict[int, int] = {}
    for start, end, sign in _runs([_sign(x, mean) for x in values]):
        if end - start >= RUN_LENGTH:
            for i in range(start, end):
                marks[i].setdefault(SHIFT, set()).add(sign)
                lengths[i] = end - start
    return lengths


def _mark_trend(values: Sequence[int], marks: Marks) -> dict[int, int]:
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


def _mark_two_of_three(values: Sequence[int], lim: Limits, marks: Marks) -> None:
    """Two of three consecutive points beyond two-thirds of the way to a limit, on the same side. A point exactly
    on the two-thirds line is not beyond it."""
    near = lim.mean + lim.two_thirds
    far = lim.mean - lim.two_thirds
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


@dataclass(frozen=True)
class _Span:
    """Positions [first, end) of one phase's points, the quarter it starts in and why."""

    first: int
    end: int
    start: int
    reason: str


def split_phases(quarters: Sequence[int], changes: Sequence[ProcessChangeInfo]) -> list[_Span]:
    """The phases of a series whose points fall in `quarters` (ascending). A change starts a new phase in its
    quarter (the phase's first point is the first in or after it); a change before the first point or after the
    last is ignored, and of two changes before the same point the later one holds (the earlier phase has no point)."""
    if not quarters:
        return []
    starts: dict[int, tuple[int, str]] = {0: (quarters[0], "")}
    for change in sorted(changes, key=lambda c: c.quarter):
        if change.quarter < quarters[0] or change.quarter > quarters[-1]:
            continue
        first = next(i for i, q in enumerate(quarters) if q >= change.quarter)
        starts[first] = (change.quarter, change.reason)
    firsts = sorted(starts)
    return [
        _Span(first=f, end=end, start=starts[f][0], reason=starts[f][1])
        for f, end in zip(firsts, [*firsts[1:], len(quarters)], strict=True)
    ]


def _since(phase: SpcPhase) -> str:
    since = f"since {quarter_label(phase.start)}"
    return f"{since}: {phase.reason}" if phase.reason else since


def xmr(
    *,
    code: str,
    points: Sequence[tuple[int, Decimal]],
    polarity: str,
    min_points: int = MIN_POINTS,
    changes: Sequence[ProcessChangeInfo] = (),
) -> SpcResult:
    """The XmR reading of a series of (quarter index, value), oldest first, with partial quarters left out, in
    phases split at the recorded process `changes`.

    A phase with fewer than `min_points` points has limits too unreliable to judge anything, so it gets none and
    none of its points is marked. Limits are not clipped at zero; the caller can. The result's mean and limits,
    `enough_data` and message are the latest phase's; `phases` has them all.
    """
    quarters = [q for q, _ in points]
    exact, common = _scaled([v for _, v in points])
    n = len(exact)
    # Limits need at least one moving range, whatever min_points the caller asks for.
    needed = max(min_points, 2)
    spans = split_phases(quarters, changes)

    marks: Marks = [{} for _ in exact]
    shift_lengths: dict[int, int] = {}
    trend_lengths: dict[int, int] = {}
    phases: list[SpcPhase] = []
    latest_limits: Limits | None = None
    suggested_start: int | None = None
    suggestion = ""
    for span in spans:
        values = exact[span.first : span.end]
        phase = SpcPhase(start=span.start, end=quarters[span.end - 1], reason=span.reason)
        if len(values) < needed:
            phases.append(phase)
            latest_limits = None
            continue
        lim = limits(values, common)
        latest_limits = lim
        phase_marks: Marks = [{} for _ in values]
        against = [x * lim.per_value for x in values]  # over the limits' denominator
        _mark_outside(against, lim, phase_marks)
        shifts = _mark_shift(against, lim.mean, phase_marks)
        trends = _mark_trend(values, phase_marks)
        _mark_two_of_three(against, lim, phase_marks)
        for i, rules in enumerate(phase_marks):
            marks[span.first + i] = rules
        shift_lengths.update({span.first + i: length for i, length in shifts.items()})
        trend_lengths.update({span.first + i: length for i, length in trends.items()})
        phases.append(
            SpcPhase(
                start=phase.start,
                end=phase.end,
                reason=phase.reason,
                enough_data=True,
                mean=_quantize(lim.exact(lim.mean)),
                upper=_quantize(lim.exact(lim.upper)),
                lower=_quantize(lim.exact(lim.lower)),
            )
        )
        last = len(values) - 1
        if span.end == n and last in shifts:
            # A shift that still holds at the latest point: perhaps the process changed where the run began. Only the
            # analyst can say so and record it; the build never starts a phase by itself.
            length = shifts[last]
            run_start = quarters[span.end - length]
            side = "above" if 1 in phase_marks[last][SHIFT] else "below"
            suggested_start = run_start
            suggestion = (
                f"{length} quarters in a row {side} the mean since {quarter_label(run_start)}: if something changed "
                "then, record it as a process change so the limits are recalculated."
            )

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

    if latest_limits is None:
        if len(phases) <= 1:
            message = (
                f"Not enough data for statistical process control: {_plural(n, 'quarter')}; "
                f"at least {needed} are needed."
            )
        else:
            current = phases[-1]
            count = spans[-1].end - spans[-1].first
            message = (
                f"The current phase ({_since(current)}) has {_plural(count, 'quarter')}; limits need {needed}. "
                "Its points are not judged until then."
            )
        return SpcResult(
            code=code,
            enough_data=False,
            message=message,
            points=tuple(out),
            phases=tuple(phases),
        )

    last = n - 1
    if marks[last]:
        message = _describe(marks[last], shift_lengths.get(last), trend_lengths.get(last), out[last].assessment)
    else:
        message = "The latest point is common cause variation: within the limits and no pattern."
    if len(phases) > 1:
        message += f" Limits are those of the current phase ({_since(phases[-1])})."
    current = phases[-1]
    return SpcResult(
        code=code,
        enough_data=True,
        message=message,
        mean=current.mean,
        upper=current.upper,
        lower=current.lower,
        points=tuple(out),
        phases=tuple(phases),
        suggested_start=suggested_start,
        suggestion=suggestion,
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
