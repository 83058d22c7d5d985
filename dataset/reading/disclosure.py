"""Statistical disclosure control for the aggregate figures that leave the app, as DfE does it. Pure.

Symbols (GSS): `c` suppressed (confidential), `:` missing, `z` not applicable. Zero is a value and is shown.

Primary suppression: a count from 1 to 5 is `c` (`is_disclosive` is the one place that decides it).

Secondary suppression works on a group whose total is the sum of its parts: the partnership's count of an
indicator in a quarter and each contributing agency's count (or, for a ratio, the numerators). The reader to beat
knows everything published (the shown parts, the total unless it is `c`), that the parts add up to the total,
that a small `c` is 1 to 5, and this rule itself. No `c` may be narrowed to a single value, so:

- the total is shown and exactly one part is suppressed: suppress one more part;
- the total is suppressed: at least two parts must be suppressed with it, so no part is pinned by the others and
  the reader cannot see that a single agency holds the whole small total;
- a reader who knows which `c` are small (1 to 5) and which are complements (0, or 6 and up, since they were
  not small) must be left at least SPREAD values for every `c` and for a suppressed total: suppress one more part.
  Three rather than two, because a complement is added exactly when too few would be left, and a reader who knows
  the rule can rule those configurations out: two agencies of 1 under a total that leaves 2 are both 1, and if
  that alone brought in a third part, the third part being `c` would say so;
- a reader who takes every `c`, complements too, to be 1 to 5 must not land on a true value either.

The complement is the first shown non-zero part by name, never chosen by size: "the smallest other part" told a
reader who knew the rule that the complement was no bigger than every part still shown (CSC 8, EH 8, Police 5
under 21 published `c, 8, c`, and CSC + Police = 13 with CSC at most 8 gave CSC 8 and Police 5 back). A zero is
used only when no non-zero part is left. If no part is left to suppress, the total is suppressed: two agencies
with 5 each under a total of 10 are both 5 otherwise. So a total above 5 can be `c`, and anything else that
publishes partnership totals of a dataset whose agency figures are published must take the total from
`protect_group`, not from `primary` alone.

tests/dataset/reading/test_disclosure.py plays that reader: it tries figures for every `c` of random groups,
keeps those this rule would publish as the same cells, and checks each `c` keeps at least two values.

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
from dataclasses import dataclass, field
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
    group = _Group(
        total=total_number,
        parts=in_sum,
        primaries=frozenset(name for name in in_sum if not part_cells[name].shown),
        total_hidden=not total_cell.shown,
    )
    while group.exposed():
        complement = _next_complement(in_sum, group.hidden)
        if complement is not None:
            group.complements.append(complement)
        elif not group.total_hidden:
            group.total_hidden = True
        else:
            break  # every cell of the group is suppressed already
    for name in group.hidden:
        part_cells[name] = SUPPRESSED_CELL
    return (SUPPRESSED_CELL if group.total_hidden else total_cell), part_cells


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


_UNBOUNDED = Decimal("Infinity")
_TOTAL = "\0total"  # the total's key among the parts' ranges; no agency is called that
SPREAD = 3  # each c must be able to take at least this many values, to a reader who knows which c are small
Interval = tuple[Decimal, Decimal]


@dataclass
class _Group:
    """One group while its suppression is decided: which parts are c because they are small, which are
    complements, and whether the total is c."""

    total: Decimal
    parts: Mapping[str, Decimal]
    primaries: frozenset[str]
    total_hidden: bool
    complements: list[str] = field(default_factory=list)

    @property
    def hidden(self) -> set[str]:
        return set(self.primaries) | set(self.complements)

    def exposed(self) -> bool:
        """Whether a suppressed cell of the group can still be narrowed to one value from the published ones."""
        hidden = self.hidden
        if not self.total_hidden and len(hidden) == 1:
            return True  # total minus the shown parts
        if self.total_hidden and len(hidden) < 2:
            return True
        if not hidden:
            return False
        knowing_roles = self._ranges(self._domains_knowing_roles())
        if any(high - low < SPREAD - 1 for low, high in knowing_roles.values()):
            return True
        reading_as_small = self._ranges(self._domains_reading_c_as_small())
        return any(low == high == self._truth(name) for name, (low, high) in reading_as_small.items())

    def _truth(self, name: str) -> Decimal:
        return self.total if name == _TOTAL else self.parts[name]

    def _domains_knowing_roles(self) -> tuple[Interval, dict[str, Interval]]:
        """What a reader who knows the rule may know of each c: a small one is 1 to 5, a complement is not (it
        is 0 or at least 6) and a secondarily suppressed total is at least 6. Nothing bounds a complement from
        above, because complements are chosen without looking at their size. The widening to the true value
        keeps a stray fraction (5.5) or a negative figure inside its own range."""
        domains = {}
        for name in self.hidden:
            value = self.parts[name]
            if name in self.primaries:
                domains[name] = _around(value, Decimal(1), Decimal(THRESHOLD))
            elif value == 0:
                domains[name] = (min(Decimal(0), value), _UNBOUNDED)
            else:
                domains[name] = (min(Decimal(THRESHOLD + 1), value), _UNBOUNDED)
        if is_disclosive(self.total):
            total = _around(self.total, Decimal(1), Decimal(THRESHOLD))
        else:
            total = (min(Decimal(THRESHOLD + 1), self.total), _UNBOUNDED)
        return total, domains

    def _domains_reading_c_as_small(self) -> tuple[Interval, dict[str, Interval]]:
        """A reader who takes every c, complements and the total too, to be 1 to 5. Such a reader can be wrong,
        and is answered only when the reading lands on a true value: two agencies with 1 each under a total that
        leaves 2 are both 1."""
        small = (Decimal(1), Decimal(THRESHOLD))
        return small, {name: small for name in self.hidden}

    def _ranges(self, domains: tuple[Interval, dict[str, Interval]]) -> dict[str, Interval]:
        """Each c's range (and the total's, under _TOTAL, when it is c) given the sum and the others' ranges.

        total = shown parts + the c parts, every coefficient 1: interval arithmetic gives each cell's exact range.
        A range with low above high means the reading contradicts the figures, and so pins nothing.
        """
        total_range, ranges = domains
        shown_sum = sum((n for name, n in self.parts.items() if name not in ranges), Decimal(0))
        if not self.total_hidden:
            total_range = (self.total, self.total)
        out = {}
        for name, (low, high) in ranges.items():
            others = [r for other, r in ranges.items() if other != name]
            out[name] = (
                max(low, total_range[0] - shown_sum - sum((r[1] for r in others), Decimal(0))),
                min(high, total_range[1] - shown_sum - sum((r[0] for r in others), Decimal(0))),
            )
        if self.total_hidden:
            out[_TOTAL] = (
                max(total_range[0], shown_sum + sum((r[0] for r in ranges.values()), Decimal(0))),
                min(total_range[1], shown_sum + sum((r[1] for r in ranges.values()), Decimal(0))),
            )
        return out


def _around(value: Decimal, low: Decimal, high: Decimal) -> Interval:
    return min(low, value), max(high, value)


def _next_complement(parts: Mapping[str, Decimal], hidden: set[str]) -> str | None:
    """The first shown non-zero part by name; a zero part only when no other is left.

    Never the smallest or the largest: a rule that looks at the size of the parts tells a reader who knows it
    that the complement is no larger (or no smaller) than every part still shown, and that can pin a c.
    """
    shown = [(number == 0, name) for name, number in parts.items() if name not in hidden]
    return min(shown)[1] if shown else None


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
