"""One measured operation in a fresh process, so its time and memory are its own; prints one JSON line.

    python -m bench.measure build_full --database neglect_portal_bench

Peak memory is the rise of the process's resident set over what it held just before the operation: Linux lets a
process reset its own high-water mark (/proc/self/clear_refs), so Django's imports and set-up are not counted.
`bench.run` calls this once per operation and collects the lines.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from bench import db

MB = 1024 * 1024


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    with contextlib.suppress(OSError):  # not Linux, or not allowed: the peak then includes the set-up
        Path("/proc/self/clear_refs").write_text("5")


def measured(op: Callable[[], object]) -> dict:
    import gc

    gc.collect()
    _reset_peak()
    before = _status("VmRSS")
    t0 = time.perf_counter()
    result = op()
    seconds = time.perf_counter() - t0
    peak = _status("VmHWM")
    return {"seconds": seconds, "peak_mb": max(0, peak - before) / MB, "process_peak_mb": peak / MB, "result": result}


def _published():
    """The current snapshot, published (by the analyst) if it is not yet: readers see published snapshots only."""
    from agencies.models import Role, User
    from dataset.build.services import current_snapshot, dataset_build, snapshot_publish

    snapshot = current_snapshot() or dataset_build(trigger="bench")
    if snapshot.published_at is None:
        snapshot = snapshot_publish(snapshot=snapshot, acting_user=User.objects.get(role=Role.ANALYST))
    return snapshot


# --- the operations ------------------------------------------------------------------------------------------
def build_full() -> dict:
    from dataset.build.services import dataset_build
    from dataset.models import DatasetContribution, DatasetValue

    out = measured(lambda: dataset_build(trigger="bench", force=True).pk)
    pk = out.pop("result")
    out["contributions"] = DatasetContribution.objects.in_snapshot(pk).count()
    out["values"] = DatasetValue.objects.filter(snapshot_id=pk).count()
    out["snapshot"] = pk
    return out


def build_nochange() -> dict:
    from dataset.build.services import current_snapshot, dataset_build

    before = current_snapshot()
    out = measured(lambda: dataset_build(trigger="bench no change").pk)
    out["new_snapshot"] = out.pop("result") != (before.pk if before else None)
    return out


FLOOR_SQL = """
SELECT i.code, p.year, p.quarter,
       sum(nullif(v.numerator, '')::numeric), sum(nullif(v.denominator, '')::numeric),
       sum(nullif(v.value, '')::numeric), count(*)
FROM dataset_returnvalue v
JOIN dataset_return r ON r.id = v.return_id
JOIN dataset_reportingperiod p ON p.id = r.period_id
JOIN dataset_indicator i ON i.id = v.indicator_id
WHERE r.status = 'accepted' AND i.active AND p.opens_on <= current_date
GROUP BY i.code, p.year, p.quarter
"""


def sql_floor(database: str, runs: int = 5) -> dict:
    import psycopg

    times = []
    with psycopg.connect(db.url(database)) as conn:
        conn.execute(FLOOR_SQL).fetchall()  # warm the cache, as the build's own reads are warm
        for _ in range(runs):
            t0 = time.perf_counter()
            rows = conn.execute(FLOOR_SQL).fetchall()
            times.append(time.perf_counter() - t0)
        counted = conn.execute(
            "SELECT count(*) FROM dataset_returnvalue v JOIN dataset_return r ON r.id = v.return_id "
            "WHERE r.status = 'accepted'"
        ).fetchone()[0]
    return {"seconds": statistics.median(times), "cells": len(rows), "accepted_values": counted}


class _FormFields(HTMLParser):
    """The named fields of the first form posting to `action`, with their values, as a browser would send them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or self.action) == self.action and not self.fields
        elif not self.inside:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in {"submit", "button", "checkbox", "radio"}:
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields[a["name"]] = ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.fields.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def _client(user):
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return client


