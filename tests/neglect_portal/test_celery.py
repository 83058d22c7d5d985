from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_results.models import TaskResult

from agencies.tasks import clear_expired_sessions
from neglect_portal.celery import app


def _expired_and_live_sessions() -> tuple[str, str]:
    expired, live = SessionStore(), SessionStore()
    expired.create()
    live.create()
    Session.objects.filter(pk=expired.session_key).update(expire_date=timezone.now() - timedelta(minutes=1))
    return expired.session_key, live.session_key


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_against_the_database(celery_worker):
    expired, live = _expired_and_live_sessions()
    result = clear_expired_sessions.apply_async(queue=celery_worker)
    assert result.get(timeout=60) == 1
    assert not Session.objects.filter(pk=expired).exists()
    assert Session.objects.filter(pk=live).exists()
    # The result went through the broker and the worker, and was stored by django-celery-results.
    assert TaskResult.objects.get(task_id=result.id).status == "SUCCESS"


def test_without_a_broker_tasks_run_eagerly_in_process(db):
    if settings.CELERY_BROKER_URL:
        assert settings.CELERY_TASK_ALWAYS_EAGER is False  # the real worker test above covers this case
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER is True
    expired, live = _expired_and_live_sessions()
    assert clear_expired_sessions.delay().get() == 1
    assert not Session.objects.filter(pk=expired).exists()


def test_tasks_are_safe_against_a_lost_worker():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert clear_expired_sessions.acks_late and clear_expired_sessions.reject_on_worker_lost
    assert clear_expired_sessions.time_limit and clear_expired_sessions.soft_time_limit


def test_a_worker_finds_every_scheduled_and_queued_task():
    """What a worker imports at start (autodiscovery) registers every task the beat schedules and the pages queue,
    under the names queued messages and the schedules carry."""
    from neglect_portal import schedules

    app.loader.import_default_modules()
    expected = {s.task for s in schedules.SCHEDULES} | {"dataset.tasks.build_dataset", "scrutiny.tasks.build_pack"}
    assert expected <= set(app.tasks), sorted(expected - set(app.tasks))
