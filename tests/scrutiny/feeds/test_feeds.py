"""Scrutiny evidence feeds the dataset: an audit's share good or better into N32, training into N33."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Sector
from dataset.models import HistorySource, Indicator, Polarity, ReportingPeriod, Return, ReturnValue, Unit
from dataset.returns import services as return_services
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from scrutiny.feeds import services as feeds
from scrutiny.models import Audit, CaseAudit, Grade, TrainingSession
from tests.factories import AgencyFactory, UserFactory


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
    assert 'name="seen_version" value="0"' in page  # no return yet
    response = client.post(reverse("scrutiny:audit_feed", args=[audit.pk]), {"seen_version": 0}, follow=True)
    assert "N32 for 2020-21 Q1: 3 of 4" in response.content.decode()


@pytest.fixture
def partnership_lead(partnership):
    return UserFactory(username="partnership.lead", first_name="Priya", last_name="Shah", agency=partnership)


def _lead_writes_commentary(lead, partnership, quarter, text: str) -> Return:
    ret = return_services.return_start(agency=partnership, period=quarter, acting_user=lead)
    ret, _ = return_services.return_save_values(
        ret=ret, acting_user=lead, seen_version=ret.version, inputs={"N32": {"commentary": text}}
    )
    return ret


def test_a_feed_from_a_page_opened_before_the_lead_changed_the_return_is_refused_and_their_text_stays(
    client, audit, indicators, scrutineer, partnership, partnership_lead, quarter
):
    first = _lead_writes_commentary(partnership_lead, partnership, quarter, "Two audits this quarter.")
    client.force_login(scrutineer)
    page = client.get(audit.get_absolute_url()).content.decode()
    assert f'name="seen_version" value="{first.version}"' in page
    assert "The Partnership's commentary on N32 now: “Two audits this quarter.”" in page  # read before feeding
    ret, _ = return_services.return_save_values(
        ret=first,
        acting_user=partnership_lead,
        seen_version=first.version,
        inputs={"N32": {"commentary": "Only the July audit counts: the other was a pilot."}},
    )
    response = client.post(
        reverse("scrutiny:audit_feed", args=[audit.pk]), {"seen_version": first.version}, follow=True
    )
    text = response.content.decode()
    changed_at = timezone.localtime(ret.history.latest().history_date)
    assert (
        f"Priya Shah changed this return at {changed_at:%H:%M} on {changed_at.day} {changed_at:%B %Y}, after you "
        "opened the feed." in text
    )
    assert "Open it again to see their text." in text
    value = ReturnValue.objects.get(ret=ret, indicator__code="N32")
    assert (value.commentary, value.numerator) == ("Only the July audit counts: the other was a pilot.", "")
    ret.refresh_from_db()
    assert ret.version == first.version + 1  # the feed changed nothing


def test_a_feed_from_the_current_page_keeps_the_leads_own_commentary(
    audit, indicators, scrutineer, partnership, partnership_lead, quarter
):
    ret = _lead_writes_commentary(partnership_lead, partnership, quarter, "Two audits this quarter.")
    value = feeds.feed_audit(audit=audit, acting_user=scrutineer, seen_version=ret.version)
    assert (value.numerator, value.denominator, value.commentary) == ("3", "4", "Two audits this quarter.")
    assert value.kept_commentary
    record = ReturnValue.history.filter(id=value.pk).latest("history_date")
    assert "July audit" in record.history_change_reason  # where the figures came from is still recorded


def test_a_second_feed_replaces_the_first_feeds_words_not_the_leads(audit, indicators, scrutineer, partnership):
    first = feeds.feed_audit(audit=audit, acting_user=scrutineer, seen_version=0)
    assert first.commentary.startswith("From the audit") and not first.kept_commentary
    CaseAudit.objects.filter(audit=audit).first().delete()
    ret = Return.objects.get(agency=partnership, period=audit.period)
    second = feeds.feed_audit(audit=audit, acting_user=scrutineer, seen_version=ret.version)
    assert (second.numerator, second.denominator) == ("2", "3") and "2 of 3 cases" in second.commentary


def test_a_feed_without_the_version_its_page_showed_feeds_nothing(client, audit, indicators, scrutineer):
    client.force_login(scrutineer)
    response = client.post(reverse("scrutiny:audit_feed", args=[audit.pk]), follow=True)
    assert "Nothing was fed: the page was out of date." in response.content.decode()
    assert not ReturnValue.objects.exists()
