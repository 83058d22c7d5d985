"""Pruning old snapshots: what the policy keeps, what goes, and that every kept snapshot still reads the same."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from dataset.build import pruning
from dataset.build import services as dataset_services
from dataset.build import tasks as build_tasks
from dataset.models import DatasetContribution, DatasetSnapshot, DatasetValue, SnapshotStatus
from dataset.returns.services import return_accept, return_reopen, return_submit
from neglect_portal import schedules
from scrutiny.models import ScrutinyEvent
from tests.dataset.conftest import fill


def _accept(ret, user, analyst, **figures):
    fill(ret, user, **figures)
    ret.refresh_from_db()
    ret = return_submit(signed_off=True, ret=ret, acting_user=user, seen_version=ret.version)
    return return_accept(ret=ret, acting_user=analyst)


def _seen(snapshot) -> list[tuple]:
    return sorted((c.code, c.agency, c.value, c.numerator) for c in DatasetContribution.objects.in_snapshot(snapshot))


@pytest.fixture
def history(settings, csc_return, police_return, csc_lead, police_lead, analyst):
    """Six complete snapshots, each after a change to the police figure: 1 published, 3 used by an event."""
    settings.DATASET_KEEP_SNAPSHOTS = 2
    _accept(csc_return, csc_lead, analyst, N18=("150", "420"), N28="24")
    _accept(police_return, police_lead, analyst, N28="1")
    built = [dataset_services.dataset_build(trigger="1")]
    for n in range(2, 7):
        return_reopen(ret=police_return, acting_user=analyst, reason="correction")
        police_return.refresh_from_db()
        _accept(police_return, police_lead, analyst, N28=str(n))
        built.append(dataset_services.dataset_build(trigger=str(n)))
    dataset_services.snapshot_publish(snapshot=built[0], acting_user=analyst)
    ScrutinyEvent.objects.create(title="Scrutiny", held_on=date(2020, 9, 24), snapshot=built[2])
    return built


def test_pruning_keeps_published_referenced_current_and_newest_and_drops_the_rest(history):
    before = {s.pk: _seen(s) for s in history}
    values_before = {s.pk: DatasetValue.objects.filter(snapshot=s).count() for s in history}
    rows_before = DatasetContribution.objects.count()

    pruned = pruning.snapshots_prune()

    gone = {history[1].pk, history[3].pk}
    assert set(pruned.snapshots) == gone
    assert set(DatasetSnapshot.objects.values_list("pk", flat=True)) == {s.pk for s in history} - gone
    assert pruned.kept[history[0].pk] == "published"
    assert pruned.kept[history[2].pk] == "used by a scrutiny event or evidence pack"
    assert pruned.kept[history[5].pk] == "current"
    assert pruned.kept[history[4].pk].startswith("one of the newest")
    # The police figures 2 and 4 were seen only by the pruned snapshots: their rows go, nothing else.
    assert pruned.contributions == 2
    assert DatasetContribution.objects.count() == rows_before - 2
    for s in history:
        if s.pk not in gone:
            assert _seen(s) == before[s.pk]
            assert DatasetValue.objects.filter(snapshot=s).count() == values_before[s.pk]
    assert not DatasetValue.objects.filter(snapshot_id__in=gone).exists()
    assert pruning.snapshots_prune().snapshots == []  # nothing more to do


def test_a_dry_run_says_what_would_go_and_deletes_nothing(history, capsys):
    rows, snapshots = DatasetContribution.objects.count(), DatasetSnapshot.objects.count()
    call_command("prune_snapshots", "--dry-run")
    out = capsys.readouterr().out
    assert f"Would prune 2 snapshot(s): {history[1].pk}, {history[3].pk}" in out
    assert "Would prune 2 contribution row(s)" in out
    assert (DatasetContribution.objects.count(), DatasetSnapshot.objects.count()) == (rows, snapshots)
    call_command("prune_snapshots")
    assert "Pruned 2 snapshot(s)" in capsys.readouterr().out
    assert DatasetSnapshot.objects.count() == snapshots - 2


def test_failed_builds_are_kept_for_a_while_then_pruned(history, settings):
    settings.DATASET_KEEP_FAILED_DAYS = 30
    now = timezone.now()
    old = DatasetSnapshot.objects.create(status=SnapshotStatus.FAILED, started_at=now - timedelta(days=40), error="x")
    recent = DatasetSnapshot.objects.create(status=SnapshotStatus.FAILED, started_at=now - timedelta(days=2), error="y")
    pruned = pruning.snapshots_prune(now=now)
    assert old.pk in pruned.snapshots and recent.pk not in pruned.snapshots
    assert DatasetSnapshot.objects.filter(pk=recent.pk).exists()


def test_a_build_after_pruning_still_writes_only_what_changed(history, police_return, police_lead, analyst):
    pruning.snapshots_prune()
    return_reopen(ret=police_return, acting_user=analyst, reason="correction")
    police_return.refresh_from_db()
    _accept(police_return, police_lead, analyst, N28="2")  # a figure whose old row was pruned
    snapshot = dataset_services.dataset_build(trigger="after pruning")
    assert snapshot.meta["written"]["contributions"] == 1
    assert ("N28", "Police", 2, None) in _seen(snapshot)


def test_the_nightly_task_prunes_and_is_scheduled(history):
    assert build_tasks.prune_snapshots() == 2
    assert any(s.task == "dataset.tasks.prune_snapshots" for s in schedules.SCHEDULES)
