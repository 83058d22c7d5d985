"""Demo returns: seventeen quarters of believable neglect figures, ending mid-collection in 2020-21 Q1.

The figures are built as plain data first (`demo_series`, `demo_plan`: no ORM, unit-tested alone) and then
written by `seed_returns`. The last quarter reproduces the figures of the report the app starts from (West
Sussex, 2020); earlier quarters are a seeded random walk around a gentle trend, so every run gives the same
numbers. `seed_returns` assumes the agencies, their people and the indicator catalogue already exist.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from agencies.models import Agency, Role, User
from dataset.catalogue.periods import Quarter
from neglect_portal.lifecycle import State

from .catalogue import periods
from .catalogue import services as catalogue_services
from .history import history_attrs, record_as
from .models import (
    DatasetSettings,
    DatasetSnapshot,
    HistorySource,
    Indicator,
    NotAvailableReason,
    ProcessChange,
    RelationshipCheck,
    ReportingPeriod,
    Return,
    ReturnValue,
)
from .returns import validation
from .returns.services import sign_off_note

SEED = 2020
FIRST = Quarter(2016, 1)
CURRENT = Quarter(2020, 1)  # 2020-21 Q1: still open in the demo, so it can be filled in today
QUARTERS: tuple[Quarter, ...] = tuple(Quarter(FIRST.year + i // 4, i % 4 + 1) for i in range(17))
CHANGE_REASON = "demo data"

# How 2020-21 Q1 stands in the demo (agency short names).
NOT_STARTED = frozenset({"CCG"})
DRAFTING = frozenset({"Police", "EDU"})
PRESSURED = "SCFT"
# Dental checks and GCP2 work were the first to stop when community health staff were redeployed.
PRESSURED_CODES = ("N07", "N24", "N34")
PRESSURE_COMMENTARY = "Operational pressure due to Covid-19: staff redeployed; figures expected next quarter."

Key = tuple[str, str, str]  # (agency short name, indicator code, quarter label)
Figures = tuple[str, str, str]  # (numerator, denominator, value) as typed; "" where the unit has no such field


@dataclass(frozen=True)
class IndicatorInfo:
    """What the demo needs to know of an indicator: plain data, so the figures can be built without a database."""

    code: str
    unit: str
    suppliers: tuple[str, ...]  # agency short names
    tolerance: Decimal = Decimal("25")
    allow_negative: bool = False


@dataclass(frozen=True)
class Profile:
    """How one agency's series of one indicator moves, from the first demo quarter to the last.

    `level` is the count, or the denominator of a ratio; `ratio` is the share (0-1), the rate per person or the
    mean. Both move in a straight line with seeded relative noise around it.
    """

    level: tuple[float, float]
    ratio: tuple[float, float] = (0.0, 0.0)
    level_noise: float = 0.04
    ratio_noise: float = 0.03
    step: float = 1.0  # rounding of a mean's total: 0.5 allows "61.5"
    year_to_date: bool = False  # cumulative within the financial year, against a plan fixed for the year


@dataclass(frozen=True)
class DemoValue:
    numerator: str = ""
    denominator: str = ""
    value: str = ""
    not_available_reason: str = ""
    expected_on: date | None = None
    commentary: str = ""

    @property
    def is_blank(self) -> bool:
        return not (self.numerator or self.denominator or self.value)


@dataclass(frozen=True)
class DemoReturn:
    status: State
    values: dict[str, DemoValue] = field(default_factory=dict)


P = Profile
# {code: {agency short name: profile}}; "*" is any other supplier.
PROFILES: dict[str, dict[str, Profile]] = {
    "N01": {"CSC": P((2850, 3000), (0.105, 0.115))},
    "N02": {"CSC": P((0, 0), (0.72, 0.78))},
    "N03": {"CSC": P((1900, 2100), (0.28, 0.33))},
    "N04": {"EH": P((170, 250))},
    "N05": {"Police": P((300, 400))},
    "N06": {"SCFT": P((45, 65))},
    "N07": {"EH": P((50, 140)), "SCFT": P((20, 45)), "CSC": P((30, 80))},
    "N08": {
        "CSC": P((70, 180)),
        "EH": P((40, 110)),
        "SCFT": P((15, 40)),
        "EDU": P((12, 35)),
        "Police": P((10, 25)),
        "*": P((6, 20)),
    },
    "N09": {"CSC": P((180, 300)), "EH": P((40, 90))},
    "N10": {"SPFT": P((450, 520), (0.74, 0.90))},
    "N11": {"SCFT": P((520, 600), (0.17, 0.13)), "CCG": P((300, 340), (0.15, 0.11))},
    "N12": {"EDU": P((175, 165), (0.33, 0.26))},
    "N13": {"CSC": P((0, 0), (0.86, 0.93))},
    "N14": {"CSC": P((0, 0), (0.76, 0.86))},
    "N15": {"CSC": P((176_200, 181_400), (95 / 176_200, 84 / 181_400), level_noise=0, ratio_noise=0.04)},
    "N16": {"CSC": P((405, 414), (0.68, 0.70), level_noise=0.02, ratio_noise=0.01)},
    "N17": {"CSC": P((380, 420))},
    "N18": {"CSC": P((380, 420), (0.31, 0.355))},
    "N19": {"CSC": P((0, 0), (0.03, 0.045), ratio_noise=0.05)},
    "N20": {"CSC": P((70, 90), (330, 370))},
    "N21": {
        "Police": P((140, 170), (0.70, 0.82)),
        "SCFT": P((140, 170), (0.85, 0.93)),
        "EDU": P((140, 170), (0.78, 0.90)),
    },
    "N22": {"EH": P((45, 60))},
    "N23": {"CVS": P((80, 140))},
    "N24": {"SCFT": P((260, 240), (0.78, 0.86)), "CCG": P((250, 235), (0.80, 0.87))},
    "N25": {"EH": P((160, 210), (0.66, 0.76))},
    "N26": {
        "CSC": P((620, 650), (0.45, 0.72)),
        "EH": P((190, 200), (0.28, 0.44)),
        "EDU": P((340, 360), (0.25, 0.50)),
        "Police": P((1450, 1500), (0.12, 0.35)),
        "SCFT": P((880, 920), (0.30, 0.55)),
        "SPFT": P((700, 720), (0.20, 0.45)),
        "CCG": P((60, 58), (0.30, 0.60)),
        "CVS": P((140, 160), (0.20, 0.50)),
        "WSSCP": P((12, 14), (0.85, 1.0), level_noise=0),
        "*": P((100, 110), (0.25, 0.50)),
    },
    "N27": {"WSSCP": P((600, 800), (0.92, 0.98), level_noise=0, year_to_date=True)},
    "N28": {
        "CSC": P((12, 23), level_noise=0),
        "EH": P((4, 10), level_noise=0),
        "EDU": P((2, 8), level_noise=0),
        "SCFT": P((3, 8), level_noise=0),
        "SPFT": P((2, 5), level_noise=0),
        "CVS": P((2, 6), level_noise=0),
        "Police": P((1, 4), level_noise=0),
        "*": P((1, 2), level_noise=0),
    },
    "N29": {"CSC": P((0, 0), (0.16, 0.205), ratio_noise=0.04)},
    "N30": {"CSC": P((150, 135), (0.20, 0.23))},
    "N31": {"CSC": P((0, 0), (0.22, 0.20))},
    "N32": {"WSSCP": P((12, 14), (0.45, 0.60), level_noise=0)},
    "N33": {"WSSCP": P((20, 45), (2.2, 2.8), step=0.5)},
    "N34": {"EH": P((20, 40), (-0.6, -1.1)), "SCFT": P((10, 20), (-0.5, -0.9))},
    "N35": {"CSC": P((90, 130), (0.55, 0.66))},
}
# For an indicator or supplier the demo does not know (say, one an analyst added): something plausible.
FALLBACK: dict[str, Profile] = {
    "count": P((20, 30)),
    "percentage": P((100, 120), (0.50, 0.55)),
    "rate_per_10k": P((180_000, 181_000), (0.0005, 0.0005), level_noise=0),
    "mean": P((30, 40), (2.0, 2.5)),
}

# A series whose denominator (or, for a count, its value) is another series' figure for the same agency and
# quarter: (source code, 0 for its numerator / 1 for its denominator). Keeps related figures consistent.
LINKS: dict[str, tuple[str, int]] = {
    "N02": ("N01", 0),  # all neglect referrals
    "N13": ("N01", 0),
    "N31": ("N01", 0),
    "N14": ("N03", 0),  # neglect assessments
    "N17": ("N18", 1),  # open neglect CIN plans
    "N19": ("N20", 1),  # neglect CP plans ended
    "N29": ("N15", 0),  # new neglect CP plans
}

# The partnership's training sessions, with their questionnaires' mean confidence before and after (out of 10):
# (title, held on, quarter label, mean before, mean after, respondents). N33 for a quarter is these sessions'
# figures (total after-minus-before over respondents), and scrutiny/demo.py records the same sessions, so the
# training page and the dataset tell one story.
TRAINING: tuple[tuple[str, date, str, str, str, int], ...] = (
    ("Graded Care Profile 2 training", date(2020, 3, 4), "2019-20 Q4", "6.1", "8.2", 24),
    ("Neglect strategy launch: virtual session", date(2020, 6, 10), "2020-21 Q1", "5.8", "7.9", 62),
)


def _training_n33() -> dict[str, tuple[float, int]]:
    """N33's (total change, respondents) per quarter, summed over the quarter's sessions."""
    by_quarter: dict[str, tuple[Decimal, int]] = {}
    for _title, _held, label, before, after, respondents in TRAINING:
        total, count = by_quarter.get(label, (Decimal(0), 0))
        by_quarter[label] = (total + (Decimal(after) - Decimal(before)) * respondents, count + respondents)
    return {label: (float(total), count) for label, (total, count) in by_quarter.items()}


# The report's figures, and the path into them: {(agency, code): {quarter label: value or (numerator, denominator)}}.
OVERRIDES: dict[tuple[str, str], dict[str, int | tuple[float, int]]] = {
    ("CSC", "N01"): {"2020-21 Q1": (350, 3024)},
    # CP plans under neglect fall in number and share over the last six quarters, from about 70% and 290 plans.
    ("CSC", "N16"): {
        "2018-19 Q4": (292, 416),
        "2019-20 Q1": (289, 414),
        "2019-20 Q2": (281, 410),
        "2019-20 Q3": (272, 406),
        "2019-20 Q4": (262, 402),
        "2020-21 Q1": (250, 400),
    },
    ("CSC", "N18"): {"2020-21 Q1": (150, 420)},
    ("CSC", "N15"): {"2019-20 Q1": (91, 180_100), "2020-21 Q1": (84, 181_400)},
    # Repeat neglect plans within 3 years: 19.8% a year earlier, 23.8% now (denominator = N15's new plans).
    ("CSC", "N29"): {"2019-20 Q1": (18, 91), "2020-21 Q1": (20, 84)},
    ("CSC", "N08"): {"2020-21 Q1": 191},
    ("CSC", "N09"): {"2020-21 Q1": 690},
    ("CSC", "N28"): {"2020-21 Q1": 24},
    ("WSSCP", "N27"): {"2020-21 Q1": (180, 800)},
    ("WSSCP", "N32"): {"2019-20 Q2": (24, 49)},
    ("WSSCP", "N33"): _training_n33(),
    ("EH", "N26"): {
        "2019-20 Q1": (84, 200),
        "2019-20 Q2": (95, 198),
        "2019-20 Q3": (106, 201),
        "2019-20 Q4": (117, 200),
        "2020-21 Q1": (128, 200),
    },
}

# Commentary the agencies wrote; {(agency, code, quarter label or "*" for every quarter): text}.
COMMENTARY: dict[tuple[str, str, str], str] = {
    ("CSC", "N08", "2020-21 Q1"): "Toolkit in use in 191 cases at 22 May 2020.",
    ("CSC", "N09", "2020-21 Q1"): (
        "Impact chronology drive during lockdown: from 150 in the week ending 24 April to 1,256 in the week "
        "ending 18 May."
    ),
    ("CSC", "N16", "2020-21 Q1"): (
        "Fewer children on neglect plans: more step-downs after review, and the Working Group is checking that "
        "the fall is not a recording change."
    ),
    ("CSC", "N18", "2020-21 Q1"): "Long neglect CIN plans are being reviewed for drift with team managers.",
    ("CSC", "N29", "2020-21 Q1"): (
        "Repeat neglect plans up about 4 points on last year; the multi-agency audit will look at these families."
    ),
    ("EH", "N26", "2020-21 Q1"): "Neglect training moved online during lockdown: 64% trained, up from 42% a year ago.",
    ("WSSCP", "N27", "*"): (
        "Year to date: practitioners trained so far this financial year against the year's plan, so the figure "
        "rises through the year and starts again in April."
    ),
    ("WSSCP", "N32", "2019-20 Q2"): "Multi-agency neglect audit, August 2019: 49 case files.",
}
QUERY_COMMENTARY: dict[str, str] = {
    "Q01": "Checked against the source system: the change on last quarter is correct.",
    "Q02": "Checked against the source system: correct, though outside our usual range.",
    "Q03": "Checked: the denominator is small but correct.",
}


# --- the figures: pure --------------------------------------------------------------------------------------------


def _path(span: tuple[float, float], t: int) -> float:
    start, end = span
    return start + (end - start) * t / (len(QUARTERS) - 1)


def _noisy(rng: random.Random, centre: float, sd: float) -> float:
    if not sd:
        return centre
    # Clipped at 2.5 sd so one unlucky draw does not make a quarter look like a data error.
    return centre * (1 + max(-2.5 * sd, min(2.5 * sd, rng.gauss(0, sd))))


def _figures(unit: str, numerator: float, denominator: int, step: float = 1.0) -> Figures:
    if unit == "count":
        return "", "", str(int(numerator))
    if unit == "mean":
        total = round(numerator / step) * step
        text = str(int(total)) if total == int(total) else f"{total:.1f}"
        return text, str(denominator), ""
    return str(int(numerator)), str(denominator), ""


def _override(unit: str, given: int | tuple[float, int]) -> Figures:
    if isinstance(given, tuple):
        # A given mean's total keeps its tenths (N33's training totals): the figure shown is the one given.
        return _figures(unit, given[0], given[1], 0.1 if unit == "mean" else 1.0)
    return _figures(unit, given, 0)


def _profile(code: str, unit: str, agency: str) -> Profile:
    by_agency = PROFILES.get(code, {})
    return by_agency.get(agency) or by_agency.get("*") or FALLBACK.get(unit, FALLBACK["count"])


def _series(rng: random.Random, info: IndicatorInfo, agency: str, linked: Sequence[int] | None) -> dict[str, Figures]:
    profile = _profile(info.code, info.unit, agency)
    overrides = OVERRIDES.get((agency, info.code), {})
    out: dict[str, Figures] = {}
    for t, quarter in enumerate(QUARTERS):
        if profile.year_to_date:
            # The plan is set for the year; the count builds up through it.
            level = _path(profile.level, t - (quarter.number - 1))
        else:
            level = _noisy(rng, _path(profile.level, t), profile.level_noise)
        if linked is not None:
            level = linked[t]
        if info.unit == "count":
            out[quarter.label] = _figures("count", max(0, round(level)), 0)
            continue
        denominator = max(1, round(level))
        ratio = _noisy(rng, _path(profile.ratio, t), profile.ratio_noise)
        if profile.year_to_date:
            ratio *= quarter.number / 4
        numerator = ratio * denominator
        if info.unit != "mean":
            numerator = min(denominator, max(0, round(numerator)))
        elif not info.allow_negative:
            numerator = max(0.0, numerator)
        out[quarter.label] = _figures(info.unit, numerator, denominator, profile.step)
    for label, given in overrides.items():
        if label in out:
            out[label] = _override(info.unit, given)
    return out


def demo_series(indicators: Iterable[IndicatorInfo]) -> dict[Key, Figures]:
    """Every supplier's figures for every demo quarter: {(agency, code, quarter label): (numerator, denominator,
    value)}, as the text an agency would type. Same input, same output: the noise comes from a fixed seed."""
    rng = random.Random(SEED)  # noqa: S311 - demo figures, not security: a fixed seed makes them repeatable
    infos = sorted(indicators, key=lambda i: (i.code in LINKS, i.code))  # sources before the series linked to them
    out: dict[Key, Figures] = {}
    for info in infos:
        for agency in sorted(info.suppliers):
            linked = None
            if info.code in LINKS:
                source, index = LINKS[info.code]
                figures = [out.get((agency, source, q.label)) for q in QUARTERS]
                if all(f is not None and f[index] for f in figures):
                    linked = [int(f[index]) for f in figures if f is not None]
            for label, row in _series(rng, info, agency, linked).items():
                out[(agency, info.code, label)] = row
    return out


def demo_status(agency: str, quarter: Quarter) -> State | None:
    """The state of an agency's demo return for a quarter; None when it has not been started."""
    if quarter != CURRENT:
        return State.ACCEPTED
    if agency in NOT_STARTED:
        return None
    if agency in DRAFTING:
        return State.DRAFT
    return State.ACCEPTED


