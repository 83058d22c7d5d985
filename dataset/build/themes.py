"""Emerging themes in the Partnership Neglect Dataset, found by rule, not by hand. Pure: plain data in, plain data out.

`find_themes` reads the partnership values, their comparisons and SPC results, and returns sentences a Working
Group member can read aloud, each with the figures behind it and a question to explore, most severe first.

Changes over time are worked out here from the partnership values, so the numbers in a sentence are the numbers
the rule used. A partial value (an expected agency missing) is never compared with another quarter; the RAG rating
comes from the `Comparison`, so there is one definition of red and amber.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from dataset.catalogue.numbers import format_value

from .figures import Comparison, IndicatorInfo, PartnershipValue, RelationCheck, SpcResult, Theme, quarter_label

HIGH, MEDIUM, LOW = 3, 2, 1

# Tie-break between themes of equal severity on the same indicator, so the order is stable.
KINDS = (
    "data_gap",
    "possible_drift",
    "target_missed",
    "implausible_value",
    "special_cause",
    "sustained_rise",
    "sustained_fall",
)

STEPS = 4  # quarter-on-quarter steps looked at for a sustained rise or fall
STEPS_NEEDED = 3  # of which at least this many in one direction
MATERIAL_POINTS = Decimal(2)  # percentage points on the year, for percentages
MATERIAL_PER_CENT = Decimal(10)  # per cent on the year, for everything else
LARGE_POINTS = Decimal(3)  # a lower-is-better percentage moving this much on the year is a theme on its own
FAR_BELOW = Decimal("0.75")  # a percentage below 75% of its lowest earlier value is far below its history
MIN_HISTORY = 4  # earlier quarters needed before "far below its own history" means anything


@dataclass(frozen=True)
class Relation:
    """`code`'s value should be at least `at_least` times `other`'s value; the words say it for people."""

    other: str
    at_least: Decimal
    part: str  # what the numerator counts: "neglect referrals"
    whole: str  # what the denominator counts: "referrals"
    other_phrase: str  # follows the other value: "of child protection plans are under neglect"
    subject: str  # "the neglect referral figure"
    question: str


RELATED: dict[str, Relation] = {
    # Neglect is the category of most child protection plans; a referral share far below that suggests neglect is
    # being recorded under another presenting factor at the front door (the 2020 report's 350 of 3,024).
    "N01": Relation(
        other="N16",
        at_least=Decimal("0.5"),
        part="neglect referrals",
        whole="referrals",
        other_phrase="of child protection plans are under neglect",
        subject="the neglect referral figure",
        question="Is neglect being recorded as the presenting factor at referral, or under another category?",
    ),
}


def find_themes(
    *,
    indicators: Mapping[str, IndicatorInfo],
    values: Mapping[tuple[str, int], PartnershipValue],
    comparisons: Mapping[tuple[str, int], Comparison],
    spc: Mapping[str, SpcResult],
    latest: int,
    agencies: Mapping[str, str],
    checks: Sequence[RelationCheck] = (),
) -> list[Theme]:
    """The themes for quarter `latest`, most severe first, then by indicator code."""
    themes: list[Theme] = []
    for code in sorted(indicators):
        info = indicators[code]
        current = values.get((code, latest))
        comparison = comparisons.get((code, latest))
        if current is not None and current.value is not None:
            # Drift already says the indicator is red or amber against target; a second theme would repeat it.
            drift = _possible_drift(info, current, values, comparison, agencies)
            themes += _optional(drift or _target_missed(info, current, comparison, agencies))
            themes += _optional(_implausible_value(info, current, values, indicators, latest))
            themes += _optional(_sustained_change(info, current, values))
        themes += _optional(_special_cause(info, spc.get(code), latest))
    themes += _optional(_data_gap(indicators, values, latest, agencies))
    return sorted(themes, key=lambda t: (-t.severity, t.code, KINDS.index(t.kind)))


def _optional(theme: Theme | None) -> list[Theme]:
    return [theme] if theme is not None else []


# --- the kinds of theme ---------------------------------------------------------------------------------------------


def _possible_drift(
    info: IndicatorInfo,
    current: PartnershipValue,
    values: Mapping[tuple[str, int], PartnershipValue],
    comparison: Comparison | None,
    agencies: Mapping[str, str],
) -> Theme | None:
    if info.polarity != "lower" or info.objective.lower() != "respond":
        return None
    rag = comparison.rag if comparison else ""
    if rag not in ("red", "amber"):
        return None
    assert current.value is not None
    year_ago = _comparable(values.get((info.code, current.quarter - 4)), current)
    if year_ago is not None and year_ago.value is not None and current.value < year_ago.value:
        return None  # better than a year ago: moving, if not yet far enough

    since = ""
    numbers = {quarter_label(current.quarter): _figure(info, current)}
    if year_ago is not None and year_ago.value is not None:
        since = f", with no improvement on {quarter_label(year_ago.quarter)} ({_value(info, year_ago.value)})"
        numbers[quarter_label(year_ago.quarter)] = _figure(info, year_ago)
    numbers |= _target_numbers(info)
    numbers["RAG"] = rag
    sentence = (
        f"{info.title} stood at {_figure(info, current)} in {quarter_label(current.quarter)}"
        f"{_against_target(info)}{since}{_partial_note(current, agencies)}: possible drift."
    )
    return Theme(
        code=info.code,
        kind="possible_drift",
        severity=HIGH if rag == "red" else MEDIUM,
        sentence=sentence,
        question="Which plans have been open longest, and what is stopping them moving on?",
        numbers=numbers,
    )


def _target_missed(
    info: IndicatorInfo, current: PartnershipValue, comparison: Comparison | None, agencies: Mapping[str, str]
) -> Theme | None:
    if comparison is None or comparison.rag != "red":
        return None
    sentence = (
        f"{info.title} stood at {_figure(info, current)} in {quarter_label(current.quarter)}"
        f"{_against_target(info)}{_partial_note(current, agencies)}: red against target."
    )
    return Theme(
        code=info.code,
        kind="target_missed",
        severity=MEDIUM,
        sentence=sentence,
        question="What is keeping this from its target, and what would bring it back?",
        numbers={quarter_label(current.quarter): _figure(info, current), **_target_numbers(info), "RAG": "red"},
    )


def _sustained_change(
    info: IndicatorInfo,
    current: PartnershipValue,
    values: Mapping[tuple[str, int], PartnershipValue],
) -> Theme | None:
    # Not Comparison.comparable: that is about the previous quarter, and this compares with a year earlier.
    year_ago = _comparable(values.get((info.code, current.quarter - 4)), current)
    if year_ago is None or year_ago.value is None or current.value is None:
        return None
    change = current.value - year_ago.value
    if change == 0:
        return None
    rising = change > 0
    steps = _steps(info.code, current.quarter, values, rising=rising)
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
    return Theme(
        code=info.code,
        kind="sustained_rise" if rising else "sustained_fall",
        severity=severity,
        sentence=sentence,
        question=question,
        numbers=numbers,
    )


def _special_cause(info: IndicatorInfo, result: SpcResult | None, latest: int) -> Theme | None:
    if result is None or not result.enough_data:
        return None
    point = result.latest
    if point is None or point.quarter != latest or not point.rules:
        return None
    signals = _join([_rule_words(rule, point.value, result) for rule in point.rules])
    if point.assessment == "concern":
        reading, severity = "a sign of concern", MEDIUM
        question = f"What changed around {quarter_label(latest)}, and is it a change in practice or in recording?"
    elif point.assessment == "improvement":
        reading, severity = "a sign of improvement", LOW
        question = f"What changed around {quarter_label(latest)}, and how can it be sustained?"
    else:
        reading, severity = "a real change, neither better nor worse in itself", LOW
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
    return Theme(
        code=info.code, kind="special_cause", severity=severity, sentence=sentence, question=question, numbers=numbers
    )


def _implausible_value(
    info: IndicatorInfo,
    current: PartnershipValue,
    values: Mapping[tuple[str, int], PartnershipValue],
    indicators: Mapping[str, IndicatorInfo],
    latest: int,
) -> Theme | None:
    related = _against_related(info, current, values, indicators, latest)
    return related if related is not None else _against_history(info, current, values)


def _against_related(
    info: IndicatorInfo,
    current: PartnershipValue,
    values: Mapping[tuple[str, int], PartnershipValue],
    indicators: Mapping[str, IndicatorInfo],
    latest: int,
) -> Theme | None:
    relation = RELATED.get(info.code)
    if relation is None or relation.other not in indicators:
        return None
    other_info = indicators[relation.other]
    other = values.get((relation.other, latest))
    if other is None or other.value is None or current.value is None or other.value <= 0:
        return None
    if current.partial or other.partial:
        return None  # a missing agency explains a low share; the data gap theme says so
    if current.value >= relation.at_least * other.value:
        return None
    now = quarter_label(latest)
    if current.numerator is not None and current.denominator is not None:
        amount = (
            f"{_count(current.numerator)} {relation.part} against {_count(current.denominator)} {relation.whole} "
            f"({_value(info, current.value)})"
        )
    else:
        amount = f"{_value(info, current.value)} of {relation.whole} were {relation.part}"
    sentence = (
        f"{amount} in {now}, while {_value(other_info, other.value)} {relation.other_phrase}: "
        f"{relation.subject} may not be representative."
    )
    return Theme(
        code=info.code,
        kind="implausible_value",
        severity=MEDIUM,
        sentence=_capitalised(sentence),
        question=relation.question,
        numbers={
            f"{info.code} {now}": _figure(info, current),
            f"{relation.other} {now}": _figure(other_info, other),
            "Expected at least": f"{_trimmed(_plain(relation.at_least * 100))}% of {relation.other}",
        },
    )


def _against_history(
    info: IndicatorInfo, current: PartnershipValue, values: Mapping[tuple[str, int], PartnershipValue]
) -> Theme | None:
    if info.unit != "percentage" or current.partial or current.value is None:
        return None
    earlier = [
        v
        for (code, quarter), v in values.items()
        if code == info.code and quarter < current.quarter and v.value is not None and not v.partial
    ]
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
    return Theme(
        code=info.code,
        kind="implausible_value",
        severity=MEDIUM,
        sentence=sentence,
        question="Has the way this is counted or recorded changed, or is part of the figure missing?",
        numbers={
            quarter_label(current.quarter): _figure(info, current),
            f"Lowest before ({quarter_label(lowest.quarter)})": _figure(info, lowest),
            "Earlier quarters": str(len(earlier)),
        },
    )


def _data_gap(
    indicators: Mapping[str, IndicatorInfo],
    values: Mapping[tuple[str, int], PartnershipValue],
    latest: int,
    agencies: Mapping[str, str],
) -> Theme | None:
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
    return Theme(
        code="",
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


def _steps(code: str, latest: int, values: Mapping[tuple[str, int], PartnershipValue], *, rising: bool) -> int:
    """How many of the last STEPS quarter-on-quarter steps went the given way; a gap or partial value breaks a step."""
    moved = 0
    for quarter in range(latest - STEPS + 1, latest + 1):
        before, after = values.get((code, quarter - 1)), values.get((code, quarter))
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


def _against_target(info: IndicatorInfo) -> str:
    if info.target is None:
        return ""
    text = f", against a target of {_threshold(info, info.target)}"
    if info.red_threshold is not None:
        side = "above" if info.polarity == "lower" else "below"
        text += f" (red {side} {_threshold(info, info.red_threshold)})"
    return text


def _target_numbers(info: IndicatorInfo) -> dict[str, str]:
    numbers = {}
    if info.target is not None:
        numbers["Target"] = _threshold(info, info.target)
    if info.red_threshold is not None:
        numbers["Red threshold"] = _threshold(info, info.red_threshold)
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


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


__all__ = ["KINDS", "RELATED", "Relation", "find_themes"]
