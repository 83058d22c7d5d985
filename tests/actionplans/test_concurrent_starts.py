"""Six "start return" (and "start report") POSTs at the same moment by one lead give one return (one report) and
send all six to it: no 500, on PostgreSQL (threads with their own connections) and on SQLite (a file database in
a process of its own, since the suite's in-memory one is shared by every thread)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.conftest import ROOT, require


def _assert_one_each_and_everyone_sent_to_it(outcome: dict) -> None:
    for kind, ids, url in (
        ("returns", "return_ids", "/returns/{}/edit/"),
        ("reports", "report_ids", "/plans/reports/{}/edit/"),
    ):
        assert len(outcome[ids]) == 1, outcome
        expected = url.format(outcome[ids][0])
        assert [r["status"] for r in outcome[kind]] == [302] * 6, outcome[kind]
        assert {r["location"] for r in outcome[kind]} == {expected}


@pytest.mark.django_db(transaction=True)
def test_six_parallel_starts_give_one_return_and_one_report_on_postgresql():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    from tests import concurrent_starts

    _assert_one_each_and_everyone_sent_to_it(concurrent_starts.run())


def test_six_parallel_starts_give_one_return_and_one_report_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REQUIRE_SERVICES", "DATABASE_URL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "neglect_portal.settings"
    done = subprocess.run(
        [sys.executable, "-m", "tests.concurrent_starts", "--migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_one_each_and_everyone_sent_to_it(json.loads(done.stdout.strip().splitlines()[-1]))
