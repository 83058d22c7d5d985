"""How complete and how timely the returns are: pure counting, plain data in and plain data out.

A value is *present* when every figure its unit needs has been typed (zero is a value), *not available*
when it carries a reason instead, and *missing* otherwise, including when there is no return at all. Only
the indicators an agency is expected to supply count. A return is *overdue* when it has not been submitted
(or accepted) and today is after the due date; it was *on time* when it was first submitted on or before
the due date, whatever happened to it afterwards. A quarter has an on-time rate only once its due date has
passed: before then every agency still has time, so a rate would call those yet to submit late.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from neglect_portal.lifecycle import State

NOT_STARTED = "not_started"
OVERDUE = "overdue"
# The return is in the analyst's hands or done: nobody needs chasing for it.
IN = frozenset({State.SUBMITTED, State.ACCEPTED})

PRESENT = "present"
NOT_AVAILABLE = "not_available"
MISSING = "missing"

_RATIO_FIELDS = ("numerator", "denominator")
_COUNT_FIELDS = ("value",)


def status_words(status: str) -> str:
    """`Not started`, `Draft`, `Returned for changes`..."""
    return "Not started" if status == NOT_STARTED else State(status).label


def due_in_words(due_on: date, today: date) -> str:
    """`due in 3 days`, `due tomorrow`, `due today`, `1 day overdue`, `5 days overdue`."""
    days = (due_on - today).days
    if days > 1:
        return f"due in {days} days"
    if days == 1:
        return "due tomorrow"
    if days == 0:
        return "due today"
    return f"{-days} day{'s' if days != -1 else ''} overdue"


def percent(part: int, whole: int) -> int | None:
    """A whole-number percentage, rounded half up; None when there is nothing to divide by."""
    if not whole:
        return None
    return (200 * part + whole) // (2 * whole)


# --- one value ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figures:
    """One stored value as typed (text fields, never parsed here)."""

    numerator: str = ""
    denominator: str = ""
    value: str = ""
    not_available_reason: str = ""


def value_state(figures: Figures | None, *, is_ratio: bool) -> str:
    """PRESENT, NOT_AVAILABLE or MISSING. A reason wins over figures typed beside it: validation stops such a
    return being submitted, and until then the agency has said the figure is not available."""
    if figures is None:
        return MISSING
    if figures.not_available_reason.strip():
        return NOT_AVAILABLE
    names = _RATIO_FIELDS if is_ratio else _COUNT_FIELDS
    if all(getattr(figures, name).strip() for name in names):
        return PRESENT
    return MISSING


@dataclass(frozen=True)
class Counts:
    present: int = 0
    not_available: int = 0
    missing: int = 0

    @property
    def expected(self) -> int:
        return self.present + self.not_available + self.missing

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.present + other.present, self.not_available + other.not_available, self.missing + other.missing
        )

    @property
    def words(self) -> str:
        """`12 of 14 present, 1 not available, 1 missing`; parts that are zero are left out."""
        if not self.expected:
            return "no values expected"
        parts = [f"{self.present} of {self.expected} present"]
        parts += [f"{n} {what}" for n, what in ((self.not_available, "not available"), (self.missing, "missing")) if n]
        return ", ".join(parts)

    @property
    def percent_present(self) -> int | None:
        return percent(self.present, self.expected)


def count_values(expected: Mapping[str, bool], values: Mapping[str, Figures]) -> Counts:
    """`expected` maps each indicator code the agency should supply to whether it is a ratio (numerator and
    denominator) rather than a single figure; `values` maps codes to what is stored. Values of indicators
    not expected (since retired, say) do not count."""
    tally = {PRESENT: 0, NOT_AVAILABLE: 0, MISSING: 0}
    for code, is_ratio in expected.items():
        tally[value_state(values.get(code), is_ratio=is_ratio)] += 1
    return Counts(tally[PRESENT], tally[NOT_AVAILABLE], tally[MISSING])


# --- one agency in one quarter -----------------------------------------------------------------------
@dataclass(frozen=True)
class ReturnFacts:
    status: str
    first_submitted_on: date | None = None  # the local date of the first submission, if there was one
    values: Mapping[str, Figures] = field(default_factory=dict)
    # (present, not available) among the expected values, when counted already (by the database, for a grid of
    # thousands of values): then `values` is not read, and every other expected value is missing.
    counted: tuple[int, int] | None = None


@dataclass(frozen=True)
class Cell:
    status: str  # a lifecycle State, or NOT_STARTED
    overdue: bool
    on_time: bool
    counts: Counts
    submitted: bool = False  # submitted at least once, whatever happened to it afterwards

    @property
    def css(self) -> str:
        """The `.status-*` class: overdue outranks the state it is in."""
        return OVERDUE if self.overdue else self.status

    @property
    def label(self) -> str:
        return "Overdue" if self.overdue else status_words(self.status)

    @property
    def underlying(self) -> str:
        """The state behind `Overdue`, in words (empty when not overdue: the label already says it)."""
        return status_words(self.status).lower() if self.overdue else ""

    @property
    def words(self) -> str:
        """`Overdue: draft`, `Submitted`: the whole status without relying on colour."""
        return f"{self.label}: {self.underlying}" if self.overdue else self.label


def cell(*, expected: Mapping[str, bool], ret: ReturnFacts | None, due_on: date, today: date) -> Cell:
    status = ret.status if ret else NOT_STARTED
    first = ret.first_submitted_on if ret else None
    return Cell(
        status=status,
        overdue=status not in IN and today > due_on,
        on_time=first is not None and first <= due_on,
        counts=_counts(expected, ret),
        submitted=first is not None,
    )


def _counts(expected: Mapping[str, bool], ret: ReturnFacts | None) -> Counts:
    if ret is not None and ret.counted is not None:
        present, not_available = ret.counted
        return Counts(present, not_available, len(expected) - present - not_available)
    return count_values(expected, ret.values if ret else {})


# --- a quarter's totals, and the whole grid ----------------------------------------------------------
@dataclass(frozen=True)
class Totals:
    expected_agencies: int
    on_time: int
    counts: Counts
    submitted: int = 0  # agencies that have submitted at all, by today
    due_on: date | None = None  # the quarter's; None when not known, and the rate is then given as it stands
    today: date | None = None

    @property
    def due_passed(self) -> bool:
        """Whether the due date is behind us: from the day after it, as for an overdue return."""
        return self.due_on is None or self.today is None or self.today > self.due_on

    @property
    def on_time_percent(self) -> int | None:
        """Returns first submitted by the due date out of the expected agencies; None before the due date."""
        if not self.due_passed:
            return None
        return percent(self.on_time, self.expected_agencies)

    @property
    def on_time_words(self) -> str:
        """`5 of 9 on time (56%)` once the due date has passed; before it, how long is left and how many are in:
        `Due in 10 days (15 July 2020): 2 of 9 submitted so far`."""
        if not self.expected_agencies:
            return "no returns expected"
        if self.due_on is not None and self.today is not None and not self.due_passed:
            due = due_in_words(self.due_on, self.today)
            return (
                f"{due[0].upper()}{due[1:]} ({self.due_on.day} {self.due_on:%B %Y}): "
                f"{self.submitted} of {self.expected_agencies} submitted so far"
            )
        return f"{self.on_time} of {self.expected_agencies} on time ({self.on_time_percent}%)"

    @property
    def completeness_percent(self) -> int | None:
        return self.counts.percent_present

    @property
    def completeness_words(self) -> str:
        """`100 of 126 values present (79%)`."""
        if not self.counts.expected:
            return "no values expected"
        return f"{self.counts.present} of {self.counts.expected} values present ({self.completeness_percent}%)"


def totals(cells: Iterable[Cell], *, due_on: date | None = None, today: date | None = None) -> Totals:
    """On-time rate: returns first submitted by the due date out of the expected agencies, once `due_on` has passed
    (given `today`). Completeness: present values out of expected values, counting an agency with no return as all
    missing."""
    cells = list(cells)
    return Totals(
        expected_agencies=len(cells),
        on_time=sum(c.on_time for c in cells),
        counts=sum((c.counts for c in cells), Counts()),
        submitted=sum(c.submitted for c in cells),
        due_on=due_on,
        today=today,
    )


@dataclass(frozen=True)
class QuarterFacts:
    key: int
    label: str
    due_on: date


@dataclass(frozen=True)
class AgencyFacts:
    key: int
    name: str
    expected: Mapping[str, bool]  # indicator code -> is a ratio


@dataclass(frozen=True)
class Row:
    agency: AgencyFacts
    cells: list[Cell]


@dataclass(frozen=True)
class Grid:
    quarters: list[QuarterFacts]
    rows: list[Row]
    totals: list[Totals]  # one per quarter, in the quarters' order


def grid(
    *,
    agencies: Iterable[AgencyFacts],
    quarters: Iterable[QuarterFacts],
    returns: Mapping[tuple[int, int], ReturnFacts],
    today: date,
) -> Grid:
    """Agencies down, quarters across (in the order given); `returns` is keyed by (agency key, quarter key)."""
    quarters = list(quarters)
    rows = [
        Row(
            agency=agency,
            cells=[
                cell(expected=agency.expected, ret=returns.get((agency.key, q.key)), due_on=q.due_on, today=today)
                for q in quarters
            ],
        )
        for agency in agencies
    ]
    return Grid(
        quarters=quarters,
        rows=rows,
        totals=[totals((row.cells[i] for row in rows), due_on=q.due_on, today=today) for i, q in enumerate(quarters)],
    )
