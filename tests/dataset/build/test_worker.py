"""A real worker killed mid-build: the previous snapshot stays current and redelivery completes the build."""

from __future__ import annotations

import signal
import time
import uuid
from unittest import mock

import pytest

from dataset.build import requests as build_requests
from dataset.build import services as dataset_services
from dataset.build.tasks import build_dataset
from dataset.models import BuildRequest, DatasetSnapshot, SnapshotStatus
from dataset.returns.services import return_accept, return_submit
from tests.conftest import require_worker_services, start_worker, stop_worker
from tests.dataset.conftest import fill


def _submit_and_accept(ret, user, analyst, **figures):
    fill(ret, user, **figures)
    ret.refresh_from_db()
    ret = return_submit(signed_off=True, ret=ret, acting_user=user, seen_version=ret.version)
    # Builds are started by this test, not queued by the accept.
    with mock.patch.object(build_requests, "dataset_request_build"):
        return_accept(ret=ret, acting_user=analyst)


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_build_leaves_the_previous_snapshot_and_redelivery_completes_it(
    csc_return, police_return, csc_lead, police_lead, analyst
):
    require_worker_services()
    _submit_and_accept(csc_return, csc_lead, analyst, N18=("150", "420"), N28="24")
    previous = dataset_services.dataset_build(trigger="before")
    _submit_and_accept(police_return, police_lead, analyst, N28="3")
    clean_hash = dataset_services.content_hash(dataset_services.compute(dataset_services.gather_inputs()))
    assert clean_hash != previous.content_hash

    queue = f"test-{uuid.uuid4().hex[:8]}"
    # The first worker pauses between computing and writing, and Redis redelivers unacknowledged work after
    # 5 seconds rather than 15 minutes, so the test need not wait long.
    fast_redelivery = {"CELERY_VISIBILITY_TIMEOUT": "5"}
    slow = start_worker(queue, {**fast_redelivery, "DATASET_BUILD_PAUSE": "120"})
    try:
        BuildRequest.objects.update_or_create(pk=1, defaults={"pending": True})
        build_dataset.apply_async(kwargs={"trigger": "kill test"}, queue=queue)
        _wait_for(lambda: not BuildRequest.objects.get(pk=1).pending, 60, "the build to start")
        time.sleep(2)  # well inside the 120-second pause: computed, not written
        slow.send_signal(signal.SIGKILL)
        slow.wait(timeout=20)
    finally:
        if slow.poll() is None:
            stop_worker(slow)

    assert dataset_services.current_snapshot() == previous
    assert not DatasetSnapshot.objects.filter(status=SnapshotStatus.FAILED).exists()

    # A worker looks for unacknowledged work as it starts (and then only every 100 seconds), so start the
    # second one once the killed delivery is older than the visibility timeout.
    time.sleep(6)
    fresh = start_worker(queue, fast_redelivery)
    try:
        _wait_for(lambda: dataset_services.current_snapshot() != previous, 90, "the redelivered build")
    finally:
        stop_worker(fresh)
    rebuilt = dataset_services.current_snapshot()
    assert rebuilt.content_hash == clean_hash
    assert rebuilt.trigger == "kill test"
