"""Emerging themes in the Partnership Neglect Dataset, found by rule, not by hand. Pure: plain data in, plain data out.

`find_themes` reads the partnership values, their comparisons and SPC results, and returns one message per indicator
with something to say (and one about the collection), each a sentence a Working Group member can read aloud with the
figures behind it and a question to explore, ranked; the first `KEY_MESSAGES` are the quarter's key messages.

An indicator's signals (drift, a missed target, a rise, special cause...) are one message: the strongest leads, the
others follow as evidence. Each message says whether it is new this quarter or has held since an earlier one: the same
rules are run on the series as it stood at each earlier quarter, back to the first that does not give the same lead.

Changes over time are worked out here from the partnership values, so the numbers in a sentence are the numbers
the rule used. A partial value (an expected agency missing) is never compared with another quarter; the RAG rating
comes from the `Comparison`, so there is one definition of red and amber.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dataset.catalogue.numbers import format_value
from neglect_portal.strategy import Objective

from . import spc as spc_rules
from .aggregate import pro_rata
from .figures import (
    Comparison,
    IndicatorInfo,
    PartnershipValue,
    ProcessChangeInfo,
    RelationCheck,
    SpcResult,
    Theme,
    quarter_label,
    quarter_of,
)

HIGH, MEDIUM, LOW = 3, 2, 1
KEY_MESSAGES = 5  # the top few themes of a quarter, shown first

# Which signal leads an indicator's message when several are equally severe, and the order `signals` lists them in.
# A figure that may be wrong comes first: every other reading of it waits on that. Then the readings in the reader's
# own terms (drift, a rise or fall on the year, a missed target), and the statistical signal last, as evidence.
KINDS = (
    "data_gap",
    "implausible_value",
    "possible_drift",
    "sustained_rise",
    "sustained_fall",
    "target_missed",
    "special_cause",
)

# Signals that each say the indicator is getting worse, found by separate tests, raise the message's severity one step
# (to HIGH at most): the level against its target (drift and a missed target are one test, the RAG rating), the move
# on the year, and SPC against the series' own limits. An implausible figure questions the others rather than agreeing.
AGREEING_TESTS = {
    "possible_drift": "target",
    "target_missed": "target",
    "sustained_rise": "movement",
    "sustained_fall": "movement",
    "special_cause": "spc",
}

OBJECTIVES = tuple(o.value for o in Objective)  # the strategy's order: Recognise, Respond, Quantify, Evaluate

STEPS = 4  # quarter-on-quarter steps looked at for a sustained rise or fall
STEPS_NEEDED = 3  # of which at least this many in one direction
MATERIAL_POINTS = Decimal(2)  # percentage points on the year, for percentages
MATERIAL_PER_CENT = Decimal(10)  # per cent on the year, for everything else
LARGE_POINTS = Decimal(3)  # a lower-is-better percentage moving this much on the year is a theme on its own
FAR_BELOW = Decimal("0.75")  # a percentage below 75% of its lowest earlier value is far below its history
MIN_HISTORY = 4  # earlier quarters needed before "far below its own history" means anything


@dataclass(frozen=True)
class Signal:
    """One rule's finding about one indicator in one quarter; an indicator's signals are combined into one `Theme`."""

    kind: str
    severity: int
    sentence: str
    question: str
    numbers: dict[str, str] = field(default_factory=dict)
    evidence: str = ""  # how it reads after another signal's sentence: "red against a target of 25%"
    worsening: bool = False  # it says the indicator is off target or getting worse

    @property
    def strength(self) -> tuple[int, int]:
        """Sorts the strongest first: the most severe, then by `KINDS`."""
        return (-self.severity, KINDS.index(self.kind))


def find_themes(
    *,
    indicators: Mapping[str, IndicatorInfo],
    values: Mapping[tuple[str, int], PartnershipValue],
    comparisons: Mapping[tuple[str, int], Comparison],
    spc: Mapping[str, SpcResult],
    latest: int,
    agencies: Mapping[str, str],
    checks: Sequence[RelationCheck] = (),
    changes: Mapping[str, Sequence[ProcessChangeInfo]] | None = None,
) -> list[Theme]:
    """The themes for quarter `latest`, at most one per indicator plus one about the collection, ranked (`ranked`).

    `spc` is each indicator's reading at `latest`; for earlier quarters the series is read again, truncated, with the
    process changes in `changes` (by code) that had started by then.
    """
    found = indicator_themes(
        indicators=indicators,
        values=values,
        comparisons=comparisons,
        spc=spc,
        latest=latest,
        agencies=agencies,
        checks=checks,
        changes=changes,
    )
    gap = collection_theme(indicators=indicators, values=values, latest=latest, agencies=agencies)
    return ranked([*found, *([gap] if gap is not None else [])])


def indicator_themes(
    *,
    indicators: Mapping[str, IndicatorInfo],
    values: Mapping[tuple[str, int], PartnershipValue],
    comparisons: Mapping[tuple[str, int], Comparison],
    spc: Mapping[str, SpcResult],
    latest: int,
    agencies: Mapping[str, str],
    checks: Sequence[RelationCheck] = (),
    changes: Mapping[str, Sequence[ProcessChangeInfo]] | None = None,
    codes: Iterable[str] | None = None,
) -> list[Theme]:
    """Each indicator's theme (of `codes`, all when None), unranked. An indicator's theme reads its own values,
    comparisons and SPC, and the values of the indicators its relationship checks name: an incremental build
    recomputes it when any of those changed (`build.services`)."""
    series = _series(values)
    by_code = _values_by_code(values)
    themes: list[Theme] = []
    for code in sorted(indicators if codes is None else codes):
        info = indicators[code]
        found = _signals(info, latest, values, comparisons, spc.get(code), indicators, agencies, checks, by_code)
        if not found:
            continue  # only indicators with a theme now are read again at earlier quarters

        def earlier(quarter: int, info: IndicatorInfo = info) -> list[Signal]:
            reading = _reading_at(info, series.get(info.code, {}), quarter, (changes or {}).get(info.code))
            return _signals(info, quarter, values, comparisons, reading, indicators, agencies, checks, by_code)

        first = min(series.get(code, {latest: None}))
        since = _held_since(found[0].kind, latest, first, earlier)
        themes.append(_theme(code, info.objective, found, latest=latest, since=since))
    return themes


def collection_theme(
    *,
    indicators: Mapping[str, IndicatorInfo],
    values: Mapping[tuple[str, int], PartnershipValue],
    latest: int,
    agencies: Mapping[str, str],
) -> Theme | None:
    """The theme about the collection itself (a data gap), or None. Reads only which agencies were expected,
    contributed or marked a figure not available in each value, never the numbers."""
    gap = _data_gap(indicators, values, latest, agencies)
    if gap is None:
        return None

    def earlier_gap(quarter: int) -> list[Signal]:
        return [g for g in (_data_gap(indicators, values, quarter, agencies),) if g is not None]

    first = min((quarter for _, quarter in values), default=latest)
    return _theme("", "", [gap], latest=latest, since=_held_since(gap.kind, latest, first, earlier_gap))


def _held_since(lead: str, latest: int, first: int, signals_at: Callable[[int], list[Signal]]) -> int:
    """The first quarter of the unbroken run ending at `latest` in which the rules give the same lead, going back no
    further than `first` (the data's first quarter)."""
    since = latest
    while since > first:
        found = signals_at(since - 1)
        if not found or found[0].kind != lead:
            break
        since -= 1
    return since


def ranked(themes: Iterable[Theme]) -> list[Theme]:
    """Most severe first, then in the strategy's order of objectives, then by code. The data gap, about the
    collection rather than one objective, comes first among its equals: it qualifies every partial figure."""
    return sorted(themes, key=lambda t: (-t.severity, _objective_rank(t.objective), t.code))


def key_messages(themes: Sequence[Theme]) -> list[Theme]:
    """The quarter's key messages: the first few of the ranked themes."""
    return list(themes[:KEY_MESSAGES])


def _objective_rank(objective: str) -> int:
    objective = objective.lower()
    return OBJECTIVES.index(objective) if objective in OBJECTIVES else -1


def _signals(
    info: IndicatorInfo,
    quarter: int,
    values: Mapping[tuple[str, int], PartnershipValue],
    comparisons: Mapping[tuple[str, int], Comparison],
    reading: SpcResult | None,
    indicators: Mapping[str, IndicatorInfo],
    agencies: Mapping[str, str],
    checks: Sequence[RelationCheck],
    by_code: Mapping[str, Sequence[PartnershipValue]] | None = None,
) -> list[Signal]:
    """Every rule's finding about `info` in `quarter`, strongest first. The rules look at `quarter` and earlier only."""
    found: list[Signal | None] = []
    current = values.get((info.code, quarter))
    comparison = comparisons.get((info.code, quarter))
    if current is not None and current.value is not None:
        # Drift already says the indicator is red or amber against target; a missed target as well would repeat it.
        drift = _possible_drift(info, current, values, comparison, agencies)
        found.append(drift or _target_missed(info, current, comparison, agencies))
        found.append(_implausible_value(info, current, values, indicators, checks, by_code))
        found.append(_sustained_change(info, current, values))
    found.append(_special_cause(info, reading, quarter))
    return sorted((s for s in found if s is not None), key=lambda s: s.strength)


def _theme(code: str, objective: str, signals: Sequence[Signal], *, latest: int, since: int) -> Theme:
    """One message from an indicator's signals, strongest first: the first leads, the others are its evidence."""
    lead, others = signals[0], signals[1:]
    severity = lead.severity
    if len({AGREEING_TESTS[s.kind] for s in signals if s.worsening and s.kind in AGREEING_TESTS}) >= 2:
        severity = min(HIGH, severity + 1)  # separate tests agree it is getting worse: see AGREEING_TESTS
    sentence = lead.sentence
    if others:
        sentence += f" Also: {'; '.join(s.evidence for s in others)}."
    numbers = dict(lead.numbers)
    for other in others:
        numbers |= {label: text for label, text in other.numbers.items() if label not in numbers}
    numbers["Held"] = _held_text(latest, since)
    return Theme(
        code=code,
        kind=lead.kind,
        severity=severity,
        sentence=sentence,
        question=lead.question,
        numbers=numbers,
        quarter=latest,
        objective=objective,
        signals=tuple(s.kind for s in signals),
        since=since,
    )


def _held_text(latest: int, since: int) -> str:
    if since >= latest:
        return "New this quarter"
    return f"Holding since {quarter_label(since)} ({latest - since + 1} quarters)"


def _series(values: Mapping[tuple[str, int], PartnershipValue]) -> dict[str, dict[int, Decimal | None]]:
    """Each indicator's values by quarter, oldest first; None where a value is partial or missing (SPC leaves those
    out, as the build does)."""
    out: dict[str, dict[int, Decimal | None]] = {}
    for (code, quarter), value in sorted(values.items()):
        out.setdefault(code, {})[quarter] = None if value.partial else value.value
    return out


def _reading_at(
    info: IndicatorInfo,
    series: Mapping[int, Decimal | None],
    quarter: int,
    changes: Sequence[ProcessChangeInfo] | None,
) -> SpcResult | None:
    """The SPC reading the build would have made with the series ending at `quarter`."""
    if info.year_to_date:
        return None  # compared with the same quarter of earlier years, never read by XmR: no special cause
    points = [(q, v) for q, v in series.items() if q <= quarter and v is not None]
    return spc_rules.xmr(
        code=info.code,
        points=points,
        polarity=info.polarity,
        changes=tuple(c for c in changes or () if c.quarter <= quarter),
    )


# --- the kinds of theme ---------------------------------------------------------------------------------------------


def _possible_drift(
    info: IndicatorInfo,
    current: PartnershipValue,
    values: Mapping[tuple[str, int], PartnershipValue],
    comparison: Comparison | None,
    agencies: Mapping[str, str],
) -> Signal | None:
    if info.polarity != "lower" or info.objective.lower() != "respond":
        return None
    rag = comparison.rag if comparison else ""
    if rag not in ("red", "amber"):
        return None
    assert current.value is not None
    year_ago = _comparable(values.get((info.code, current.quarter - 4)), current)
    if year_ago is not None and year_ago.value is not None and current.value < year_ago.value:
        return None  # better than a year ago: moving, if not yet far enough

    since, evidence = "", f"possible drift ({rag} against target"
    numbers = {quarter_label(current.quarter): _figure(info, current)}
    if year_ago is not None and year_ago.value is not None:
        since = f", with no improvement on {quarter_label(year_ago.quarter)} ({_value(info, year_ago.value)})"
        evidence += f", no better than in {quarter_label(year_ago.quarter)}"
        numbers[quarter_label(year_ago.quarter)] = _figure(info, year_ago)
    numbers |= _target_numbers(info, current.quarter)
    numbers["RAG"] = rag
    sentence = (
        f"{info.title} stood at {_figure(info, current)} in {quarter_label(current.quarter)}"
        f"{_against_target(info, current.quarter)}{since}{_partial_note(current, agencies)}: possible drift."
    )
    return Signal(
        kind="possible_drift",
        severity=HIGH if rag == "red" else MEDIUM,
        sentence=sentence,
        question="Which plans have been open longest, and what is stopping them moving on?",
        numbers=numbers,
        evidence=f"{evidence})",
        worsening=True,
    )


def _target_missed(
    info: IndicatorInfo, current: PartnershipValue, comparison: Comparison | None, agencies: Mapping[str, str]
) -> Signal | None:
    if comparison is None or comparison.rag != "red":
        return None
    sentence = (
        f"{info.title} stood at {_figure(info, current)} in {quarter_label(current.quarter)}"
        f"{_against_target(info, current.quarter)}{_partial_note(current, agencies)}: red against target."
    )
    target = f" of {_threshold(info, info.target)}" if info.target is not None else ""
    return Signal(
        kind="target_missed",
        severity=MEDIUM,
        sentence=sentence,
        question="What is keeping this from its target, and what would bring it back?",
        numbers={
            quarter_label(current.quarter): _figure(info, current),
            **_target_numbers(info, current.quarter),
            "RAG": "red",
        },
        evidence=f"red against a target{target}",
        worsening=True,
    )


def _sustained_change(
    info: IndicatorInfo,
    current: PartnershipValue,
    values: Mapping[tuple[str, int], PartnershipValue],
) -> Signal | None:
    # Not Comparison.comparable: that is about the previous quarter, and this compares with a year earlier.
    year_ago = _comparable(values.get((info.code, current.quarter - 4)), current)
    if year_ago is None or year_ago.value is None or current.value is None:
        return None
    change = current.value - year_ago.value
    if change == 0:
        return None
    rising = change > 0
    steps = _steps(info.code, current.quarter, values, rising=rising, gap=4 if info.year_to_date else 1)
    percentage = info.unit == "percentage"
    if percentage:
        material = abs(change) >= MATERIAL_POINTS
    else:
        material = year_ago.value != 0 and abs(change) * 100 / abs(year_ago.value) >= MATERIAL_PER_CENT
    large = percentage and info.polarity == "lower" and abs(change) >= LARGE_POINTS
    if not ((steps >= STEPS_NEEDED and material) or large):
        return None

    verb, way = ("rose", "up") if rising else ("fell", "down")
    was, now = quarter_label(year_ago.quarter), quarter_label(current.quarter)
    if percentage and year_ago.numerator is not None and current.numerator is not None:
        start = f"{_count(year_ago.numerator)} ({_value(info, year_ago.value)})"
        end = f"{_count(current.numerator)} ({_value(info, current.value)})"
        movement = f", {_number_and_share(current.numerator - year_ago.numerator, rising)}"
    else:
        start, end, movement = _value(info, year_ago.value), _value(info, current.value), ""
    change_text = _change_text(info, change, year_ago.value)
    detail = f"{way} {change_text} on the year"
    if steps >= STEPS_NEEDED:
        detail += f", and {way} in {steps} of the last {STEPS} quarters"
    judgement, question, severity = _judgement(info, rising)
    sentence = f"{info.title} {verb} from {start} in {was} to {end} in {now}{movement} ({detail}): {judgement}."

    numbers = {was: _figure(info, year_ago), now: _figure(info, current), "Change on the year": change_text}
    numbers[f"Quarters {way} of the last {STEPS}"] = str(steps)
    return Signal(
        kind="sustained_rise" if rising else "sustained_fall",
        severity=severity,
        sentence=sentence,
        question=question,
        numbers=numbers,
        evidence=f"a sustained {'rise' if rising else 'fall'} ({detail})",
        worsening=severity == MEDIUM,  # `_judgement`: a move the wrong way for the indicator
    )


def _special_cause(info: IndicatorInfo, result: SpcResult | None, latest: int) -> Signal | None:
    if result is None or not result.enough_data:
        return None
    point = result.latest
    if point is None or point.quarter != latest or not point.rules:
        return None
    signals = _join([_rule_words(rule, point.value, result) for rule in point.rules])
    if point.assessment == "concern":
        reading, severity, word = "a sign of concern", MEDIUM, "concern"
        question = f"What changed around {quarter_label(latest)}, and is it a change in practice or in recording?"
    elif point.assessment == "improvement":
        reading, severity, word = "a sign of improvement", LOW, "improvement"
        question = f"What changed around {quarter_label(latest)}, and how can it be sustained?"
    else:
        reading, severity, word = "a real change, neither better nor worse in itself", LOW, "variation"
        question = f"What changed around {quarter_label(latest)}: need, practice or recording?"
    sentence = (
        f"{info.title} shows special-cause variation in {quarter_label(latest)} "
        f"({_value(info, point.value)}: {signals}): {reading}."
    )
    numbers = {quarter_label(latest): _value(info, point.value)}
    limits = {"Mean": result.mean, "Upper control limit": result.upper, "Lower control limit": result.lower}
    for label, limit in limits.items():
        if limit is not None:
            numbers[label] = _value(info, limit)
    numbers["Rules"] = ", ".join(point.rules)
    return Signal(
        kind="special_cause",
        severity=severity,
        sentence=sentence,
        question=question,
        numbers=numbers,
        evidence=f"special cause {word} ({signals})",
        worsening=point.assessment == "concern",
    )


def _implausible_value(
    info: IndicatorInfo,
    current: PartnershipValue,
    values: Mapping[tuple[str, int], PartnershipValue],
    indicators: Mapping[str, IndicatorInfo],
    checks: Sequence[RelationCheck],
    by_code: Mapping[str, Sequence[PartnershipValue]] | None = None,
) -> Signal | None:
    for check in checks:
        if check.code == info.code:
            related = _against_related(info, current, values, indicators, check)
            if related is not None:
                return related
    return _against_history(info, current, values, by_code)


def _against_related(
    info: IndicatorInfo,
    current: PartnershipValue,
    values: Mapping[tuple[str, int], PartnershipValue],
    indicators: Mapping[str, IndicatorInfo],
    check: RelationCheck,
) -> Signal | None:
    """The analyst's check that `info` is at least `check.at_least` times another indicator in the same quarter."""
    if check.other not in indicators or check.other == info.code:
        return None
    other_info = indicators[check.other]
    other = values.get((check.other, current.quarter))
    if other is None or other.value is None or current.value is None or other.value <= 0:
        return None
    if current.partial or other.partial:
        return None  # a missing agency explains a low share; the data gap theme says so
    if current.value >= check.at_least * other.value:
        return None
    now = quarter_label(current.quarter)
    share = _share_words(check.at_least)
    sentence = (
        f"{info.title} was {_value(info, current.value)} in {now}, below {share}{_uncapitalised(other_info.title)} "
        f"({_value(other_info, other.value)}): the figure may not be representative."
    )
    why = check.why.strip()
    if why:
        sentence += f" {why}" if why.endswith((".", "!", "?")) else f" {why}."
    return Signal(
        kind="implausible_value",
        severity=MEDIUM,
        sentence=sentence,
        question=check.question.strip() or "Is part of the figure missing, or is it counted differently?",
        numbers={
            f"{info.code} {now}": _figure(info, current),
            f"{check.other} {now}": _figure(other_info, other),
            "Expected at least": f"{_trimmed(_plain(check.at_least * 100))}% of {check.other}",
        },
        evidence=f"a figure that may not be representative (below {share}{check.other})",
    )


def _share_words(at_least: Decimal) -> str:
    """How "at least this many times" reads before the other indicator: "half of", "2 times", "" for the same."""
    words = {Decimal("0.25"): "a quarter of ", Decimal("0.5"): "half of ", Decimal("0.75"): "three quarters of "}
    if at_least in words:
        return words[at_least]
    if at_least == 1:
        return ""
    if at_least > 1 and at_least == at_least.to_integral_value():
        return f"{at_least:f}".split(".")[0] + " times "
    return f"{_trimmed(_plain(at_least * 100))}% of "


def _values_by_code(values: Mapping[tuple[str, int], PartnershipValue]) -> dict[str, list[PartnershipValue]]:
    """Each indicator's values, in the mapping's order: read once per build instead of a scan of every value for each
    indicator and quarter the themes look back over (most of a large build's theme time)."""
    out: dict[str, list[PartnershipValue]] = {}
    for (code, _quarter), value in values.items():
        out.setdefault(code, []).append(value)
    return out


def _against_history(
    info: IndicatorInfo,
    current: PartnershipValue,
    values: Mapping[tuple[str, int], PartnershipValue],
    by_code: Mapping[str, Sequence[PartnershipValue]] | None = None,
) -> Signal | None:
    if info.unit != "percentage" or current.partial or current.value is None:
        return None
    own = (by_code if by_code is not None else _values_by_code(values)).get(info.code, ())
    earlier = [v for v in own if v.quarter < current.quarter and v.value is not None and not v.partial]
    if len(earlier) < MIN_HISTORY:
        return None
    lowest = min(earlier, key=lambda v: (v.value, v.quarter))
    assert lowest.value is not None
    if lowest.value <= 0 or current.value >= FAR_BELOW * lowest.value:
        return None
    sentence = (
        f"{info.title} stood at {_figure(info, current)} in {quarter_label(current.quarter)}, well below its lowest "
        f"in the previous {len(earlier)} quarters ({_value(info, lowest.value)} in {quarter_label(lowest.quarter)}): "
        "the figure may not be representative."
    )
    return Signal(
        kind="implausible_value",
        severity=MEDIUM,
        sentence=sentence,
        question="Has the way this is counted or recorded changed, or is part of the figure missing?",
        numbers={
            quarter_label(current.quarter): _figure(info, current),
            f"Lowest before ({quarter_label(lowest.quarter)})": _figure(info, lowest),
            "Earlier quarters": str(len(earlier)),
        },
        evidence=f"a figure that may not be representative (well below its lowest in {len(earlier)} earlier quarters)",
    )


def _data_gap(
    indicators: Mapping[str, IndicatorInfo],
    values: Mapping[tuple[str, int], PartnershipValue],
    latest: int,
    agencies: Mapping[str, str],
) -> Signal | None:
    # An agency that marked a figure not available has answered, with a reason: that is not a gap in the collection.
    gaps: Counter[str] = Counter()
    expected: set[str] = set()
    for (code, quarter), value in values.items():
        if quarter != latest or code not in indicators:
            continue
        expected.update(value.expected)
        gaps.update(a for a in value.missing if a not in value.not_available)
    if not gaps:
        return None
    late = sorted(gaps, key=lambda a: (-gaps[a], a))
    names = [
        f"{agencies.get(a, a)} ({gaps[a]} indicator{'s' if gaps[a] != 1 else ''})"
        if i == 0
        else f"{agencies.get(a, a)} ({gaps[a]})"
        for i, a in enumerate(late)
    ]
    sentence = (
        f"No accepted {quarter_label(latest)} figures yet from {_join(names)}: "
        "partnership values for those indicators are partial."
    )
    partnership = len(agencies) or len(expected)
    numbers = {agencies.get(a, a): f"{gaps[a]} indicator{'s' if gaps[a] != 1 else ''}" for a in late}
    numbers["Agencies missing"] = f"{len(late)} of {partnership}"
    return Signal(
        kind="data_gap",
        severity=HIGH if len(late) * 3 > partnership else MEDIUM,
        sentence=sentence,
        question="When will these returns arrive, and is anything stopping them?",
        numbers=numbers,
    )


# --- helpers ----------------------------------------------------------------------------------------------------------


def _comparable(other: PartnershipValue | None, current: PartnershipValue) -> PartnershipValue | None:
    """`other`, if it can be compared with `current`: both whole, both with a value."""
    if other is None or other.value is None or other.partial or current.partial:
        return None
    return other


def _steps(
    code: str, latest: int, values: Mapping[tuple[str, int], PartnershipValue], *, rising: bool, gap: int = 1
) -> int:
    """How many of the last STEPS steps went the given way; a gap or partial value breaks a step.

    A step is quarter on quarter (`gap` 1), or for a year-to-date figure, which climbs within every year and starts
    again each April, each quarter against the same quarter a year before (`gap` 4)."""
    moved = 0
    for quarter in range(latest - STEPS + 1, latest + 1):
        before, after = values.get((code, quarter - gap)), values.get((code, quarter))
        if before is None or after is None or before.value is None or after.value is None:
            continue
        if before.partial or after.partial:
            continue
        if (after.value > before.value) if rising else (after.value < before.value):
            moved += 1
    return moved


def _number_and_share(number_change: Decimal, rising: bool) -> str:
    way, other_way = ("up", "down") if rising else ("down", "up")
    if number_change == 0:
        return f"{way} in share with the number unchanged"
    if (number_change > 0) == rising:
        return f"{way} in number and share"
    return f"{way} in share though {other_way} in number"


def _judgement(info: IndicatorInfo, rising: bool) -> tuple[str, str, int]:
    """Whether the move is good or bad for this indicator, the question that follows, and how much it matters."""
    noun = "rise" if rising else "fall"
    if info.polarity not in ("higher", "lower"):
        return (
            "neither direction is better in itself for this indicator, so the reason matters",
            f"What lies behind the {noun}: a change in need, in practice or in recording?",
            LOW,
        )
    if (info.polarity == "higher") == rising:
        return f"an improvement, as {info.polarity} is better", "What has helped, and how can it be sustained?", LOW
    return (
        f"a worsening, as {info.polarity} is better",
        f"What is driving the {noun}, and is it seen across agencies and teams?",
        MEDIUM,
    )


def _change_text(info: IndicatorInfo, change: Decimal, before: Decimal) -> str:
    if info.unit == "percentage":
        return f"{_plain(abs(change))} percentage points"
    return f"{_plain(abs(change) * 100 / abs(before))}%"  # callers rule out before == 0


def _rule_words(rule: str, value: Decimal, result: SpcResult) -> str:
    if rule == "outside_limits":
        if result.upper is not None and value > result.upper:
            return "above the upper control limit"
        if result.lower is not None and value < result.lower:
            return "below the lower control limit"
        return "outside the control limits"
    return {
        "shift": "a run of quarters on one side of the mean",
        "trend": "a run of quarters rising or falling in a row",
        "two_of_three": "two of the last three quarters near a control limit",
    }.get(rule, rule.replace("_", " "))


def _against_target(info: IndicatorInfo, quarter: int) -> str:
    """The target the value was rated against: for a year-to-date figure, the pro-rata one for that quarter."""
    target, red = pro_rata(info, quarter)
    if target is None:
        return ""
    if info.year_to_date:
        text = (
            f", against a pro-rata target of {_threshold(info, target)} by Q{quarter_of(quarter).number} "
            f"({_threshold(info, info.target)} by the year end)"
        )
    else:
        text = f", against a target of {_threshold(info, target)}"
    if red is not None:
        side = "above" if info.polarity == "lower" else "below"
        text += f" (red {side} {_threshold(info, red)})"
    return text


def _target_numbers(info: IndicatorInfo, quarter: int) -> dict[str, str]:
    target, red = pro_rata(info, quarter)
    numbers = {}
    if target is not None:
        numbers["Target" if not info.year_to_date else f"Target by Q{quarter_of(quarter).number}"] = _threshold(
            info, target
        )
    if red is not None:
        numbers["Red threshold"] = _threshold(info, red)
    return numbers


def _partial_note(value: PartnershipValue, agencies: Mapping[str, str]) -> str:
    missing = [agencies.get(a, a) for a in value.missing if a not in value.not_available]
    return f" (partial: not yet including {_join(missing)})" if missing else ""


def _figure(info: IndicatorInfo, value: PartnershipValue) -> str:
    """The value with what it is made of, when that helps: "35.7% (150 of 420)"."""
    assert value.value is not None
    text = _value(info, value.value)
    if info.unit == "percentage" and value.numerator is not None and value.denominator is not None:
        text += f" ({_count(value.numerator)} of {_count(value.denominator)})"
    return text


def _value(info: IndicatorInfo, value: Decimal) -> str:
    return format_value(info.unit, value)


def _count(number: Decimal) -> str:
    return format_value("count", number)


def _threshold(info: IndicatorInfo, value: Decimal) -> str:
    """Targets are set as round numbers: "25%", not "25.0%"."""
    text = _value(info, value)
    return _trimmed(text) if value == value.to_integral_value() else text


def _trimmed(text: str) -> str:
    """Drop the first ".0": the decimal part of a whole number written to one place."""
    return text.replace(".0", "", 1)


def _plain(number: Decimal) -> str:
    return f"{number.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,}"


def _join(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _uncapitalised(title: str) -> str:
    """A title mid-sentence: "child protection plans...", but "CIN plans..." keeps its capitals."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


__all__ = ["KEY_MESSAGES", "KINDS", "Signal", "find_themes", "key_messages", "ranked"]
