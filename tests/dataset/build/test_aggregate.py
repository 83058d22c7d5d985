"""The partnership values and their comparisons, alone: plain data in, plain data out, numbers by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dataset.build.aggregate import aggregate, compare, compare_all, pro_rata
from dataset.build.figures import AgencyFigure, IndicatorInfo, PartnershipValue
from dataset.catalogue.periods import Quarter

D = Decimal
Q = Quarter(2020, 1).index  # 2020-21 Q1
AGENCIES = ("CSC", "EH", "HLT", "POL")

PCT = IndicatorInfo(code="N01", title="CP plans for neglect", unit="percentage", polarity="higher", objective="respond")
COUNT = IndicatorInfo(code="N02", title="Neglect referrals", unit="count", polarity="neither", objective="recognise")
MEAN = IndicatorInfo(code="N03", title="Days to assessment", unit="mean", polarity="lower", objective="respond")
RATE = IndicatorInfo(
    code="N04", title="CP plans per 10,000", unit="rate_per_10k", polarity="neither", objective="quantify"
)
INDICATORS = {i.code: i for i in (PCT, COUNT, MEAN, RATE)}


def ratio(code: str, agency: str, numerator: str, denominator: str, quarter: int = Q) -> AgencyFigure:
    return AgencyFigure(code=code, agency=agency, quarter=quarter, numerator=D(numerator), denominator=D(denominator))


def count(code: str, agency: str, value: str, quarter: int = Q) -> AgencyFigure:
    return AgencyFigure(code=code, agency=agency, quarter=quarter, value=D(value))


def build(*figures: AgencyFigure, expected: tuple[str, ...] = AGENCIES) -> dict[tuple[str, int], PartnershipValue]:
    return aggregate(
        indicators=INDICATORS,
        figures=figures,
        expected={(code, Q): expected for code in INDICATORS},
    )


# --- aggregate -----------------------------------------------------------------------------------------
def test_a_percentage_is_summed_numerators_over_summed_denominators_not_the_average_of_percentages():
    # CSC 30/40 = 75%, POL 5/10 = 50%, EH 0/50 = 0%; HLT sent nothing.
    values = build(ratio("N01", "CSC", "30", "40"), ratio("N01", "POL", "5", "10"), ratio("N01", "EH", "0", "50"))
    pv = values[("N01", Q)]
    assert (pv.numerator, pv.denominator) == (D(35), D(100))
    assert pv.value == D(35)  # 35 / 100
    average_of_percentages = (D(75) + D(50) + D(0)) / 3  # 41.67: what a spreadsheet average would say
    assert pv.value != average_of_percentages


def test_zero_is_a_value_and_counts_as_a_contribution():
    pv = build(ratio("N01", "EH", "0", "50"), count("N02", "CSC", "0"))
    assert pv[("N01", Q)].value == D(0)
    assert pv[("N01", Q)].contributors == ("EH",)
    assert pv[("N02", Q)].value == D(0)
    assert pv[("N02", Q)].contributors == ("CSC",)


def test_counts_are_summed():
    pv = build(count("N02", "CSC", "12"), count("N02", "POL", "7"), count("N02", "EH", "0"))[("N02", Q)]
    assert pv.value == D(19)
    assert pv.numerator is None and pv.denominator is None


def test_a_mean_is_summed_totals_over_summed_counts():
    # CSC: 300 days over 10 assessments (mean 30); EH: 100 days over 20 (mean 5). Average of means: 17.5.
    pv = build(ratio("N03", "CSC", "300", "10"), ratio("N03", "EH", "100", "20"))[("N03", Q)]
    assert (pv.numerator, pv.denominator) == (D(400), D(30))
    assert pv.value == D("13.333333")  # 400 / 30, to the six places the dataset stores


def test_a_rate_is_per_ten_thousand_of_the_summed_population():
    # 50 of 100,000 and 36 of 80,000: 86 / 180,000 x 10,000 = 4.7777...
    pv = build(ratio("N04", "CSC", "50", "100000"), ratio("N04", "POL", "36", "80000"))[("N04", Q)]
    assert pv.value == D("4.777778")


def test_a_not_available_figure_does_not_contribute_and_is_listed():
    figures = (
        count("N02", "CSC", "12"),
        AgencyFigure(code="N02", agency="POL", quarter=Q, not_available="system_change"),
        # Numbers typed but marked not available: the mark wins, the numbers are not used.
        AgencyFigure(code="N02", agency="EH", quarter=Q, value=D(99), not_available="not_collected"),
    )
    pv = build(*figures)[("N02", Q)]
    assert pv.value == D(12)
    assert pv.contributors == ("CSC",)
    assert pv.not_available == ("EH", "POL")


def test_a_figure_missing_a_number_does_not_contribute_and_is_not_called_not_available():
    half = AgencyFigure(code="N01", agency="POL", quarter=Q, numerator=D(5))
    pv = build(ratio("N01", "CSC", "30", "40"), half)[("N01", Q)]
    assert pv.value == D(75)
    assert pv.contributors == ("CSC",)
    assert pv.not_available == ()


def test_a_value_missing_an_expected_agency_is_partial():
    values = build(ratio("N01", "CSC", "30", "40"), ratio("N01", "POL", "5", "10"), expected=("POL", "CSC", "HLT"))
    pv = values[("N01", Q)]
    assert pv.expected == ("CSC", "HLT", "POL")  # sorted
    assert pv.partial
    assert pv.missing == ("HLT",)
    whole = build(ratio("N01", "CSC", "30", "40"), expected=("CSC",))[("N01", Q)]
    assert not whole.partial


def test_a_zero_denominator_total_gives_no_value():
    pv = build(ratio("N01", "CSC", "0", "0"), ratio("N01", "POL", "0", "0"))[("N01", Q)]
    assert pv.value is None
    assert (pv.numerator, pv.denominator) == (D(0), D(0))
    assert pv.contributors == ("CSC", "POL")


def test_an_expected_quarter_with_no_figures_has_no_value_and_is_partial():
    pv = build()[("N02", Q)]
    assert pv.value is None
    assert pv.contributors == ()
    assert pv.partial


def test_a_quarter_only_in_the_figures_expects_the_indicators_suppliers():
    indicator = IndicatorInfo(
        code="N02", title="Referrals", unit="count", polarity="neither", objective="recognise", suppliers=("POL", "CSC")
    )
    values = aggregate(indicators={"N02": indicator}, figures=[count("N02", "CSC", "4", quarter=Q - 1)], expected={})
    pv = values[("N02", Q - 1)]
    assert pv.expected == ("CSC", "POL")
    assert pv.missing == ("POL",)


def test_it_ignores_figures_of_unknown_indicators_and_refuses_duplicates():
    assert ("N99", Q) not in build(count("N99", "CSC", "1"))
    with pytest.raises(ValueError, match="two figures"):
        build(count("N02", "CSC", "1"), count("N02", "CSC", "2"))


# --- compare -------------------------------------------------------------------------------------------
def pv(quarter: int, value: str | None, *, partial: bool = False, code: str = "N01") -> PartnershipValue:
    expected = ("CSC", "POL")
    return PartnershipValue(
        code=code,
        quarter=quarter,
        value=None if value is None else D(value),
        contributors=("CSC",) if partial else expected,
        expected=expected,
    )


def series(*pairs: tuple[int, str | None], partial: tuple[int, ...] = ()) -> dict[int, PartnershipValue]:
    return {q: pv(q, v, partial=q in partial) for q, v in pairs}


def indicator(unit: str = "percentage", polarity: str = "higher", **kw: object) -> IndicatorInfo:
    return IndicatorInfo(code="N01", title="t", unit=unit, polarity=polarity, objective="respond", **kw)  # type: ignore[arg-type]


def test_a_percentage_changes_in_percentage_points():
    c = compare(indicator=indicator(), series=series((Q - 1, "40.0"), (Q, "43.5")), quarter=Q, baseline=None)
    assert c.change_unit == "pp"
    assert c.change_previous == D("3.5")
    assert c.direction == "improving"


@pytest.mark.parametrize("unit", ["count", "rate_per_10k", "mean"])
def test_counts_rates_and_means_change_in_per_cent(unit):
    c = compare(indicator=indicator(unit), series=series((Q - 1, "80"), (Q, "100")), quarter=Q, baseline=None)
    assert c.change_unit == "%"
    assert c.change_previous == D("25.0")  # 20 on 80


def test_a_change_from_zero_per_cent_is_not_given():
    c = compare(indicator=indicator("count"), series=series((Q - 1, "0"), (Q, "5")), quarter=Q, baseline=None)
    assert c.change_previous is None
    assert c.direction == ""


def test_it_compares_with_the_same_quarter_last_year():
    values = series((Q - 4, "120"), (Q - 1, "100"), (Q, "100"))
    c = compare(indicator=indicator("count"), series=values, quarter=Q, baseline=None)
    assert c.change_year == D("-16.7")  # -20 on 120
    pct = compare(indicator=indicator(), series=series((Q - 4, "50.5"), (Q, "43.5")), quarter=Q, baseline=None)
    assert pct.change_year == D("-7.0")


def test_it_compares_with_the_baseline_when_there_is_one():
    values = series((Q - 6, "30"), (Q - 1, "40"), (Q, "45"))
    assert compare(indicator=indicator(), series=values, quarter=Q, baseline=Q - 6).change_baseline == D("15.0")
    assert compare(indicator=indicator(), series=values, quarter=Q, baseline=None).change_baseline is None
    assert compare(indicator=indicator(), series=values, quarter=Q, baseline=Q - 5).change_baseline is None


@pytest.mark.parametrize("partial", [(Q,), (Q - 1,)])
def test_a_partial_value_is_not_compared_as_whole_but_the_numbers_are_kept(partial):
    c = compare(
        indicator=indicator(), series=series((Q - 1, "40"), (Q, "50"), partial=partial), quarter=Q, baseline=None
    )
    assert not c.comparable
    assert c.direction == ""
    assert c.change_previous == D("10.0")


def test_a_missing_quarter_is_not_comparable():
    c = compare(indicator=indicator(), series=series((Q - 1, "40")), quarter=Q, baseline=None)
    assert not c.comparable
    assert c.change_previous is None and c.rag == ""


@pytest.mark.parametrize(
    ("unit", "before", "now", "direction"),
    [
        ("percentage", "40.0", "41.9", "steady"),  # 1.9pp
        ("percentage", "40.0", "42.0", "up"),  # 2pp is a movement
        ("percentage", "40.0", "38.0", "down"),
        ("count", "100", "104.9", "steady"),  # 4.9%
        ("count", "100", "105", "up"),  # 5%
        ("count", "100", "95", "down"),
    ],
)
def test_a_small_change_is_steady(unit, before, now, direction):
    values = series((Q - 1, before), (Q, now))
    assert compare(indicator=indicator(unit, "neither"), series=values, quarter=Q, baseline=None).direction == direction


@pytest.mark.parametrize(
    ("polarity", "now", "direction"),
    [
        ("higher", "50", "improving"),
        ("higher", "30", "worsening"),
        ("lower", "50", "worsening"),
        ("lower", "30", "improving"),
    ],
)
def test_the_direction_follows_the_polarity(polarity, now, direction):
    values = series((Q - 1, "40"), (Q, now))
    assert (
        compare(indicator=indicator(polarity=polarity), series=values, quarter=Q, baseline=None).direction == direction
    )


@pytest.mark.parametrize(
    ("polarity", "value", "rag"),
    [
        ("higher", "85", "green"),
        ("higher", "80", "green"),  # meeting the target is green
        ("higher", "70", "amber"),
        ("higher", "60", "amber"),  # on the red threshold is not worse than it
        ("higher", "59.9", "red"),
        ("lower", "15", "green"),
        ("lower", "20", "green"),
        ("lower", "25", "amber"),
        ("lower", "30.1", "red"),
    ],
)
def test_rag_against_the_target_in_the_better_direction(polarity, value, rag):
    target, red = ("80", "60") if polarity == "higher" else ("20", "30")
    ind = indicator(polarity=polarity, target=D(target), red_threshold=D(red))
    assert compare(indicator=ind, series=series((Q, value)), quarter=Q, baseline=None).rag == rag


def test_below_target_without_a_red_threshold_is_amber():
    ind = indicator(target=D(80))
    assert compare(indicator=ind, series=series((Q, "10")), quarter=Q, baseline=None).rag == "amber"


def test_no_target_or_no_polarity_gives_no_rag():
    assert compare(indicator=indicator(), series=series((Q, "10")), quarter=Q, baseline=None).rag == ""
    neither = indicator(polarity="neither", target=D(80))
    assert compare(indicator=neither, series=series((Q, "10")), quarter=Q, baseline=None).rag == ""


def test_the_benchmark_gap_is_the_value_minus_the_benchmark_in_the_same_unit():
    ind = indicator(benchmark_value=D("50.5"))
    assert compare(indicator=ind, series=series((Q, "43.86")), quarter=Q, baseline=None).benchmark_gap == D("-6.6")
    assert compare(indicator=indicator(), series=series((Q, "43.86")), quarter=Q, baseline=None).benchmark_gap is None


def test_compare_all_compares_every_value_of_known_indicators():
    values = {
        ("N01", Q - 1): pv(Q - 1, "40"),
        ("N01", Q): pv(Q, "43"),
        ("N99", Q): pv(Q, "1", code="N99"),
    }
    out = compare_all(indicators={"N01": indicator()}, values=values, baseline=Q - 1)
    assert set(out) == {("N01", Q - 1), ("N01", Q)}
    assert out[("N01", Q)].change_previous == D("3.0")
    assert out[("N01", Q)].change_baseline == D("3.0")
    assert out[("N01", Q - 1)].change_previous is None


# --- year-to-date indicators ---------------------------------------------------------------------------
def ytd(**kw: object) -> IndicatorInfo:
    """Like N27, practitioners trained against the year's plan: adds up from April, resets each Q1."""
    return indicator(target=D(100), red_threshold=D(60), accumulation="year_to_date", **kw)