def _time_request(call: Callable[[], object], n: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    response = call()  # warm: templates compiled, caches filled
    status = getattr(response, "status_code", None)
    reset_queries()  # a request resets the log as it starts: count from an empty one
    with CaptureQueriesContext(connection) as ctx:
        call()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return {"ms": statistics.median(times) * 1000, "queries": len(ctx.captured_queries), "status": status,
            "runs": n, "captured": ctx.captured_queries}


def pages(n: int) -> dict:
    from django.urls import reverse

    from agencies.models import Role, User
    from dataset.models import Indicator, Return
    from neglect_portal.lifecycle import State

    _published()
    analyst = User.objects.get(role=Role.ANALYST)
    member = User.objects.get(role=Role.MEMBER)
    draft = Return.objects.filter(status=State.DRAFT).select_related("agency").order_by("agency__short_name").first()
    lead = User.objects.get(role=Role.AGENCY_LEAD, agency=draft.agency)
    code = Indicator.objects.order_by("code").values_list("code", flat=True).first()
    as_lead, as_analyst, as_member = _client(lead), _client(analyst), _client(member)
    edit_url = reverse("dataset:return_edit", args=[draft.pk])

    form = _FormFields(edit_url)
    form.feed(as_lead.get(edit_url).content.decode())
    saved = b"Draft saved." in save_draft_once(as_lead, edit_url, form.fields, draft.pk)
    comment = next((k for k in form.fields if k.endswith("-commentary")), None)
    saves = iter(range(1_000_000))

    def save_draft():
        data = dict(form.fields)
        if comment:  # a real change each time, as a person saving a draft makes one
            data[comment] = f"Bench save {next(saves)}"
        fresh = Return.objects.only("version").get(pk=draft.pk).version  # the version the person's page showed
        data["seen_version"] = str(fresh)
        return as_lead.post(edit_url, data)

    plan: dict[str, Callable[[], object]] = {
        "bare signed-in page (password change)": lambda: as_lead.get(reverse("password_change")),
        "glossary": lambda: as_lead.get(reverse("dataset:glossary")),
        "return edit page": lambda: as_lead.get(edit_url),
        "save a draft": save_draft,
        "tracker": lambda: as_analyst.get(reverse("dataset:tracker")),
        "chase list": lambda: as_analyst.get(reverse("dataset:chase_list")),
        "dataset page": lambda: as_member.get(reverse("dataset:dataset")),
        "indicator page": lambda: as_member.get(reverse("dataset:indicator", args=[code])),
        "dashboard /": lambda: as_member.get("/"),
        "returns list (latest quarter)": lambda: as_analyst.get(reverse("dataset:return_list")),
        "returns list (all quarters)": lambda: as_analyst.get(reverse("dataset:return_list") + "?period="),
        "returns list (a lead's)": lambda: as_lead.get(reverse("dataset:return_list")),
    }
    out: dict = {"_draft_saved": saved}
    for name, call in plan.items():
        figures = _time_request(call, n)
        captured = figures.pop("captured")
        if name == "indicator page":
            out["_indicator_explain"] = _explain_slowest(captured)
        out[name] = figures
    return out


def save_draft_once(client, url: str, fields: dict, pk: int) -> bytes:
    from dataset.models import Return

    data = {**fields, "seen_version": str(Return.objects.only("version").get(pk=pk).version)}
    comment = next((k for k in fields if k.endswith("-commentary")), None)
    if comment:
        data[comment] = "Bench first save"
    return client.post(url, data).content


def _explain_slowest(captured: list[dict]) -> str:
    from django.db import connection

    """EXPLAIN ANALYZE of the page's slowest read of the contributions (the issue's scan), else its slowest read."""
    selects = [q for q in captured if q["sql"].lstrip().upper().startswith("SELECT")]
    if not selects:
        return ""
    reads = [q for q in selects if "dataset_datasetcontribution" in q["sql"]] or selects
    slowest = max(reads, key=lambda q: float(q.get("time") or 0))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    took = float(slowest["time"]) * 1000
    return f"-- the indicator page's slowest read of contributions ({took:.1f} ms)\n{slowest['sql']}\n\n{plan}"


def _export(path_of: Callable[[object], str]) -> dict:
    from agencies.models import Role, User

    snapshot = _published()
    client = _client(User.objects.get(role=Role.MEMBER))
    url = path_of(snapshot)

    def get():
        # A streamed download is read piece by piece, as a server sends it: joining it first would count its
        # whole body in this process's memory, which a real download never holds.
        response = client.get(url)
        if not response.streaming:
            return response.status_code, len(response.content)
        size = sum(len(piece) for piece in response.streaming_content)
        response.close()
        return response.status_code, size

    out = measured(get)
    out["status"], out["bytes"] = out.pop("result")
    return out


def export_csv() -> dict:
    from django.urls import reverse

    return _export(lambda s: reverse("dataset:dataset_export", args=[s.pk, "csv"]))


def export_xlsx() -> dict:
    from django.urls import reverse

    return _export(lambda s: reverse("dataset:dataset_export", args=[s.pk, "xlsx"]))


def export_indicator_csv() -> dict:
    from django.urls import reverse

    from dataset.models import Indicator

    code = Indicator.objects.order_by("code").values_list("code", flat=True).first()
    return _export(lambda s: reverse("dataset:indicator_data", args=[code]))


def evidence_pack() -> dict:
    """Publish the current snapshot, give the scrutineer an event over the last four quarters with an outcome per
    objective linked to its indicators, and build version 1 of its pack in-process (what the worker runs)."""
    from datetime import date

    from agencies.models import Role, User
    from dataset.models import Indicator, ReportingPeriod
    from neglect_portal.strategy import Objective
    from scrutiny.models import EvidencePack, ImpactOutcome, PackStatus, ScrutinyEvent
    from scrutiny.packs.services import pack_build

    scrutineer = User.objects.get(role=Role.SCRUTINEER)
    snapshot = _published()
    event = ScrutinyEvent.objects.create(title="Bench scrutiny event", held_on=date.today(), snapshot=snapshot)
    event.periods.set(ReportingPeriod.objects.order_by("-year", "-quarter")[:4])
    for position, objective in enumerate(Objective):
        outcome = ImpactOutcome.objects.create(
            title=f"Bench outcome: {objective.label}", key_questions="Is it better?", position=position
        )
        outcome.indicators.set(Indicator.objects.filter(objective=objective))
        event.outcomes.add(outcome)
    pack = EvidencePack.objects.create(event=event, version=1, snapshot=snapshot, requested_by=scrutineer)
    out = measured(lambda: pack_build(pack_id=pack.pk))
    built = out.pop("result")
    out["status"] = built.status
    out["pack_error"] = built.error[:300]
    out["size"] = built.size
    if built.status != PackStatus.COMPLETE:
        out["seconds"] = None
    return out


OPERATIONS: dict[str, Callable[..., dict]] = {
    "build_full": build_full,
    "build_nochange": build_nochange,
    "pages": pages,
    "export_csv": export_csv,
    "export_xlsx": export_xlsx,
    "export_indicator_csv": export_indicator_csv,
    "evidence_pack": evidence_pack,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure one operation against the bench database.")
    parser.add_argument("operation", choices=[*OPERATIONS, "sql_floor"])
    parser.add_argument("--database", default=db.DEFAULT_NAME["large"])
    parser.add_argument("--requests", type=int, default=9, help="timed requests per page (median)")
    args = parser.parse_args(argv)
    if args.operation == "sql_floor":
        result = sql_floor(args.database)
    else:
        db.setup(args.database)
        import logging

        logging.disable(logging.WARNING)  # the build logs each snapshot; keep stdout one JSON line
        op = OPERATIONS[args.operation]
        result = op(args.requests) if args.operation == "pages" else op()
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
