"""Asking for a build: record the request with the change that asks for it, and queue the build once that commits.

Returns (accept, reopen) and the dataset page (Build now, a new baseline) ask here; the worker takes the request
as the build starts (`services.build_request_take`). This module sits above `tasks`, which sits above `services`,
so the three never import each other in a circle.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dataset.models import BuildRequest

from .tasks import build_dataset

# Long enough to fold several accepts into one build, short enough that an accept reaches the dashboard in
# well under 15 s (the build itself takes a few seconds at the large scale).
BUILD_DELAY_SECONDS = 3


def dataset_request_build(*, reason: str) -> bool:
    """Queue a build once the current transaction commits, unless one is already queued: several accepts
    in a few seconds give one build. Returns whether a new build was queued."""
    with transaction.atomic():
        request, _ = BuildRequest.objects.select_for_update().get_or_create(pk=1)
        request.reasons = "\n".join(filter(None, [request.reasons, reason]))[-2000:]
        if request.pending:
            request.save(update_fields=["reasons"])
            return False
        request.pending = True
        request.requested_at = timezone.now()
        request.save()
    transaction.on_commit(lambda: build_dataset.apply_async(kwargs={"trigger": reason}, countdown=BUILD_DELAY_SECONDS))
    return True
