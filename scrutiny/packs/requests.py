"""Asking for an evidence pack: the next version, recorded as queued, and its build queued once that commits.

The event page asks here; the worker builds (`tasks.build_pack` -> `services.pack_build`). This module sits above
`tasks`, which sits above `services`, so the three never import each other in a circle.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from agencies.models import User
from scrutiny import selectors
from scrutiny.models import EvidencePack, ScrutinyEvent

from .services import PackRefused, event_snapshot_switch
from .tasks import build_pack


def pack_request(*, event: ScrutinyEvent, acting_user: User) -> EvidencePack:
    """The next version, queued; the build is enqueued once this commits."""
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
        latest = locked.packs.aggregate(latest=Max("version"))["latest"] or 0
        pack = EvidencePack.objects.create(
            event=locked,
            version=latest + 1,
            snapshot_id=locked.snapshot_id,
            requested_by=acting_user,
            step="Waiting for the builder to start",
        )
        transaction.on_commit(lambda: build_pack.delay(pack.pk))
    return pack


def pack_request_on_newer_snapshot(*, event: ScrutinyEvent, snapshot_id: int, acting_user: User) -> EvidencePack:
    """Switch the event to the newer published snapshot the person saw, and ask for its pack, in one transaction:
    both happen or neither does."""
    with transaction.atomic():
        switched = event_snapshot_switch(event=event, snapshot_id=snapshot_id, acting_user=acting_user)
        return pack_request(event=switched, acting_user=acting_user)
