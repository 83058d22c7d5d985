"""Behaviour of the pure theme finder: hand-made partnership values in, sentences for the Working Group out."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from dataset.build import spc as spc_module
from dataset.build import themes as themes_module
from dataset.build.figures import (
    Comparison,
    IndicatorInfo,
    PartnershipValue,
    ProcessChangeInfo,
    RelationCheck,
    SpcPoint,
    SpcResult,
    Theme,
)
from dataset.build.themes import KEY_MESSAGES, find_themes, key_messages
from dataset.catalogue.periods import Quarter

D = Decimal
LATEST = Quarter(2020, 1).index  # 2020-21 Q1
YEAR_AGO = LATEST - 4  # 2019-20 Q1

AGENCIES = {
    "CSC": "Children's Social Care",
    "EH": "Early Help",
    "EDU": "Education",
    "Police": "Sussex Police",
    "SCFT": "Sussex Community NHS Foundation Trust",
    "SPFT": "Sussex Partnership NHS Foundation Trust",
    "CCG": "West Sussex CCG",
    "CVS": "Community and Voluntary Sector",
    "WSSCP": "Safeguarding Children Partnership",
}

# As in dataset/catalogue/indicators.csv.
N01 = IndicatorInfo(
    code="N01",
    title="Referrals where neglect is the presenting factor",
    unit="percentage",
    polarity="neither",
    objective="recognise",
    numerator_label="Referrals with neglect as presenting factor",
    denominator_label="All referrals in the quarter",
    suppliers=("CSC",),
)
N13 = IndicatorInfo(
    code="N13",
    title="Neglect referrals decided within 1 working day",
    unit="percentage",
    polarity="higher",
    objective="respond",
    target=D(90),
    red_threshold=D(80),
    suppliers=("CSC",),
)
N16 = IndicatorInfo(
    code="N16",
    title="Child protection plans under category neglect",
    unit="percentage",
    polarity="neither",
    objective="quantify",
    numerator_label="Neglect CP plans",
    denominator_label="All CP plans",
    benchmark_value=D("50.5"),
    suppliers=("CSC",),
)
N18 = IndicatorInfo(
    code="N18",
    title="Neglect CIN plans open more than 12 months",
    unit="percentage",
    polarity="lower",
    objective="respond",
    numerator_label="Open more than 12 months",
    denominator_label="Open neglect CIN plans",
    target=D(25),
    red_threshold=D(35),
    suppliers=("CSC",),
)
N28 = IndicatorInfo(
    code="N28",
    title="Neglect champions in post",
    unit="count",
    polarity="higher",
    objective="recognise",
    suppliers=("CSC",),
)
N29 = IndicatorInfo(
    code="N29",
    title="Repeat neglect CP plan within 3 years",
    unit="percentage",
    polarity="lower",
    objective="evaluate",
    target=D(15),
    red_threshold=D(22),
    suppliers=("CSC",),
)


def pct(code: str, quarter: int, numerator: int, denominator: int, **kwargs: object) -> PartnershipValue:
    kwargs.setdefault("expected", ("CSC",))
    kwargs.setdefault("contributors", kwargs["expected"])
    return PartnershipValue(
        code=code,
        quarter=quarter,
        value=D(100) * numerator / denominator,
        numerator=D(numerator),
        denominator=D(denominator),
        **kwargs,  # type: ignore[arg-type]
    )


def count(code: str, quarter: int, value: int, **kwargs: object) -> PartnershipValue:
    kwargs.setdefault("expected", ("CSC",))
    kwargs.setdefault("contributors", kwargs["expected"])
    return PartnershipValue(code=code, quarter=quarter, value=D(value), **kwargs)  # type: ignore[arg-type]


def pct_series(code: str, figures: list[tuple[int, int]]) -> dict[tuple[str, int], PartnershipValue]:
    """Consecutive quarters ending at LATEST."""
    start = LATEST - len(figures) + 1
    return {(code, start + i): pct(code, start + i, n, d) for i, (n, d) in enumerate(figures)}


def count_series(code: str, figures: list[int]) -> dict[tuple[str, int], PartnershipValue]:
    start = LATEST - len(figures) + 1
    return {(code, start + i): count(code, start + i, v) for i, v in enumerate(figures)}


def run(
    *infos: IndicatorInfo,
    values: Mapping[tuple[str, int], PartnershipValue],
    comparisons: Mapping[tuple[str, int], Comparison] | None = None,
    spc: Mapping[str, SpcResult] | None = None,
    checks: tuple[RelationCheck, ...] = (),
    changes: Mapping[str, tuple[ProcessChangeInfo, ...]] | None = None,
) -> list[Theme]:
    return find_themes(
        indicators={i.code: i for i in infos},
        values=values,
        comparisons=comparisons or {},
        spc=spc or {},
        latest=LATEST,
        agencies=AGENCIES,
        checks=checks,
        changes=changes,
    )


def rag(code: str, colour: str, **kwargs: object) -> dict[tuple[str, int], Comparison]:
    return {(code, LATEST): Comparison(code=code, quarter=LATEST, rag=colour, **kwargs)}  # type: ignore[arg-type]


def kinds(found: list[Theme]) -> list[tuple[str, str]]:
    return [(t.code, t.kind) for t in found]


def only(found: list[Theme], kind: str) -> Theme:
    matching = [t for t in found if t.kind == kind]
    assert len(matching) == 1, kinds(found)
    return matching[0]


# --- possible drift -------------------------------------------------------------------------------------------------


def test_it_flags_possible_drift_in_neglect_cin_plans_open_more_than_12_months():
    values = {**pct_series("N18", [(139, 420), (140, 420), (141, 420), (145, 420), (150, 420)])}
    found = run(N18, values=values, comparisons=rag("N18", "red"))

    drift = only(found, "possible_drift")
    assert drift.code == "N18"
    assert drift.severity == 3
    # The same figures also rose in each of the last four quarters: one message, the drift leading.
    assert drift.sentence == (
        "Neglect CIN plans open more than 12 months stood at 35.7% (150 of 420) in 2020-21 Q1, against a target "
        "of 25% (red above 35%), with no improvement on 2019-20 Q1 (33.1%): possible drift. Also: a sustained rise "
        "(up 2.6 percentage points on the year, and up in 4 of the last 4 quarters)."
    )
    assert drift.signals == ("possible_drift", "sustained_rise")
    assert drift.question == "Which plans have been open longest, and what is stopping them moving on?"
    assert drift.numbers["2020-21 Q1"] == "35.7% (150 of 420)"
    assert drift.numbers["Target"] == "25%"
    # Drift already says it is red: no second theme for the missed target.
    assert ("N18", "target_missed") not in kinds(found)


def test_amber_drift_is_medium_severity():
    values = pct_series("N18", [(120, 400), (121, 400)])  # 30.0%, then 30.3%: between target and red
    drift = only(run(N18, values=values, comparisons=rag("N18", "amber")), "possible_drift")
    assert drift.severity == 2
    assert "30.3% (121 of 400)" in drift.sentence


def test_it_flags_drift_without_a_year_earlier_to_compare():
    values = {("N18", LATEST): pct("N18", LATEST, 150, 420)}
    drift = only(run(N18, values=values, comparisons=rag("N18", "red")), "possible_drift")
    assert "no improvement" not in drift.sentence
    assert "35.7%" in drift.sentence


def test_it_does_not_call_it_drift_when_better_than_a_year_ago():
    values = pct_series("N18", [(170, 420), (165, 420), (160, 420), (155, 420), (150, 420)])  # 40.5% -> 35.7%
    found = run(N18, values=values, comparisons=rag("N18", "red"))
    assert "possible_drift" not in [t.kind for t in found]
    missed = only(found, "target_missed")
    assert "35.7% (150 of 420)" in missed.sentence
    assert "target of 25% (red above 35%)" in missed.sentence


def test_it_does_not_call_it_drift_when_green_or_for_other_objectives():
    values = pct_series("N18", [(80, 420), (90, 420)])
    assert run(N18, values=values, comparisons=rag("N18", "green")) == []
    evaluate = replace(N18, objective="evaluate")
    found = run(evaluate, values=pct_series("N18", [(150, 420)]), comparisons=rag("N18", "red"))
    assert kinds(found) == [("N18", "target_missed")]


# --- target missed ----------------------------------------------------------------------------------------------------


def test_it_reports_a_red_target_once_and_not_an_amber_one():
    values = {("N13", LATEST): pct("N13", LATEST, 72, 100)}
    missed = only(run(N13, values=values, comparisons=rag("N13", "red")), "target_missed")
    assert missed.sentence == (
        "Neglect referrals decided within 1 working day stood at 72.0% (72 of 100) in 2020-21 Q1, "
        "against a target of 90% (red below 80%): red against target."
    )
    assert missed.severity == 2
    assert run(N13, values=values, comparisons=rag("N13", "amber")) == []


def test_a_partial_value_says_who_is_missing():
    value = pct("N13", LATEST, 72, 100, expected=("CSC", "Police"), contributors=("CSC",))
    missed = only(run(N13, values={("N13", LATEST): value}, comparisons=rag("N13", "red")), "target_missed")
    assert "(partial: not yet including Sussex Police)" in missed.sentence


# --- sustained rise and fall ----------------------------------------------------------------------------------------


def test_it_reports_the_rise_in_repeat_neglect_cp_plans_on_the_year_alone():
    # Up and down through the year, so no 3-of-4 pattern: the ~4 point rise on the year is enough on its own.
    values = pct_series("N29", [(20, 101), (24, 100), (23, 100), (22, 100), (25, 105)])
    rise = only(run(N29, values=values), "sustained_rise")
    assert rise.code == "N29"
    assert rise.severity == 2
    assert rise.sentence == (
        "Repeat neglect CP plan within 3 years rose from 20 (19.8%) in 2019-20 Q1 to 25 (23.8%) in 2020-21 Q1, "
        "up in number and share (up 4.0 percentage points on the year): a worsening, as lower is better."
    )
    assert rise.numbers["Change on the year"] == "4.0 percentage points"
    assert rise.question == "What is driving the rise, and is it seen across agencies and teams?"


def test_a_smaller_rise_without_the_pattern_is_not_a_theme():
    values = pct_series("N29", [(20, 100), (24, 100), (21, 100), (23, 100), (22, 100)])  # +2.0 pp, 2 of 4 up
    assert run(N29, values=values) == []


def test_it_reports_the_fall_in_cp_plans_under_neglect_in_number_and_share():
    values = pct_series("N16", [(292, 416), (280, 410), (283, 405), (265, 400), (250, 400)])
    fall = only(run(N16, values=values), "sustained_fall")
    assert fall.sentence.startswith(
        "Child protection plans under category neglect fell from 292 (70.2%) in 2019-20 Q1 to 250 (62.5%) "
        "in 2020-21 Q1, down in number and share"
    )
    assert "down in 3 of the last 4 quarters" in fall.sentence
    assert "neither direction is better in itself" in fall.sentence
    assert fall.severity == 1
    assert fall.numbers == {
        "2019-20 Q1": "70.2% (292 of 416)",
        "2020-21 Q1": "62.5% (250 of 400)",
        "Change on the year": "7.7 percentage points",
        "Quarters down of the last 4": "3",
        "Held": "New this quarter",
    }


def test_it_says_when_the_share_rises_though_the_number_falls():
    values = pct_series("N16", [(200, 500), (198, 480), (196, 460), (194, 440), (190, 420)])
    rise = only(run(N16, values=values), "sustained_rise")
    assert "from 200 (40.0%) in 2019-20 Q1 to 190 (45.2%) in 2020-21 Q1, up in share though down in number" in (
        rise.sentence
    )


def test_a_steady_count_rise_needs_ten_per_cent_on_the_year():
    rising = count_series("N28", [40, 41, 43, 42, 45])  # up in 3 of 4, +12.5%
    rise = only(run(N28, values=rising), "sustained_rise")
    assert rise.sentence == (
        "Neglect champions in post rose from 40 in 2019-20 Q1 to 45 in 2020-21 Q1 (up 12.5% on the year, "
        "and up in 3 of the last 4 quarters): an improvement, as higher is better."
    )
    assert rise.severity == 1
    assert rise.question == "What has helped, and how can it be sustained?"

    creeping = count_series("N28", [40, 41, 42, 41, 43])  # up in 3 of 4, but only +7.5%
    assert run(N28, values=creeping) == []


def test_a_big_rise_without_the_pattern_is_not_a_theme_for_a_count():
    assert run(N28, values=count_series("N28", [40, 60, 55, 45, 50])) == []  # +25% but up in only 2 of 4


def test_partial_quarters_are_not_compared():
    values = pct_series("N29", [(20, 101), (24, 100), (23, 100), (22, 100), (25, 105)])
    values[("N29", YEAR_AGO)] = replace(values[("N29", YEAR_AGO)], expected=("CSC", "Police"))
    assert run(N29, values=values) == []

    values = pct_series("N29", [(20, 101), (24, 100), (23, 100), (22, 100), (25, 105)])
    values[("N29", LATEST)] = replace(values[("N29", LATEST)], expected=("CSC", "Police"))
    assert [t.kind for t in run(N29, values=values)] == ["data_gap"]


# --- special cause ----------------------------------------------------------------------------------------------------


def spc_result(*points: SpcPoint, enough: bool = True) -> SpcResult:
    return SpcResult(
        code="N18",
        enough_data=enough,
        message="",
        mean=D("30.1"),
        upper=D("34.5"),
        lower=D("25.7"),
        points=points,
    )


def test_it_reports_special_cause_variation_in_the_latest_quarter():
    result = spc_result(SpcPoint(LATEST - 1, D(31)), SpcPoint(LATEST, D("35.7"), ("outside_limits",), "concern"))
    cause = only(run(N18, values={}, spc={"N18": result}), "special_cause")
    assert cause.sentence == (
        "Neglect CIN plans open more than 12 months shows special-cause variation in 2020-21 Q1 "
        "(35.7%: above the upper control limit): a sign of concern."
    )
    assert cause.severity == 2
    assert cause.numbers["Upper control limit"] == "34.5%"


def test_special_cause_improvement_is_low_severity_and_names_each_rule():
    result = spc_result(SpcPoint(LATEST, D(26), ("shift", "trend"), "improvement"))
    cause = only(run(N18, values={}, spc={"N18": result}), "special_cause")
    assert "a run of quarters on one side of the mean and a run of quarters rising or falling" in cause.sentence
    assert "a sign of improvement" in cause.sentence
    assert cause.severity == 1


@pytest.mark.parametrize(
    "result",
    [
        spc_result(SpcPoint(LATEST, D(31))),  # common cause
        spc_result(SpcPoint(LATEST - 1, D(36), ("outside_limits",), "concern")),  # not the latest quarter
        spc_result(SpcPoint(LATEST, D(36), ("outside_limits",), "concern"), enough=False),
    ],
)
def test_no_special_cause_theme_without_a_signal_in_the_latest_quarter(result: SpcResult):
    assert run(N18, values={}, spc={"N18": result}) == []


# --- implausible values -----------------------------------------------------------------------------------------------


# The analyst's check, as the demo holds it.
N01_CHECK = RelationCheck(
    code="N01",
    other="N16",
    at_least=D("0.5"),
    why=(
        "Neglect is the category of most child protection plans, so a much smaller share of referrals under neglect "
        "suggests it is being recorded under another presenting factor at the front door (the 2020 report: 350 of "
        "3,024 referrals)."
    ),
    question="Is neglect being recorded as the presenting factor at referral, or under another category?",
)
REFERRALS = {("N01", LATEST): pct("N01", LATEST, 350, 3024), ("N16", LATEST): pct("N16", LATEST, 250, 400)}


def test_it_questions_neglect_referrals_far_below_the_share_of_cp_plans_under_neglect():
    odd = only(run(N01, N16, values=REFERRALS, checks=(N01_CHECK,)), "implausible_value")
    assert odd.code == "N01"
    assert odd.sentence == (
        "Referrals where neglect is the presenting factor was 11.6% in 2020-21 Q1, below half of child protection "
        "plans under category neglect (62.5%): the figure may not be representative. " + N01_CHECK.why
    )
    assert odd.question == "Is neglect being recorded as the presenting factor at referral, or under another category?"
    assert odd.numbers["N01 2020-21 Q1"] == "11.6% (350 of 3,024)"
    assert odd.numbers["N16 2020-21 Q1"] == "62.5% (250 of 400)"
    assert odd.numbers["Expected at least"] == "50% of N16"


def test_without_a_check_neglect_referrals_are_not_compared_with_cp_plans():
    assert run(N01, N16, values=REFERRALS) == []


def test_the_checks_factor_decides_what_is_implausible():
    assert run(N01, N16, values=REFERRALS, checks=(replace(N01_CHECK, at_least=D("0.15")),)) == []  # 11.6 >= 9.4
    stricter = only(
        run(N01, N16, values=REFERRALS, checks=(replace(N01_CHECK, at_least=D("0.25")),)), "implausible_value"
    )
    assert "below a quarter of child protection plans under category neglect (62.5%)" in stricter.sentence
    assert stricter.numbers["Expected at least"] == "25% of N16"


def test_a_check_against_an_indicator_not_in_the_dataset_is_ignored():
    assert run(N01, values=REFERRALS, checks=(N01_CHECK,)) == []


def test_neglect_referrals_at_half_the_cp_share_or_more_are_plausible():
    values = {("N01", LATEST): pct("N01", LATEST, 320, 1000), ("N16", LATEST): pct("N16", LATEST, 250, 400)}
    assert run(N01, N16, values=values, checks=(N01_CHECK,)) == []  # 32.0% against 62.5%: more than half


def test_it_questions_a_percentage_far_below_its_own_history():
    values = pct_series("N13", [(92, 100), (90, 100), (94, 100), (91, 100), (60, 100)])  # 60% < 75% of 90%
    odd = only(run(N13, values=values), "implausible_value")
    # The drop is also a fall on the year: one message, led by the doubt about the figure.
    assert odd.sentence == (
        "Neglect referrals decided within 1 working day stood at 60.0% (60 of 100) in 2020-21 Q1, well below its "
        "lowest in the previous 4 quarters (90.0% in 2019-20 Q2): the figure may not be representative. Also: a "
        "sustained fall (down 32.0 percentage points on the year, and down in 3 of the last 4 quarters)."
    )
    assert odd.signals == ("implausible_value", "sustained_fall")


def test_a_dip_within_a_quarter_of_the_lowest_earlier_value_is_not_questioned():
    values = pct_series("N13", [(92, 100), (90, 100), (94, 100), (91, 100), (70, 100)])  # 70% >= 67.5%
    assert "implausible_value" not in [t.kind for t in run(N13, values=values)]


def test_too_little_history_is_not_questioned():
    values = pct_series("N13", [(92, 100), (90, 100), (94, 100), (40, 100)])  # only 3 earlier quarters
    assert "implausible_value" not in [t.kind for t in run(N13, values=values)]


# --- data gap ---------------------------------------------------------------------------------------------------------


GAP_CODES = ("N08", "N21", "N24", "N26", "N28")


def gap_values(missing: tuple[str, ...], **kwargs: object) -> dict[tuple[str, int], PartnershipValue]:
    everyone = tuple(AGENCIES)
    present = tuple(a for a in everyone if a not in missing)
    return {
        (code, LATEST): count(code, LATEST, 10, expected=everyone, contributors=present, **kwargs) for code in GAP_CODES
    }


def gap_run(values: Mapping[tuple[str, int], PartnershipValue]) -> list[Theme]:
    infos = [replace(N28, code=code, title=f"Indicator {code}") for code in GAP_CODES]
    return run(*infos, values=values)


def test_it_names_the_agencies_whose_figures_are_missing():
    gap = only(gap_run(gap_values(("CCG", "EDU", "Police"))), "data_gap")
    assert gap.code == ""
    assert gap.sentence == (
        "No accepted 2020-21 Q1 figures yet from West Sussex CCG (5 indicators), Education (5) and Sussex Police (5): "
        "partnership values for those indicators are partial."
    )
    assert gap.severity == 2  # a third of agencies, not more
    assert gap.numbers["Agencies missing"] == "3 of 9"
    assert gap.numbers["West Sussex CCG"] == "5 indicators"


def test_a_gap_of_more_than_a_third_of_agencies_is_high_severity():
    gap = only(gap_run(gap_values(("CCG", "EDU", "Police", "CVS"))), "data_gap")
    assert gap.severity == 3


def test_marking_a_figure_not_available_is_not_a_gap():
    assert gap_run(gap_values(("CCG",), not_available=("CCG",))) == []
    assert gap_run(gap_values(())) == []


# --- one message per indicator --------------------------------------------------------------------------------------


def concern_at_latest(code: str) -> dict[str, SpcResult]:
    point = SpcPoint(LATEST, D("35.7"), ("outside_limits",), "concern")
    return {code: replace(spc_result(point), code=code)}


def test_an_indicators_signals_are_one_message_led_by_the_strongest():
    # N18 as in the demo: drift, special cause and a sustained rise, once.
    values = pct_series("N18", [(139, 420), (140, 420), (141, 420), (145, 420), (150, 420)])
    (theme,) = run(N18, values=values, comparisons=rag("N18", "red"), spc=concern_at_latest("N18"))
    assert (theme.code, theme.kind, theme.severity) == ("N18", "possible_drift", 3)
    assert theme.signals == ("possible_drift", "sustained_rise", "special_cause")
    assert theme.sentence.endswith(
        ": possible drift. Also: a sustained rise (up 2.6 percentage points on the year, and up in 4 of the last 4 "
        "quarters); special cause concern (above the upper control limit)."
    )
    assert theme.question == "Which plans have been open longest, and what is stopping them moving on?"
    # The lead's figures first; the others add theirs.
    assert theme.numbers["2020-21 Q1"] == "35.7% (150 of 420)"
    assert theme.numbers["Change on the year"] == "2.6 percentage points"
    assert theme.numbers["Upper control limit"] == "34.5%"
    assert (theme.quarter, theme.objective) == (LATEST, "respond")


def test_separate_tests_agreeing_on_a_worsening_raise_the_severity_one_step():
    values = pct_series("N29", [(20, 101), (24, 100), (23, 100), (22, 100), (25, 105)])
    (theme,) = run(N29, values=values, comparisons=rag("N29", "red"), spc=concern_at_latest("N29"))
    # Each alone is medium; the rise leads the missed target, and SPC comes last, as evidence.
    assert theme.signals == ("sustained_rise", "target_missed", "special_cause")
    assert theme.kind == "sustained_rise" and theme.severity == 3
    assert "Also: red against a target of 15%; special cause concern (above the upper control limit)." in (
        theme.sentence
    )


def test_signals_that_do_not_agree_on_a_worsening_keep_the_leads_severity():
    values = pct_series("N29", [(20, 101), (24, 100), (23, 100), (22, 100), (25, 105)])
    improving = {"N29": replace(spc_result(SpcPoint(LATEST, D(26), ("shift",), "improvement")), code="N29")}
    (theme,) = run(N29, values=values, spc=improving)
    assert theme.signals == ("sustained_rise", "special_cause") and theme.severity == 2

    # A doubtful figure questions the fall rather than agreeing with it.
    doubtful = pct_series("N13", [(92, 100), (90, 100), (94, 100), (91, 100), (60, 100)])
    (theme,) = run(N13, values=doubtful)
    assert theme.signals == ("implausible_value", "sustained_fall") and theme.severity == 2


def test_at_most_one_theme_per_indicator_and_the_data_gap_stays_apart():
    values = {
        **pct_series("N18", [(139, 420), (140, 420), (141, 420), (145, 420), (150, 420)]),
        ("N13", LATEST): pct("N13", LATEST, 72, 100, expected=("CSC", "Police"), contributors=("CSC",)),
    }
    found = run(
        N13, N18, values=values, comparisons={**rag("N18", "red"), **rag("N13", "red")}, spc=concern_at_latest("N18")
    )
    assert [(t.code, t.kind) for t in found] == [("N18", "possible_drift"), ("", "data_gap"), ("N13", "target_missed")]
    assert found[1].signals == ("data_gap",) and found[1].objective == ""


def test_themes_of_equal_severity_follow_the_strategys_order_of_objectives():
    evaluate = replace(N29, code="N05")  # an Evaluate indicator with a code before N13's
    values = {
        **pct_series("N05", [(20, 101), (24, 100), (23, 100), (22, 100), (25, 105)]),
        ("N13", LATEST): pct("N13", LATEST, 72, 100),
    }
    found = run(evaluate, N13, values=values, comparisons=rag("N13", "red"))
    assert [(t.severity, t.code) for t in found] == [(2, "N13"), (2, "N05")]


# --- new, or holding since ------------------------------------------------------------------------------------------


def test_a_theme_that_did_not_hold_the_quarter_before_is_new():
    values = pct_series("N29", [(20, 101), (24, 100), (23, 100), (22, 100), (25, 105)])
    (theme,) = run(N29, values=values)
    assert theme.since == theme.quarter == LATEST
    assert theme.numbers["Held"] == "New this quarter"


def test_it_says_how_long_a_rise_has_held():
    # Up every quarter for ten quarters: a year-on-year rise first shows five quarters in, then holds.
    (theme,) = run(N28, values=count_series("N28", [40, 42, 44, 46, 48, 50, 52, 54, 56, 58]))
    assert theme.kind == "sustained_rise"
    assert theme.since == LATEST - 5
    assert theme.numbers["Held"] == "Holding since 2018-19 Q4 (6 quarters)"


def test_a_different_lead_the_quarter_before_breaks_the_run():
    values = pct_series("N18", [(100, 420), (110, 420), (120, 420), (130, 420), (140, 420), (150, 420)])
    comparisons = {("N18", LATEST - 1): Comparison("N18", LATEST - 1, rag="red")}  # drift led then; green now
    (theme,) = run(N18, values=values, comparisons=comparisons)
    assert theme.kind == "sustained_rise" and theme.numbers["Held"] == "New this quarter"


SHIFT = [295, 305, 295, 305, 295, 305, 295, 305, 295, 310, 312, 310, 312, 310, 312, 310, 312]  # per 1,000


def test_special_cause_held_since_reads_the_series_as_it_stood_each_quarter():
    values = pct_series("N18", [(n, 1000) for n in SHIFT])
    points = [(q, v.value) for (_, q), v in sorted(values.items())]
    reading = spc_module.xmr(code="N18", points=points, polarity="lower")
    (theme,) = run(N18, values=values, spc={"N18": reading})
    # Seven quarters above the mean now and eight the quarter before, but only six before that: a run of two.
    assert (theme.kind, theme.since) == ("special_cause", LATEST - 1)
    assert theme.numbers["Held"] == "Holding since 2019-20 Q4 (2 quarters)"


def test_earlier_quarters_are_read_with_the_process_changes_started_by_then(monkeypatch):
    calls = []
    real = spc_module.xmr

    def recording(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(spc_module, "xmr", recording)
    values = pct_series("N18", [(n, 1000) for n in SHIFT])
    early = ProcessChangeInfo("N18", LATEST - 8, "new recording system")
    late = ProcessChangeInfo("N18", LATEST, "new team")
    run(N18, values=values, spc=concern_at_latest("N18"), changes={"N18": (early, late)})
    first = calls[0]
    assert first["code"] == "N18" and first["polarity"] == "lower"
    assert [q for q, _ in first["points"]] == list(range(LATEST - 16, LATEST))
    assert first["changes"] == (early,)


def test_a_year_to_date_indicator_is_never_read_again_by_xmr(monkeypatch):
    monkeypatch.setattr(spc_module, "xmr", lambda **kwargs: pytest.fail("XmR on a year-to-date series"))
    ytd = replace(N28, accumulation="year_to_date")
    # Ahead of the same quarter a year before in each of the last four quarters (a year-to-date rise).
    (theme,) = run(ytd, values=count_series("N28", [10, 20, 30, 40, 20, 35, 50, 70]))
    assert theme.kind == "sustained_rise"


def test_a_data_gap_holds_while_earlier_quarters_had_gaps_too():
    values = gap_values(("CCG",))
    for (code, _), value in list(values.items()):
        values[(code, LATEST - 1)] = replace(value, quarter=LATEST - 1)
        values[(code, LATEST - 2)] = replace(value, quarter=LATEST - 2, contributors=tuple(AGENCIES))
    gap = only(gap_run(values), "data_gap")
    assert gap.since == LATEST - 1 and gap.numbers["Held"] == "Holding since 2019-20 Q4 (2 quarters)"


# --- order and purity -------------------------------------------------------------------------------------------------


def test_themes_come_most_severe_first_then_by_objective_then_by_code():
    values = {
        **pct_series("N18", [(139, 420), (150, 420)]),  # red drift: 3
        **pct_series("N29", [(20, 101), (24, 100), (23, 100), (22, 100), (25, 105)]),  # worsening rise: 2
        **pct_series("N16", [(292, 416), (280, 410), (283, 405), (265, 400), (250, 400)]),  # fall: 1
        ("N01", LATEST): pct("N01", LATEST, 350, 3024),  # implausible: 2
        ("N13", LATEST): pct("N13", LATEST, 72, 100, expected=("CSC", "Police"), contributors=("CSC",)),  # gap: 2
    }
    comparisons = {**rag("N18", "red"), **rag("N13", "red")}
    found = run(N01, N13, N16, N18, N29, values=values, comparisons=comparisons, checks=(N01_CHECK,))
    # Recognise (N01), Respond (N13), Evaluate (N29); the data gap, about the collection, first among its equals.
    assert [(t.severity, t.code, t.kind) for t in found] == [
        (3, "N18", "possible_drift"),
        (2, "", "data_gap"),
        (2, "N01", "implausible_value"),
        (2, "N13", "target_missed"),
        (2, "N29", "sustained_rise"),
        (1, "N16", "sustained_fall"),
    ]
    assert [t.objective for t in found] == ["respond", "", "recognise", "respond", "evaluate", "quantify"]
    assert key_messages(found) == found[:KEY_MESSAGES] and KEY_MESSAGES == 5


def test_nothing_in_nothing_out():
    assert run(N18, values={}) == []


def test_the_module_is_pure():
    tree = ast.parse(Path(themes_module.__file__).read_text())
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""])
    }
    assert not any(name.startswith(("django", "models", "dataset.models")) for name in imported), imported


# --- year-to-date indicators -----------------------------------------------------------------------------------------
def _ytd_info(**overrides) -> IndicatorInfo:
    fields = {
        "code": "N27",
        "title": "Practitioners trained against plan",
        "unit": "count",
        "polarity": "higher",
        "objective": "recognise",
        "target": Decimal(100),
        "red_threshold": Decimal(60),
        "accumulation": "year_to_date",
    }
    return IndicatorInfo(**(fields | overrides))


def _ytd_values(series: dict[int, int]) -> dict[tuple[str, int], PartnershipValue]:
    return {("N27", q): PartnershipValue(code="N27", quarter=q, value=Decimal(v)) for q, v in series.items()}


def test_a_year_to_date_figure_that_climbs_within_each_year_is_not_a_sustained_rise():
    """Q1 to Q4 always climbs (it adds up from April); a rise means ahead of the same quarter a year before."""
    info = _ytd_info(target=None, red_threshold=None)
    # 2019-20 and 2020-21 at the same pace: each quarter equals the same quarter a year earlier.
    base = 2019 * 4
    series = {base + i: v for i, v in enumerate([20, 45, 70, 95, 20, 45, 70, 95])}
    themes = find_themes(
        indicators={"N27": info}, values=_ytd_values(series), comparisons={}, spc={}, latest=base + 7, agencies={}
    )
    assert not any("sustained_rise" in t.signals or t.kind == "sustained_rise" for t in themes)


def test_a_year_to_date_target_is_stated_pro_rata_for_the_quarter():
    info = _ytd_info()
    latest = 2020 * 4  # 2020-21 Q1: a quarter of the year's plan is due
    values = _ytd_values({latest: 10})
    comparisons = {("N27", latest): Comparison(code="N27", quarter=latest, rag="red")}
    (theme,) = [
        t
        for t in find_themes(
            indicators={"N27": info}, values=values, comparisons=comparisons, spc={}, latest=latest, agencies={}
        )
        if t.code == "N27"
    ]
    assert "pro-rata target of 25 by Q1 (100 by the year end)" in theme.sentence
    assert "red below 15" in theme.sentence
    assert theme.numbers["Target by Q1"] == "25"
