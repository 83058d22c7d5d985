"""The bench's load client against a live server: leads sign in with their password and save their own drafts,
each save carrying the version the page showed. What the concurrency figure counts must be what happened."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bench import load, run
from dataset.models import Return, ReturnValue

PASSWORD = "a-long-bench-password-2020"


@pytest.fixture
def leads(csc_return, police_return, csc_lead, police_lead):
    for user in (csc_lead, police_lead):
        user.set_password(PASSWORD)
        user.save()
    return [
        (u.username, reverse("dataset:return_edit", args=[r.pk]))
        for u, r in ((csc_lead, csc_return), (police_lead, police_return))
    ]


@pytest.mark.django_db(transaction=True)
def test_leads_sign_in_and_every_counted_save_moved_their_own_draft_on(live_server, leads, csc_return):
    port = int(live_server.url.rsplit(":", 1)[1])
    before = {r.pk: r.version for r in Return.objects.all()}
    # One lead: SQLite (the suite's database) locks a whole table for each save, so concurrent leads are the
    # bench's business against PostgreSQL; here, that what the client counts is what happened.
    out = load.run_leads(port, leads[:1], password=PASSWORD, seconds=1.5, think=(0.05, 0.2), secure=False)
    assert out["leads"] == 1 and out["errors"] == 0, out["error_examples"]
    assert out["stale_refusals"] == 0
    assert out["saves"] >= 2
    after = {r.pk: r.version for r in Return.objects.all()}
    # Each counted save bumped its return's version by one; nothing else changed them.
    assert after[csc_return.pk] - before[csc_return.pk] == out["saves"]
    assert sum(after.values()) - sum(before.values()) == out["saves"]  # the other lead's draft is untouched
    assert ReturnValue.objects.filter(ret=csc_return, commentary__startswith="Bench save").exists()
    assert out["p50_ms"] is not None and out["p50_ms"] <= out["p95_ms"] <= out["p99_ms"] <= out["max_ms"]


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_is_an_error_not_a_save(live_server, leads):
    port = int(live_server.url.rsplit(":", 1)[1])
    out = load.run_leads(port, leads[:1], password="not-the-password", seconds=0.5, think=(0.05, 0.1), secure=False)
    assert out["saves"] == 0 and out["errors"] == 1
    assert "was not signed in" in out["error_examples"][0]


def test_a_save_that_did_not_move_the_version_is_found():
    page = b'<form><input type="hidden" name="seen_version" value="7" id="id_seen_version"></form>'
    assert load.seen_version(page) == 7
    assert load.seen_version(b"<p>no form</p>") is None


def test_the_table_reads_what_the_build_says_it_wrote_and_says_n_a_when_it_does_not():
    full = {"seconds": 2.0, "peak_mb": 10, "contributions": 1000, "written": {"contributions": 1000, "values": 50}}
    inc = {"seconds": 0.5, "peak_mb": 5, "contributions": 1000, "return_values": 6, "written": {"contributions": 6}}
    floor = {"seconds": 1.0, "accepted_values": 1000}
    rows = {r[0]: r for r in run.table({"sql_floor": floor, "build_full": full, "build_incremental": inc}, check=False)}
    assert "1,000 contributions, 50 values" in rows["rows written per build"][3]
    assert rows["rows written per build"][4] == "met"
    assert rows["incremental build (one accept, built directly)"][4] == "met"
    silent = {k: v for k, v in inc.items() if k != "written"}
    rows = {
        r[0]: r for r in run.table({"sql_floor": floor, "build_full": full, "build_incremental": silent}, check=False)
    }
    assert "n/a (the build does not say; the snapshot holds 1,000 contributions)" in rows["rows written per build"][3]
    assert rows["incremental build (one accept, built directly)"][4] == "missed"


def test_the_concurrency_row_misses_on_errors_even_when_fast():
    fig = {
        "leads": 50,
        "saves": 500,
        "seconds": 60,
        "saves_per_s": 8.3,
        "think_s": [2, 8],
        "p50_ms": 50,
        "p95_ms": 90,
        "p99_ms": 120,
        "errors": 1,
        "stale_refusals": 0,
    }
    assert run._leads_row(fig, check=False)[4] == "missed"
    assert run._leads_row({**fig, "errors": 0}, check=False)[4] == "met"
    assert run._leads_row({**fig, "errors": 0, "leads": 20}, check=False)[4] == "missed"
