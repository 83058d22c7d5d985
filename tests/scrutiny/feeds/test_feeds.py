"""Scrutiny evidence feeds the dataset: an audit's share good or better into N32, training into N33."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import Sector
from dataset.models import HistorySource, Indicator, Polarity, ReportingPeriod, Return, ReturnValue, Unit
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from scrutiny.feeds import services as feeds
from scrutiny.models import Audit, CaseAudit, Grade, TrainingSession
from tests.factories import AgencyFactory


@pytest.fixture
def partnership(db):
    return AgencyFactory(name="Safeguarding Children Partnership", short_name="WSSCP", sector=Sector.PARTNERSHIP)


@pytest.fixture
def quarter(db):
    return ReportingPeriod.objects.create(
        year=2020, quarter=1, opens_on=date(2020, 7, 1), due_on=date(2030, 1, 1), locks_on=date(2030, 2, 1)
    )


@pytest.fixture
def indicators(partnership):
    made = {}
    for code, unit, labels in (
        ("N32", Unit.PERCENTAGE, ("Rated good or better", "Cases audited")),
        ("N33", Unit.MEAN, ("Post minus pre score", "Respondents")),
    ):
        made[code] = Indicator.objects.create(
            code=code,
            title=code,
            definition=".",
            unit=unit,
            numerator_label=labels[0],
            denominator_label=labels[1],
            polarity=Polarity.HIGHER,
            objective=Objective.EVALUATE,
            allow_negative=unit == Unit.MEAN,
        )
        made[code].suppliers.add(partnership)
    return made


@pytest.fixture
def audit(quarter, csc):
    audit = Audit.objects.create(title="July audit", period=quarter, scope="Neglect cases")
    good, poor = Grade.GOOD, Grade.REQUIRES_IMPROVEMENT
    for n, grades in enumerate(((good,) * 4, (good,) * 4, (good, good, poor, good), (Grade.OUTSTANDING,) * 4)):
        CaseAudit.objects.create(
            audit=audit,
            case_reference=f"MAA-{n}",
            agency=csc,
            grade_identification=grades[0],
            grade_history=grades[1],
            grade_impact=grades[2],
            grade_actions=grades[3],
        )
    return audit


def test_an_audit_feeds_n32_into_the_partnerships_return_with_history(audit, indicators, scrutineer, partnership):
    value = feeds.feed_audit(audit=audit, acting_user=scrutineer)
    assert (value.numerator, value.denominator) == ("3", "4")
    ret = Return.objects.get(agency=partnership, period=audit.period)
    assert ret.status == State.DRAFT
    record = ReturnValue.history.filter(id=value.pk).latest("history_date")
    assert (record.history_user, record.history_source) == (scrutineer, HistorySource.SYSTEM)
    assert "July audit" in record.history_change_reason


def test_training_feeds_the_mean_confidence_change_into_n33(quarter, indicators, analyst):
    TrainingSession.objects.create(
        title="A", held_on=date(2020, 5, 1), respondents=10, mean_before=Decimal("5"), mean_after=Decimal("7")
    )
    TrainingSession.objects.create(
        title="B", held_on=date(2020, 6, 1), respondents=30, mean_before=Decimal("6"), mean_after=Decimal("7")
    )
    value = feeds.feed_training(period=quarter, acting_user=analyst)
    assert (value.numerator, value.denominator) == ("50", "40")  # (2 x 10 + 1 x 30) over 40: a mean of 1.25


def test_a_submitted_partnership_return_is_not_overwritten(audit, indicators, scrutineer, partnership):
    Return.objects.create(agency=partnership, period=audit.period, status=State.SUBMITTED)
    with pytest.raises(feeds.FeedRefused, match="ask the partnership analyst to reopen it"):
        feeds.feed_audit(audit=audit, acting_user=scrutineer)
    assert not ReturnValue.objects.exists()


@pytest.mark.parametrize("persona", ["member", "csc_lead", "no_agency_user"])
def test_only_the_scrutineer_and_analyst_can_feed(client, request, audit, indicators, persona, quarter):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(reverse("scrutiny:audit_feed", args=[audit.pk])).status_code == 404
    assert client.post(reverse("scrutiny:training_feed", args=[quarter.pk])).status_code == 404
    assert not ReturnValue.objects.exists()


def test_the_scrutineer_feeds_from_the_audit_page(client, audit, indicators, scrutineer):
    client.force_login(scrutineer)
    page = client.get(audit.get_absolute_url()).content.decode()
    assert reverse("scrutiny:audit_feed", args=[audit.pk]) in page
    response = client.post(reverse("scrutiny:audit_feed", args=[audit.pk]), follow=True)
    assert "N32 for 2020-21 Q1: 3 of 4" in response.content.decode()
