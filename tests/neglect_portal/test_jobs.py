"""Queueing tolerates a broker outage, /healthz answers in time whatever hangs, the broker's visibility timeout
outlasts every task, and the minute sweep is scheduled."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.conf import settings
from kombu.exceptions import OperationalError

from dataset.build import requests as build_requests
from neglect_portal import jobs, schedules
from neglect_portal.celery import app
from tests.faults import silent_broker


class _Task:
    name = "tests.task"

    def __init__(self, error: BaseException | None = None) -> None:
        self.error, self.calls = error, []

    def apply_async(self, **options):
        self.calls.append(options)
        if self.error:
            raise self.error


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("Timeout reading from socket"),
    ],
)
def test_a_broker_outage_is_told_to_the_watch_never_raised(error):
    with jobs.watch() as seen:
        assert jobs.queue_now(_Task(error), args=(1,)) is False
    assert seen.broker_down and seen.failed == 1 and type(error).__name__ in seen.errors[0]


def test_a_task_that_raises_its_own_error_is_not_taken_for_an_outage():
    with jobs.watch() as seen, pytest.raises(ValueError):
        jobs.queue_now(_Task(ValueError("a bug in the task")))
    assert not seen.broker_down


@pytest.mark.django_db(transaction=True)
def test_queue_on_commit_publishes_after_the_commit_and_reports_what_the_broker_did():
    from django.db import transaction

    told: list[bool] = []
    task = _Task()
    with transaction.atomic():
        jobs.queue_on_commit(task, args=(7,), countdown=3, then=told.append)
        assert task.calls == []  # nothing leaves before the change is committed
    assert task.calls == [{"args": (7,), "kwargs": {}, "countdown": 3}] and told == [True]


def test_retries_back_off_exponentially_and_stop():
    assert [jobs.retry_countdown(n) for n in range(4)] == [30, 60, 120, None]


# --- a broker that accepts connections and never answers -------------------------------------------------------------
def test_healthz_answers_within_two_seconds_when_the_broker_never_answers(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    client.get("/healthz")  # the first request of the process loads the URLconf: not what is timed
    with silent_broker() as url:
        settings.CELERY_BROKER_URL = url
        for _ in range(3):  # and again while the first probes' checks are still hung
            started = time.monotonic()
            response = client.get("/healthz")
            assert time.monotonic() - started < 2
            assert response.status_code == 503
            assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}


def test_healthz_answers_within_two_seconds_when_the_database_hangs(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    with mock.patch("neglect_portal.views._database_ok", side_effect=lambda: time.sleep(5) or True):
        started = time.monotonic()
        response = client.get("/healthz")
    assert time.monotonic() - started < 2
    assert response.json() == {"status": "unavailable", "database": "down", "broker": "eager"}


def test_every_redis_call_has_a_read_and_a_connect_timeout():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert 0 < options["socket_timeout"] <= 10 and 0 < options["socket_connect_timeout"] <= 5
    assert settings.CELERY_BROKER_CONNECTION_TIMEOUT <= 5
    assert settings.CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"] <= 1
    assert settings.CELERY_REDIS_SOCKET_TIMEOUT and settings.EMAIL_TIMEOUT


def _longest_countdown(task) -> int:
    """The longest a task's message can wait, unacknowledged, before it starts: its retry countdowns (the jobs'
    backoff, or the task's default delay), and a build's folding delay."""
    waits = [0]
    if task.max_retries:
        waits.append(task.default_retry_delay or 0)
        if task.name in {"dataset.tasks.build_dataset", "scrutiny.tasks.build_pack"}:
            waits.append(max(jobs.RETRY_COUNTDOWNS))
    if task.name == "dataset.tasks.build_dataset":
        waits.append(build_requests.BUILD_DELAY_SECONDS)
    return max(waits)


def test_the_visibility_timeout_outlasts_the_longest_task_and_its_countdown():
    """A message not acknowledged within the visibility timeout is delivered again: with acks_late, a task still
    waiting for its countdown, or still running, must never be handed to a second worker."""
    app.loader.import_default_modules()
    ours = [t for name, t in app.tasks.items() if not name.startswith("celery.")]
    assert len(ours) >= 10
    longest = max((t.time_limit or settings.CELERY_TASK_TIME_LIMIT) + _longest_countdown(t) for t in ours)
    assert longest >= 660  # the evidence pack's hard limit at least: the sum is real
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > longest


def test_the_sweep_runs_every_minute_and_each_part_runs_even_when_one_fails(db):
    (item,) = [s for s in schedules.SCHEDULES if s.task == "neglect_portal.tasks.sweep_jobs"]
    assert (item.minute, item.hour) == ("*", "*")
    from neglect_portal import tasks

    with mock.patch.dict(tasks.SWEEPS, {"builds": mock.Mock(side_effect=RuntimeError("db gone"))}):
        assert tasks.sweep_jobs() == {"builds": -1, "packs": 0, "exports": 0, "emails": 0}
