"""The dataset on the demo partnership: the report's themes found automatically, with their numbers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.demo import seed_partnership
from dataset import demo
from dataset.catalogue.loader import load_demo_catalogue
from dataset.models import DatasetTheme, ProcessChange


@pytest.fixture
def demo_snapshot(db):
    seed_partnership()
    load_demo_catalogue()
    demo.seed_returns(today=timezone.localdate())
    return demo.seed_snapshot()


def themes(snapshot, kind, code=""):
    return [t for t in DatasetTheme.objects.filter(snapshot=snapshot, kind=kind) if not code or t.code == code]


def test_the_demo_dataset_is_built_published_and_measured_against_2019_20_q1(demo_snapshot):
    assert demo_snapshot.published_at is not None
    assert demo_snapshot.values.get(code="N18", quarter=demo_snapshot.latest_quarter).numerator == 150
    assert demo_snapshot.baseline_quarter == 2019 * 4


def test_it_finds_the_drift_in_long_cin_plans(demo_snapshot):
    (theme,) = themes(demo_snapshot, "possible_drift", "N18")
    assert "35.7%" in theme.sentence and "150 of 420" in theme.sentence and theme.severity == 3


def test_it_finds_the_rise_in_repeat_neglect_cp_plans(demo_snapshot):
    (theme,) = themes(demo_snapshot, "sustained_rise", "N29")
    assert "23.8%" in theme.sentence and "up 4.0 percentage points on the year" in theme.sentence


def test_it_finds_the_fall_in_number_and_share_of_cp_plans_under_neglect(demo_snapshot):
    (theme,) = themes(demo_snapshot, "sustained_fall", "N16")
    assert "to 250 (62.5%)" in theme.sentence and "down in number and share" in theme.sentence


def test_it_questions_350_neglect_referrals_against_3024(demo_snapshot):
    # The analyst's check of N01 against N16, held as data in the demo.
    (theme,) = themes(demo_snapshot, "implausible_value", "N01")
    assert "was 11.6% in 2020-21 Q1, below half of child protection plans under category neglect (62.5%)" in (
        theme.sentence
    )
    assert theme.numbers["N01 2020-21 Q1"] == "11.6% (350 of 3,024)"


def test_each_indicator_has_at_most_one_theme_and_says_whether_it_is_new(demo_snapshot):
    found = list(DatasetTheme.objects.filter(snapshot=demo_snapshot))
    codes = [t.code for t in found]
    assert len(codes) == len(set(codes))
    (n18,) = [t for t in found if t.code == "N18"]
    assert n18.signals[0] == "possible_drift" and len(n18.signals) > 1
    assert all(t.quarter == demo_snapshot.latest_quarter and t.since_quarter is not None for t in found)


def test_it_names_the_agencies_whose_2020_21_q1_returns_are_missing(demo_snapshot):
    (theme,) = themes(demo_snapshot, "data_gap")
    for name in ("West Sussex CCG", "Education", "Sussex Police"):
        assert name in theme.sentence
    assert "2020-21 Q1" in theme.sentence


def test_the_most_severe_theme_comes_first_on_the_page(demo_snapshot, client, member):
    client.force_login(member)
    page = client.get(reverse("dataset:dataset")).content.decode()
    assert page.index("possible drift") < page.index("may not be representative")
    assert "35.7%" in page and "The dataset as at" in page


def test_no_q1_of_practitioners_trained_is_red_or_worsening_merely_because_the_year_started_again(demo_snapshot):
    # N27 adds up from April against the year's plan: each Q1 holds a quarter's training, not a year's.
    first_quarters = demo_snapshot.values.filter(code="N27", quarter__in=[y * 4 for y in range(2016, 2021)])
    assert first_quarters.count() == 5
    for q1 in first_quarters:
        assert q1.rag != "red" and q1.direction != "worsening", q1.quarter
        assert q1.change_previous is None  # never Q1 against the Q4 before the reset
    reading = demo_snapshot.spc.get(code="N27")
    assert reading.method == "year_to_date" and reading.upper is None and reading.lower is None


def test_the_demo_records_the_strategy_launch_and_the_lockdown_as_process_changes(demo_snapshot):
    recorded = {
        (c.indicator.code, c.period.label, c.reason)
        for c in ProcessChange.objects.select_related("indicator", "period")
    }
    assert recorded == {
        ("N16", "2019-20 Q1", "Neglect Strategy launched"),
        ("N26", "2019-20 Q1", "Neglect Strategy launched"),
        ("N07", "2020-21 Q1", "COVID-19 lockdown"),
        ("N09", "2020-21 Q1", "COVID-19 lockdown"),
        ("N24", "2020-21 Q1", "COVID-19 lockdown"),
        ("N34", "2020-21 Q1", "COVID-19 lockdown"),
    }
    # The impact chronology drive is not called special cause against the years before it: its phase is one quarter.
    n09 = demo_snapshot.spc.get(code="N09")
    assert [(p["reason"], p["enough_data"]) for p in n09.phases] == [("", True), ("COVID-19 lockdown", False)]
    assert n09.message.startswith(
        "The current phase (since 2020-21 Q1: COVID-19 lockdown) has 1 quarter; limits need 12."
    )
    assert demo_snapshot.values.get(code="N09", quarter=demo_snapshot.latest_quarter).spc_rules == []
    # Safe to run twice: nothing more is recorded.
    assert demo.seed_process_changes() == 0
    assert ProcessChange.objects.count() == 6
