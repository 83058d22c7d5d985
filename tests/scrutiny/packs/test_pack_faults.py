"""An evidence pack whose database connections are cut while it builds (issue 15): the failure is written on a fresh
connection, the build is tried again, and the pack ends complete, never "building 15%" for good. Needs a real worker
and PostgreSQL (REQUIRE_SERVICES=1 in CI)."""

from __future__ import annotations

import time
import uuid

import pytest
from django.db import connection

from scrutiny.models import EvidencePack, PackStatus
from scrutiny.packs import tasks
from tests.conftest import require_worker_services, start_worker, stop_worker


def _cut_every_other_connection() -> int:
    """pg_terminate_backend on every connection to this test database but the test's own: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_a_pack_whose_database_connection_is_cut_mid_build_retries_and_completes(pack):
    require_worker_services()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # A pause after "Drawing the charts" is the window to cut the connection in; retries a second apart.
    worker = start_worker(queue, {"PACK_BUILD_PAUSE": "3", "JOB_RETRY_COUNTDOWNS": "1,1,1"})
    try:
        tasks.build_pack.apply_async(args=[pack.pk], queue=queue)
        deadline = time.monotonic() + 60
        while EvidencePack.objects.get(pk=pack.pk).progress != 15:
            assert time.monotonic() < deadline, "the pack never reached its pause"
            time.sleep(0.1)
        assert _cut_every_other_connection() >= 1
        deadline = time.monotonic() + 120
        steps = set()
        while (current := EvidencePack.objects.get(pk=pack.pk)).status != PackStatus.COMPLETE:
            steps.add(current.step)
            assert current.status != PackStatus.FAILED, current.error
            assert time.monotonic() < deadline, f"stuck: {current.status} {current.progress}% {current.step}"
            time.sleep(0.1)
    finally:
        stop_worker(worker)
    assert current.attempts >= 2  # the first build died with its connection; a retry built it
    assert current.progress == 100 and len(current.sha256) == 64 and not current.error
    assert any("trying again" in step for step in steps), steps
