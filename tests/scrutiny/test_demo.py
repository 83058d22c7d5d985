"""The demo's scrutiny: the framework, the July 2020 audit, voice of children and practitioners, the event."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from actionplans.demo import seed_action_plans
from agencies.demo import seed_partnership
from dataset import demo as dataset_demo
from dataset.catalogue.loader import load_demo_catalogue
from dataset.catalogue.periods import Quarter
from dataset.models import DatasetSnapshot, DatasetValue
from scrutiny.demo import seed_scrutiny
from scrutiny.models import Audit, EvidenceItem, EvidenceSource, ImpactOutcome, ScrutinyEvent, TrainingSession


@pytest.fixture
def seeded(db):
    today = timezone.localdate()
    seed_partnership()
    load_demo_catalogue()
    dataset_demo.seed_returns(today=today)
    seed_action_plans(today=today)
    dataset_demo.seed_snapshot()
    return seed_scrutiny(today=today)


def test_it_is_safe_to_run_twice(seeded):
    counts = (ImpactOutcome.objects.count(), Audit.objects.count(), EvidenceItem.objects.count())
    again = seed_scrutiny(today=timezone.localdate())
    assert again == seeded
    assert (ImpactOutcome.objects.count(), Audit.objects.count(), EvidenceItem.objects.count()) == counts


def test_the_framework_and_evidence_come_from_the_report(seeded):
    titles = set(ImpactOutcome.objects.values_list("title", flat=True))
    assert {"Neglect is recognised early", "Plans do not drift", "Practitioners are confident"} <= titles
    drift = ImpactOutcome.objects.get(title="Plans do not drift")
    assert "N18" in set(drift.indicators.values_list("code", flat=True))
    audit = Audit.objects.get()
    assert audit.period.label == "2020-21 Q1" and audit.cases.count() == 20
    assert audit.cases.values("agency").distinct().count() >= 5
    child = EvidenceItem.objects.get(source=EvidenceSource.VOICE_CHILDREN)
    assert "did not know they were on a plan" in child.summary and "School is where I feel safe." in child.quotes
    assert TrainingSession.objects.filter(mean_after__gt=0).count() == 2


def test_the_september_2020_event_uses_the_published_snapshot(seeded):
    event = ScrutinyEvent.objects.get(title="September 2020 scrutiny event")
    assert event.snapshot is not None and event.snapshot.published_at is not None
    assert event.outcomes.count() == ImpactOutcome.objects.count()
    assert sorted(p.label for p in event.periods.all()) == ["2019-20 Q4", "2020-21 Q1"]


def test_the_audits_cases_come_only_from_the_agencies_taking_part(seeded):
    audit = Audit.objects.get()
    taking_part = set(audit.auditor_agencies.values_list("pk", flat=True))
    with_cases = set(audit.cases.values_list("agency", flat=True))
    assert len(taking_part) == 5
    assert with_cases == taking_part


def test_the_training_sessions_match_the_datasets_confidence_figures(seeded):
    snapshot = DatasetSnapshot.objects.filter(published_at__isnull=False).latest("published_at")
    by_quarter: dict[int, tuple[Decimal, int]] = {}
    for session in TrainingSession.objects.all():
        quarter = Quarter.containing(session.held_on).index
        total, respondents = by_quarter.get(quarter, (Decimal(0), 0))
        change = (session.mean_after - session.mean_before) * session.respondents
        by_quarter[quarter] = (total + change, respondents + session.respondents)
    assert len(by_quarter) == 2
    for quarter, (total, respondents) in by_quarter.items():
        value = DatasetValue.objects.get(snapshot=snapshot, code="N33", quarter=quarter)
        assert value.denominator == respondents
        assert value.numerator == total
        assert round(value.value, 2) == round(total / respondents, 2)
