"""Behaviour of the demo returns: seventeen believable quarters that end mid-collection with the report's figures."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal

import pytest

from agencies import demo as agencies_demo
from agencies.models import Agency
from dataset.catalogue.loader import DEMO_CATALOGUE, load_demo_catalogue
from dataset.catalogue.periods import Quarter, default_dates
from dataset.demo import CURRENT, QUARTERS, IndicatorInfo, demo_plan, demo_series, seed_returns
from dataset.models import HistorySource, NotAvailableReason, ReportingPeriod, Return, ReturnValue
from dataset.returns import validation
from dataset.returns.services import sign_off_note
from neglect_portal.lifecycle import State

TODAY = date(2020, 7, 14)
NOW = "2020-21 Q1"
YEAR_EARLIER = "2019-20 Q1"
DEMO_AGENCIES = tuple(row[1] for row in agencies_demo.AGENCIES)


def catalogue_infos() -> list[IndicatorInfo]:
    """The shipped catalogue as the demo's plain data, read straight from the CSV: no database."""
    with DEMO_CATALOGUE.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        IndicatorInfo(
            code=row["code"],
            unit=row["unit"],
            suppliers=DEMO_AGENCIES if row["supplied_by"] == "all" else tuple(row["supplied_by"].split(";")),
            tolerance=Decimal(row["tolerance_pct"] or "25"),
            allow_negative=row["allow_negative"] == "yes",
        )
        for row in rows
    ]


@pytest.fixture
def partnership(db):
    agencies_demo.seed_partnership()
    load_demo_catalogue()


@pytest.fixture
def seeded(partnership):
    return seed_returns(today=TODAY)


def stored(agency: str, code: str, label: str) -> ReturnValue:
    quarter = Quarter.parse(label)
    return ReturnValue.objects.get(
        ret__agency__short_name=agency,
        ret__period__year=quarter.year,
        ret__period__quarter=quarter.number,
        indicator__code=code,
    )


def value_input(v: ReturnValue) -> validation.ValueInput:
    return validation.ValueInput(
        code=v.indicator.code,
        title=v.indicator.title,
        unit=v.indicator.unit,
        numerator=v.numerator,
        denominator=v.denominator,
        value=v.value,
        not_available_reason=v.not_available_reason,
        commentary=v.commentary,
        allow_negative=v.indicator.allow_negative,
    )


def pct(value: ReturnValue) -> Decimal:
    return 100 * Decimal(value.numerator) / Decimal(value.denominator)


def snapshot() -> dict[str, object]:
    return {
        "periods": list(ReportingPeriod.objects.values_list("year", "quarter", "opens_on", "due_on", "locks_on")),
        "returns": list(Return.objects.order_by("pk").values_list("agency_id", "period_id", "status", "version")),
        "values": list(
            ReturnValue.objects.order_by("pk").values_list(
                "ret_id", "indicator_id", "numerator", "denominator", "value", "not_available_reason", "commentary"
            )
        ),
        "history": (
            ReportingPeriod.history.count(),
            Return.history.count(),
            ReturnValue.history.count(),
        ),
    }


# --- the database -------------------------------------------------------------------------------------------------
def test_it_is_safe_to_run_twice_and_the_second_run_changes_nothing(seeded):
    before = snapshot()
    again = seed_returns(today=TODAY)
    assert snapshot() == before
    assert again == {"periods": 0, "periods_updated": 0, "returns": 0, "values": 0}
    assert seeded["periods"] == 17
    assert seeded["returns"] == Return.objects.count() == 9 * 17 - 1
    assert seeded["values"] == ReturnValue.objects.count()


def test_it_creates_seventeen_quarters_and_keeps_2020_21_q1_open_from_today(seeded):
    found = [p.label for p in ReportingPeriod.objects.all()]
    assert found == [q.label for q in QUARTERS]
    assert (found[0], found[-1]) == ("2016-17 Q1", "2020-21 Q1")
    current = ReportingPeriod.objects.get(year=2020, quarter=1)
    assert current.opens_on == date(2020, 7, 1)
    assert current.due_on == TODAY + timedelta(days=10)
    assert current.locks_on == current.due_on + timedelta(days=30)
    assert current.note.startswith("Demo: 2020-21 Q1 is kept open so the demo can be used today")
    earlier = ReportingPeriod.objects.get(year=2019, quarter=4)
    assert (earlier.opens_on, earlier.due_on, earlier.locks_on) == default_dates(Quarter(2019, 4))


