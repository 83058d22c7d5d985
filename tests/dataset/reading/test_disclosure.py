"""dataset.reading.disclosure alone: counts 1-5 are c, and no c can be worked back from the rest of its group."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataset.reading import disclosure
from dataset.reading.disclosure import (
    NOT_APPLICABLE_CELL,
    Cell,
    protect_group,
    publish_count,
    publish_ratio,
    suppress_group,
)

TOTAL = "<total>"
SYMBOLS = ("c", ":", "z")


def group(**parts: int | None) -> tuple[str, dict[str, str]]:
    figures = {name: None if n is None else Decimal(n) for name, n in parts.items()}
    total = sum((n for n in figures.values() if n is not None), Decimal(0))
    return suppress_group(total=total, parts=figures)


# --- an independent attacker -------------------------------------------------------------------------------------
def _sums(unknowns: int, values: range, bound: int) -> set[int]:
    """Every sum that `unknowns` whole numbers drawn from `values` can make, up to bound: tried one by one."""
    sums = {0}
    for _ in range(unknowns):
        sums = {s + v for s in sums for v in values if s + v <= bound}
    return sums


def possible_values(total: str, parts: dict[str, str], *, values: range, bound: int = 60) -> dict[str, set[int]]:
    """For each c in the group, every value it can take given the published cells and total == sum of the parts.

    `values` is what the attacker believes a c can be: range(0, bound + 1) for any count, range(1, 6) for a
    reader who takes every c to be 1 to 5. Parts shown as ":" are not in the sum (the agency did not contribute).
    """
    hidden = [name for name, text in parts.items() if text == "c"]
    shown_sum = sum(int(text.replace(",", "")) for text in parts.values() if text not in SYMBOLS)
    out: dict[str, set[int]] = {}
    if total != "c":
        target = int(total.replace(",", ""))
        for name in hidden:
            others = _sums(len(hidden) - 1, values, target)
            out[name] = {v for v in values if target - shown_sum - v in others}
        return out
    totals = values if values.stop <= bound + 1 else range(0, bound + 1)
    for name in hidden:
        others = _sums(len(hidden) - 1, values, bound)
        out[name] = {v for v in values if any(shown_sum + v + s in totals for s in others)}
    out[TOTAL] = {t for t in totals if t - shown_sum in _sums(len(hidden), values, bound)}
    return out


def figure(text: str) -> Decimal | None:
    return None if text in SYMBOLS else Decimal(text.replace(",", ""))


groups = st.lists(st.one_of(st.integers(0, 6), st.integers(0, 50), st.none()), min_size=1, max_size=8)


def as_group(numbers: list[int | None]) -> tuple[Decimal | None, dict[str, Decimal | None]]:
    parts = {f"agency{i}": None if n is None else Decimal(n) for i, n in enumerate(numbers)}
    given_parts = [n for n in parts.values() if n is not None]
    return (sum(given_parts, Decimal(0)) if given_parts else None), parts


@settings(max_examples=400, deadline=None)
@given(groups)
def test_no_published_cell_holds_a_count_from_1_to_5(numbers):
    total, parts = as_group(numbers)
    total_text, part_texts = suppress_group(total=total, parts=parts)
    for text in (total_text, *part_texts.values()):
        number = figure(text)
        assert number is None or not 1 <= number <= 5


@settings(max_examples=400, deadline=None)
@given(groups)
def test_no_suppressed_cell_can_be_worked_out_from_the_others(numbers):
    total, parts = as_group(numbers)
    total_text, part_texts = suppress_group(total=total, parts=parts)
    if total is None:
        return
    truth = {name: int(n) for name, n in parts.items() if n is not None} | {TOTAL: int(total)}
    for name, candidates in possible_values(total_text, part_texts, values=range(0, 61)).items():
        assert truth[name] in candidates
        assert len(candidates) >= 2, (numbers, total_text, part_texts, name)


@settings(max_examples=400, deadline=None)
@given(groups)
def test_reading_every_c_as_1_to_5_pins_none_unless_all_is_suppressed(numbers):
    total, parts = as_group(numbers)
    total_text, part_texts = suppress_group(total=total, parts=parts)
    if total is None:
        return
    truth = {name: int(n) for name, n in parts.items() if n is not None} | {TOTAL: int(total)}
    everything_hidden = total_text == "c" and all(text in ("c", ":") for text in part_texts.values())
    for name, candidates in possible_values(total_text, part_texts, values=range(1, 6)).items():
        if candidates == {truth[name]}:
            assert everything_hidden, (numbers, total_text, part_texts, name)


@settings(max_examples=200, deadline=None)
@given(groups)
def test_a_shown_total_is_suppressed_only_when_its_parts_would_give_each_other_away(numbers):
    total, parts = as_group(numbers)
    total_text, part_texts = suppress_group(total=total, parts=parts)
    if total_text == "c" and publish_count(total) != "c":
        assert all(text in ("c", ":") for text in part_texts.values())


# --- an attacker who knows the rule ------------------------------------------------------------------------------
# The strongest reader: sees every published cell and knows exactly how the group was suppressed, so can try any
# figures for the c cells and keep those that the rule would have published as these very cells. A c is safe when
# at least two values of it survive. Under the old rule (the complement is the smallest other part) CSC 8, EH 8,
# Police 5 published "21, c, 8, c" and gave CSC = 8, Police = 5 back: CSC was no bigger than EH's 8, and 13 - 5.
def republished(figures: dict[str, int | None]) -> tuple[str, dict[str, str]]:
    return suppress_group(total=as_group(list(figures.values()))[0], parts=as_parts(figures))


def as_parts(figures: dict[str, int | None]) -> dict[str, Decimal | None]:
    return {name: None if n is None else Decimal(n) for name, n in figures.items()}


def readings(truth: dict[str, int | None], *, bound: int) -> Iterator[dict[str, int | None]]:
    """Figures for the group's c cells that a reader may try. First the true ones moved a little (one c alone when
    the total is c too, or two c in opposite directions); then, for every way of guessing which c are small counts,
    those from 1 to 5 and the others 0 or from 6 up to bound, adding up to the total when it is shown. The second
    part alone is every figure up to bound; the order only makes the search quick, and whatever it finds is kept
    only if the rule publishes it as the same cells."""
    total_text, texts = republished(truth)
    hidden = [name for name, text in texts.items() if text == "c"]
    for step in range(1, bound + 1):
        for name in hidden:
            for delta in (step, -step):
                if total_text == "c":
                    yield truth | {name: truth[name] + delta}
                for other in hidden:
                    if other != name:
                        yield truth | {name: truth[name] + delta, other: truth[other] - delta}
    others_values = [0, *range(6, bound + 1)]
    for size in range(len(hidden), -1, -1):
        for small in itertools.combinations(hidden, size):
            others = [name for name in hidden if name not in small]
            for small_values in itertools.product(range(1, 6), repeat=size):
                if total_text == "c":
                    spread: Iterable[tuple[int, ...]] = itertools.product(others_values, repeat=len(others))
                else:  # the c parts add up to the total less the shown parts
                    rest = sum(truth[name] for name in hidden) - sum(small_values)
                    spread = _ways_to_make(rest, len(others), [0, *range(6, rest + 1)])
                for other_values in spread:
                    yield (
                        truth
                        | dict(zip(small, small_values, strict=True))
                        | dict(zip(others, other_values, strict=True))
                    )


def _ways_to_make(total: int, parts: int, values: list[int]) -> Iterator[tuple[int, ...]]:
    """Every way of writing total as `parts` numbers from `values` (ascending), in order."""
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in values:
        if first > total:
            return
        for rest in _ways_to_make(total - first, parts - 1, values):
            yield (first, *rest)


def values_a_reader_cannot_exclude(
    truth: dict[str, int | None], *, bound: int = 40, tries: int = 50_000
) -> dict[str, set[int]]:
    """For each c of the group (and the total, under TOTAL), values it can take consistent with everything the
    reader knows: the published cells, that the parts add up to the total, and the rule. Stops once each c has two,
    which is all the test needs, or after `tries` readings: a c left with one value then fails the test, so the cap
    can make it stricter, never more lenient."""
    published = republished(truth)
    total_text, texts = published
    known_total = None if total_text == "c" else int(total_text.replace(",", ""))
    hidden = [name for name, text in texts.items() if text == "c"]
    found: dict[str, set[int]] = {name: {truth[name]} for name in hidden}  # the true figures are consistent
    if known_total is None:
        found[TOTAL] = {sum(n for n in truth.values() if n is not None)}
    for figures in itertools.islice(readings(truth, bound=bound), tries):
        if any(figures[name] is not None and figures[name] < 0 for name in hidden):
            continue
        total = sum(n for n in figures.values() if n is not None)
        if known_total is not None and total != known_total:
            continue
        if republished(figures) != published:
            continue
        for name in hidden:
            found[name].add(figures[name])
        if TOTAL in found:
            found[TOTAL].add(total)
        if all(len(values) >= 2 for values in found.values()):
            break
    return found


# Tight groups, where a rule's choices say the most: small counts, counts just above 5, a few larger, some missing.
small_groups = st.lists(
    st.one_of(st.integers(0, 8), st.sampled_from([1, 5, 6, 7, 12, 13]), st.integers(0, 30), st.none()),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(small_groups)
def test_a_reader_who_knows_the_rule_cannot_narrow_any_c_to_one_value(numbers):
    truth = {f"agency{i}": n for i, n in enumerate(numbers)}
    if all(n is None for n in numbers):
        return
    for name, values in values_a_reader_cannot_exclude(truth).items():
        assert len(values) >= 2, (numbers, republished(truth), name, values)


def test_knowing_the_rule_no_longer_gives_back_two_small_agencies():
    # The cells are those the old rule published, but the complement no longer says it is the smallest: CSC is
    # anything from 8 to 12 and Police anything from 1 to 5.
    truth = {"CSC": 8, "EH": 8, "Police": 5}
    assert republished(truth) == ("21", {"CSC": "c", "EH": "8", "Police": "c"})
    everything = {name: set() for name in ("CSC", "Police")}
    for csc in range(0, 14):
        figures = truth | {"CSC": csc, "Police": 13 - csc}
        if republished(figures) == republished(truth):
            everything["CSC"].add(csc)
            everything["Police"].add(13 - csc)
    assert everything == {"CSC": set(range(8, 13)), "Police": set(range(1, 6))}


# --- groups by example -------------------------------------------------------------------------------------------
def test_it_suppresses_one_more_part_when_one_part_is_small():
    assert group(CSC=3, POL=20, EDU=8, HEALTH=0) == ("31", {"CSC": "c", "POL": "20", "EDU": "c", "HEALTH": "0"})


def test_the_part_that_goes_with_it_is_the_first_by_name_whatever_its_size():
    # The old rule took the smallest other part (POL's 8), which told a reader who knew it that the complement was no
    # bigger than any part still shown. Now EDU goes, first by name, whatever its size.
    assert group(CSC=3, POL=8, EDU=20) == ("31", {"CSC": "c", "POL": "8", "EDU": "c"})
    assert group(CSC=3, POL=12, EDU=12) == ("27", {"CSC": "c", "POL": "12", "EDU": "c"})


def test_it_leaves_a_group_alone_when_nothing_is_small():
    assert group(CSC=6, POL=0, EDU=1200) == ("1,206", {"CSC": "6", "POL": "0", "EDU": "1,200"})


def test_a_missing_part_does_not_protect_a_suppressed_one():
    # The missing agency is not in the total, so 12 - 9 would give the 3 back.
    assert group(CSC=3, EDU=None, POL=9) == ("12", {"CSC": "c", "EDU": ":", "POL": "c"})


def test_a_suppressed_total_takes_a_second_part_with_it():
    assert group(CSC=3, POL=0, EDU=0) == ("c", {"CSC": "c", "POL": "0", "EDU": "c"})


def test_two_small_parts_that_a_total_pins_take_a_third():
    # 12 - 10 leaves 2 for two cells each read as 1 to 5: both would be 1.
    assert group(CSC=1, POL=1, EDU=10) == ("12", {"CSC": "c", "POL": "c", "EDU": "c"})


def test_two_small_parts_that_the_total_leaves_room_for_are_enough():
    # 16 - 10 leaves 6 for two cells of 1 to 5: each could be anything from 1 to 5.
    assert group(CSC=2, POL=4, EDU=10) == ("16", {"CSC": "c", "POL": "c", "EDU": "10"})


def test_two_small_parts_that_the_total_leaves_only_two_values_take_a_third():
    # 13 - 10 leaves 3: each is 1 or 2. That alone pins nothing, but 12 - 10 (both 1) must take a third part, and a
    # reader who knows the rule would then know that a third part is c only when the two were 1 and 1. So a third
    # part goes wherever a c has fewer than three values left, and its being c no longer gives one value away.
    assert group(CSC=1, POL=2, EDU=10) == ("13", {"CSC": "c", "POL": "c", "EDU": "c"})


def test_a_total_that_pins_every_part_is_suppressed_too():
    # Two agencies with 5 each: 10 = c + c, each c read as 1 to 5, is 5 + 5.
    assert group(CSC=5, POL=5) == ("c", {"CSC": "c", "POL": "c"})


def test_it_prefers_a_non_zero_complement():
    assert group(CSC=3, POL=0, EDU=0, HEALTH=40) == ("43", {"CSC": "c", "POL": "0", "EDU": "0", "HEALTH": "c"})


def test_a_not_applicable_part_is_published_as_z_and_left_out_of_the_sum():
    total, parts = protect_group(total=Decimal(20), parts={"CSC": Decimal(20), "EDU": NOT_APPLICABLE_CELL})
    assert (total.text, parts["CSC"].text, parts["EDU"].text) == ("20", "20", "z")


def test_a_missing_total_leaves_only_primary_suppression():
    assert suppress_group(total=None, parts={"CSC": Decimal(3), "POL": Decimal(9)}) == (":", {"CSC": "c", "POL": "9"})


# --- single figures ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("count", "published"),
    [(0, "0"), (1, "c"), (5, "c"), (6, "6"), (3024, "3,024"), (Decimal("2.5"), "c"), (None, ":")],
)
def test_it_publishes_a_count(count, published):
    assert publish_count(count) == published


def test_not_applicable_is_z():
    assert publish_count(NOT_APPLICABLE_CELL) == "z"


def test_a_cell_never_holds_a_value_and_a_symbol():
    with pytest.raises(ValueError):
        Cell(Decimal(3), "c")
    with pytest.raises(ValueError):
        Cell()


# --- ratios ------------------------------------------------------------------------------------------------------
def test_a_ratio_with_a_small_numerator_is_suppressed_and_its_denominator_shown():
    assert publish_ratio(unit="percentage", numerator=3, denominator=40, value=Decimal("7.5")) == ("c", "c", "40")


def test_a_ratio_is_shown_with_its_unit():
    published = publish_ratio(unit="percentage", numerator=25, denominator=40, value=Decimal("62.5"))
    assert published == ("62.5%", "25", "40")
    rate = publish_ratio(unit="rate_per_10k", numerator=728, denominator=170000, value=Decimal("42.82"))
    assert rate == ("42.8 per 10,000", "728", "170,000")


def test_a_small_denominator_suppresses_the_ratio_as_the_value_would_give_it_back():
    assert publish_ratio(unit="mean", numerator=120, denominator=3, value=Decimal(40)) == ("c", "120", "c")


def test_a_zero_numerator_is_shown():
    assert publish_ratio(unit="percentage", numerator=0, denominator=40, value=Decimal(0)) == ("0.0%", "0", "40")


def test_a_numerator_suppressed_by_its_group_suppresses_the_ratio():
    numerator, _ = protect_group(total=Decimal(30), parts={"CSC": Decimal(3), "POL": Decimal(27)})
    assert publish_ratio(unit="percentage", numerator=numerator, denominator=60, value=Decimal(50)) == (
        "50.0%",
        "30",
        "60",
    )
    small, _ = protect_group(total=Decimal(4), parts={"CSC": Decimal(4), "POL": Decimal(0)})
    assert publish_ratio(unit="percentage", numerator=small, denominator=60, value=Decimal("6.7")) == ("c", "c", "60")


def test_a_ratio_with_no_value_is_missing_and_an_unknown_numerator_cannot_be_checked():
    assert publish_ratio(unit="percentage", numerator=None, denominator=None, value=None) == (":", ":", ":")
    assert publish_ratio(unit="percentage", numerator=None, denominator=40, value=Decimal(50)) == ("c", ":", "40")
    assert publish_ratio(
        unit="percentage", numerator=NOT_APPLICABLE_CELL, denominator=NOT_APPLICABLE_CELL, value=None
    ) == ("z", "z", "z")


def test_one_rule_decides_what_is_small():
    assert [disclosure.is_disclosive(n) for n in (0, 1, 5, Decimal("5.5"), 6, -3)] == [
        False,
        True,
        True,
        True,
        False,
        False,
    ]
