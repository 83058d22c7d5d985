"""Behaviour of the pure theme finder: hand-made partnership values in, sentences for the Working Group out."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from dataset.build import themes as themes_module
from dataset.build.figures import Comparison, IndicatorInfo, PartnershipValue, SpcPoint, SpcResult, Theme
from dataset.build.themes import find_themes
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
) -> list[Theme]:
    return find_themes(
        indicators={i.code: i for i in infos},
        values=values,
        comparisons=comparisons or {},
        spc=spc or {},
        latest=LATEST,
        agencies=AGENCIES,
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
    assert drift.sentence == (
        "Neglect CIN plans open more than 12 months stood at 35.7% (150 of 420) in 2020-21 Q1, against a target "
        "of 25% (red above 35%), with no improvement on 2019-20 Q1 (33.1%): possible drift."
    )
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


def test_it_questions_neglect_referrals_far_below_the_share_of_cp_plans_under_neglect():
    values = {("N01", LATEST): pct("N01", LATEST, 350, 3024), ("N16", LATEST): pct("N16", LATEST, 250, 400)}
    odd = only(run(N01, N16, values=values), "implausible_value")
    assert odd.code == "N01"
    assert odd.sentence == (
        "350 neglect referrals against 3,024 referrals (11.6%) in 2020-21 Q1, while 62.5% of child protection "
        "plans are under neglect: the neglect referral figure may not be representative."
    )
    assert odd.question == "Is neglect being recorded as the presenting factor at referral, or under another category?"
    assert odd.numbers["N01 2020-21 Q1"] == "11.6% (350 of 3,024)"
    assert odd.numbers["N16 2020-21 Q1"] == "62.5% (250 of 400)"


def test_neglect_referrals_at_half_the_cp_share_or_more_are_plausible():
    values = {("N01", LATEST): pct("N01", LATEST, 320, 1000), ("N16", LATEST): pct("N16", LATEST, 250, 400)}
    assert run(N01, N16, values=values) == []  # 32.0% against 62.5%: more than half


def test_it_questions_a_percentage_far_below_its_own_history():
    values = pct_series("N13", [(92, 100), (90, 100), (94, 100), (91, 100), (60, 100)])  # 60% < 75% of 90%
    odd = only(run(N13, values=values), "implausible_value")
    assert odd.sentence == (
        "Neglect referrals decided within 1 working day stood at 60.0% (60 of 100) in 2020-21 Q1, well below its "
        "lowest in the previous 4 quarters (90.0% in 2019-20 Q2): the figure may not be representative."
    )


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


# --- order and purity -------------------------------------------------------------------------------------------------


def test_themes_come_most_severe_first_then_by_indicator_code():
    values = {
        **pct_series("N18", [(139, 420), (150, 420)]),  # red drift: 3
        **pct_series("N29", [(20, 101), (24, 100), (23, 100), (22, 100), (25, 105)]),  # worsening rise: 2
        **pct_series("N16", [(292, 416), (280, 410), (283, 405), (265, 400), (250, 400)]),  # fall: 1
        ("N01", LATEST): pct("N01", LATEST, 350, 3024),  # implausible: 2
        ("N13", LATEST): pct("N13", LATEST, 72, 100, expected=("CSC", "Police"), contributors=("CSC",)),  # gap: 2
    }
    comparisons = {**rag("N18", "red"), **rag("N13", "red")}
    found = run(N01, N13, N16, N18, N29, values=values, comparisons=comparisons)
    assert [(t.severity, t.code, t.kind) for t in found] == [
        (3, "N18", "possible_drift"),
        (2, "", "data_gap"),
        (2, "N01", "implausible_value"),
        (2, "N13", "target_missed"),
        (2, "N29", "sustained_rise"),
        (1, "N16", "sustained_fall"),
    ]


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
