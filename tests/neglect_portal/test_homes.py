"""Each role's home is a task list of what that person does next (issue 14, item 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans.models import ActionPlan, ProgressReport
from dataset.models import (
    DatasetSnapshot,
    DatasetTheme,
    Indicator,
    ReportingPeriod,
    Return,
    SnapshotStatus,
    ThemeKind,
    Unit,
)
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from scrutiny.models import EvidenceSource, ImpactOutcome, ScrutinyEvent
from tests.factories import AgencyFactory


@pytest.fixture
def period(db):
    today = timezone.localdate()
    return ReportingPeriod.objects.create(
        year=2020, quarter=1, opens_on=today - timedelta(days=30), due_on=today + timedelta(days=10),
        locks_on=today + timedelta(days=40),
    )  # fmt: skip


@pytest.fixture
def late_period(db):
    """An earlier quarter past its due date but not yet locked: anyone who has not submitted is overdue."""
    today = timezone.localdate()
    return ReportingPeriod.objects.create(
        year=2019, quarter=4, opens_on=today - timedelta(days=60), due_on=today - timedelta(days=3),
        locks_on=today + timedelta(days=5),
    )  # fmt: skip


def supplied_by(*agencies):
    ind = Indicator.objects.create(
        code="N28", title="Neglect champions", definition="x", unit=Unit.COUNT, objective=Objective.RECOGNISE
    )
    ind.suppliers.add(*agencies)
    return ind


def plan_for(agency):
    today = timezone.localdate()
    return ActionPlan.objects.create(agency=agency, title="Plan", starts_on=today, ends_on=today + timedelta(days=700))


def test_a_lead_sees_this_quarters_return_and_report_with_start_buttons(client, csc_lead, period):
    client.force_login(csc_lead)
    page = client.get("/").content.decode()
    assert "2020-21 Q1 quarterly return" in page and "Not yet started" in page
    assert f'action="{reverse("dataset:return_start", args=[period.pk])}"' in page
    # No current plan yet: the report cannot be started, and the page says what to do first.
    assert "Add your current action plan and its actions first." in page
    assert reverse("actionplans:report_start", args=[period.pk]) not in page
    assert reverse("agencies:detail", args=[csc_lead.agency_id]) in page

    plan_for(csc_lead.agency)
    page = client.get("/").content.decode()
    assert f'action="{reverse("actionplans:report_start", args=[period.pk])}"' in page


def test_a_lead_continues_a_draft_and_views_a_submitted_report(client, csc_lead, period):
    ret = Return.objects.create(agency=csc_lead.agency, period=period, status=State.DRAFT)
    report = ProgressReport.objects.create(
        agency=csc_lead.agency, period=period, plan=plan_for(csc_lead.agency), status=State.SUBMITTED
    )
    client.force_login(csc_lead)
    page = client.get("/").content.decode()
    assert reverse("dataset:return_edit", args=[ret.pk]) in page and "In progress" in page
    assert report.get_absolute_url() in page and reverse("actionplans:report_edit", args=[report.pk]) not in page
    assert "You have submitted 1 of 2 things" in page


def test_anything_sent_back_comes_first_with_its_reason(client, csc_lead, police_lead, period):
    Return.objects.create(
        agency=csc_lead.agency, period=period, status=State.RETURNED, status_reason="N28 looks doubled: check it."
    )
    Return.objects.create(
        agency=police_lead.agency, period=period, status=State.RETURNED, status_reason="Police only reason"
    )
    client.force_login(csc_lead)
    page = client.get("/").content.decode()
    assert "Sent back to you" in page and "N28 looks doubled: check it." in page
    assert page.index("Sent back to you") < page.index('id="quarter-title"')
    assert "Police only reason" not in page  # another agency's work never shows


def test_the_analyst_sees_returns_and_reports_waiting_together_and_what_is_overdue(
    client, analyst, csc_lead, police_lead, period, late_period
):
    supplied_by(csc_lead.agency, police_lead.agency)
    now = timezone.now()
    ret = Return.objects.create(
        agency=csc_lead.agency, period=period, status=State.SUBMITTED, submitted_at=now - timedelta(days=2)
    )
    report = ProgressReport.objects.create(
        agency=police_lead.agency, period=period, plan=plan_for(police_lead.agency), status=State.SUBMITTED,
        submitted_at=now - timedelta(days=3),
    )  # fmt: skip
    Return.objects.create(agency=csc_lead.agency, period=late_period, status=State.ACCEPTED)
    client.force_login(analyst)
    page = client.get("/").content.decode()
    waiting = page[page.index('data-testid="waiting"') : page.index('id="overdue-title"')]
    assert ret.get_absolute_url() in waiting and report.get_absolute_url() in waiting
    assert waiting.index(report.get_absolute_url()) < waiting.index(ret.get_absolute_url())  # oldest first
    overdue = page[page.index('data-testid="overdue"') : page.index('id="dataset-title"')]
    assert "Sussex Police: 2019-20 Q4 return" in overdue and "3 days overdue" in overdue
    assert "Children&#x27;s Social Care: 2019-20 Q4 return" not in overdue  # accepted
    assert "Sussex Police: 2019-20 Q4 action plan report" in overdue


def test_the_analyst_sees_a_failed_build_and_the_unpublished_snapshot_with_its_publish_button(client, analyst):
    now = timezone.now()
    DatasetSnapshot.objects.create(
        status=SnapshotStatus.COMPLETE, started_at=now, built_at=now - timedelta(hours=3), published_at=now
    )
    newer = DatasetSnapshot.objects.create(
        status=SnapshotStatus.COMPLETE, started_at=now, built_at=now - timedelta(hours=2)
    )
    DatasetSnapshot.objects.create(
        status=SnapshotStatus.FAILED, started_at=now, built_at=now - timedelta(hours=1), error="N28 has no unit"
    )
    client.force_login(analyst)
    page = client.get("/").content.decode()
    assert "N28 has no unit" in page and "Failed" in page
    assert f'action="{reverse("dataset:dataset_publish", args=[newer.pk])}"' in page
    assert "Publish to the Working Group" in page


def _published(days_ago: int, *themes: tuple[str, str, str]) -> DatasetSnapshot:
    now = timezone.now()
    snapshot = DatasetSnapshot.objects.create(
        status=SnapshotStatus.COMPLETE, started_at=now, built_at=now - timedelta(days=days_ago),
        published_at=now - timedelta(days=days_ago), latest_quarter=2020 * 4,
    )  # fmt: skip
    for position, (code, kind, sentence) in enumerate(themes):
        DatasetTheme.objects.create(
            snapshot=snapshot, position=position, code=code, kind=kind, severity=3, sentence=sentence, question="?"
        )
    return snapshot


def test_a_member_sees_what_is_new_since_the_previous_publication(client, member, analyst):
    _published(90, ("N18", ThemeKind.POSSIBLE_DRIFT, "N18 drifting (old)"))
    _published(1, ("N18", ThemeKind.POSSIBLE_DRIFT, "N18 still drifting"), ("N29", ThemeKind.SUSTAINED_RISE, "N29 up"))
    DatasetSnapshot.objects.create(status=SnapshotStatus.COMPLETE, started_at=timezone.now())  # not published
    client.force_login(member)
    page = client.get("/").content.decode()
    assert "<h1>What has changed</h1>" in page
    new = page[page.index('data-testid="new-themes"') :]
    new = new[: new.index("</ul>")]
    assert "N29 up" in new and "N18 still drifting" not in new  # held since before: not new
    assert "N18 still drifting" in page  # still a key message
    assert reverse("dashboard") in page
    assert "2020-21 Q1" in page


def test_the_scrutineer_sees_the_next_event_its_gaps_and_that_no_pack_is_built(client, scrutineer):
    today = timezone.localdate()
    outcome = ImpactOutcome.objects.create(
        title="Neglect is recognised early", key_questions="Q?", expected_sources=[EvidenceSource.VOICE_CHILDREN]
    )
    past = ScrutinyEvent.objects.create(title="Last year's event", held_on=today - timedelta(days=300))
    event = ScrutinyEvent.objects.create(title="December scrutiny event", held_on=today + timedelta(days=20))
    event.outcomes.add(outcome)
    past.outcomes.add(outcome)
    client.force_login(scrutineer)
    page = client.get("/").content.decode()
    assert "Your next scrutiny event" in page and "December scrutiny event" in page
    assert "Last year&#x27;s event" not in page
    assert "Neglect is recognised early: Voice of children and young people" in page
    assert "Not built yet" in page


def test_the_analyst_home_makes_the_same_number_of_queries_at_two_sizes(client, analyst, period, late_period):
    counts = []
    for n in (2, 6):
        Return.objects.all().delete()
        ProgressReport.objects.all().delete()
        agencies = [AgencyFactory(name=f"Agency {n}-{i}", short_name=f"A{n}{i}") for i in range(n)]
        Indicator.objects.all().delete()
        supplied_by(*agencies)
        for agency in agencies:
            Return.objects.create(agency=agency, period=period, status=State.SUBMITTED, submitted_at=timezone.now())
            ProgressReport.objects.create(
                agency=agency, period=period, plan=plan_for(agency), status=State.SUBMITTED, submitted_at=timezone.now()
            )
        client.force_login(analyst)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        counts.append(len(captured))
        ActionPlan.objects.filter(agency__in=agencies).update(is_current=False)
    assert counts[0] == counts[1]


def test_the_dashboard_is_for_partnership_readers_only(client, csc_lead, member):
    client.force_login(csc_lead)
    assert client.get(reverse("dashboard")).status_code == 404
    client.force_login(member)
    assert "<h1>Partnership dashboard</h1>" in client.get(reverse("dashboard")).content.decode()
