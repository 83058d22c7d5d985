"""Contributions stored by interval: a build writes only what changed, and every snapshot still reads its own."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dataset.build import services as dataset_services
from dataset.models import DatasetContribution, DatasetSnapshot, ReturnValue
from dataset.returns.services import return_accept, return_reopen, return_submit
from tests.dataset.conftest import fill


def _accept(ret, user, analyst, **figures):
    fill(ret, user, **figures)
    ret.refresh_from_db()
    ret = return_submit(signed_off=True, ret=ret, acting_user=user, seen_version=ret.version)
    return return_accept(ret=ret, acting_user=analyst)


@pytest.fixture
def accepted(csc_return, police_return, csc_lead, police_lead, analyst):
    _accept(csc_return, csc_lead, analyst, N18=("150", "420"), N28="24")
    _accept(police_return, police_lead, analyst, N28="3")
    return csc_return, police_return


def _figures(snapshot) -> dict:
    return {
        (c.code, c.agency): (c.value, c.numerator, c.denominator)
        for c in DatasetContribution.objects.in_snapshot(snapshot)
    }


def test_a_build_writes_only_the_figures_that_changed(accepted, analyst, csc_lead):
    csc_return, _ = accepted
    first = dataset_services.dataset_build(trigger="one")
    assert first.meta["written"]["contributions"] == 3
    return_reopen(ret=csc_return, acting_user=analyst, reason="correction")
    csc_return.refresh_from_db()
    _accept(csc_return, csc_lead, analyst, N28="30")
    second = dataset_services.dataset_build(trigger="two")

    # One figure changed: one row written, the one it replaces closed; the unchanged two are shared.
    assert second.meta["written"]["contributions"] == 1
    assert second.meta["written"]["contributions_closed"] == 1
    assert DatasetContribution.objects.count() == 4
    assert _figures(first)[("N28", "CSC")][0] == 24
    assert _figures(second)[("N28", "CSC")][0] == 30
    assert _figures(second)[("N18", "CSC")][1:] == (150, 420)
    assert DatasetContribution.objects.in_snapshot(first.pk).count() == 3  # a key does as well as a snapshot
    assert second.values.get(code="N28").value == 33 and first.values.get(code="N28").value == 27


def test_a_figure_no_longer_accepted_is_closed_and_old_snapshots_keep_it(accepted, analyst):
    _, police_return = accepted
    first = dataset_services.dataset_build(trigger="one")
    return_reopen(ret=police_return, acting_user=analyst, reason="query")
    second = dataset_services.dataset_build(trigger="two")
    written = second.meta["written"]
    assert (written["contributions"], written["contributions_closed"]) == (0, 1)
    assert second.meta["recomputed"] == ["N28"]  # N18's figures did not change
    assert written["values"] == second.values.filter(code="N28").count() > 0
    assert written["values_copied"] == second.values.filter(code="N18").count() > 0
    assert written["themes"] == second.themes.count()
    assert ("N28", "Police") in _figures(first)
    assert ("N28", "Police") not in _figures(second)


def test_a_forced_build_of_the_same_inputs_writes_no_contributions(accepted):
    first = dataset_services.dataset_build(trigger="one")
    forced = dataset_services.dataset_build(trigger="two", force=True)
    assert forced.pk != first.pk
    assert forced.meta["written"]["contributions"] == 0
    assert _figures(forced) == _figures(first)
    assert DatasetContribution.objects.count() == 3


def test_reading_one_indicator_filters_by_interval_in_one_query(accepted, django_assert_num_queries):
    snapshot = dataset_services.dataset_build(trigger="one")
    with django_assert_num_queries(1):
        rows = list(
            DatasetContribution.objects.in_snapshot(snapshot).filter(code="N28", quarter=snapshot.latest_quarter)
        )
    assert sorted(r.agency for r in rows) == ["CSC", "Police"]
    assert [r.value for r in rows] == [Decimal(24), Decimal(3)]  # the model's order: code, quarter, agency


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_each_old_snapshots_rows_into_its_own_interval():
    """Rows copied into every snapshot before 0007: each old snapshot keeps exactly its own rows, and the newest
    complete snapshot's stay open for the next build to compare with."""
    executor = MigrationExecutor(connection)
    before, after = [("dataset", "0006_reading_indexes")], [("dataset", "0007_contribution_intervals")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Snapshot, Contribution = (
        old.get_model("dataset", "DatasetSnapshot"),
        old.get_model("dataset", "DatasetContribution"),
    )
    now = "2026-01-01T00:00:00Z"
    one = Snapshot.objects.create(status="complete", started_at=now, built_at=now)
    failed = Snapshot.objects.create(status="failed", started_at=now, built_at=now)
    two = Snapshot.objects.create(status="complete", started_at=now, built_at=now)
    for snapshot, value in ((one, 5), (two, 6)):
        Contribution.objects.create(snapshot=snapshot, code="N28", quarter=8100, agency="CSC", value=value)
    Contribution.objects.create(snapshot=one, code="N28", quarter=8100, agency="Police", value=1)  # gone by two

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("dataset", "DatasetContribution")

    def seen(pk):
        return sorted((c.agency, int(c.value)) for c in new.objects.all() if _visible(c, pk))

    assert seen(one.pk) == [("CSC", 5), ("Police", 1)]
    assert seen(failed.pk) == []
    assert seen(two.pk) == [("CSC", 6)]
    assert seen(two.pk + 1) == [("CSC", 6)]  # open: the next build's starting point
    # The model's own reader agrees with the rule the assertions use.
    assert sorted(DatasetContribution.objects.in_snapshot(one.pk).values_list("agency", flat=True)) == ["CSC", "Police"]
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _visible(row, pk) -> bool:
    return row.valid_from <= pk and (row.valid_until is None or row.valid_until > pk)


def test_a_forced_build_compares_only_the_quarters_whose_figures_changed_since_the_current_snapshot(accepted):
    first = dataset_services.dataset_build(trigger="one")
    quarter = DatasetContribution.objects.get(code="N28", agency="CSC").quarter
    forced = dataset_services.dataset_build(trigger="two", force=True)
    assert forced.meta["not_compared"] == [int(q) for q in first.meta["figures"]]
    assert quarter in forced.meta["not_compared"]

    # An accepted figure edited behind the services' back (what --force is for): its quarter's digest changes, so
    # that quarter is compared and the contribution replaced.
    ReturnValue.objects.filter(ret=accepted[0], indicator__code="N28").update(value="31")
    repaired = dataset_services.dataset_build(trigger="three", force=True)
    assert quarter not in repaired.meta["not_compared"]
    written = repaired.meta["written"]
    assert (written["contributions"], written["contributions_closed"]) == (1, 1)
    assert _figures(repaired)[("N28", "CSC")][0] == 31
    assert _figures(repaired) == {**_figures(first), ("N28", "CSC"): (Decimal(31), None, None)}
    assert repaired.values.get(code="N28").value == 34


def test_a_forced_build_compares_everything_when_the_open_rows_are_not_the_current_snapshots(accepted):
    first = dataset_services.dataset_build(trigger="one")
    second = dataset_services.dataset_build(trigger="two", force=True)
    # The current snapshot is the latest built; a newer one by sequence (its rows are the open ones) built earlier.
    DatasetSnapshot.objects.filter(pk=second.pk).update(built_at=first.built_at - timedelta(minutes=1))
    assert dataset_services.current_snapshot().pk == first.pk
    third = dataset_services.dataset_build(trigger="three", force=True)
    assert third.meta["not_compared"] == []
    assert third.meta["written"]["contributions"] == 0
    assert _figures(third) == _figures(first)
