"""Asking for an evidence pack: the next version, recorded as queued, and its build queued once that commits.

The event page asks here; the worker builds (`tasks.build_pack` -> `services.pack_build`). This module sits above
`tasks`, which sits above `services`, so the three never import each other in a circle.

The request is the `EvidencePack` row, committed queued; the broker only carries it. A broker that is down or hangs
loses nothing: the page says the pack will be built when the worker is back (`neglect_portal.jobs.watch`), and
`packs_sweep`, run every minute by beat, queues it once the broker is back.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from agencies.models import User
from neglect_portal import jobs
from scrutiny import selectors
from scrutiny.models import EvidencePack, PackStatus, ScrutinyEvent

from .services import PACK_STUCK_AFTER, PackRefused, event_snapshot_switch
from .tasks import build_pack

# What the page says when the broker did not take the pack's build: the request is kept and waits for the worker.
PACK_WAITS = "Your pack is queued. It will be built when the background worker is back."


def _queue(pack_id: int) -> None:
    def queued(taken: bool) -> None:
        if not taken:  # the broker did not take it: the sweep queues it once the broker is back
            EvidencePack.objects.filter(pk=pack_id, status=PackStatus.QUEUED).update(queued_at=None)

    jobs.queue_on_commit(build_pack, args=(pack_id,), then=queued)


def pack_request(*, event: ScrutinyEvent, acting_user: User) -> EvidencePack:
    """The next version, queued; the build is enqueued once this commits. Idempotent: while a pack of the event's
    snapshot is queued or building, asking again (a double click, a colleague) returns that one."""
    selectors.require_editor(acting_user)
    with transaction.atomic():
        locked = ScrutinyEvent.objects.select_for_update(of=("self",)).select_related("snapshot").get(pk=event.pk)
        if locked.snapshot_id is None:
            raise PackRefused("Choose the dataset snapshot the event uses before building its evidence pack.")
        if locked.snapshot.published_at is None:
            raise PackRefused(
                "The event's dataset snapshot is not published. Choose a published snapshot for the event: a pack "
                "uses published figures only."
            )
        under_way = (
            locked.packs.filter(snapshot_id=locked.snapshot_id, status__in=(PackStatus.QUEUED, PackStatus.BUILDING))
            .order_by("-version")
            .first()
        )
        if under_way is not None:
            return under_way
        latest = locked.packs.aggregate(latest=Max("version"))["latest"] or 0
        pack = EvidencePack.objects.create(
            event=locked,
            version=latest + 1,
            snapshot_id=locked.snapshot_id,
            requested_by=acting_user,
            step="Waiting for the builder to start",
            queued_at=timezone.now(),
        )
        _queue(pack.pk)
    return pack


def pack_request_on_newer_snapshot(*, event: ScrutinyEvent, snapshot_id: int, acting_user: User) -> EvidencePack:
    """Switch the event to the newer published snapshot the person saw, and ask for its pack, in one transaction:
    both happen or neither does."""
    with transaction.atomic():
        switched = event_snapshot_switch(event=event, snapshot_id=snapshot_id, acting_user=acting_user)
        return pack_request(event=switched, acting_user=acting_user)


def packs_sweep() -> int:
    """Every minute (beat): queue each pack the broker never took or no worker took within a minute of being due,
    and each one building whose builder has said nothing past the build's time limit (its worker was lost). A pack
    started more times than it may retry is failed with the reason, for the scrutineer. Returns packs queued."""
    now = timezone.now()
    untaken = Q(status=PackStatus.QUEUED) & (Q(queued_at__isnull=True) | Q(queued_at__lt=now - jobs.UNTAKEN_AFTER))
    stuck = Q(status=PackStatus.BUILDING) & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - PACK_STUCK_AFTER))
    queued = 0
    with transaction.atomic():
        for pack in EvidencePack.objects.select_for_update(skip_locked=True).filter(untaken | stuck):
            if pack.attempts > len(jobs.RETRY_COUNTDOWNS):
                pack.status, pack.step = PackStatus.FAILED, "Failed"
                pack.error = (
                    f"The build was started {pack.attempts} times and never finished: its worker stopped or it ran "
                    "past its time limit. Build the pack again to try once more."
                )
                pack.save(update_fields=["status", "step", "error"])
                continue
            # Due again in a minute's time, so the next sweep leaves it to this message.
            pack.status, pack.queued_at, pack.progress = PackStatus.QUEUED, now, 0
            pack.step = "Waiting for the builder to start"
            pack.save(update_fields=["status", "queued_at", "progress", "step"])
            _queue(pack.pk)
            queued += 1
    return queued