# 2019-20 Q1..Q4 then 2020-21 Q1: the figure climbs through the year and starts again in April.
RESETTING = ((Q - 4, "20"), (Q - 3, "45"), (Q - 2, "70"), (Q - 1, "95"), (Q, "25"))


def test_a_year_to_date_series_that_resets_each_april_is_not_called_worsening_in_q1_when_ahead_of_last_years_q1():
    c = compare(indicator=ytd(), series=series(*RESETTING), quarter=Q, baseline=None)
    assert c.direction == "improving"  # 25% against 20% in last year's Q1, not 25% against 95% in Q4
    assert c.change_year == D("5.0")
    assert c.change_previous is None
    assert c.comparable
    assert c.rag == "green"  # a quarter of the year's plan by the end of Q1 is on track


@pytest.mark.parametrize("quarter", [Q - 3, Q - 2, Q - 1])
def test_a_year_to_date_figure_has_no_quarter_on_quarter_change_later_in_the_year_either(quarter):
    c = compare(indicator=ytd(), series=series(*RESETTING), quarter=quarter, baseline=None)
    assert c.change_previous is None
    assert c.direction == ""  # no same quarter a year earlier in this series: not compared


def test_a_year_to_date_figure_behind_last_years_same_quarter_is_worsening():
    c = compare(indicator=ytd(), series=series((Q - 4, "30"), (Q - 1, "95"), (Q, "25")), quarter=Q, baseline=None)
    assert c.direction == "worsening"
    assert c.change_year == D("-5.0")


