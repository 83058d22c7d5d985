"""The completeness counting, alone: plain data in, plain data out."""

from __future__ import annotations

from datetime import date

import pytest

from dataset.tracker import completeness as c
from dataset.tracker.completeness import AgencyFacts, Counts, Figures, QuarterFacts, ReturnFacts

DUE = date(2020, 7, 28)


@pytest.mark.parametrize(
    ("figures", "is_ratio", "state"),
    [
        (Figures(numerator="150", denominator="420"), True, c.PRESENT),
        (Figures(numerator="0", denominator="0"), True, c.PRESENT),  # zero is a value
        (Figures(numerator="150"), True, c.MISSING),  # half a ratio is not a value
        (Figures(value="24"), False, c.PRESENT),
        (Figures(value="0"), False, c.PRESENT),
        (Figures(value="  "), False, c.MISSING),
        (Figures(not_available_reason="system_change"), False, c.NOT_AVAILABLE),
        (Figures(value="24", not_available_reason="other"), False, c.NOT_AVAILABLE),
        (None, False, c.MISSING),
    ],
)
def test_each_value_is_present_not_available_or_missing(figures, is_ratio, state):
    assert c.value_state(figures, is_ratio=is_ratio) == state


def test_it_counts_only_the_indicators_the_agency_is_expected_to_supply():
    expected = {"N01": False, "N02": True, "N03": False, "N04": False}
    values = {
        "N01": Figures(value="3"),
        "N02": Figures(numerator="1", denominator="4"),
        "N03": Figures(not_available_reason="not_collected"),
        "N99": Figures(value="7"),  # retired since: not expected, not counted
    }
    counts = c.count_values(expected, values)
    assert counts == Counts(present=2, not_available=1, missing=1)
    assert counts.words == "2 of 4 present, 1 not available, 1 missing"
    assert counts.percent_present == 50


@pytest.mark.parametrize(
    ("today", "words"),
    [
        (date(2020, 7, 25), "due in 3 days"),
        (date(2020, 7, 27), "due tomorrow"),
        (date(2020, 7, 28), "due today"),
        (date(2020, 7, 29), "1 day overdue"),
        (date(2020, 8, 2), "5 days overdue"),
    ],
)
def test_the_due_date_is_put_into_words(today, words):
    assert c.due_in_words(DUE, today) == words


def test_a_cell_is_overdue_only_after_the_due_date_and_only_until_submitted():
    draft = ReturnFacts(status="draft")
    assert not c.cell(expected={}, ret=draft, due_on=DUE, today=DUE).overdue
    late = c.cell(expected={}, ret=draft, due_on=DUE, today=date(2020, 7, 29))
    assert (late.overdue, late.css, late.words) == (True, "overdue", "Overdue: draft")
    missing = c.cell(expected={}, ret=None, due_on=DUE, today=date(2020, 7, 29))
    assert (missing.css, missing.words) == ("overdue", "Overdue: not started")
    returned = c.cell(expected={}, ret=ReturnFacts(status="returned"), due_on=DUE, today=date(2020, 7, 29))
    assert returned.words == "Overdue: returned for changes"
    for status in ("submitted", "accepted"):
        done = c.cell(expected={}, ret=ReturnFacts(status=status), due_on=DUE, today=date(2020, 9, 1))
        assert not done.overdue and done.css == status


def test_on_time_is_the_first_submission_by_the_due_date():
    def on_time(first):
        ret = ReturnFacts(status="submitted", first_submitted_on=first)
        return c.cell(expected={}, ret=ret, due_on=DUE, today=date(2020, 9, 1)).on_time

    assert on_time(date(2020, 7, 28)) is True
    assert on_time(date(2020, 7, 29)) is False
    assert on_time(None) is False


