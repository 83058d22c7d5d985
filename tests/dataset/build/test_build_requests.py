"""A build request is a row committed with the accept: a broker outage keeps the accept, says so, and the minute
sweep queues the build once the broker is back; a build nobody took or whose worker was lost is queued again."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from dataset.build import requests as build_requests
from dataset.build import services as dataset_services
from dataset.build.tasks import build_dataset
from dataset.models import BuildRequest, DatasetSnapshot, SnapshotStatus
from dataset.returns.services import return_submit
from tests.dataset.conftest import fill


@pytest.fixture(autouse=True)
def _commits_run_their_callbacks(monkeypatch):
    """The test's transaction never commits: run each on_commit callback as it is registered, as after a commit."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


BROKER_DOWN = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def _submitted(ret, user):
    fill(ret, user, N18=("150", "420"), N28="24")
    ret.refresh_from_db()
    return return_submit(signed_off=True, ret=ret, acting_user=user, seen_version=ret.version)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.mark.django_db
def test_an_accept_with_the_broker_down_is_kept_and_says_the_build_waits_for_the_worker(
    client, csc_return, csc_lead, analyst
):
    ret = _submitted(csc_return, csc_lead)
    client.force_login(analyst)
    with mock.patch.object(build_dataset, "apply_async", side_effect=BROKER_DOWN) as publish:
        response = client.post(f"/returns/{ret.pk}/accept/", follow=True)
    assert publish.called
    assert response.status_code == 200  # not a 500: the accept is kept
    ret.refresh_from_db()
    assert ret.status == "accepted"
    assert build_requests.BUILD_WAITS in _messages(response)
    request = BuildRequest.objects.get(pk=1)
    assert request.pending and request.queued_at is None  # asked for, never queued
    assert not DatasetSnapshot.objects.exists()

    # The broker is back: the next minute's sweep queues it, and (eagerly here) the build runs.
    assert build_requests.builds_sweep() == 1
    snapshot = dataset_services.current_snapshot()
    assert snapshot is not None and "N18" in {i["code"] for i in snapshot.meta["indicators"]}
    assert not BuildRequest.objects.get(pk=1).pending
    assert build_requests.builds_sweep() == 0  # nothing left to queue


@pytest.mark.django_db
def test_build_now_queues_again_when_the_request_was_never_queued_or_is_a_minute_old(client, analyst):
    client.force_login(analyst)
    with mock.patch.object(build_dataset, "apply_async", side_effect=BROKER_DOWN):
        response = client.post("/dataset/build/", follow=True)
    assert build_requests.BUILD_WAITS in _messages(response)
    with mock.patch.object(build_dataset, "apply_async") as publish:
        response = client.post("/dataset/build/", follow=True)
        assert publish.call_count == 1  # queued, not "already queued": nothing was
        assert "A build has been queued; the page will show it when it is complete." in _messages(response)
        response = client.post("/dataset/build/", follow=True)
        assert publish.call_count == 1  # now it really is queued
        assert "A build is already queued; it will include everything accepted so far." in _messages(response)
        # A minute on and no worker has taken it (a lost message): asking again queues it again.
        BuildRequest.objects.filter(pk=1).update(queued_at=timezone.now() - timedelta(minutes=2))
        client.post("/dataset/build/")
        assert publish.call_count == 2


@pytest.mark.django_db
def test_the_sweep_queues_a_build_nobody_took_and_leaves_a_fresh_one(db):
    with mock.patch.object(build_dataset, "apply_async") as publish:
        build_requests.dataset_request_build(reason="accepted")
    assert publish.call_count == 1
    with mock.patch.object(build_dataset, "apply_async") as publish:
        assert build_requests.builds_sweep() == 0  # queued seconds ago: a worker will take it
        BuildRequest.objects.filter(pk=1).update(queued_at=timezone.now() - timedelta(seconds=61))
        assert build_requests.builds_sweep() == 1
    assert publish.call_count == 1


@pytest.mark.django_db
def test_the_sweep_queues_again_a_build_whose_worker_was_lost_and_gives_up_after_the_retries(db):
    BuildRequest.objects.create(pk=1, pending=False, started_at=timezone.now() - timedelta(minutes=3), attempts=1)
    with mock.patch.object(build_dataset, "apply_async") as publish:
        assert build_requests.builds_sweep() == 0  # started 3 minutes ago: still inside its time limit
        lost = timezone.now() - build_requests.BUILD_STUCK_AFTER - timedelta(seconds=1)
        BuildRequest.objects.filter(pk=1).update(started_at=lost)
        assert build_requests.builds_sweep() == 1
    assert publish.call_count == 1
    assert BuildRequest.objects.get(pk=1).pending
    # Started more times than it may retry and never finished: given up, and the analyst is told why.
    BuildRequest.objects.filter(pk=1).update(pending=False, started_at=lost, attempts=4)
    with mock.patch.object(build_dataset, "apply_async") as publish:
        assert build_requests.builds_sweep() == 0
    assert not publish.called
    failed = DatasetSnapshot.objects.get(status=SnapshotStatus.FAILED)
    assert "never finished" in failed.error
    assert BuildRequest.objects.get(pk=1).started_at is None


@pytest.mark.django_db
def test_a_failed_build_retries_with_backoff_and_records_the_last_failure(db):
    boom = RuntimeError("server closed the connection unexpectedly")
    task = build_dataset
    with (
        mock.patch.object(dataset_services, "_build", side_effect=boom),
        mock.patch.object(task, "retry", side_effect=lambda **kw: RuntimeError("retry")) as retry,
    ):
        task.push_request(retries=0, is_eager=False)
        try:
            with pytest.raises(RuntimeError, match="retry"):
                task.run(trigger="accepted")
        finally:
            task.pop_request()
    assert retry.call_args.kwargs["countdown"] == 30
    request = BuildRequest.objects.get(pk=1)
    assert request.pending and request.queued_at > timezone.now()  # due again: the sweep leaves it to the retry
    assert DatasetSnapshot.objects.get(status=SnapshotStatus.FAILED).error.startswith("RuntimeError")

    # The last retry: no more, the failure stays for the analyst and nothing is left "running".
    with mock.patch.object(dataset_services, "_build", side_effect=boom):
        task.push_request(retries=3, is_eager=False)
        try:
            with pytest.raises(RuntimeError, match="server closed"):
                task.run(trigger="accepted")
        finally:
            task.pop_request()
    assert BuildRequest.objects.get(pk=1).started_at is None
    assert DatasetSnapshot.objects.filter(status=SnapshotStatus.FAILED).count() == 2
