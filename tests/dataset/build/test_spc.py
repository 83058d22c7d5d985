"""The XmR chart, alone: each rule on a series built to trigger it and on one that must not."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from dataset.build.figures import ProcessChangeInfo, SpcResult
from dataset.build.spc import xmr

D = Decimal
START = 8080  # 2020-21 Q1


def chart(values: list[str | int], polarity: str = "higher", **kw) -> SpcResult:
    return xmr(code="N01", points=[(START + i, D(v)) for i, v in enumerate(values)], polarity=polarity, **kw)


def marked(result: SpcResult, rule: str) -> list[int]:
    """Positions (0 = oldest) of the points carrying `rule`."""
    return [i for i, p in enumerate(result.points) if rule in p.rules]


def test_limits_are_the_mean_plus_and_minus_2_66_mean_moving_ranges():
    # Mean 11; every moving range is 2; 2.66 x 2 = 5.32.
    result = chart([10, 12] * 6)
    assert result.enough_data
    assert (result.mean, result.upper, result.lower) == (D(11), D("16.32"), D("5.68"))
    assert all(p.rules == () and p.assessment == "" for p in result.points)
    assert result.message == "The latest point is common cause variation: within the limits and no pattern."


def test_limits_are_not_clipped_at_zero():
    # Mean 3; moving ranges 2, 1, 4: mean 7/3; 2.66 x 7/3 = 6.206667.
    result = chart([1, 3, 2, 6], min_points=4)
    assert (result.mean, result.upper, result.lower) == (D(3), D("9.206667"), D("-3.206667"))


def test_fewer_than_twelve_points_is_not_enough_data():
    result = chart([5, 6, 7, 8, 9, 10, 11, 12, 40])
    assert not result.enough_data
    assert result.message == "Not enough data for statistical process control: 9 quarters; at least 12 are needed."
    assert result.mean is None and result.upper is None and result.lower is None
    assert [p.value for p in result.points] == [D(v) for v in (5, 6, 7, 8, 9, 10, 11, 12, 40)]
    assert all(p.rules == () and p.assessment == "" for p in result.points)
    assert result.points[0].quarter == START


def test_a_point_above_the_upper_limit_is_special_cause():
    # Mean 14.333; moving ranges 8 x 9, 4, 28: mean 104/11; upper 14.333 + 25.149 = 39.48.
    result = chart([8, 16] * 5 + [12, 40], polarity="lower")
    assert result.upper == D("39.482424")
    assert marked(result, "outside_limits") == [11]
    assert result.latest is not None and result.latest.assessment == "concern"
    assert result.message == "The latest point shows special cause concern (above the upper limit)."


def test_a_point_just_inside_the_limit_is_not():
    result = chart([8, 16] * 5 + [12, 38])  # upper 38.83
    assert marked(result, "outside_limits") == []


def test_a_point_below_the_lower_limit_is_special_cause():
    result = chart([40, 32] * 5 + [36, 8])
    assert marked(result, "outside_limits") == [11]
    assert result.points[11].assessment == "concern"


def test_seven_points_on_one_side_of_the_mean_are_a_shift():
    # Mean 14.75: five points above it, then seven below.
    result = chart([16, 17, 16, 17, 16, 14, 13, 14, 13, 14, 13, 14])
    assert result.mean == D("14.75")
    assert marked(result, "shift") == [5, 6, 7, 8, 9, 10, 11]
    assert result.points[11].assessment == "concern"
    assert result.message == "The latest point shows special cause concern (shift: 7 quarters below the mean)."


def test_six_points_on_one_side_of_the_mean_are_not_a_shift():
    result = chart([16, 17, 16, 17, 16, 17, 14, 13, 14, 13, 14, 13])  # mean 15: six above, six below
    assert result.mean == D(15)
    assert marked(result, "shift") == []


def test_a_point_on_the_mean_breaks_a_shift():
    # 144 / 12 = mean 12: the 12 splits seven low points into two runs of three.
    on_the_mean = chart([14, 15, 14, 15, 14, 10, 10, 10, 12, 10, 10, 10])
    assert on_the_mean.mean == D(12)
    assert marked(on_the_mean, "shift") == []
    # The same with 11 instead: the mean is 143 / 12 = 11.92 and all seven are below it.
    below_it = chart([14, 15, 14, 15, 14, 10, 10, 10, 11, 10, 10, 10])
    assert marked(below_it, "shift") == [5, 6, 7, 8, 9, 10, 11]


def test_seven_points_each_higher_than_the_one_before_are_a_trend():
    result = chart([14, 10, 14, 10, 14, 10, 11, 12, 13, 14, 15, 16])
    assert marked(result, "trend") == [5, 6, 7, 8, 9, 10, 11]
    assert marked(result, "shift") == []
    assert all(result.points[i].assessment == "improvement" for i in range(5, 12))
    assert result.message.startswith("The latest point shows special cause improvement (trend: 7 quarters rising")


def test_six_rising_points_are_not_a_trend():
    result = chart([14, 10, 14, 10, 14, 10, 14, 11, 12, 13, 14, 15])
    assert marked(result, "trend") == []


def test_an_equal_step_breaks_a_trend():
    result = chart([14, 10, 14, 10, 14, 10, 11, 12, 12, 13, 14, 15])
    assert marked(result, "trend") == []


def test_a_falling_trend_is_an_improvement_when_lower_is_better():
    result = chart([10, 14, 10, 14, 10, 14, 13, 12, 11, 10, 9, 8], polarity="lower")
    assert marked(result, "trend") == [5, 6, 7, 8, 9, 10, 11]
    assert result.points[11].assessment == "improvement"
    assert "trend: 7 quarters falling" in result.message


def test_two_of_three_points_near_a_limit_are_special_cause():
    # Mean 11.833; moving ranges 2 x 9, 4, 0: mean 2; two-thirds of 5.32 above the mean is 15.38.
    result = chart([10, 12] * 5 + [16, 16])
    assert marked(result, "two_of_three") == [10, 11]
    assert marked(result, "outside_limits") == []
    assert result.message == (
        "The latest point shows special cause improvement (2 of 3 quarters close to the upper limit)."
    )


def test_one_of_three_points_near_a_limit_is_not():
    result = chart([10, 12] * 5 + [16, 12])
    assert marked(result, "two_of_three") == []
    assert result.message == "The latest point is common cause variation: within the limits and no pattern."


def test_two_near_points_on_opposite_sides_are_not_two_of_three():
    # Mean 253 / 23 = 11; moving ranges 2 x 19, 4, 10, 5: mean 57/22; two-thirds of the way is 4.59 either side.
    result = chart([10, 12] * 10 + [16, 6, 11])
    assert result.mean == D(11)
    two_thirds = (result.upper - result.mean) * 2 / 3
    assert D(16) > result.mean + two_thirds and D(6) < result.mean - two_thirds  # both beyond...
    assert result.lower < D(6) and D(16) < result.upper  # ...and within the limits
    assert marked(result, "two_of_three") == []
    assert marked(result, "outside_limits") == []


@pytest.mark.parametrize(
    ("polarity", "assessment", "words"),
    [("higher", "concern", "concern"), ("lower", "improvement", "improvement"), ("neither", "neutral", "variation")],
)
def test_the_assessment_follows_the_polarity(polarity, assessment, words):
    result = chart([16, 17, 16, 17, 16, 14, 13, 14, 13, 14, 13, 14], polarity=polarity)  # a shift below the mean
    assert {result.points[i].assessment for i in range(5, 12)} == {assessment}
    assert result.message.startswith(f"The latest point shows special cause {words} (shift")


def test_a_point_can_carry_several_rules():
    # Mean 12.68, upper 21.04, two-thirds of the way up 18.26: 40 is above the limit, and with 19 it is
    # 2 of 3 close to it.
    result = chart([10, 12] * 10 + [19, 40])
    assert result.points[20].rules == ("two_of_three",)
    assert result.points[21].rules == ("outside_limits", "two_of_three")
    assert result.message == (
        "The latest point shows special cause improvement "
        "(above the upper limit; 2 of 3 quarters close to the upper limit)."
    )


# --- phases (issue 12): limits per phase, exact comparisons, a suggested phase -----------------------------------
def changes(*at: tuple[int, str]) -> tuple[ProcessChangeInfo, ...]:
    return tuple(ProcessChangeInfo(code="N01", quarter=START + i, reason=reason) for i, reason in at)


def test_a_point_exactly_on_the_upper_limit_is_inside_it():
    # Issue 12: the mean is 5902 / 20 and the mean moving range 4635 / 19, so the upper limit is exactly 944.
    # The old Decimal arithmetic rounded the limit a hair below 944 and flagged the point.
    series = [402, 268, 335, 134, 0, 335, 0, 134, 536, 268, 944, 469, 201, 469, 469, 67, 0, 201, 201, 469]
    result = chart(series)
    assert Fraction(5902, 20) + Fraction(266, 100) * Fraction(4635, 19) == 944
    assert result.upper == D(944)
    assert marked(result, "outside_limits") == []
    assert result.points[10].rules == ()


def test_a_point_exactly_on_the_two_thirds_line_is_not_beyond_it():
    # The 15 is beyond two-thirds of the way to the upper limit; the next point is exactly on that line
    # (mean 6883/625, mean moving range 27/15), so it is not the second of 2 of 3. A hair higher, it is.
    series = [10, 9, 11, 9, 12, 12, 10, 12, 9, 10, 12, 15, "14.2048", 10, 10, 11]
    on_the_line = chart(series)
    assert Fraction(6883, 625) + Fraction(266, 100) * Fraction(27, 15) * Fraction(2, 3) == Fraction("14.2048")
    assert marked(on_the_line, "two_of_three") == []
    above_it = chart(series[:12] + ["14.2049"] + series[13:])
    assert marked(above_it, "two_of_three") == [11, 12]


def test_each_phase_has_its_own_mean_and_limits():
    # Twelve quarters around 10, then a process change and twelve around 20: one phase each.
    result = chart([9, 11] * 6 + [19, 21] * 6, changes=changes((12, "Neglect Strategy launched")))
    assert [(p.start, p.end, p.reason, p.enough_data) for p in result.phases] == [
        (START, START + 11, "", True),
        (START + 12, START + 23, "Neglect Strategy launched", True),
    ]
    first, second = result.phases
    # The moving range across the change (11 -> 19) belongs to neither phase: each has ranges of 2 only.
    assert (first.mean, first.upper, first.lower) == (D(10), D("15.32"), D("4.68"))
    assert (second.mean, second.upper, second.lower) == (D(20), D("25.32"), D("14.68"))
    assert (result.mean, result.upper, result.lower) == (second.mean, second.upper, second.lower)
    # Judged against its own phase, nothing is special; judged as one series, the step would be a shift.
    assert all(p.rules == () for p in result.points)
    assert marked(chart([9, 11] * 6 + [19, 21] * 6), "shift") != []
    assert result.message == (
        "The latest point is common cause variation: within the limits and no pattern. "
        "Limits are those of the current phase (since 2023-24 Q1: Neglect Strategy launched)."
    )


def test_a_phase_with_fewer_than_twelve_points_gets_no_limits_and_its_points_are_not_judged():
    # A lockdown in the last quarter: a phase of one point, far above the earlier limits, not called anything.
    result = chart([9, 11] * 8 + [40], changes=changes((16, "COVID-19 lockdown")))
    assert [p.enough_data for p in result.phases] == [True, False]
    assert result.phases[1].mean is None and result.phases[1].upper is None
    assert not result.enough_data and result.mean is None and result.upper is None
    assert result.points[16].rules == () and result.points[16].assessment == ""
    assert result.message == (
        "The current phase (since 2024-25 Q1: COVID-19 lockdown) has 1 quarter; limits need 12. "
        "Its points are not judged until then."
    )


def test_the_earlier_phase_is_still_judged_when_the_latest_is_too_short():
    result = chart([9, 11] * 5 + [9, 30] + [10] * 3, changes=changes((12, "COVID-19 lockdown")))
    assert result.phases[0].enough_data
    assert marked(result, "outside_limits") == [11]


def test_changes_before_the_first_point_or_after_the_last_are_ignored():
    series = [10, 12] * 6
    plain = chart(series)
    result = chart(series, changes=changes((-3, "Before"), (12, "After")))
    assert [(p.start, p.end, p.reason) for p in result.phases] == [(START, START + 11, "")]
    assert (result.mean, result.upper, result.lower) == (plain.mean, plain.upper, plain.lower)


def test_a_change_in_a_missing_quarter_starts_the_phase_at_the_next_point():
    points = [(START + i, D(v)) for i, v in enumerate([10, 12] * 6)] + [(START + 14 + i, D(20)) for i in range(3)]
    result = xmr(code="N01", points=points, polarity="higher", changes=changes((13, "New recording rule")))
    assert [(p.start, p.end, p.reason) for p in result.phases] == [
        (START, START + 11, ""),
        (START + 13, START + 16, "New recording rule"),
    ]


def test_a_shift_that_persists_at_the_latest_point_suggests_a_phase_and_does_not_start_one():
    # Five around 10, then seven at 14 to 15 to the latest point: a shift above the mean that still holds.
    result = chart([10, 9, 10, 9, 10, 14, 15, 14, 15, 14, 15, 14])
    assert marked(result, "shift") == [5, 6, 7, 8, 9, 10, 11]
    assert result.suggested_start == START + 5
    assert result.suggestion == (
        "7 quarters in a row above the mean since 2021-22 Q2: if something changed then, record it as a process "
        "change so the limits are recalculated."
    )
    assert len(result.phases) == 1  # suggested, never applied


def test_a_shift_that_has_ended_suggests_nothing():
    result = chart([14, 15, 14, 15, 14, 15, 14, 10, 9, 10, 9, 10])
    assert marked(result, "shift") == [0, 1, 2, 3, 4, 5, 6]
    assert result.suggested_start is None and result.suggestion == ""


def test_a_series_with_too_few_points_suggests_nothing():
    result = chart([14, 15, 14, 15, 14, 15, 14])
    assert result.suggested_start is None and result.suggestion == ""
