"""The composition root's one job: the minute sweep that queues whatever job request no worker holds.

Every app records its job requests as rows (a build, a pack, an export, an email) and queues them once the change
commits; when the broker was down, or a worker was killed, nothing is lost but nothing runs either. This task,
scheduled every minute (neglect_portal/schedules.py), asks each app's sweep to queue its own again.
"""

from __future__ import annotations

import logging

from celery import shared_task

from dataset.build import requests as build_requests
from dataset.reading import export_requests
from notifications import tasks as notification_tasks
from scrutiny.packs import requests as pack_requests

log = logging.getLogger(__name__)

SWEEPS = {
    "builds": build_requests.builds_sweep,
    "packs": pack_requests.packs_sweep,
    "exports": export_requests.exports_sweep,
    "emails": notification_tasks.notifications_sweep,
}


@shared_task(name="neglect_portal.tasks.sweep_jobs", acks_late=True, soft_time_limit=40, time_limit=55, expires=55)
def sweep_jobs() -> dict[str, int]:
    """Queue again every job request older than a minute that no worker holds, and every job stuck past its time
    limit. Each sweep runs on its own: one failing does not stop the others. Returns how many each queued."""
    queued: dict[str, int] = {}
    for name, sweep in SWEEPS.items():
        try:
            queued[name] = sweep()
        except Exception:
            log.exception("The %s sweep failed", name)
            queued[name] = -1
    if any(queued.values()):
        log.info("Sweep queued again: %s", queued)
    return queued