@pytest.mark.parametrize(
    ("number", "target", "red"),
    [(1, "25", "15"), (2, "50", "30"), (3, "75", "45"), (4, "100", "60")],
)
def test_year_to_date_rag_is_against_the_pro_rata_target_at_each_quarter(number, target, red):
    quarter = Quarter(2020, number).index
    assert pro_rata(ytd(), quarter) == (D(target), D(red))

    def rating(value: Decimal) -> str:
        return compare(indicator=ytd(), series=series((quarter, str(value))), quarter=quarter, baseline=None).rag

    assert rating(D(target)) == "green"
    assert rating(D(target) - D("0.1")) == "amber"
    assert rating(D(red)) == "amber"  # on the red threshold is not worse than it
    assert rating(D(red) - D("0.1")) == "red"


def test_a_lower_is_better_year_to_date_count_is_rated_against_its_pro_rata_target():
    ind = indicator("count", "lower", target=D(40), red_threshold=D(60), accumulation="year_to_date")
    q2 = Quarter(2020, 2).index
    assert pro_rata(ind, q2) == (D(20), D(30))
    assert compare(indicator=ind, series=series((q2, "25")), quarter=q2, baseline=None).rag == "amber"
    assert compare(indicator=ind, series=series((q2, "31")), quarter=q2, baseline=None).rag == "red"


