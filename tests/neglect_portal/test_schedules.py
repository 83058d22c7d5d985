from __future__ import annotations

from django_celery_beat.models import PeriodicTask

from neglect_portal import schedules


def test_beat_schedules_exist_after_migrate_without_touching_the_admin(db):
    task = PeriodicTask.objects.get(name="Clear expired sessions")
    assert task.enabled and task.task == "agencies.tasks.clear_expired_sessions"
    assert (task.crontab.minute, task.crontab.hour) == ("15", "3")


def test_sync_is_idempotent_and_disables_schedules_removed_from_code(db):
    schedules.sync()
    schedules.sync()
    assert PeriodicTask.objects.filter(name="Clear expired sessions").count() == 1
    schedules.sync(schedules=())
    assert not PeriodicTask.objects.get(name="Clear expired sessions").enabled
    schedules.sync()
    assert PeriodicTask.objects.get(name="Clear expired sessions").enabled


def test_every_scheduled_task_is_registered():
    from neglect_portal.celery import app

    app.loader.import_default_modules()
    for item in schedules.SCHEDULES:
        assert item.task in app.tasks, item.task
