"""Plain data shared by the pure dataset modules (aggregate, spc, themes, disclosure, exports).

No ORM here: the build (dataset/build/services.py) turns database rows into these, calls the pure functions,
and stores what they return. Quarters are running numbers (`periods.Quarter.index`); `quarter_label`
turns one back into "2020-21 Q1".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from dataset.catalogue.periods import Quarter

UNITS = ("count", "percentage", "rate_per_10k", "mean")
SCALE = {"percentage": Decimal(100), "rate_per_10k": Decimal(10000), "mean": Decimal(1)}


def quarter_of(index: int) -> Quarter:
    return Quarter(index // 4, index % 4 + 1)


def quarter_label(index: int) -> str:
    return quarter_of(index).label


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    title: str
    unit: str  # one of UNITS
    polarity: str  # "higher" | "lower" | "neither"
    objective: str  # "recognise" | "respond" | "quantify" | "evaluate"
    definition: str = ""
    numerator_label: str = ""
    denominator_label: str = ""
    target: Decimal | None = None
    red_threshold: Decimal | None = None  # worse than this is red; between target and this is amber
    tolerance: Decimal = Decimal(25)  # per cent
    benchmark_value: Decimal | None = None
    benchmark_source: str = ""
    benchmark_year: str = ""
    suppliers: tuple[str, ...] = ()  # agency short names expected to report it
    accumulation: str = "quarter"  # "quarter" | "year_to_date" (adds up from April, resets each Q1)

    @property
    def year_to_date(self) -> bool:
        return self.accumulation == "year_to_date"


@dataclass(frozen=True)
class AgencyFigure:
    """One agency's accepted figure for one indicator and quarter. Numbers are parsed, never text."""

    code: str
    agency: str  # short name
    quarter: int
    numerator: Decimal | None = None  # ratios and means
    denominator: Decimal | None = None
    value: Decimal | None = None  # counts
    not_available: str = ""  # the reason key when the agency marked it not available
    commentary: str = ""  # what the agency said about the figure (explanations of queries included)


_new = object.__new__


def agency_figure(
    code: str,
    agency: str,
    quarter: int,
    numerator: Decimal | None,
    denominator: Decimal | None,
    value: Decimal | None,
    not_available: str,
    commentary: str,
) -> AgencyFigure:
    """`AgencyFigure(...)` with every field given, a third of the time: a frozen dataclass's `__init__` sets each
    field through `object.__setattr__`, which was most of gathering a large partnership's quarter of a million
    figures. The instance is the same in every way (fields, equality, hash, repr); only the build's gather uses it."""
    figure = _new(AgencyFigure)
    figure.__dict__.update(
        code=code,
        agency=agency,
        quarter=quarter,
        numerator=numerator,
        denominator=denominator,
        value=value,
        not_available=not_available,
        commentary=commentary,
    )
    return figure


@dataclass(frozen=True)
class PartnershipValue:
    """The partnership's value of one indicator in one quarter, from accepted returns only."""

    code: str
    quarter: int
    value: Decimal | None  # None when no agency contributed
    numerator: Decimal | None = None  # summed (ratios and means)
    denominator: Decimal | None = None
    contributors: tuple[str, ...] = ()  # agencies whose figure is in the value
    expected: tuple[str, ...] = ()  # agencies expected to supply it that quarter
    not_available: tuple[str, ...] = ()  # agencies that marked it not available

    @property
    def partial(self) -> bool:
        """Missing an expected agency: not compared as if it were whole."""
        return bool(self.missing)

    @cached_property
    def missing(self) -> tuple[str, ...]:
        # Read for every value many times over by the comparisons, SPC and themes: worked out once. A frozen
        # dataclass without slots lets cached_property keep it in the instance's __dict__, which equality,
        # hashing and the build's JSON (dataclass fields only) never read.
        contributors = set(self.contributors)
        return tuple(a for a in self.expected if a not in contributors)


@dataclass(frozen=True)
class Comparison:
    code: str
    quarter: int
    change_previous: Decimal | None = None  # percentage points for percentages, per cent otherwise
    change_year: Decimal | None = None
    change_baseline: Decimal | None = None
    change_unit: str = ""  # "pp" | "%"
    direction: str = ""  # "improving" | "worsening" | "steady" | "up" | "down" (polarity neither) | "" (no data)
    rag: str = ""  # "red" | "amber" | "green" | "" (no target)
    benchmark_gap: Decimal | None = None  # value minus the national benchmark
    comparable: bool = True  # False when this or the compared quarter is partial


@dataclass(frozen=True)
class SpcPoint:
    quarter: int
    value: Decimal
    rules: tuple[str, ...] = ()  # "outside_limits", "shift", "trend", "two_of_three"
    assessment: str = ""  # "improvement" | "concern" | "neutral" | "" (common cause)


@dataclass(frozen=True)
class ProcessChangeInfo:
    """A recorded process change: a new SPC phase starts in `quarter`."""

    code: str
    quarter: int
    reason: str


@dataclass(frozen=True)
class SpcPhase:
    """One phase of an indicator's series: its own mean and limits, from its own points."""

    start: int  # quarter index of the phase's first quarter
    end: int  # quarter index of its last point (inclusive)
    reason: str = ""  # why it started ("" for the first phase)
    enough_data: bool = False
    mean: Decimal | None = None
    upper: Decimal | None = None
    lower: Decimal | None = None


@dataclass(frozen=True)
class SpcResult:
    code: str
    enough_data: bool
    message: str  # e.g. "Not enough data: 9 quarters; 12 are needed."
    mean: Decimal | None = None  # the latest phase's
    upper: Decimal | None = None
    lower: Decimal | None = None
    points: tuple[SpcPoint, ...] = ()
    phases: tuple[SpcPhase, ...] = ()  # oldest first; empty when there are no points
    method: str = "xmr"  # "xmr" | "year_to_date" (compared with earlier years instead: no limits)
    suggested_start: int | None = None  # a persisting shift: the quarter a new phase could start
    suggestion: str = ""  # for the analyst, in words

    @property
    def latest(self) -> SpcPoint | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True)
class Theme:
    code: str  # indicator code, or "" for a theme about the collection itself (data gap)
    kind: str  # "possible_drift" | "sustained_rise" | "sustained_fall" | "special_cause" | "target_missed"
    #            | "implausible_value" | "data_gap"
    severity: int  # 3 high, 2 medium, 1 low: most severe first
    sentence: str  # readable aloud to the Working Group
    question: str  # a question to explore
    numbers: dict[str, str] = field(default_factory=dict)  # the figures behind it, formatted for people
    quarter: int | None = None  # the quarter it is about
    objective: str = ""
    signals: tuple[str, ...] = ()  # every kind of signal combined into this one message, strongest first
    since: int | None = None  # first quarter of the unbroken run in which it has held (== quarter: new)

    @classmethod
    def stored(cls, row) -> Theme:
        """The theme a snapshot stored (a dataset.models.DatasetTheme row, read by attribute): for the build that
        carries unchanged themes over, and for the exports."""
        return cls(
            code=row.code,
            kind=row.kind,
            severity=row.severity,
            sentence=row.sentence,
            question=row.question,
            numbers=row.numbers,
            quarter=row.quarter,
            objective=row.objective,
            signals=tuple(row.signals or ()),
            since=row.since_quarter,
        )


@dataclass(frozen=True)
class RelationCheck:
    """`code` should be at least `at_least` times `other` in the same quarter (kept by the analyst)."""

    code: str
    other: str
    at_least: Decimal
    why: str
    question: str