def test_a_run_on_another_day_moves_only_the_open_quarters_dates(seeded):
    counts = (Return.objects.count(), ReturnValue.objects.count())
    later = TODAY + timedelta(days=100)
    summary = seed_returns(today=later)
    current = ReportingPeriod.objects.get(year=2020, quarter=1)
    assert (current.due_on, current.locks_on) == (later + timedelta(days=10), later + timedelta(days=40))
    assert summary["periods_updated"] == 1 and summary["returns"] == 0
    assert (Return.objects.count(), ReturnValue.objects.count()) == counts
    assert current.history.latest().history_source == HistorySource.SYSTEM


def test_every_return_before_2020_21_q1_was_submitted_by_the_lead_and_accepted_by_the_analyst(seeded):
    earlier = Return.objects.exclude(period__year=2020).select_related(
        "period", "agency", "submitted_by", "reviewed_by"
    )
    assert earlier.count() == 9 * 16
    for ret in earlier:
        assert ret.status == State.ACCEPTED
        assert ret.submitted_by.agency_id == ret.agency_id
        assert ret.reviewed_by.username == "analyst"
        assert (ret.version, ret.revision) == (1, 1)
        assert ret.period.opens_on <= ret.submitted_at.date() <= ret.period.due_on
        assert ret.submitted_at < ret.reviewed_at
        assert ret.reviewed_at.date() < ret.period.locks_on


def test_2020_21_q1_is_mid_collection(seeded):
    statuses = dict(Return.objects.filter(period__year=2020).values_list("agency__short_name", "status"))
    assert "CCG" not in statuses
    assert statuses.pop("Police") == statuses.pop("EDU") == State.DRAFT
    assert set(statuses) == {"CSC", "EH", "SCFT", "SPFT", "CVS", "WSSCP"}
    assert set(statuses.values()) == {State.ACCEPTED}

    for short in ("Police", "EDU"):
        draft = Return.objects.get(agency__short_name=short, period__year=2020)
        assert draft.submitted_at is None and draft.reviewed_at is None
        values = list(draft.values.all())
        blank = [v for v in values if not (v.numerator or v.denominator or v.value)]
        assert 0 < len(blank) < len(values)
        assert not any(v.not_available_reason for v in values)

    for ret in Return.objects.filter(period__year=2020, status=State.ACCEPTED).select_related("period"):
        assert ret.period.opens_on <= ret.submitted_at.date() <= ret.reviewed_at.date() < TODAY

    scft = ReturnValue.objects.filter(ret__agency__short_name="SCFT", ret__period__year=2020)
    missing = scft.exclude(not_available_reason="")
    assert missing.count() >= 2
    for value in missing:
        assert value.not_available_reason == NotAvailableReason.OPERATIONAL_PRESSURE
        assert (value.numerator, value.denominator, value.value) == ("", "", "")
        assert value.commentary.startswith("Operational pressure due to Covid-19")
        assert value.expected_on == date(2020, 10, 20)


def test_every_return_has_a_value_for_each_indicator_its_agency_supplies(seeded):
    for agency in Agency.objects.all():
        expected = set(agency.indicators.filter(active=True).values_list("code", flat=True))
        for ret in agency.returns.all():
            assert set(ret.values.values_list("indicator__code", flat=True)) == expected


def test_the_demo_is_recorded_in_history(seeded):
    ret = Return.objects.get(agency__short_name="CSC", period__year=2016, period__quarter=1)
    record = ret.history.get()
    assert record.history_source == HistorySource.SYSTEM
    # Accepted, so submitted: with the lead's sign-off, named, as return_submit insists.
    lead = ret.submitted_by
    assert lead is not None and lead.agency_id == ret.agency_id
    assert record.history_change_reason == f"demo data: {sign_off_note(lead)}"
    assert record.history_user.username == "analyst"
    assert ReturnValue.history.count() == ReturnValue.objects.count()


def test_it_reproduces_the_reports_figures(seeded):
    n16 = stored("CSC", "N16", NOW)
    assert pct(n16) == Decimal("62.5")
    assert round(pct(stored("CSC", "N18", NOW)), 1) == Decimal("35.7")
    n01 = stored("CSC", "N01", NOW)
    assert (n01.numerator, n01.denominator) == ("350", "3024")
    assert stored("CSC", "N08", NOW).value == "191"
    n27 = stored("WSSCP", "N27", NOW)
    assert (n27.numerator, n27.denominator) == ("180", "800")
    assert pct(stored("EH", "N26", NOW)) == 64
    assert pct(stored("EH", "N26", YEAR_EARLIER)) == 42
    assert stored("CSC", "N28", NOW).value == "24"
    rise = pct(stored("CSC", "N29", NOW)) - pct(stored("CSC", "N29", YEAR_EARLIER))
    assert Decimal("3.5") <= rise <= Decimal("4.5")