def _pressured_codes(supplied: Sequence[str]) -> list[str]:
    codes = [c for c in PRESSURED_CODES if c in supplied]
    return codes + [c for c in supplied if c not in codes][: max(0, 2 - len(codes))]


def demo_plan(indicators: Sequence[IndicatorInfo], agencies: Iterable[str]) -> dict[tuple[str, str], DemoReturn]:
    """Every demo return, {(agency, quarter label): DemoReturn}, with its status and values. Pure.

    Accepted values that the return's own validation would query carry commentary, as they must have had to be
    submitted; the half-done drafts of 2020-21 Q1 do not.
    """
    series = demo_series(indicators)
    units = {i.code: i for i in indicators}
    supplied: dict[str, list[str]] = {}
    for info in sorted(indicators, key=lambda i: i.code):
        for agency in info.suppliers:
            supplied.setdefault(agency, []).append(info.code)
    expected_on = CURRENT.next().end + timedelta(days=20)
    plan: dict[tuple[str, str], DemoReturn] = {}
    for agency in sorted(set(agencies)):
        codes = supplied.get(agency, [])
        earlier: dict[str, list[Decimal]] = {code: [] for code in codes}
        for quarter in QUARTERS:
            status = demo_status(agency, quarter)
            if status is None:
                continue
            values: dict[str, DemoValue] = {}
            unavailable = _pressured_codes(codes) if quarter == CURRENT and agency == PRESSURED else []
            blank = codes[(len(codes) + 1) // 2 :] if quarter == CURRENT and status == State.DRAFT else []
            for code in codes:
                if code in unavailable:
                    values[code] = DemoValue(
                        not_available_reason=NotAvailableReason.OPERATIONAL_PRESSURE,
                        expected_on=expected_on,
                        commentary=PRESSURE_COMMENTARY,
                    )
                    continue
                if code in blank:
                    values[code] = DemoValue()
                    continue
                numerator, denominator, value = series[(agency, code, quarter.label)]
                commentary = COMMENTARY.get((agency, code, quarter.label)) or COMMENTARY.get((agency, code, "*"), "")
                info = units[code]
                checked = validation.ValueInput(
                    code=code,
                    title=code,
                    unit=info.unit,
                    numerator=numerator,
                    denominator=denominator,
                    value=value,
                    allow_negative=info.allow_negative,
                    tolerance=info.tolerance,
                )
                past = earlier[code]
                history = validation.ValueHistory(previous=past[-1] if past else None, earlier=tuple(past))
                if status == State.ACCEPTED and not commentary:
                    queries = {p.code for p in validation.check_value(checked, history)}
                    commentary = " ".join(QUERY_COMMENTARY[q] for q in sorted(queries) if q in QUERY_COMMENTARY)
                computed = validation.computed_value(checked)
                if computed is not None:
                    past.append(computed)
                values[code] = DemoValue(numerator, denominator, value, commentary=commentary)
            plan[(agency, quarter.label)] = DemoReturn(status, values)
    return plan


# --- writing it ---------------------------------------------------------------------------------------------------


def _working_day(day: date, latest: date) -> date:
    while day.weekday() >= 5 and day < latest:
        day += timedelta(days=1)
    return day


def _at(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(9, 16), rng.randint(0, 59)), tzinfo=timezone.get_current_timezone())