def test_a_small_partnership_by_hand():
    """Three agencies, two quarters. Q1 (due 28 July) seen on 5 August; Q4 (due 29 April) long past.

    Q1: CSC submitted on time with 3 of 4 present and 1 not available; Police is a late draft with 1 of 2 present;
        Early Help has not started (1 missing).        -> 1 of 3 on time; 4 of 7 present.
    Q4: CSC accepted (first submitted 20 April), all 4 present; Police submitted 30 April (late), both present;
        Early Help submitted 29 April, its one value present.  -> 2 of 3 on time; 7 of 7 present.
    """
    csc = AgencyFacts(1, "Children's Social Care", {"N01": False, "N02": True, "N03": False, "N04": False})
    police = AgencyFacts(2, "Sussex Police", {"N01": False, "N05": False})
    early_help = AgencyFacts(3, "Early Help", {"N01": False})
    q1, q4 = QuarterFacts(10, "2020-21 Q1", DUE), QuarterFacts(9, "2019-20 Q4", date(2020, 4, 29))
    all_four = {
        "N01": Figures(value="3"),
        "N02": Figures(numerator="1", denominator="4"),
        "N03": Figures(value="0"),
        "N04": Figures(value="12"),
    }
    returns = {
        (1, 10): ReturnFacts(
            "submitted", date(2020, 7, 27), {**all_four, "N04": Figures(not_available_reason="system_change")}
        ),
        (2, 10): ReturnFacts("draft", None, {"N01": Figures(value="5")}),
        (1, 9): ReturnFacts("accepted", date(2020, 4, 20), all_four),
        (2, 9): ReturnFacts("submitted", date(2020, 4, 30), {"N01": Figures(value="1"), "N05": Figures(value="2")}),
        (3, 9): ReturnFacts("submitted", date(2020, 4, 29), {"N01": Figures(value="9")}),
    }
    grid = c.grid(agencies=[csc, police, early_help], quarters=[q1, q4], returns=returns, today=date(2020, 8, 5))

    assert [[cell.words for cell in row.cells] for row in grid.rows] == [
        ["Submitted", "Accepted"],
        ["Overdue: draft", "Submitted"],
        ["Overdue: not started", "Submitted"],
    ]
    assert [[cell.counts.words for cell in row.cells] for row in grid.rows] == [
        ["3 of 4 present, 1 not available", "4 of 4 present"],
        ["1 of 2 present, 1 missing", "2 of 2 present"],
        ["0 of 1 present, 1 missing", "1 of 1 present"],
    ]
    first, fourth = grid.totals
    assert (first.on_time, first.expected_agencies, first.on_time_percent) == (1, 3, 33)
    assert first.on_time_words == "1 of 3 on time (33%)"
    assert first.counts == Counts(present=4, not_available=1, missing=2)
    assert first.completeness_words == "4 of 7 values present (57%)"
    assert fourth.on_time_words == "2 of 3 on time (67%)"
    assert fourth.completeness_words == "7 of 7 values present (100%)"


def test_nothing_expected_divides_by_nothing():
    empty = c.totals([])
    assert (empty.on_time_percent, empty.completeness_percent) == (None, None)
    assert empty.on_time_words == "no returns expected"
    assert empty.completeness_words == "no values expected"


def _nine_agencies(due_on: date, today: date, submitted_on: list[date]) -> c.Totals:
    """Nine expected agencies; the first len(submitted_on) first submitted on those dates, the rest not at all."""
    cells = [
        c.cell(expected={}, ret=ReturnFacts(status="submitted", first_submitted_on=day), due_on=due_on, today=today)
        for day in submitted_on
    ]
    cells += [c.cell(expected={}, ret=None, due_on=due_on, today=today) for _ in range(9 - len(submitted_on))]
    return c.totals(cells, due_on=due_on, today=today)


def test_before_the_due_date_there_is_no_on_time_rate_only_how_long_is_left():
    due = date(2020, 7, 15)
    early = [date(2020, 7, 1), date(2020, 7, 3)]
    ten_days_before = _nine_agencies(due, date(2020, 7, 5), early)
    assert ten_days_before.on_time_words == "Due in 10 days (15 July 2020): 2 of 9 submitted so far"
    assert ten_days_before.on_time_percent is None
    assert _nine_agencies(due, date(2020, 7, 14), early).on_time_words.startswith("Due tomorrow (15 July 2020)")
    assert _nine_agencies(due, due, early).on_time_words == "Due today (15 July 2020): 2 of 9 submitted so far"


def test_after_the_due_date_on_time_is_submitted_by_it_over_every_expected_agency():
    due = date(2020, 7, 15)
    # Seven were in by the due date and one a day late; one has still not submitted.
    days = [date(2020, 7, 10)] * 6 + [due, date(2020, 7, 16)]
    after = _nine_agencies(due, date(2020, 7, 16), days)
    assert (after.on_time, after.submitted, after.expected_agencies) == (7, 8, 9)
    assert after.on_time_words == "7 of 9 on time (78%)"
    assert after.on_time_percent == 78


def test_totals_without_a_due_date_give_the_rate_as_it_stands():
    cells = [c.cell(expected={}, ret=ReturnFacts("submitted", DUE), due_on=DUE, today=DUE)]
    assert c.totals(cells).on_time_words == "1 of 1 on time (100%)"
