"""Pruning old snapshots: the policy, in one place.

Kept: every published snapshot; every snapshot something else refers to (a scrutiny event or an evidence
pack: any model outside the snapshot's own tables with a foreign key to it, found from the relations
themselves, so the build never imports the apps above it); the current one; the newest
`DATASET_KEEP_SNAPSHOTS` complete ones (default 10); failed ones for `DATASET_KEEP_FAILED_DAYS` days (default
30). The rest go, with their values, SPC readings and themes. Contribution rows no remaining complete
snapshot can see go too; open rows (the current figures, the next build's starting point) always stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from dataset.models import (
    DatasetCodeText,
    DatasetContribution,
    DatasetSnapshot,
    DatasetSpc,
    DatasetTheme,
    DatasetValue,
    SnapshotStatus,
)

from . import store

KEEP_SNAPSHOTS = 10
KEEP_FAILED_DAYS = 30

# A snapshot's own rows: deleted with it, so they never keep it.
_OWN_ROWS = (DatasetValue, DatasetSpc, DatasetTheme)


@dataclass
class Pruned:
    snapshots: list[int] = field(default_factory=list)  # primary keys of the snapshots pruned (or to be)
    contributions: int = 0  # contribution rows deleted (or to be)
    kept: dict[int, str] = field(default_factory=dict)  # why each remaining snapshot stays


def _referenced() -> set[int]:
    """Snapshots that rows of other models point at (events, packs): never pruned."""
    found: set[int] = set()
    # Hidden relations too: events and packs point here with related_name="+".
    for relation in DatasetSnapshot._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or relation.related_model in _OWN_ROWS:
            continue
        name = relation.field.attname
        found.update(
            relation.related_model._base_manager.exclude(**{f"{name}__isnull": True}).values_list(name, flat=True)
        )
    return found


def keep_reasons(*, now: datetime | None = None) -> dict[int, str]:
    """Each snapshot the policy keeps, with why (the first reason that applies)."""
    now = now or timezone.now()
    keep_n = int(getattr(settings, "DATASET_KEEP_SNAPSHOTS", KEEP_SNAPSHOTS))
    failed_days = int(getattr(settings, "DATASET_KEEP_FAILED_DAYS", KEEP_FAILED_DAYS))
    reasons: dict[int, str] = {}
    complete = DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE).order_by("-built_at", "-pk")
    newest = list(complete.values_list("pk", flat=True)[: max(keep_n, 1)])  # the first is the current one
    if newest:
        reasons[newest[0]] = "current"
    for pk in newest[1:]:
        reasons.setdefault(pk, f"one of the newest {keep_n} complete")
    for pk in DatasetSnapshot.objects.filter(published_at__isnull=False).values_list("pk", flat=True):
        reasons.setdefault(pk, "published")
    for pk in _referenced():
        reasons.setdefault(pk, "used by a scrutiny event or evidence pack")
    recent_failures = DatasetSnapshot.objects.filter(
        status=SnapshotStatus.FAILED, started_at__gte=now - timedelta(days=failed_days)
    )
    for pk in recent_failures.values_list("pk", flat=True):
        reasons.setdefault(pk, f"failed within {failed_days} days")
    return reasons


def _unseen(model, kept):
    """Closed interval rows (contributions, results texts) that no kept complete snapshot falls inside."""
    seen_by = DatasetSnapshot.objects.filter(
        pk__in=kept, status=SnapshotStatus.COMPLETE, pk__gte=OuterRef("valid_from"), pk__lt=OuterRef("valid_until")
    )
    return model.objects.filter(valid_until__isnull=False).exclude(Exists(seen_by))


def snapshots_prune(*, dry_run: bool = False, now: datetime | None = None) -> Pruned:
    """Apply the policy. Under the build lock, so a build never diffs against rows being deleted; with
    `dry_run`, only say what would go."""
    with transaction.atomic():
        store.lock_builds()
        reasons = keep_reasons(now=now)
        going = DatasetSnapshot.objects.exclude(pk__in=list(reasons))
        result = Pruned(snapshots=sorted(going.values_list("pk", flat=True)), kept=reasons)
        unseen = _unseen(DatasetContribution, list(reasons))
        if dry_run:
            result.contributions = unseen.count()
            return result
        going.delete()
        result.contributions, _ = unseen.delete()
        _unseen(DatasetCodeText, list(reasons)).delete()
    return result