def _timestamps(rng: random.Random, period: ReportingPeriod, today: date) -> tuple[datetime, datetime]:
    """(submitted, reviewed) within the collection window; for the open quarter, in the days before today."""
    latest = period.due_on if period.as_quarter != CURRENT else max(period.opens_on, today - timedelta(days=1))
    earliest = max(period.opens_on, latest - timedelta(days=30))
    submitted = _working_day(earliest + timedelta(days=rng.randint(0, (latest - earliest).days)), latest)
    reviewed_by = period.locks_on - timedelta(days=1) if period.as_quarter != CURRENT else max(submitted, latest)
    reviewed = _working_day(min(reviewed_by, submitted + timedelta(days=rng.randint(1, 6))), reviewed_by)
    submitted_at = _at(rng, submitted)
    # Never reviewed before it was submitted, even when both fall on the same day.
    return submitted_at, max(_at(rng, reviewed), submitted_at + timedelta(hours=rng.randint(1, 3)))


def _seed_periods(today: date, analyst: User | None) -> tuple[dict[Quarter, ReportingPeriod], int, int]:
    existing = {p.as_quarter: p for p in ReportingPeriod.objects.all()}
    current_dates = (periods.default_dates(CURRENT)[0], today + timedelta(days=10), today + timedelta(days=40))
    note = (
        f"Demo: {CURRENT.label} is kept open so the demo can be used today. Its due and lock dates were set "
        f"relative to the day the demo was loaded ({today:%d %B %Y}): due in 10 days, locking 30 days later."
    )
    missing = []
    for quarter in QUARTERS:
        if quarter in existing:
            continue
        opens, due, locks = current_dates if quarter == CURRENT else periods.default_dates(quarter)
        missing.append(
            ReportingPeriod(
                year=quarter.year,
                quarter=quarter.number,
                opens_on=opens,
                due_on=due,
                locks_on=locks,
                note=note if quarter == CURRENT else "",
            )
        )
    if missing:
        bulk_create_with_history(
            missing,
            ReportingPeriod,
            default_user=analyst,
            default_change_reason=CHANGE_REASON,
            custom_historical_attrs=history_attrs(source=HistorySource.SYSTEM),
        )
    updated = 0
    current = existing.get(CURRENT)
    if current and ((current.due_on, current.locks_on) != current_dates[1:] or current.note != note):
        # Re-run on another day: the open demo quarter stays open, due in ten days.
        current.due_on, current.locks_on = current_dates[1:]
        current.note = note
        record_as(current, user=analyst, source=HistorySource.SYSTEM, reason=f"{CHANGE_REASON}: due in ten days")
        current.save(update_fields=["due_on", "locks_on", "note"])
        updated = 1
    by_quarter = {p.as_quarter: p for p in ReportingPeriod.objects.filter(year__in={q.year for q in QUARTERS})}
    return by_quarter, len(missing), updated


