"""Asking for a build: record the request with the change that asks for it, and queue the build once that commits.

Returns (accept, reopen) and the dataset page (Build now, a new baseline) ask here; the worker takes the request
as the build starts (`services.build_request_take`). This module sits above `tasks`, which sits above `services`,
so the three never import each other in a circle.

The request is the `BuildRequest` row, committed with the accept; the broker only carries it. A broker that is down
or hangs loses nothing: the accept is kept, the page says so (`neglect_portal.jobs.watch`), and `builds_sweep`, run
every minute by beat, queues the build once the broker is back.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dataset.models import BuildRequest, DatasetSnapshot, SnapshotStatus
from neglect_portal import jobs

from .tasks import BUILD_TIME_LIMIT, build_dataset

# Long enough to fold several accepts into one build, short enough that an accept reaches the dashboard in
# well under 15 s (the build itself takes a few seconds at the large scale).
BUILD_DELAY_SECONDS = 3
# What the page says when the broker did not take the build: the change is kept, the build waits for the worker.
BUILD_WAITS = "Saved. The dataset will be rebuilt when the background worker is back."
# A build started this long ago and not finished has lost its worker: the hard time limit would have ended it.
BUILD_STUCK_AFTER = jobs.STUCK_MARGIN + timedelta(seconds=BUILD_TIME_LIMIT)


def _queued(taken: bool) -> None:
    """The broker did not take the build's message: say so on the request, so the next ask or sweep queues it."""
    if not taken:
        BuildRequest.objects.filter(pk=1, pending=True).update(queued_at=None)


def _queue(trigger: str) -> None:
    jobs.queue_on_commit(build_dataset, kwargs={"trigger": trigger}, countdown=BUILD_DELAY_SECONDS, then=_queued)


def dataset_request_build(*, reason: str) -> bool:
    """Queue a build once the current transaction commits, unless one is already queued: several accepts
    in a few seconds give one build. Returns whether a new build was queued.

    "Already queued" means the broker took a message for it less than a minute ago (or a retry is due): a request
    the broker never took, or one no worker took within a minute, is queued again."""
    now = timezone.now()
    with transaction.atomic():
        request, _ = BuildRequest.objects.select_for_update().get_or_create(pk=1)
        request.reasons = "\n".join(filter(None, [request.reasons, reason]))[-2000:]
        if request.pending and request.queued_at and request.queued_at >= now - jobs.UNTAKEN_AFTER:
            request.save(update_fields=["reasons"])
            return False
        if not request.pending:
            request.requested_at = now
        request.pending = True
        # Due once this commits and the broker takes it; cleared again if the broker does not (`_queued`).
        request.queued_at = now + timedelta(seconds=BUILD_DELAY_SECONDS)
        request.save()
        _queue(reason)
    return True


def builds_sweep() -> int:
    """Every minute (beat): queue the build request the broker never took or no worker took within a minute, and a
    build started past its time limit and never finished (its worker was killed). A build that has been started
    more times than it may retry is given up, recorded as a failed build for the analyst. Returns builds queued."""
    now = timezone.now()
    with transaction.atomic():
        request = BuildRequest.objects.select_for_update().filter(pk=1).first()
        if request is None:
            return 0
        untaken = request.pending and (request.queued_at is None or request.queued_at < now - jobs.UNTAKEN_AFTER)
        stuck = not request.pending and request.started_at is not None and request.started_at < now - BUILD_STUCK_AFTER
        if not (untaken or stuck):
            return 0
        if stuck and request.attempts > len(jobs.RETRY_COUNTDOWNS):
            DatasetSnapshot.objects.create(
                status=SnapshotStatus.FAILED,
                started_at=request.started_at,
                trigger="the build stopped without finishing",
                error=(
                    f"The build was started {request.attempts} times and never finished: its worker stopped or it ran "
                    "past its time limit. The previous snapshot stays current; the nightly build tries again."
                ),
            )
            request.started_at, request.attempts = None, 0
            request.save(update_fields=["started_at", "attempts"])
            return 0
        if stuck:
            request.pending, request.requested_at = True, request.started_at
            request.reasons = "\n".join(filter(None, [request.reasons, "a build that stopped without finishing"]))
        request.queued_at = now + timedelta(seconds=BUILD_DELAY_SECONDS)
        request.save()
        _queue("queued again by the sweep")
    return 1
