"""The dataset on the demo partnership: the report's themes found automatically, with their numbers."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.demo import seed_partnership
from dataset import demo
from dataset.catalogue.loader import load_demo_catalogue
from dataset.models import DatasetTheme


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
    (theme,) = themes(demo_snapshot, "implausible_value", "N01")
    assert "350 neglect referrals against 3,024 referrals (11.6%)" in theme.sentence
    assert "62.5%" in theme.sentence


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