def indicator_infos(agencies: Iterable[Agency]) -> list[IndicatorInfo]:
    """The active catalogue as plain data, limited to the given agencies as suppliers."""
    short = {a.pk: a.short_name for a in agencies}
    return [
        IndicatorInfo(
            code=i.code,
            unit=i.unit,
            suppliers=tuple(sorted(short[s.pk] for s in i.suppliers.all() if s.pk in short)),
            tolerance=i.tolerance_pct,
            allow_negative=i.allow_negative,
        )
        for i in Indicator.objects.filter(active=True).prefetch_related("suppliers").order_by("code")
    ]


@transaction.atomic
def seed_returns(*, today: date) -> dict[str, Any]:
    """Create the demo quarters, returns and values. Safe to run twice: an existing return is left alone.

    Needs the agencies, their leads, the analyst and the indicator catalogue. Returns what it created.
    """
    agencies = list(Agency.objects.filter(active=True).order_by("short_name"))
    analyst = User.objects.filter(username="analyst").first() or User.objects.filter(role=Role.ANALYST).first()
    leads: dict[int, User] = {}
    for lead in User.objects.filter(role=Role.AGENCY_LEAD, is_active=True, agency__in=agencies).order_by("pk"):
        leads.setdefault(lead.agency_id, lead)
    by_quarter, periods_created, periods_updated = _seed_periods(today, analyst)

    infos = indicator_infos(agencies)
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=[i.code for i in infos])}
    plan = demo_plan(infos, [a.short_name for a in agencies])
    existing = set(Return.objects.values_list("agency_id", "period_id"))
    rng = random.Random(SEED)  # noqa: S311 - demo timestamps, not security

    new_returns: list[Return] = []
    for agency in agencies:
        lead = leads.get(agency.pk)
        for quarter in QUARTERS:
            demo = plan.get((agency.short_name, quarter.label))
            period = by_quarter[quarter]
            if demo is None or (agency.pk, period.pk) in existing:
                continue
            submitted, reviewed = _timestamps(rng, period, today)
            ret = Return(agency=agency, period=period, status=demo.status, updated_by=lead)
            if demo.status == State.ACCEPTED:
                ret.submitted_at, ret.submitted_by = submitted, lead
                ret.reviewed_at, ret.reviewed_by = reviewed, analyst
                ret.updated_by = analyst
                ret._history_user, ret._history_date = analyst, reviewed
                # Submitted only with the lead's sign-off, as return_submit insists: the demo's one record says so.
                ret._change_reason = f"{CHANGE_REASON}: {sign_off_note(lead)}" if lead else CHANGE_REASON
            else:
                ret._history_user, ret._history_date = lead, submitted
            new_returns.append(ret)
    if new_returns:
        bulk_create_with_history(
            new_returns,
            Return,
            default_user=analyst,
            default_change_reason=CHANGE_REASON,
            custom_historical_attrs=history_attrs(source=HistorySource.SYSTEM),
        )

    # Re-read: not every database hands back the new primary keys from a bulk insert.
    created = {(r.agency_id, r.period_id): r for r in new_returns}
    saved = Return.objects.filter(agency__in=agencies, period__in=by_quarter.values()).select_related(
        "agency", "period"
    )
    new_values: list[ReturnValue] = []
    touched: list[Return] = []
    for ret in saved:
        made = created.get((ret.agency_id, ret.period_id))
        if made is None:
            continue
        demo = plan[(ret.agency.short_name, ret.period.label)]
        when = made.submitted_at or made._history_date
        # Timestamps as the lead would have left them, not the moment the demo was loaded.
        opened = datetime.combine(ret.period.opens_on, time(9), tzinfo=when.tzinfo)
        ret.created_at = max(opened, when - timedelta(days=rng.randint(2, 12)))
        ret.updated_at = made.reviewed_at or when
        touched.append(ret)
        for code, value in demo.values.items():
            row = ReturnValue(
                ret=ret,
                indicator=indicators[code],
                numerator=value.numerator,
                denominator=value.denominator,
                value=value.value,
                not_available_reason=value.not_available_reason,
                expected_on=value.expected_on,
                commentary=value.commentary,
            )
            row._history_user, row._history_date = leads.get(ret.agency_id), when
            new_values.append(row)
    if touched:
        Return.objects.bulk_update(touched, ["created_at", "updated_at"])
    if new_values:
        bulk_create_with_history(
            new_values,
            ReturnValue,
            default_user=analyst,
            default_change_reason=CHANGE_REASON,
            custom_historical_attrs=history_attrs(source=HistorySource.SYSTEM),
        )
    return {
        "periods": periods_created,
        "periods_updated": periods_updated,
        "returns": len(new_returns),
        "values": len(new_values),
    }