def test_a_year_to_date_quarter_compared_with_a_partial_one_a_year_earlier_is_not_compared():
    values = series(*RESETTING, partial=(Q - 4,))
    c = compare(indicator=ytd(), series=values, quarter=Q, baseline=None)
    assert not c.comparable
    assert c.direction == ""
    assert c.change_year == D("5.0")  # the number is kept, no direction is claimed


def test_a_year_to_date_figure_is_compared_with_the_same_quarter_of_the_baseline_year():
    values = series(*RESETTING)
    assert compare(indicator=ytd(), series=values, quarter=Q, baseline=Q - 4).change_baseline == D("5.0")
    # baseline 2019-20 Q2: 2020-21 Q1 so far is compared with 2020-21 Q1 itself, the first Q1 on or after it
    assert compare(indicator=ytd(), series=values, quarter=Q, baseline=Q - 3).change_baseline == D("0.0")


def test_a_quarterly_indicator_is_unchanged_by_the_year_to_date_rules():
    ind = indicator(target=D(100), red_threshold=D(60))
    c = compare(indicator=ind, series=series(*RESETTING), quarter=Q, baseline=Q - 3)
    assert c.change_previous == D("-70.0")  # 25 against the quarter before
    assert c.direction == "worsening"
    assert c.change_baseline == D("-20.0")  # against the baseline quarter itself
    assert c.rag == "red"  # against the whole target
    assert pro_rata(ind, Q) == (D(100), D(60))
