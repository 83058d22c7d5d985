"""Builds against real faults (issue 15): the broker killed, a broker that never answers, a worker killed mid-build.
Each ends with nothing lost, nothing stuck and no 500 for a kept accept. Run with a real worker, PostgreSQL and
Redis (REQUIRE_SERVICES=1 in CI); the broker each test breaks is a Redis of its own (tests/faults.py)."""

from __future__ import annotations

import signal
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from dataset.build import requests as build_requests
from dataset.build import services as dataset_services
from dataset.models import BuildRequest
from dataset.returns.services import return_accept, return_submit
from tests.conftest import require_worker_services, start_worker, stop_worker
from tests.dataset.conftest import fill
from tests.faults import app_broker, own_redis, silent_broker

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


def _submitted(ret, user, **figures):
    fill(ret, user, **figures)
    ret.refresh_from_db()
    return return_submit(signed_off=True, ret=ret, acting_user=user, seen_version=ret.version)


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_an_accept_with_the_broker_killed_is_kept_and_built_once_the_broker_is_back(
    client, csc_return, csc_lead, analyst
):
    require_worker_services()
    ret = _submitted(csc_return, csc_lead, N18=("150", "420"), N28="24")
    with own_redis() as redis, app_broker(redis.url):
        worker = start_worker("celery", {"CELERY_BROKER_URL": redis.url})
        try:
            redis.kill()
            client.force_login(analyst)
            started = time.monotonic()
            response = client.post(f"/returns/{ret.pk}/accept/", follow=True)
            assert time.monotonic() - started < 15
            assert response.status_code == 200 and response.redirect_chain[0][1] == 302
            assert build_requests.BUILD_WAITS in _messages(response)
            ret.refresh_from_db()
            assert ret.status == "accepted"
            request = BuildRequest.objects.get(pk=1)
            assert request.pending and request.queued_at is None
            assert dataset_services.current_snapshot() is None

            redis.start()  # the broker is back: the minute's sweep queues the build and the worker runs it
            assert build_requests.builds_sweep() == 1
            _wait_for(lambda: dataset_services.current_snapshot() is not None, 90, "the swept build")
        finally:
            stop_worker(worker)
    assert not BuildRequest.objects.get(pk=1).pending


def test_an_accept_with_a_broker_that_never_answers_answers_in_seconds_and_healthz_in_two(
    client, csc_return, csc_lead, analyst, settings
):
    ret = _submitted(csc_return, csc_lead, N18=("150", "420"), N28="24")
    client.force_login(analyst)
    client.get("/healthz")  # the first request of the process loads the URLconf: not what is timed
    with silent_broker() as url, app_broker(url):
        settings.CELERY_BROKER_URL = url
        started = time.monotonic()
        health = client.get("/healthz")
        assert time.monotonic() - started < 2
        assert health.status_code == 503 and health.json()["broker"] == "down"

        started = time.monotonic()
        response = client.post(f"/returns/{ret.pk}/accept/", follow=True)
        assert time.monotonic() - started < 30  # a few seconds per message (build, emails), never 120
    assert response.status_code == 200
    assert build_requests.BUILD_WAITS in _messages(response)
    ret.refresh_from_db()
    assert ret.status == "accepted" and BuildRequest.objects.get(pk=1).pending


def test_a_worker_killed_mid_build_is_queued_again_by_the_sweep_and_completes(
    csc_return, police_return, csc_lead, police_lead, analyst
):
    require_worker_services()
    with mock.patch.object(build_requests, "dataset_request_build"):
        return_accept(ret=_submitted(csc_return, csc_lead, N18=("150", "420"), N28="24"), acting_user=analyst)
        previous = dataset_services.dataset_build(trigger="before")
        police = _submitted(police_return, police_lead, N28="3")
        return_accept(ret=police, acting_user=analyst)
    with own_redis() as redis, app_broker(redis.url):
        # Redelivery would take the whole visibility timeout (15 minutes): here the sweep has to do it.
        slow = start_worker("celery", {"CELERY_BROKER_URL": redis.url, "DATASET_BUILD_PAUSE": "120"})
        try:
            assert build_requests.dataset_request_build(reason="accepted: Police")
            _wait_for(lambda: BuildRequest.objects.get(pk=1).started_at is not None, 60, "the build to start")
            time.sleep(2)
            slow.send_signal(signal.SIGKILL)
            slow.wait(timeout=20)
        finally:
            if slow.poll() is None:
                stop_worker(slow)
        assert dataset_services.current_snapshot() == previous
        request = BuildRequest.objects.get(pk=1)
        assert not request.pending and request.started_at is not None  # started, never finished
        assert build_requests.builds_sweep() == 0  # inside its time limit it may still be running
        # Past its hard time limit and margin, as if that much time had passed: the sweep queues it again.
        BuildRequest.objects.filter(pk=1).update(
            started_at=timezone.now() - build_requests.BUILD_STUCK_AFTER - timedelta(seconds=1)
        )
        assert build_requests.builds_sweep() == 1
        fresh = start_worker("celery", {"CELERY_BROKER_URL": redis.url})
        try:
            _wait_for(lambda: dataset_services.current_snapshot() != previous, 90, "the swept build")
            _wait_for(lambda: BuildRequest.objects.get(pk=1).started_at is None, 30, "the build to finish")
        finally:
            stop_worker(fresh)
    rebuilt = dataset_services.current_snapshot()
    assert rebuilt.content_hash == dataset_services.content_hash(
        dataset_services.compute(dataset_services.gather_inputs())
    )  # the same snapshot a clean build gives
