"""Behaviour of the pure validation rules for one agency's quarterly return. No database."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataset.returns.validation import (
    NOT_AVAILABLE_REASONS,
    RULES,
    UNITS,
    Problem,
    Problems,
    ValueHistory,
    ValueInput,
    check_return,
    check_value,
    computed_value,
    parse_number,
)

D = Decimal


def percentage(numerator: str = "100", denominator: str = "400", **kwargs: object) -> ValueInput:
    defaults: dict[str, object] = {
        "code": "N18",
        "title": "Neglect CIN plans open more than 12 months",
        "unit": "percentage",
        "numerator": numerator,
        "denominator": denominator,
        "numerator_label": "Open more than 12 months",
        "denominator_label": "Open neglect CIN plans",
    }
    return ValueInput(**{**defaults, **kwargs})  # type: ignore[arg-type]


def count(value: str = "120", **kwargs: object) -> ValueInput:
    defaults: dict[str, object] = {"code": "N01", "title": "Referrals citing neglect", "unit": "count", "value": value}
    return ValueInput(**{**defaults, **kwargs})  # type: ignore[arg-type]


def rate(numerator: str = "40", denominator: str = "10000", **kwargs: object) -> ValueInput:
    defaults: dict[str, object] = {
        "code": "N05",
        "title": "Children on a neglect plan per 10,000",
        "unit": "rate_per_10k",
        "numerator": numerator,
        "denominator": denominator,
        "numerator_label": "Children on a plan",
        "denominator_label": "Child population",
    }
    return ValueInput(**{**defaults, **kwargs})  # type: ignore[arg-type]


def mean(numerator: str = "123", denominator: str = "10", **kwargs: object) -> ValueInput:
    defaults: dict[str, object] = {
        "code": "N22",
        "title": "Mean days from referral to plan",
        "unit": "mean",
        "numerator": numerator,
        "denominator": denominator,
        "numerator_label": "Total days",
        "denominator_label": "Children",
    }
    return ValueInput(**{**defaults, **kwargs})  # type: ignore[arg-type]


def codes(problems: list[Problem] | Problems) -> list[str]:
    return [p.code for p in problems]


def only(problems: list[Problem], code: str) -> Problem:
    matching = [p for p in problems if p.code == code]
    assert len(matching) == 1, problems
    return matching[0]


# --- parse_number ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3,024", D("3024")),
        ("1,234,567", D("1234567")),
        (" 12 ", D("12")),
        ("1.5", D("1.5")),
        ("-3", D("-3")),
        ("0", D("0")),
        ("-0", D("0")),
        ("+7", D("7")),
        (".5", D("0.5")),
        ("3,024.50", D("3024.50")),
        ("\t42\n", D("42")),
    ],
)
def test_it_parses_figures_as_typed(text: str, expected: Decimal) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_it_treats_blank_text_as_no_figure(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "12%",
        "1e5",
        "3,02,4",
        "30,24",
        "1_000",
        "3 024",
        "-",
        ".",
        "1.2.3",
        "\u0663",
        "12 children",
        "1" * 100,
    ],
)
def test_it_rejects_text_that_is_not_a_plain_finite_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_it_reports_a_negative_zero_as_plain_zero() -> None:
    assert str(parse_number("-0")) == "0"


# --- computed_value -------------------------------------------------------------------------------------------------


def test_it_computes_a_count_as_the_figure() -> None:
    assert computed_value(count("1,256")) == D("1256")


def test_it_computes_a_percentage_of_the_denominator() -> None:
    assert computed_value(percentage("1", "8")) == D("12.5")


def test_it_computes_a_rate_per_ten_thousand() -> None:
    assert computed_value(rate("214", "50,000")) == D("42.8")


def test_it_computes_a_mean_as_total_over_count() -> None:
    assert computed_value(mean("123.5", "10")) == D("12.35")


def test_it_does_not_round_the_computed_value() -> None:
    assert computed_value(percentage("1", "3")) == 100 * D(1) / D(3)


@pytest.mark.parametrize(
    "v",
    [
        count(""),
        count("abc"),
        count("5", not_available_reason="not_collected"),
        percentage("", "10"),
        percentage("3", ""),
        percentage("3", "x"),
        percentage("3", "0"),
        percentage("0", "0"),
        mean("10", "0"),
        rate("1", "10", not_available_reason="system_change"),
    ],
)
def test_it_has_no_computed_value_when_one_cannot_be_worked_out(v: ValueInput) -> None:
    assert computed_value(v) is None


def test_it_counts_zero_as_a_value() -> None:
    assert computed_value(count("0")) == 0
    assert computed_value(percentage("0", "12")) == 0


def test_it_refuses_an_unknown_unit() -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        ValueInput(code="N01", title="Referrals", unit="ratio")


# --- a clean return -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("v", [count(), percentage(), rate(), mean(), mean("-12.5", "10", allow_negative=True)])
def test_it_finds_nothing_wrong_with_a_good_value(v: ValueInput) -> None:
    assert check_value(v) == []


@pytest.mark.parametrize("reason", list(NOT_AVAILABLE_REASONS))
def test_it_accepts_a_value_marked_not_available_with_no_figures(reason: str) -> None:
    assert check_value(percentage("", "", not_available_reason=reason)) == []
    assert check_value(count("", not_available_reason=reason)) == []


# --- V01 not a number -----------------------------------------------------------------------------------------------


def test_it_accepts_figures_with_thousands_separators() -> None:
    assert check_value(percentage("1,024", "3,024")) == []


def test_it_rejects_a_figure_that_is_not_a_number() -> None:
    problems = check_value(percentage("12%", "400"))
    assert codes(problems) == ["V01"]
    problem = problems[0]
    assert problem.field == "numerator"
    assert problem.blocking and problem.kind == "error"
    assert problem.message.startswith("N18 Neglect CIN plans open more than 12 months:")
    assert 'the numerator "Open more than 12 months" ("12%") is not a number' in problem.message
    assert "Enter digits only" in problem.message
    assert '"not available" reason' in problem.message


def test_it_does_not_pile_other_errors_on_a_figure_that_is_not_a_number() -> None:
    problems = check_value(percentage("-1.5x", "abc"))
    assert codes(problems) == ["V01", "V01"]
    assert [p.field for p in problems] == ["numerator", "denominator"]


def test_it_shortens_very_long_text_in_the_message() -> None:
    problem = only(check_value(count("x" * 500)), "V01")
    assert "x" * 39 + "\u2026" in problem.message
    assert "x" * 41 not in problem.message


# --- V02 negative ---------------------------------------------------------------------------------------------------


def test_it_accepts_zero_as_not_negative() -> None:
    assert check_value(count("0")) == []


def test_it_rejects_a_negative_count() -> None:
    problem = only(check_value(count("-3")), "V02")
    assert problem.field == "value"
    assert problem.message.startswith("N01 Referrals citing neglect:")
    assert "the figure is negative (-3)" in problem.message
    assert "check the sign and enter 0 or more" in problem.message


def test_it_rejects_a_negative_mean_total_unless_the_indicator_allows_it() -> None:
    assert codes(check_value(mean("-12.5", "10"))) == ["V02"]
    assert check_value(mean("-12.5", "10", allow_negative=True)) == []


@pytest.mark.parametrize("v", [count("-3"), percentage("-1", "10"), rate("-1", "10")])
def test_it_allows_negatives_only_on_a_mean_total(v: ValueInput) -> None:
    problems = check_value(replace(v, allow_negative=True))
    assert "V02" in codes(problems)


def test_it_never_allows_a_negative_denominator() -> None:
    problem = only(check_value(mean("10", "-4", allow_negative=True)), "V02")
    assert problem.field == "denominator"
    assert 'the denominator "Children" is negative (-4)' in problem.message


# --- V03 numerator above denominator --------------------------------------------------------------------------------


def test_it_accepts_a_numerator_equal_to_the_denominator() -> None:
    assert check_value(percentage("400", "400")) == []


def test_it_rejects_numerator_above_denominator() -> None:
    problems = check_value(percentage("412", "400"))
    assert codes(problems) == ["V03"]
    assert problems[0].field == "numerator"
    assert problems[0].message == (
        'N18 Neglect CIN plans open more than 12 months: the numerator "Open more than 12 months" (412) is larger '
        'than the denominator "Open neglect CIN plans" (400). Check both figures come from the same cohort.'
    )


def test_it_rejects_a_rate_numerator_above_its_population() -> None:
    problem = only(check_value(rate("12,000", "10,000")), "V03")
    assert '"Children on a plan" (12,000) is larger than the denominator "Child population" (10,000)' in (
        problem.message
    )
    assert "wrong way round" in problem.message


def test_it_allows_a_mean_total_above_its_count() -> None:
    assert check_value(mean("412", "10")) == []


def test_it_formats_large_figures_with_thousands_separators() -> None:
    problem = only(check_value(percentage("1234567", "1000000")), "V03")
    assert "(1,234,567)" in problem.message and "(1,000,000)" in problem.message


# --- V04 not a whole number -----------------------------------------------------------------------------------------


def test_it_accepts_a_whole_number_written_with_a_zero_fraction() -> None:
    assert check_value(count("12.0")) == []


@pytest.mark.parametrize(
    ("v", "field"),
    [
        (count("12.5"), "value"),
        (percentage("1.5", "10"), "numerator"),
        (percentage("1", "10.5"), "denominator"),
        (rate("1.5", "10000"), "numerator"),
        (mean("12", "3.5"), "denominator"),
    ],
)
def test_it_rejects_a_fraction_of_a_case(v: ValueInput, field: str) -> None:
    problem = only(check_value(v), "V04")
    assert problem.field == field


def test_it_explains_how_to_fix_a_fraction() -> None:
    problem = only(check_value(percentage("1", "10.5")), "V04")
    assert 'the denominator "Open neglect CIN plans" (10.5) is not a whole number' in problem.message
    assert "enter a whole number" in problem.message


def test_it_allows_a_fractional_mean_total() -> None:
    assert check_value(mean("123.75", "10")) == []


# --- V05 zero denominator -------------------------------------------------------------------------------------------


def test_it_rejects_a_numerator_with_a_zero_denominator() -> None:
    problems = check_value(percentage("3", "0"))
    assert "V05" in codes(problems)
    problem = only(problems, "V05")
    assert problem.field == "denominator"
    assert 'the denominator "Open neglect CIN plans" is 0, so the percentage cannot be calculated' in problem.message
    assert "Check the denominator" in problem.message
    assert '"not available" reason' in problem.message


def test_it_treats_nought_out_of_nought_as_a_zero_denominator() -> None:
    assert codes(check_value(percentage("0", "0"))) == ["V05"]


@pytest.mark.parametrize("v", [rate("0", "0"), mean("0", "0"), mean("12.5", "0")])
def test_it_rejects_a_zero_denominator_for_every_ratio(v: ValueInput) -> None:
    assert codes(check_value(v)) == ["V05"]


def test_it_accepts_a_zero_numerator_with_a_real_denominator() -> None:
    assert check_value(percentage("0", "40")) == []


# --- V06 missing without a reason -----------------------------------------------------------------------------------


def test_it_rejects_a_blank_count_without_a_reason() -> None:
    problem = only(check_value(count("  ")), "V06")
    assert problem.field == "value"
    assert problem.message.startswith("N01 Referrals citing neglect: the figure is blank.")
    assert "Enter the figure" in problem.message
    assert 'or choose a "not available" reason' in problem.message


def test_it_reports_each_blank_ratio_figure_separately() -> None:
    problems = check_value(percentage("", ""))
    assert codes(problems) == ["V06", "V06"]
    assert [p.field for p in problems] == ["numerator", "denominator"]
    assert '"Open more than 12 months" is blank' in problems[0].message


def test_it_still_checks_the_figure_that_was_given_when_the_other_is_blank() -> None:
    assert codes(check_value(percentage("", "-4"))) == ["V06", "V02"]


# --- V07 figures and a reason ---------------------------------------------------------------------------------------


def test_it_rejects_figures_given_and_marked_not_available() -> None:
    problems = check_value(percentage("100", "", not_available_reason="system_change"))
    assert codes(problems) == ["V07"]
    problem = problems[0]
    assert problem.field == "not_available_reason"
    assert "figures have been entered but the indicator is also marked not available" in problem.message
    assert '("System change")' in problem.message
    assert "Clear one or the other" in problem.message


def test_it_ignores_a_whitespace_only_reason() -> None:
    assert check_value(count("4", not_available_reason="  ")) == []


# --- V08 unrecognised reason ----------------------------------------------------------------------------------------


def test_it_rejects_an_unrecognised_not_available_reason() -> None:
    problems = check_value(count("", not_available_reason="n/a"))
    assert codes(problems) == ["V08"]
    assert problems[0].field == "not_available_reason"
    assert '"n/a" is not a recognised "not available" reason' in problems[0].message
    assert "Not collected, System change, Operational pressure, Other" in problems[0].message


# --- where: the row prefix ------------------------------------------------------------------------------------------


def test_it_names_the_spreadsheet_row_first() -> None:
    problem = only(check_value(percentage("412", "400", row=7)), "V03")
    assert problem.message.startswith("Row 7, N18 Neglect CIN plans open more than 12 months: the numerator")


def test_it_does_not_repeat_a_default_label() -> None:
    v = ValueInput(code="N30", title="Something", unit="percentage", numerator="", denominator="4")
    assert "the numerator is blank" in only(check_value(v), "V06").message


# --- Q01 change from the previous quarter ---------------------------------------------------------------------------


def test_it_accepts_a_change_within_tolerance() -> None:
    assert check_value(percentage("125", "400"), ValueHistory(previous=D("25"))) == []  # 31.25 vs 25: exactly 25%


def test_it_queries_a_change_above_tolerance() -> None:
    history = ValueHistory(previous=D("25.1"), previous_label="2019-20 Q4")
    problems = check_value(percentage("143", "400"), history)
    assert codes(problems) == ["Q01"]
    problem = problems[0]
    assert problem.kind == "query" and problem.field == "commentary"
    assert problem.blocking and not problem.explained
    assert problem.message.startswith("N18 Neglect CIN plans open more than 12 months:")
    assert "35.8%" in problem.message and "(25.1%)" in problem.message
    assert "up 42% on 2019-20 Q4" in problem.message
    assert "more than 25%" in problem.message
    assert "explain the change in the commentary" in problem.message


def test_it_queries_a_fall_as_well_as_a_rise() -> None:
    problem = only(check_value(count("1,256"), ValueHistory(previous=D("2000"))), "Q01")
    assert "the count is 1,256, down 37% on the previous quarter (2,000)" in problem.message


def test_it_formats_rates_and_means_for_their_unit() -> None:
    rate_query = only(check_value(rate("214", "50,000"), ValueHistory(previous=D("20"))), "Q01")
    assert "42.8 per 10,000" in rate_query.message and "(20.0 per 10,000)" in rate_query.message
    mean_query = only(check_value(mean("123", "10"), ValueHistory(previous=D("5"))), "Q01")
    assert "the mean is 12.3" in mean_query.message


def test_it_uses_the_indicators_own_tolerance() -> None:
    history = ValueHistory(previous=D("100"))
    assert check_value(count("140", tolerance=D("50")), history) == []
    assert "more than 10%" in only(check_value(count("111", tolerance=D("10")), history), "Q01").message


def test_it_shows_enough_decimals_to_show_the_change_exceeds_tolerance() -> None:
    problem = only(check_value(count("12502"), ValueHistory(previous=D("10000"))), "Q01")
    assert "up 25.02%" in problem.message


def test_it_queries_any_change_from_zero() -> None:
    problem = only(check_value(count("5"), ValueHistory(previous=D("0"), previous_label="2019-20 Q4")), "Q01")
    assert "up from 0 in 2019-20 Q4" in problem.message
    assert "any change needs explaining" in problem.message
    assert check_value(count("0"), ValueHistory(previous=D("0"))) == []


def test_it_measures_change_against_the_size_of_a_negative_previous_value() -> None:
    history = ValueHistory(previous=D("-2"))
    assert check_value(mean("-22", "10", allow_negative=True), history) == []  # -2.2 vs -2: 10%
    assert codes(check_value(mean("-30", "10", allow_negative=True), history)) == ["Q01"]


# --- Q02 outside the agency's own history ---------------------------------------------------------------------------

STEADY = (D("10"), D("11"), D("12"), D("11"), D("10"), D("12"))


def test_it_accepts_a_value_inside_the_usual_range() -> None:
    assert check_value(percentage("46", "400"), ValueHistory(earlier=STEADY)) == []  # 11.5%


def test_it_queries_a_value_outside_the_agencys_usual_range() -> None:
    problems = check_value(percentage("143", "400"), ValueHistory(earlier=STEADY))
    assert codes(problems) == ["Q02"]
    problem = problems[0]
    assert problem.field == "commentary" and problem.blocking
    # median 11, MAD 1, scaled 1.4826: 6.6% to 15.4%
    assert "the percentage (35.8%) is outside this agency's usual range of 6.6% to 15.4%" in problem.message
    assert "based on its 6 earlier quarters" in problem.message
    assert "explain in the commentary" in problem.message


def test_it_does_not_judge_history_of_fewer_than_four_quarters() -> None:
    history = ValueHistory(earlier=(D("10"), D("10"), D("11")))
    assert check_value(percentage("400", "400"), history) == []


def test_it_queries_any_departure_when_the_history_does_not_vary() -> None:
    history = ValueHistory(earlier=(D("5"), D("5"), D("5"), D("5"), D("9")))
    assert check_value(count("5"), history) == []
    problem = only(check_value(count("6"), history), "Q02")
    assert "the count (6) is different from this agency's usual value of 5" in problem.message
    assert "5 earlier quarters" in problem.message


def test_it_keeps_the_usual_range_within_possible_values() -> None:
    history = ValueHistory(earlier=(D("1"), D("50"), D("99"), D("50"), D("2"), D("98")))
    problem = only(check_value(count("1000"), history), "Q02")
    # median 50, MAD 48, scaled 71.2: -163.5 to 263.5, but no count is below zero; counts are whole, so 263
    assert "usual range of 0 to 263," in problem.message
    # median 98, scaled MAD 1.4826: 93.6% to 102.4%, but no percentage is above 100
    high = ValueHistory(earlier=(D("95"), D("99"), D("97"), D("99")))
    pct = only(check_value(percentage("0", "400"), high), "Q02")
    assert "usual range of 93.6% to 100.0%" in pct.message


# --- Q03 small denominator ------------------------------------------------------------------------------------------


def test_it_accepts_a_percentage_of_ten_or_more() -> None:
    assert check_value(percentage("5", "10")) == []


def test_it_queries_a_percentage_of_a_small_denominator() -> None:
    problems = check_value(percentage("3", "6"))
    assert codes(problems) == ["Q03"]
    problem = problems[0]
    assert problem.field == "commentary" and problem.blocking
    assert 'the percentage is of only 6 (the denominator "Open neglect CIN plans")' in problem.message
    assert "16.7 percentage points" in problem.message
    assert "unstable" in problem.message
    assert "Check the denominator" in problem.message and "commentary" in problem.message


def test_it_does_not_query_small_denominators_of_rates_or_means() -> None:
    assert check_value(mean("12", "3")) == []
    assert check_value(rate("1", "6")) == []


# --- queries only on clean rows -------------------------------------------------------------------------------------


def test_it_raises_no_queries_on_a_row_with_errors() -> None:
    history = ValueHistory(previous=D("1"), earlier=STEADY)
    assert codes(check_value(percentage("5.5", "6"), history)) == ["V04"]


def test_it_raises_no_queries_on_a_value_not_available() -> None:
    history = ValueHistory(previous=D("1"), earlier=STEADY)
    assert check_value(percentage("", "", not_available_reason="other"), history) == []


# --- explained queries and blocking ---------------------------------------------------------------------------------


def test_an_explained_query_no_longer_blocks() -> None:
    history = ValueHistory(previous=D("10"))
    problem = only(check_value(count("20", commentary="New front door team from April."), history), "Q01")
    assert problem.explained and not problem.blocking and problem.kind == "query"


def test_whitespace_does_not_explain_a_query() -> None:
    problem = only(check_value(count("20", commentary="  \n"), ValueHistory(previous=D("10"))), "Q01")
    assert problem.blocking and not problem.explained


def test_a_return_with_only_explained_queries_is_not_blocked() -> None:
    problems = check_return(
        [count("20", commentary="Recording changed."), percentage()],
        {"N01": ValueHistory(previous=D("10"))},
    )
    assert problems and len(problems) == 1
    assert problems.errors == [] and problems.unexplained_queries == []
    assert len(problems.queries) == 1
    assert not problems.blocking


def test_a_return_with_an_unexplained_query_is_blocked() -> None:
    problems = check_return([count("20"), percentage()], {"N01": ValueHistory(previous=D("10"))})
    assert problems.blocking
    assert codes(problems.unexplained_queries) == ["Q01"]


def test_a_return_with_an_error_is_blocked() -> None:
    problems = check_return([count("20", commentary="explained"), percentage("412", "400")])
    assert problems.blocking
    assert codes(problems.errors) == ["V03"]


def test_a_clean_return_has_no_problems() -> None:
    problems = check_return([count(), percentage(), rate(), mean()])
    assert not problems and len(problems) == 0 and not problems.blocking


def test_it_finds_problems_by_indicator_and_field() -> None:
    problems = check_return([percentage("", "abc"), count("-1")])
    assert codes(problems) == ["V06", "V01", "V02"]
    assert codes(problems.for_indicator("N18")) == ["V06", "V01"]
    assert codes(problems.for_field("N18", "denominator")) == ["V01"]
    assert problems.for_field("N18", "commentary") == []
    assert [p.code for p in problems] == ["V06", "V01", "V02"]


def test_it_uses_history_for_the_matching_indicator_only() -> None:
    problems = check_return([count("20"), percentage()], {"N18": ValueHistory(previous=D("100"))})
    assert [(p.indicator, p.code) for p in problems] == [("N18", "Q01")]


# --- the published rules --------------------------------------------------------------------------------------------


def test_every_rule_is_published_in_code_order() -> None:
    published = [rule.code for rule in RULES]
    assert published == ["V01", "V02", "V03", "V04", "V05", "V06", "V07", "V08", "Q01", "Q02", "Q03"]
    assert all(rule.kind == ("error" if rule.code.startswith("V") else "query") for rule in RULES)
    assert all(rule.title and rule.description for rule in RULES)


# --- properties -----------------------------------------------------------------------------------------------------

raw_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "0", "-0", "1,000", "3.5", "NaN", "1e5", "12%", "-7", "10,00"]),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9).map(str),
)
history_values = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**9), max_value=10**9, places=4)


@given(
    unit=st.sampled_from(UNITS),
    numerator=raw_text,
    denominator=raw_text,
    value=raw_text,
    reason=st.one_of(st.sampled_from(["", *NOT_AVAILABLE_REASONS]), st.text(max_size=10)),
    commentary=st.text(max_size=10),
    allow_negative=st.booleans(),
    previous=st.one_of(st.none(), history_values),
    earlier=st.lists(history_values, max_size=8).map(tuple),
)
def test_check_value_never_raises_and_always_leaves_a_way_forward(
    unit: str,
    numerator: str,
    denominator: str,
    value: str,
    reason: str,
    commentary: str,
    allow_negative: bool,
    previous: Decimal | None,
    earlier: tuple[Decimal, ...],
) -> None:
    v = ValueInput(
        code="N99",
        title="Property",
        unit=unit,
        numerator=numerator,
        denominator=denominator,
        value=value,
        not_available_reason=reason,
        commentary=commentary,
        allow_negative=allow_negative,
    )
    problems = check_value(v, ValueHistory(previous=previous, earlier=earlier))
    for problem in problems:
        assert problem.indicator == "N99" and problem.message.startswith("N99 Property: ")
        assert problem.kind in ("error", "query")
        assert problem.blocking == (problem.kind == "error" or not commentary.strip())
    # A value either has a computed figure, is marked not available, or carries an error saying why not.
    if not any(p.kind == "error" for p in problems):
        assert computed_value(v) is not None or reason.strip()


@given(
    denominator=st.integers(min_value=1, max_value=10**9),
    fraction=st.fractions(min_value=0, max_value=1),
    separators=st.booleans(),
)
def test_a_percentage_with_numerator_within_denominator_never_gets_v03(
    denominator: int, fraction: Fraction, separators: bool
) -> None:
    numerator = int(denominator * fraction)
    fmt = "{:,}" if separators else "{}"
    problems = check_value(percentage(fmt.format(numerator), fmt.format(denominator)))
    assert "V03" not in codes(problems)
    assert all(p.kind == "query" for p in problems)
    value = computed_value(percentage(str(numerator), str(denominator)))
    assert value is not None and D(0) <= value <= D(100)
