"""The XmR chart against an exact reference written here: plain loops over fractions, one phase at a time.

Random series with many ties, random process changes (some before the first point or after the last, some in
quarters with no point) and points put exactly on a limit or a two-thirds line by construction: every point's
rules and assessment and every phase's limits must agree with `spc.xmr`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import product
from math import lcm

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataset.build.figures import ProcessChangeInfo
from dataset.build.spc import xmr

K = Fraction(266, 100)
RUN = 7
MIN_POINTS = 12


@dataclass
class RefPhase:
    start: int
    reason: str
    positions: list[int]
    mean: Fraction | None = None
    reach: Fraction | None = None


def ref_phases(quarters: list[int], changes: list[tuple[int, str]]) -> list[RefPhase]:
    """Walk the points; the changes since the previous point (or at the first point) start a new phase, and the
    latest of them names it. Changes after the last point are never reached."""
    phases: list[RefPhase] = []
    pending = sorted(changes)
    previous = None
    for pos, q in enumerate(quarters):
        starting = [c for c in pending if (c[0] == q if previous is None else previous < c[0] <= q)]
        if previous is None:
            phases.append(RefPhase(start=q, reason=starting[-1][1] if starting else "", positions=[]))
        elif starting:
            phases.append(RefPhase(start=starting[-1][0], reason=starting[-1][1], positions=[]))
        phases[-1].positions.append(pos)
        previous = q
    return phases


def ref_limits(xs: list[Fraction]) -> tuple[Fraction, Fraction]:
    total = Fraction(0)
    for x in xs:
        total += x
    ranges = Fraction(0)
    for i in range(1, len(xs)):
        ranges += abs(xs[i] - xs[i - 1])
    return total / len(xs), K * ranges / (len(xs) - 1)


def reference(quarters: list[int], xs: list[Fraction], changes: list[tuple[int, str]], polarity: str):
    """(phases, rules per point as sets of (rule, side), suggested start)."""
    phases = ref_phases(quarters, changes)
    rules: list[set[tuple[str, int]]] = [set() for _ in xs]
    suggested = None
    for phase in phases:
        if len(phase.positions) < MIN_POINTS:
            continue
        ys = [xs[p] for p in phase.positions]
        mean, reach = ref_limits(ys)
        phase.mean, phase.reach = mean, reach
        n = len(ys)
        for i, y in enumerate(ys):
            if y > mean + reach:
                rules[phase.positions[i]].add(("outside_limits", 1))
            if y < mean - reach:
                rules[phase.positions[i]].add(("outside_limits", -1))
        for i, y in enumerate(ys):
            side = 1 if y > mean else -1 if y < mean else 0
            if side == 0:
                continue
            left = i
            while left > 0 and (ys[left - 1] > mean if side == 1 else ys[left - 1] < mean):
                left -= 1
            right = i
            while right < n - 1 and (ys[right + 1] > mean if side == 1 else ys[right + 1] < mean):
                right += 1
            if right - left + 1 >= RUN:
                rules[phase.positions[i]].add(("shift", side))
                if phase is phases[-1] and right == n - 1 and i == n - 1:
                    suggested = quarters[phase.positions[left]]
        for a in range(n):
            for b in range(a + RUN - 1, n):
                if all(ys[j + 1] > ys[j] for j in range(a, b)):
                    for j in range(a, b + 1):
                        rules[phase.positions[j]].add(("trend", 1))
                if all(ys[j + 1] < ys[j] for j in range(a, b)):
                    for j in range(a, b + 1):
                        rules[phase.positions[j]].add(("trend", -1))
        near, far = mean + reach * 2 / 3, mean - reach * 2 / 3
        for s in range(n - 2):
            window = [s, s + 1, s + 2]
            if sum(1 for j in window if ys[j] > near) >= 2:
                for j in window:
                    if ys[j] > near:
                        rules[phase.positions[j]].add(("two_of_three", 1))
            if sum(1 for j in window if ys[j] < far) >= 2:
                for j in window:
                    if ys[j] < far:
                        rules[phase.positions[j]].add(("two_of_three", -1))
    assessments = []
    for marks in rules:
        sides = {side for _, side in marks}
        if not sides:
            assessments.append("")
        elif polarity == "neither":
            assessments.append("neutral")
        elif sides == {1 if polarity == "higher" else -1}:
            assessments.append("improvement")
        else:
            assessments.append("concern")
    return phases, rules, assessments, suggested


def _on_a_line(xs: list[Fraction], positions: list[int], at: int, line: str) -> Fraction | None:
    """A value for xs[at] that puts it exactly on the phase's `line` ("upper", "lower", "near", "far"), computed with
    its own effect on the mean and the moving ranges: each way the two moving ranges beside it can fall is tried."""
    i = positions.index(at)
    ys = [xs[p] for p in positions]
    n = len(ys)
    reach_share = {"upper": K, "lower": -K, "near": K * 2 / 3, "far": -K * 2 / 3}[line]
    rest = sum(ys) - ys[i]
    neighbours = [ys[j] for j in (i - 1, i + 1) if 0 <= j < n]
    other_ranges = sum(abs(ys[j] - ys[j - 1]) for j in range(1, n) if i not in (j, j - 1))
    for signs in product((1, -1), repeat=len(neighbours)):
        # ranges = other + sum(sign * (x - neighbour)); x = (rest + x)/n + share * ranges/(n-1): linear in x.
        slope = Fraction(1, n) + reach_share * sum(signs) / (n - 1)
        constant = Fraction(rest, 1) / n + reach_share * (
            other_ranges - sum(s * nb for s, nb in zip(signs, neighbours, strict=True))
        ) / (n - 1)
        if slope == 1:
            continue
        x = constant / (1 - slope)
        if all(s * (x - nb) >= 0 for s, nb in zip(signs, neighbours, strict=True)):
            return x
    return None


values = st.one_of(
    st.integers(min_value=0, max_value=6),  # few distinct values: many ties, runs and points on the mean
    st.integers(min_value=-50, max_value=1000),
    st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False, allow_infinity=False).map(Fraction),
)


@st.composite
def series(draw):
    n = draw(st.integers(min_value=0, max_value=40))
    gaps = draw(st.lists(st.sampled_from([1, 1, 1, 2, 3]), min_size=n, max_size=n))
    quarters = []
    q = 8000
    for gap in gaps:
        q += gap
        quarters.append(q)
    xs = [Fraction(v) for v in draw(st.lists(values, min_size=n, max_size=n))]
    span = (quarters[0] - 3, quarters[-1] + 3) if quarters else (8000, 8010)
    change_quarters = draw(st.lists(st.integers(*span), max_size=4, unique=True))
    changes = [(cq, f"change {k}") for k, cq in enumerate(change_quarters)]
    # Put some points exactly on a line of their own phase, then scale everything to integers: the reading of a
    # series does not change when every value is multiplied by the same positive number.
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        phases = [p for p in ref_phases(quarters, changes) if len(p.positions) >= MIN_POINTS]
        if not phases:
            break
        phase = draw(st.sampled_from(phases))
        at = draw(st.sampled_from(phase.positions))
        x = _on_a_line(xs, phase.positions, at, draw(st.sampled_from(["upper", "lower", "near", "far"])))
        if x is not None:
            xs[at] = x
    scale = lcm(*(x.denominator for x in xs)) if xs else 1
    return quarters, [x * scale for x in xs], changes, draw(st.sampled_from(["higher", "lower", "neither"]))


def _decimal(x: Fraction) -> Decimal:
    assert x.denominator == 1
    return Decimal(x.numerator)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series())
def test_xmr_agrees_with_an_exact_reference(case):
    quarters, xs, changes, polarity = case
    result = xmr(
        code="N01",
        points=[(q, _decimal(x)) for q, x in zip(quarters, xs, strict=True)],
        polarity=polarity,
        changes=[ProcessChangeInfo(code="N01", quarter=q, reason=r) for q, r in changes],
    )
    phases, rules, assessments, suggested = reference(quarters, xs, changes, polarity)

    for point, expected, assessment in zip(result.points, rules, assessments, strict=True):
        assert set(point.rules) == {rule for rule, _ in expected}, point
        assert point.assessment == assessment, point

    assert len(result.phases) == len(phases)
    half_place = Fraction(1, 2 * 10**6)
    for got, want in zip(result.phases, phases, strict=True):
        assert (got.start, got.end, got.reason) == (want.start, quarters[want.positions[-1]], want.reason)
        assert got.enough_data == (want.mean is not None)
        if want.mean is None:
            assert got.mean is got.upper is got.lower is None
            continue
        exact_lines = (want.mean, want.mean + want.reach, want.mean - want.reach)
        for stored, exact in zip((got.mean, got.upper, got.lower), exact_lines, strict=True):
            assert abs(Fraction(stored) - exact) <= half_place
            assert stored.as_tuple().exponent == -6

    latest = result.phases[-1] if result.phases else None
    assert result.enough_data == bool(latest and latest.enough_data)
    if latest is not None:
        assert (result.mean, result.upper, result.lower) == (latest.mean, latest.upper, latest.lower)
    assert result.suggested_start == suggested
    assert bool(result.suggestion) == (suggested is not None)


def test_the_construction_puts_points_on_the_lines():
    """The generator's helper itself: a value it computes lies exactly on the line it was asked for."""
    xs = [Fraction(v) for v in [10, 12, 9, 13, 11, 10, 12, 11, 9, 12, 10, 11, 12, 10]]
    positions = list(range(len(xs)))
    for line in ("upper", "lower", "near", "far"):
        for at in (0, 5, len(xs) - 1):
            trial = list(xs)
            x = _on_a_line(trial, positions, at, line)
            assert x is not None
            trial[at] = x
            mean, reach = ref_limits(trial)
            target = {
                "upper": mean + reach,
                "lower": mean - reach,
                "near": mean + reach * 2 / 3,
                "far": mean - reach * 2 / 3,
            }[line]
            assert x == target