# The analyst's relationship checks in the demo: (indicator, compared with, at least, why, question).
DEMO_CHECKS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "N01",
        "N16",
        "0.5",
        # The reasoning of the 2020 report, which found 350 neglect referrals of 3,024.
        "Neglect is the category of most child protection plans, so a much smaller share of referrals under neglect "
        "suggests it is being recorded under another presenting factor at the front door (the 2020 report: 350 of "
        "3,024 referrals).",
        "Is neglect being recorded as the presenting factor at referral, or under another category?",
    ),
)


def seed_relationship_checks() -> int:
    """The demo's relationship checks; a pair that already has a check is left as the analyst has it. Returns how
    many were created."""
    indicators = Indicator.objects.in_bulk([code for row in DEMO_CHECKS for code in row[:2]], field_name="code")
    created = 0
    for code, other, at_least, why, question in DEMO_CHECKS:
        if code not in indicators or other not in indicators:
            continue
        if RelationshipCheck.objects.filter(indicator=indicators[code], compared_with=indicators[other]).exists():
            continue
        catalogue_services.relationship_check_save(
            check=None,
            fields={
                "indicator": indicators[code],
                "compared_with": indicators[other],
                "at_least": Decimal(at_least),
                "why": why,
                "question": question,
            },
            acting_user=None,
            source=HistorySource.SYSTEM,
            reason=CHANGE_REASON,
        )
        created += 1
    return created


