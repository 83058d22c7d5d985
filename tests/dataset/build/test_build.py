"""Building the Partnership Neglect Dataset: snapshots, idempotence, failure, debounce, who sees which."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from dataset.build import requests as build_requests
from dataset.build import services as dataset_services
from dataset.models import BuildRequest, DatasetContribution, DatasetSnapshot, SnapshotStatus
from dataset.returns.services import return_accept, return_submit
from tests.dataset.conftest import fill


@pytest.fixture
def accepted(csc_return, police_return, csc_lead, police_lead, analyst):
    for ret, user, figures in (
        (csc_return, csc_lead, {"N18": ("150", "420"), "N28": "24"}),
        (police_return, police_lead, {"N28": "3"}),
    ):
        fill(ret, user, **figures)
        ret.refresh_from_db()
        ret = return_submit(signed_off=True, ret=ret, acting_user=user, seen_version=ret.version)
        return_accept(ret=ret, acting_user=analyst)
    return csc_return, police_return


def test_a_build_writes_a_complete_snapshot_from_accepted_returns(accepted):
    snapshot = dataset_services.dataset_build(trigger="test")
    assert snapshot.status == SnapshotStatus.COMPLETE
    n18 = snapshot.values.get(code="N18")
    assert (n18.numerator, n18.denominator) == (150, 420)
    assert round(n18.value, 1) == Decimal("35.7")
    n28 = snapshot.values.get(code="N28")
    assert n28.value == 27 and sorted(n28.contributors) == ["CSC", "Police"] and not n28.partial
    assert DatasetContribution.objects.in_snapshot(snapshot).filter(code="N28").count() == 2


def test_two_builds_on_the_same_inputs_give_the_same_hash(accepted):
    first = dataset_services.dataset_build(trigger="one")
    again = dataset_services.dataset_build(trigger="two")
    forced = dataset_services.dataset_build(trigger="three", force=True)
    assert again.pk == first.pk  # nothing changed: the current snapshot stands
    assert forced.pk != first.pk and forced.content_hash == first.content_hash
    assert forced.inputs_hash == first.inputs_hash


def test_a_changed_input_gives_a_new_snapshot_and_the_old_one_stays_readable(accepted, analyst, csc_lead):
    first = dataset_services.dataset_build(trigger="one")
    from dataset.returns.services import return_reopen

    csc_return, _ = accepted
    return_reopen(ret=csc_return, acting_user=analyst, reason="correction")
    second = dataset_services.dataset_build(trigger="two")
    assert second.content_hash != first.content_hash
    assert dataset_services.current_snapshot() == second
    assert DatasetSnapshot.objects.get(pk=first.pk).values.get(code="N18").numerator == 150
    assert not second.values.filter(code="N18").exclude(value=None).exists()


def test_a_failed_build_leaves_the_previous_snapshot_current_and_a_visible_error(accepted, client, analyst):
    good = dataset_services.dataset_build(trigger="good")
    dataset_services.snapshot_publish(snapshot=good, acting_user=analyst)
    with (
        mock.patch("dataset.build.services.compute", side_effect=RuntimeError("SPC exploded")),
        pytest.raises(RuntimeError),
    ):
        dataset_services.dataset_build(trigger="bad", force=True)
    assert dataset_services.current_snapshot() == good
    failed = DatasetSnapshot.objects.get(status=SnapshotStatus.FAILED)
    assert "SPC exploded" in failed.error
    client.force_login(analyst)
    page = client.get(reverse("dataset:dataset")).content.decode()
    assert "The last build failed" in page and "SPC exploded" in page


def test_several_accepts_in_a_few_seconds_queue_one_build(db, django_capture_on_commit_callbacks):
    with (
        mock.patch("dataset.build.tasks.build_dataset.apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        results = [build_requests.dataset_request_build(reason=f"accept {i}") for i in range(3)]
    assert results == [True, False, False]
    assert queued.call_count == 1
    assert BuildRequest.objects.get().reasons.count("accept") == 3
    assert "accept 0" in dataset_services.build_request_take()
    assert not BuildRequest.objects.get().pending
    with (
        mock.patch("dataset.build.tasks.build_dataset.apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert build_requests.dataset_request_build(reason="later") is True
    assert queued.call_count == 1


def test_accepting_and_reopening_queue_a_build_on_commit(
    csc_return, csc_lead, analyst, django_capture_on_commit_callbacks
):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    csc_return.refresh_from_db()
    ret = return_submit(signed_off=True, ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version)
    with (
        mock.patch("dataset.build.tasks.build_dataset.apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        return_accept(ret=ret, acting_user=analyst)
    assert queued.call_count == 1
    assert "accepted" in queued.call_args.kwargs["kwargs"]["trigger"]


def test_the_management_command_builds(accepted, capsys):
    from django.core.management import call_command

    call_command("build_dataset")
    assert "content hash" in capsys.readouterr().out
    assert DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE).count() == 1


def test_members_see_the_published_snapshot_and_the_analyst_the_latest(accepted, client, analyst, member, csc_lead):
    first = dataset_services.dataset_build(trigger="one")
    client.force_login(member)
    assert "no published dataset yet" in client.get(reverse("dataset:dataset")).content.decode()
    dataset_services.snapshot_publish(snapshot=first, acting_user=analyst)
    second = dataset_services.dataset_build(trigger="two", force=True)
    page = client.get(reverse("dataset:dataset"))
    assert page.context["snapshot"] == first
    assert "The dataset as at" in page.content.decode()
    client.force_login(analyst)
    assert client.get(reverse("dataset:dataset")).context["snapshot"] == second
    client.force_login(member)
    assert client.get(reverse("dataset:dataset") + f"?snapshot={second.pk}").status_code == 404
    for user in (member, csc_lead):
        client.force_login(user)
        assert client.post(reverse("dataset:dataset_publish", args=[second.pk])).status_code == 404
        assert client.post(reverse("dataset:dataset_build")).status_code == 404
    assert DatasetSnapshot.objects.get(pk=second.pk).published_at is None


def test_an_agency_lead_sees_only_their_own_agencys_figures_behind_a_value(accepted, client, analyst, csc_lead):
    snapshot = dataset_services.dataset_build(trigger="one")
    dataset_services.snapshot_publish(snapshot=snapshot, acting_user=analyst)
    quarter = snapshot.latest_quarter
    client.force_login(csc_lead)
    page = client.get(reverse("dataset:dataset_cell", args=[snapshot.pk, "N28", quarter])).content.decode()
    assert "Children&#x27;s Social Care" in page and "Sussex Police" not in page
    # Asking for another agency's own figures falls back to the partnership's.
    other = client.get(reverse("dataset:dataset") + "?agency=Police").content.decode()
    assert "Sussex Police's own figures" not in other and "Partnership Neglect Dataset" in other
    own = client.get(reverse("dataset:dataset") + "?agency=CSC").content.decode()
    assert "Children&#x27;s Social Care's own figures" in own
    client.force_login(analyst)
    page = client.get(reverse("dataset:dataset_cell", args=[snapshot.pk, "N28", quarter])).content.decode()
    assert "Sussex Police" in page