def test_neglect_cp_plans_have_fallen_in_number_and_share_over_the_year(seeded):
    now, before = stored("CSC", "N16", NOW), stored("CSC", "N16", YEAR_EARLIER)
    assert int(now.numerator) < int(before.numerator)
    assert pct(now) < pct(before)
    shares = [pct(stored("CSC", "N16", q.label)) for q in QUARTERS[-6:]]
    assert shares == sorted(shares, reverse=True)
    assert shares[0] >= 69


def test_every_accepted_value_is_valid(seeded):
    accepted = ReturnValue.objects.filter(ret__status=State.ACCEPTED).select_related("indicator")
    assert accepted.count() > 1000
    for v in accepted:
        if not (v.numerator or v.denominator or v.value):
            assert v.not_available_reason, v
            continue
        unit = v.indicator.unit
        if unit == "count":
            assert v.value.isdigit(), v  # whole and not negative
        elif unit in ("percentage", "rate_per_10k"):
            assert 0 <= int(v.numerator) <= int(v.denominator), v
        else:
            assert int(v.denominator) > 0, v
        errors = [p for p in validation.check_value(value_input(v)) if p.kind == validation.ERROR]
        assert errors == [], v


# --- the pure figures ---------------------------------------------------------------------------------------------
def test_the_series_is_the_same_every_time():
    infos = catalogue_infos()
    assert demo_series(infos) == demo_series(infos)
    assert demo_plan(infos, DEMO_AGENCIES) == demo_plan(infos, DEMO_AGENCIES)


def figure(series: dict, agency: str, code: str, label: str) -> Decimal:
    numerator, denominator, value = series[(agency, code, label)]
    return Decimal(value) if value else Decimal(numerator) / Decimal(denominator)


def test_the_series_covers_every_supplier_and_quarter_with_plausible_means():
    infos = catalogue_infos()
    series = demo_series(infos)
    assert len(series) == sum(len(i.suppliers) for i in infos) * 17
    for q in QUARTERS:
        assert 280 < figure(series, "CSC", "N20", q.label) < 420  # days
        assert 2 <= figure(series, "WSSCP", "N33", q.label) <= 3  # confidence points gained
        assert Decimal("-1.2") <= figure(series, "EH", "N34", q.label) <= Decimal("-0.5")  # GCP2 grades
    assert any("." in series[("WSSCP", "N33", q.label)][0] for q in QUARTERS)


def test_most_quarter_on_quarter_changes_are_within_a_quarter():
    infos = catalogue_infos()
    series = demo_series(infos)
    changes = []
    for info in infos:
        if info.code == "N27":  # year to date: it starts again every April
            continue
        for agency in info.suppliers:
            path = [figure(series, agency, info.code, q.label) for q in QUARTERS]
            changes += [abs(b - a) / abs(a) for a, b in zip(path, path[1:], strict=False) if a]
    assert sum(change <= Decimal("0.25") for change in changes) / len(changes) > Decimal("0.9")


def test_every_accepted_value_in_the_plan_would_pass_submission_and_drafts_are_half_done():
    infos = catalogue_infos()
    units = {i.code: i for i in infos}
    plan = demo_plan(infos, DEMO_AGENCIES)
    assert ("CCG", CURRENT.label) not in plan
    assert plan[("CCG", "2019-20 Q4")].status == State.ACCEPTED
    for agency in DEMO_AGENCIES:
        past: dict[str, list[Decimal]] = {}
        for quarter in QUARTERS:
            demo = plan.get((agency, quarter.label))
            if demo is None or demo.status != State.ACCEPTED:
                continue
            for code, v in demo.values.items():
                checked = validation.ValueInput(
                    code,
                    code,
                    units[code].unit,
                    v.numerator,
                    v.denominator,
                    v.value,
                    v.not_available_reason,
                    v.commentary,
                    allow_negative=units[code].allow_negative,
                    tolerance=units[code].tolerance,
                )
                earlier = past.setdefault(code, [])
                history = validation.ValueHistory(previous=earlier[-1] if earlier else None, earlier=tuple(earlier))
                blocking = [p for p in validation.check_value(checked, history) if p.blocking]
                assert blocking == [], (agency, code, quarter.label)
                if (current := validation.computed_value(checked)) is not None:
                    earlier.append(current)
    for agency in ("Police", "EDU"):
        draft = plan[(agency, CURRENT.label)]
        assert draft.status == State.DRAFT
        assert 0 < sum(v.is_blank for v in draft.values.values()) < len(draft.values)
