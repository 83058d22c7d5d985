"""Celery beat schedules, kept in code so no one has to set them up by hand in the admin.

`sync()` runs after every migrate and from `manage.py sync_schedules`; it is idempotent. Tasks that
were once managed here but have been removed from SCHEDULES are disabled, never silently left running.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

MANAGED = "Managed in code: neglect_portal/schedules.py. Changes made in the admin are overwritten."


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    minute: str = "0"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(name="Clear expired sessions", task="agencies.tasks.clear_expired_sessions", minute="15", hour="3"),
    Schedule(name="Create the next reporting quarter", task="dataset.tasks.ensure_next_period", minute="5", hour="1"),
    Schedule(name="Send return reminders", task="dataset.tasks.send_scheduled_reminders", minute="0", hour="7"),
    Schedule(name="Rebuild the neglect dataset", task="dataset.tasks.build_dataset", minute="30", hour="2"),
    Schedule(name="Prune old dataset snapshots", task="dataset.tasks.prune_snapshots", minute="45", hour="3"),
    Schedule(name="Delete old export files", task="dataset.tasks.delete_old_exports", minute="15", hour="4"),
    # issue 15 item 3: reminders the mail server did not take (every SWEEP_EVERY_MINUTES in dataset.tracker.services)
    Schedule(name="Send unsent reminders", task="dataset.tasks.send_unsent_reminders", minute="*/15"),
    # Job requests no worker holds (issue 15): the broker was down, or a worker was killed mid-job.
    Schedule(name="Queue job requests no worker holds", task="neglect_portal.tasks.sweep_jobs", minute="*"),
    Schedule(
        name="Send unsent notification emails",
        task="notifications.tasks.send_unsent_notification_emails",
        minute="*/15",
    ),
)


@transaction.atomic
def sync(schedules: tuple[Schedule, ...] = SCHEDULES) -> list[str]:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    names = []
    for item in schedules:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=item.minute,
            hour=item.hour,
            day_of_week=item.day_of_week,
            day_of_month=item.day_of_month,
            month_of_year=item.month_of_year,
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.update_or_create(
            name=item.name,
            defaults={"task": item.task, "crontab": crontab, "interval": None, "enabled": True, "description": MANAGED},
        )
        names.append(item.name)
    PeriodicTask.objects.filter(description=MANAGED).exclude(name__in=names).update(enabled=False)
    return names


def sync_after_migrate(**kwargs: Any) -> None:
    using = kwargs.get("using", "default")
    if using == "default":
        sync()
