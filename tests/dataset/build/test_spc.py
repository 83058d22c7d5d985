"""The XmR chart, alone: each rule on a series built to trigger it and on one that must not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dataset.build.figures import SpcResult
from dataset.build.spc import xmr

D = Decimal
START = 8080  # 2020-21 Q1


def chart(values: list[str | int], polarity: str = "higher", **kw: int) -> SpcResult:
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
