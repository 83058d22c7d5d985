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

from .services import PackRefused
from .tasks import build_pack


def pack_request(*, event: ScrutinyEvent, acting_user: User) -> EvidencePack:
    """The next version, queued; the build is enqueued once this commits."""
    selectors.require_editor(acting_user)
    with transaction.atomic():
        locked = ScrutinyEvent.objects.select_for_update().get(pk=event.pk)
        if locked.snapshot_id is None:
            raise PackRefused("Choose the dataset snapshot the event uses before building its evidence pack.")
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