# The process changes the demo's story implies (SPC phases, issue 12): (indicator, first quarter of the new phase, why).
# The Neglect Strategy and the agencies' action plans start in April 2019, the baseline quarter: child protection plans
# under neglect turn from rising to falling (N16) and Early Help's neglect training takes off (N26) from then. The first
# lockdown, 2020-21 Q1, brings Children's Social Care's impact chronology drive (N09) and stops community health's
# dental checks and GCP2 work (N07, N24, N34). Only these: a change is recorded because something is known to have
# changed, not wherever a series happens to move.
STRATEGY_LAUNCH = Quarter(2019, 1)
LOCKDOWN = Quarter(2020, 1)
DEMO_PROCESS_CHANGES: tuple[tuple[str, Quarter, str], ...] = (
    ("N16", STRATEGY_LAUNCH, "Neglect Strategy launched"),
    ("N26", STRATEGY_LAUNCH, "Neglect Strategy launched"),
    ("N07", LOCKDOWN, "COVID-19 lockdown"),
    ("N09", LOCKDOWN, "COVID-19 lockdown"),
    ("N24", LOCKDOWN, "COVID-19 lockdown"),
    ("N34", LOCKDOWN, "COVID-19 lockdown"),
)


def seed_process_changes() -> int:
    """The demo's process changes, recorded as the analyst; a quarter that already has one is left as it is. Returns
    how many were recorded."""
    analyst = User.objects.filter(username="analyst").first()
    indicators = Indicator.objects.in_bulk([code for code, _, _ in DEMO_PROCESS_CHANGES], field_name="code")
    years = {quarter.year for _, quarter, _ in DEMO_PROCESS_CHANGES}
    by_quarter = {p.as_quarter: p for p in ReportingPeriod.objects.filter(year__in=years)}
    recorded = 0
    for code, quarter, reason in DEMO_PROCESS_CHANGES:
        indicator, period = indicators.get(code), by_quarter.get(quarter)
        if indicator is None or period is None:
            continue
        if ProcessChange.objects.filter(indicator=indicator, period=period).exists():
            continue
        catalogue_services.process_change_record(
            indicator=indicator, period=period, reason=reason, acting_user=analyst, source=HistorySource.SYSTEM
        )
        recorded += 1
    return recorded


def seed_snapshot() -> DatasetSnapshot:
    """Build and publish the demo's dataset, with 2019-20 Q1 as the strategy's baseline quarter and the demo's
    relationship checks."""
    from .build import services as dataset_services

    seed_relationship_checks()
    seed_process_changes()  # before the build, so its limits are per phase
    analyst = User.objects.filter(username="analyst").first()
    settings_row = DatasetSettings.load()
    if settings_row.baseline is None:
        baseline = ReportingPeriod.objects.filter(year=2019, quarter=1).first()
        if baseline is not None:
            dataset_services.dataset_settings_update(baseline=baseline, acting_user=analyst)
    snapshot = dataset_services.dataset_build(trigger="seed_demo")
    if analyst is not None and snapshot.published_at is None:
        snapshot = dataset_services.snapshot_publish(snapshot=snapshot, acting_user=analyst)
    return snapshot
