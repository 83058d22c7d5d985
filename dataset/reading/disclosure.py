"""Statistical disclosure control for the aggregate figures that leave the app, as DfE does it. Pure.

Symbols (GSS): `c` suppressed (confidential), `:` missing, `z` not applicable. Zero is a value and is shown.

Primary suppression: a count from 1 to 5 is `c` (`is_disclosive` is the one place that decides it).

Secondary suppression works on a group whose total is the sum of its parts: the partnership's count of an
indicator in a quarter and each contributing agency's count (or, for a ratio, the numerators). A suppressed cell
must not be recoverable from the others, so:

- the total is shown and exactly one part is suppressed: suppress one more part;
- the total is suppressed: at least two parts must be suppressed with it, so no part is pinned by the others and
  the reader cannot see that a single agency holds the whole small total;
- a reader who takes every `c` to be 1 to 5 must not be able to pin one (two agencies with 1 each under a total
  that leaves 2): suppress one more part.

The complement is the smallest shown non-zero part, ties broken by name; a zero is used only when no non-zero
part is left. A zero complement protects little: its value is what a reader guesses first, and when another zero
is still shown a reader who knows the rule picks the smallest can tell the complement was 0. If no part is left
to suppress, the total is suppressed: two agencies with 5 each under a total of 10 are both 5 otherwise. So a
total above 5 can be `c`, and anything else that publishes partnership totals of a dataset whose agency figures
are published must take the total from `protect_group`, not from `primary` alone.

Missing parts (`:`) do not change the rule. The partnership value is the sum of the agencies that contributed; a
missing agency is not in it (the export says "8 of 9 agencies"), so a `:` adds no unknown to the sum and cannot
stand in for a second suppressed cell. Such parts are left out of the group, and so are `z` parts.

Ratios: a ratio whose numerator or denominator is suppressed is suppressed too, because the value and one of
the two would give the other back. A value whose numerator or denominator is not known at all cannot be checked
and is suppressed as well.

Groups are independent: the module knows no sums across quarters or across indicators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from dataset.catalogue.numbers import format_value

SUPPRESSED = "c"
MISSING = ":"
NOT_APPLICABLE = "z"
SYMBOLS: dict[str, str] = {
    SUPPRESSED: "Suppressed to protect confidentiality: a count from 1 to 5, or a figure that would reveal one.",
    MISSING: "Not available: the figure was not supplied.",
    NOT_APPLICABLE: "Not applicable: the figure does not exist for this row.",
}
THRESHOLD = 5  # counts from 1 to THRESHOLD are suppressed
RATIO_UNITS = ("percentage", "rate_per_10k", "mean")


def is_disclosive(count: Decimal | int) -> bool:
    """The one place that decides primary suppression: a count from 1 to 5.

    Anything above 0 and below 6 counts, so a stray fraction (2.5) is not published either.
    """
    return 0 < count < THRESHOLD + 1


@dataclass(frozen=True)
class Cell:
    """One published figure: a number, or a symbol in its place. A cell with a symbol never holds the number."""

    value: Decimal | None = None
    status: str = ""  # "" shown, or one of SUPPRESSED, MISSING, NOT_APPLICABLE
    unit: str = ""  # set on ratio values, so `text` reads "62.5%"; "" for counts, numerators and denominators

    def __post_init__(self) -> None:
        if self.status not in ("", *SYMBOLS):
            raise ValueError(f"unknown status {self.status!r}")
        if bool(self.status) == (self.value is not None):
            raise ValueError("a cell holds either a value or a symbol")

    @property
    def shown(self) -> bool:
        return not self.status

    @property
    def text(self) -> str:
        """As people read it: the symbol, "1,234", or for a ratio value "62.5%"."""
        if self.value is None:
            return self.status
        if self.unit in RATIO_UNITS:
            return format_value(self.unit, self.value)
        return figure_text(self.value)


SUPPRESSED_CELL = Cell(status=SUPPRESSED)
MISSING_CELL = Cell(status=MISSING)
NOT_APPLICABLE_CELL = Cell(status=NOT_APPLICABLE)

# What callers pass: a number, None for missing, or a Cell (e.g. NOT_APPLICABLE_CELL, or a numerator already
# through `protect_group`).
Figure = Decimal | int | Cell | None


def figure_text(number: Decimal | int) -> str:
    """A figure with thousands separators and no rounding: "3,024", "12.5"."""
    number = Decimal(number)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,}"


def primary(figure: Figure) -> Cell:
    """A figure through primary suppression. A cell that already carries a symbol keeps it."""
    if figure is None:
        return MISSING_CELL
    if isinstance(figure, Cell):
        if not figure.shown:
            return figure
        figure = figure.value
    number = Decimal(figure)
    return SUPPRESSED_CELL if is_disclosive(number) else Cell(number)


def publish_count(figure: Figure) -> str:
    """A count with no parts published alongside it: `c`, `:`, `z` or "1,234"."""
    return primary(figure).text


# --- groups: a total and the parts it is the sum of ---------------------------------------------------------------
def protect_group(*, total: Figure, parts: Mapping[str, Figure]) -> tuple[Cell, dict[str, Cell]]:
    """The group's cells after primary and secondary suppression (see the module's notes)."""
    total_cell = primary(total)
    part_cells = {name: primary(figure) for name, figure in parts.items()}
    total_number = _number(total)
    if total_number is None:
        return total_cell, part_cells  # no known total, so nothing to subtract from
    # Only parts with a figure are in the sum; missing and not applicable parts are not.
    in_sum = {name: number for name, figure in parts.items() if (number := _number(figure)) is not None}
    hidden = {name for name in in_sum if not part_cells[name].shown}
    total_hidden = not total_cell.shown
    while _exposed(total_number, total_hidden, in_sum, hidden):
        complement = _next_complement(in_sum, hidden)
        if complement is not None:
            hidden.add(complement)
        elif not total_hidden:
            total_hidden = True
        else:
            break  # every cell of the group is suppressed already
    for name in hidden:
        part_cells[name] = SUPPRESSED_CELL
    return (SUPPRESSED_CELL if total_hidden else total_cell), part_cells


def suppress_group(*, total: Figure, parts: Mapping[str, Figure]) -> tuple[str, dict[str, str]]:
    """`protect_group` as published text: "c", ":", "z" or the number with thousands separators."""
    total_cell, part_cells = protect_group(total=total, parts=parts)
    return total_cell.text, {name: cell.text for name, cell in part_cells.items()}


def _number(figure: Figure) -> Decimal | None:
    if figure is None:
        return None
    if isinstance(figure, Cell):
        return figure.value
    return Decimal(figure)


def _exposed(total: Decimal, total_hidden: bool, parts: Mapping[str, Decimal], hidden: set[str]) -> bool:
    """Whether a suppressed cell of the group can still be worked out from the published ones."""
    if not total_hidden and len(hidden) == 1:
        return True  # total minus the shown parts
    if total_hidden and len(hidden) < 2:
        return True
    return bool(hidden) and _pinned_reading_c_as_one_to_five(total, total_hidden, parts, hidden)


def _pinned_reading_c_as_one_to_five(
    total: Decimal, total_hidden: bool, parts: Mapping[str, Decimal], hidden: set[str]
) -> bool:
    """Whether a reader who takes every `c` to be 1 to 5 can pin one to its true value.

    Two agencies with 1 each under a shown total that leaves 2 are both 1; five agencies under a suppressed total
    are 1 each and the total 5. Every coefficient is 1, so interval arithmetic gives each cell's exact range.
    """
    low, high = 1, THRESHOLD
    k = len(hidden)
    shown_sum = sum((number for name, number in parts.items() if name not in hidden), Decimal(0))
    if total_hidden:
        # total = shown_sum + the hidden parts, the total itself read as 1..5
        sum_low, sum_high = max(k * low, low - shown_sum), min(k * high, high - shown_sum)
        if sum_low > sum_high:
            return False  # the reading contradicts the figures, so it pins nothing
        if sum_low == sum_high == total - shown_sum:
            return True  # the total
    else:
        sum_low = sum_high = total - shown_sum
        if not k * low <= sum_low <= k * high:
            return False
    for name in hidden:
        part_low = max(low, sum_low - (k - 1) * high)
        part_high = min(high, sum_high - (k - 1) * low)
        if part_low == part_high == parts[name]:
            return True
    return False


def _next_complement(parts: Mapping[str, Decimal], hidden: set[str]) -> str | None:
    """The smallest shown non-zero part (ties by name); a zero part only when no other is left."""
    shown = [(number == 0, number, name) for name, number in parts.items() if name not in hidden]
    return min(shown)[2] if shown else None


# --- ratios -----------------------------------------------------------------------------------------------------
def protect_ratio(
    *, unit: str, numerator: Figure, denominator: Figure, value: Decimal | None
) -> tuple[Cell, Cell, Cell]:
    """(value, numerator, denominator) cells of a percentage, rate or mean.

    Pass the numerator as the Cell `protect_group` returned when the numerator has published parts, so a
    secondarily suppressed numerator suppresses its ratio too.
    """
    numerator_cell = primary(numerator)
    denominator_cell = primary(denominator)
    if value is None:
        both_not_applicable = numerator_cell.status == denominator_cell.status == NOT_APPLICABLE
        value_cell = NOT_APPLICABLE_CELL if both_not_applicable else MISSING_CELL
    elif numerator_cell.shown and denominator_cell.shown:
        value_cell = Cell(Decimal(value), unit=unit)
    else:
        value_cell = SUPPRESSED_CELL
    return value_cell, numerator_cell, denominator_cell


def publish_ratio(*, unit: str, numerator: Figure, denominator: Figure, value: Decimal | None) -> tuple[str, str, str]:
    """`protect_ratio` as published text: ("62.5%", "25", "40"), ("c", "c", "40"), (":", ":", ":")."""
    cells = protect_ratio(unit=unit, numerator=numerator, denominator=denominator, value=value)
    return cells[0].text, cells[1].text, cells[2].text


__all__ = [
    "MISSING",
    "MISSING_CELL",
    "NOT_APPLICABLE",
    "NOT_APPLICABLE_CELL",
    "RATIO_UNITS",
    "SUPPRESSED",
    "SUPPRESSED_CELL",
    "SYMBOLS",
    "THRESHOLD",
    "Cell",
    "Figure",
    "figure_text",
    "is_disclosive",
    "primary",
    "protect_group",
    "protect_ratio",
    "publish_count",
    "publish_ratio",
    "suppress_group",
]
