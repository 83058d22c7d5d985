"""A real Celery worker builds the pack: queued, progress committed as it goes, then complete."""

from __future__ import annotations

import time

import pytest

from scrutiny.models import EvidencePack, PackStatus
from scrutiny.packs import tasks
from tests.scrutiny.packs import test_events as event_fixtures

# The small dataset and the September event, shared with tests/scrutiny/packs/test_events.py.
open_period, n18, n28, catalogue, csc_return = (
    event_fixtures.open_period,
    event_fixtures.n18,
    event_fixtures.n28,
    event_fixtures.catalogue,
    event_fixtures.csc_return,
)
snapshot, outcome, event, pack = (
    event_fixtures.snapshot,
    event_fixtures.outcome,
    event_fixtures.event,
    event_fixtures.pack,
)


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_the_pack(celery_worker, pack):
    assert pack.status == PackStatus.QUEUED
    tasks.build_pack.apply_async(args=[pack.pk], queue=celery_worker)
    seen = set()
    deadline = time.monotonic() + 120
    while True:
        current = EvidencePack.objects.get(pk=pack.pk)
        seen.add(current.status)
        if current.status in (PackStatus.COMPLETE, PackStatus.FAILED):
            break
        if time.monotonic() > deadline:
            pytest.fail(f"the pack did not finish: {current.status} {current.progress}% {current.step}")
        time.sleep(0.2)
    assert current.status == PackStatus.COMPLETE, current.error
    assert current.progress == 100 and current.size and len(current.sha256) == 64
    # Built again (a redelivery), a complete pack is left alone.
    result = tasks.build_pack.apply_async(args=[pack.pk], queue=celery_worker)
    assert result.get(timeout=60) == PackStatus.COMPLETE
    assert EvidencePack.objects.get(pk=pack.pk).sha256 == current.sha256
