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
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import db, load

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
def _written(pk: int) -> dict:
    """What a build wrote, as it says in meta["written"] ({"contributions": n, "values": n, ...}), or None when
    the build does not say; beside it, how many contributions and values the snapshot holds (read, not written,
    once a snapshot references accepted figures instead of copying them)."""
    from dataset.models import DatasetContribution, DatasetSnapshot, DatasetValue

    snapshot = DatasetSnapshot.objects.get(pk=pk)
    written = (snapshot.meta or {}).get("written")
    return {
        "snapshot": pk,
        "written": written if isinstance(written, dict) else None,
        "contributions": DatasetContribution.objects.in_snapshot(snapshot).count(),
        "values": DatasetValue.objects.filter(snapshot_id=pk).count(),
    }


def build_full() -> dict:
    from dataset.build.services import dataset_build

    out = measured(lambda: dataset_build(trigger="bench", force=True).pk)
    out.update(_written(out.pop("result")))
    return out


def _submitted_return():
    """The latest quarter's first submitted return: the generator leaves some for the accept measurements."""
    from dataset.models import Return
    from neglect_portal.lifecycle import State

    ret = (
        Return.objects.filter(status=State.SUBMITTED)
        .select_related("agency", "period")
        .order_by("-period__year", "-period__quarter", "agency__short_name")
        .first()
    )
    if ret is None:
        raise RuntimeError("no submitted return left to accept: generate the bench data again (make bench-data)")
    return ret


def _accept(ret) -> None:
    """Accept as the analyst does, through the service, in a transaction that commits (so on_commit queues the
    build, as after a real request)."""
    from django.db import transaction

    from agencies.models import Role, User
    from dataset.returns.services import return_accept

    with transaction.atomic():
        return_accept(ret=ret, acting_user=User.objects.get(role=Role.ANALYST))


def build_incremental() -> dict:
    """Accept one return, then run the build directly, as the worker would (its queued build goes to an
    in-memory broker nobody reads: `main` names one for this operation)."""
    from dataset.build.services import build_request_take, current_snapshot, dataset_build

    before = current_snapshot() or dataset_build(trigger="bench")
    ret = _submitted_return()
    values = ret.values.count()
    _accept(ret)
    build_request_take()  # as the worker's task does first
    out = measured(lambda: dataset_build(trigger=f"bench incremental: accepted {ret}").pk)
    out.update(_written(out.pop("result")))
    out.update(accepted=str(ret), return_values=values, new_snapshot=out["snapshot"] != before.pk)
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


def _client(user):
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    _second_factor_given(client, user)
    return client


def _second_factor_given(client, user) -> None:
    """force_login skips the code step (issue 15 item 5): mark the session verified by the person's app device, as
    the code step does, so the pages measured are the pages, not the redirect to the code step."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from agencies.twofactor.policy import must_have_second_factor

    if not must_have_second_factor(user):
        return
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "Authenticator app"})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _time_request(call: Callable[[], object], n: int, *, before: Callable[[], object] | None = None) -> dict:
    """The median of n timed calls, and the queries and status of one. `before`, if given, runs ahead of each
    call, untimed and uncounted (the save whose redirected page is being timed)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    before = before or (lambda: None)
    before()
    response = call()  # warm: templates compiled, caches filled
    status = getattr(response, "status_code", None)
    before()
    reset_queries()  # a request resets the log as it starts: count from an empty one
    with CaptureQueriesContext(connection) as ctx:
        call()
    times = []
    for _ in range(n):
        before()
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return {
        "ms": statistics.median(times) * 1000,
        "queries": len(ctx.captured_queries),
        "status": status,
        "runs": n,
        "captured": ctx.captured_queries,
    }


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

    form = load.FormFields(edit_url)
    form.feed(as_lead.get(edit_url).content.decode())
    saved = save_draft_once(as_lead, edit_url, form.fields, draft.pk)
    comment = next((k for k in form.fields if k.endswith("-commentary")), None)
    saves = iter(range(1_000_000))

    def save_draft():
        # The POST alone (answered 303 See Other): what the person waits for before the browser asks for the page,
        # which is timed on its own as "save a draft: the page after (GET)".
        data = dict(form.fields)
        if comment:  # a real change each time, as a person saving a draft makes one
            data[comment] = f"Bench save {next(saves)}"
        fresh = Return.objects.only("version").get(pk=draft.pk).version  # the version the person's page showed
        data["seen_version"] = str(fresh)
        return _post_form(as_lead, edit_url, data)

    def page_after_save():
        # The GET the redirect leads to, after a real save (untimed, in `before`) left its "Draft saved." waiting.
        return as_lead.get(edit_url)

    plan: dict[str, Callable[[], object] | tuple[Callable[[], object], Callable[[], object]]] = {
        "bare signed-in page (password change)": lambda: as_lead.get(reverse("password_change")),
        "glossary": lambda: as_lead.get(reverse("dataset:glossary")),
        "return edit page": lambda: as_lead.get(edit_url),
        "save a draft": save_draft,
        "save a draft: the page after (GET)": (page_after_save, save_draft),
        "tracker": lambda: as_analyst.get(reverse("dataset:tracker")),
        "chase list": lambda: as_analyst.get(reverse("dataset:chase_list")),
        "dataset page": lambda: as_member.get(reverse("dataset:dataset")),
        "indicator page": lambda: as_member.get(reverse("dataset:indicator", args=[code])),
        "dashboard": lambda: as_member.get(reverse("dashboard")),
        "home: a lead's task list": lambda: as_lead.get(reverse("home")),
        "home: the analyst's task list": lambda: as_analyst.get(reverse("home")),
        "home: a member's (since the last publication)": lambda: as_member.get(reverse("home")),
        "returns list (latest quarter)": lambda: as_analyst.get(reverse("dataset:return_list")),
        "returns list (all quarters)": lambda: as_analyst.get(reverse("dataset:return_list") + "?period="),
        "returns list (a lead's)": lambda: as_lead.get(reverse("dataset:return_list")),
    }
    out: dict = {"_draft_saved": saved}
    for name, call in plan.items():
        call, before = call if isinstance(call, tuple) else (call, None)
        figures = _time_request(call, n, before=before)
        captured = figures.pop("captured")
        if name == "indicator page":
            out["_indicator_explain"] = _explain_slowest(captured)
        out[name] = figures
    return out


def save_draft_once(client, url: str, fields: dict, pk: int) -> bool:
    """One save as a browser makes it: the POST, then the GET it redirects to. Saved only if the POST answered
    303 to the edit page, the return's version went up by one, and the page then says "Draft saved."."""
    from dataset.models import Return

    before = Return.objects.only("version").get(pk=pk).version
    data = {**fields, "seen_version": str(before)}
    comment = next((k for k in fields if k.endswith("-commentary")), None)
    if comment:
        data[comment] = "Bench first save"
    response = _post_form(client, url, data)
    if response.status_code != 303 or response["Location"] != url:
        return False
    after = Return.objects.only("version").get(pk=pk).version
    return after == before + 1 and b"Draft saved." in client.get(url).content


def _post_form(client, url: str, data: dict):
    """POST as a browser sends the edit page's form (it has no enctype): urlencoded, not the test client's default
    multipart, whose parsing of 750 fields took a fifth of the save's time and is never asked of the server."""
    from urllib.parse import urlencode

    return client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")


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
    """The workbook as a reader gets it: straight from the request while the snapshot is small, else through the
    export job (see `export_xlsx_job`), whichever the download link leads to at this scale."""
    from dataset.reading import export_jobs

    if export_jobs.export_in_background(_published()):
        return export_xlsx_job()
    return export_xlsx_direct()


def export_xlsx_direct() -> dict:
    """The workbook written within the request, whatever the size (DATASET_EXPORT_INLINE_ROWS lifted): what a
    web server would have to wait for without the job."""
    from django.test.utils import override_settings
    from django.urls import reverse

    with override_settings(DATASET_EXPORT_INLINE_ROWS=10**12):
        out = _export(lambda s: reverse("dataset:dataset_export", args=[s.pk, "xlsx"]))
    out["path"] = "direct"
    return out


def export_xlsx_job() -> dict:
    """The large workbook as a member gets it: ask for it on its page (the POST queues the job, which runs eagerly
    in-process here, as without a broker), then download the stored file. Any earlier job for the snapshot is
    deleted first, so the file is made, not reused. `seconds` is the time to the file (ask + job + download);
    `job_s` the ask with the job run inside it (with a worker, the ask returns at once and the page polls)."""
    from django.db import transaction
    from django.urls import reverse

    from agencies.models import Role, User
    from dataset.models import ExportJob
    from dataset.reading import export_jobs

    snapshot = _published()
    with transaction.atomic():
        ExportJob.objects.filter(snapshot=snapshot).delete()  # their files go as this commits
    client = _client(User.objects.get(role=Role.MEMBER))
    page = reverse("dataset:dataset_export_job", args=[snapshot.pk])
    timings: dict[str, float] = {}

    def get():
        t0 = time.perf_counter()
        asked = client.post(page)
        timings["job_s"] = time.perf_counter() - t0
        shown = client.get(page)
        job = ExportJob.objects.get(snapshot=snapshot, scope=export_jobs.scope_of(User.objects.get(role=Role.MEMBER)))
        response = client.get(reverse("dataset:export_job_download", args=[job.pk]))
        size = sum(len(piece) for piece in response.streaming_content) if response.streaming else len(response.content)
        response.close()
        return asked.status_code, shown.status_code, job.status, response.status_code, size

    out = measured(get)
    asked, shown, status, out["status"], out["bytes"] = out.pop("result")
    out.update(path="job", job_status=status, ask_status=asked, page_status=shown, job_s=timings["job_s"])
    return out


def export_indicator_csv() -> dict:
    from django.urls import reverse

    from dataset.models import Indicator

    code = Indicator.objects.order_by("code").values_list("code", flat=True).first()
    return _export(lambda s: reverse("dataset:indicator_data", args=[code]))


def _pack_event():
    """Publish the current snapshot and give the scrutineer an event over the last four quarters with an outcome
    per objective linked to its indicators: (the event, the scrutineer)."""
    from datetime import date

    from agencies.models import Role, User
    from dataset.models import Indicator, ReportingPeriod
    from neglect_portal.strategy import Objective
    from scrutiny.models import ImpactOutcome, ScrutinyEvent

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
    return event, scrutineer


def evidence_pack() -> dict:
    """The bench's event (`_pack_event`), and version 1 of its pack built in-process (what the worker runs)."""
    from scrutiny.models import EvidencePack, PackStatus
    from scrutiny.packs.services import pack_build

    event, scrutineer = _pack_event()
    pack = EvidencePack.objects.create(event=event, version=1, snapshot=event.snapshot, requested_by=scrutineer)
    out = measured(lambda: pack_build(pack_id=pack.pk))
    built = out.pop("result")
    out["status"] = built.status
    out["pack_error"] = built.error[:300]
    out["size"] = built.size
    out["storage"] = _pack_storage(built)
    if built.status != PackStatus.COMPLETE:
        out["seconds"] = None
    return out


def evidence_pack_worker(timeout: float = 600.0) -> dict:
    """The bench's event's pack asked for as the scrutineer asks (`pack_request`, which queues the build once it
    commits) with a real Celery worker running (`main` names the bench's broker); seconds from the request to the
    pack complete, polled as its progress page polls. The worker's process tree is sampled for memory meanwhile."""
    from neglect_portal.celery import app
    from scrutiny.models import EvidencePack, PackStatus
    from scrutiny.packs.requests import pack_request

    event, scrutineer = _pack_event()
    app.control.purge()  # nothing left over from an earlier run in the bench's queue
    with load.celery_worker(db.url(_DATABASE["name"]), db.BROKER) as worker:
        sampler = load.MemorySampler(worker.pid)
        sampler.sample()
        idle_mb = sampler.process_peak / MB
        sampler.start()
        t0 = time.perf_counter()
        pack = pack_request(event=event, acting_user=scrutineer)
        built = None
        while time.perf_counter() - t0 < timeout:
            built = EvidencePack.objects.get(pk=pack.pk)
            if built.status in (PackStatus.COMPLETE, PackStatus.FAILED):
                break
            time.sleep(0.25)
        seconds = time.perf_counter() - t0
        memory = sampler.finish()
    out = {
        "seconds": seconds if built is not None and built.status == PackStatus.COMPLETE else None,
        "status": built.status if built else "",
        "pack_error": built.error[:300] if built else "",
        "size": built.size if built else 0,
        "worker_idle_mb": idle_mb,
        **memory,
    }
    if built is None or built.status not in (PackStatus.COMPLETE, PackStatus.FAILED):
        out["failure"] = f"the pack was not built within {timeout:.0f} s"
    return out


COMPLETENESS = re.compile(r"<strong>([\d,]+) of ([\d,]+)</strong>\s*expected figures")


def _dashboard_supplied(client) -> int | None:
    """The dashboard's "N of M expected figures accepted or explained" for the latest quarter, or None."""
    from django.urls import reverse

    found = COMPLETENESS.search(client.get(reverse("dashboard")).content.decode())
    return int(found.group(1).replace(",", "")) if found else None


def accept_dashboard(timeout: float = 120.0) -> dict:
    """Accept a submitted return with a real Celery worker running (`main` names the bench's broker), then poll
    until the current snapshot holds that return's figures and the analyst's dashboard counts them. Seconds are
    from the accept to each; the build is queued build.requests.BUILD_DELAY_SECONDS after the accept, so that
    several accepts in a row give one build. The worker's process tree is sampled for memory meanwhile."""
    from django.utils import timezone

    from agencies.models import Role, User
    from dataset.build import requests as build_requests
    from dataset.build.services import build_request_take, current_snapshot, dataset_build
    from dataset.catalogue.periods import Quarter
    from dataset.models import DatasetSnapshot, DatasetValue, SnapshotStatus
    from neglect_portal.celery import app

    before = current_snapshot() or dataset_build(trigger="bench")
    ret = _submitted_return()
    quarter, agency = Quarter(ret.period.year, ret.period.quarter).index, ret.agency.short_name
    analyst = _client(User.objects.get(role=Role.ANALYST))
    supplied_before = _dashboard_supplied(analyst)
    app.control.purge()  # nothing left over from an earlier run in the bench's queue
    with load.celery_worker(db.url(_DATABASE["name"]), db.BROKER) as worker:
        build_request_take()  # a request left pending by an earlier run would swallow this accept's build
        sampler = load.MemorySampler(worker.pid)
        sampler.sample()
        idle_mb = sampler.process_peak / MB
        sampler.start()
        t0 = time.perf_counter()
        accepted_at = timezone.now()
        _accept(ret)
        in_snapshot = shown = None
        snapshot = None
        error = ""
        while time.perf_counter() - t0 < timeout:
            snapshot = current_snapshot()
            if (
                snapshot
                and snapshot.pk != before.pk
                and DatasetValue.objects.filter(
                    snapshot=snapshot, quarter=quarter, contributors__contains=[agency]
                ).exists()
            ):
                in_snapshot = time.perf_counter() - t0
                break
            failed = DatasetSnapshot.objects.filter(status=SnapshotStatus.FAILED, started_at__gte=accepted_at).first()
            if failed:
                error = f"the build failed: {failed.error[:200]}"
                break
            time.sleep(0.2)
        memory = sampler.finish()
        if in_snapshot is not None:
            supplied_after = _dashboard_supplied(analyst)
            shown_at = time.perf_counter() - t0
            if supplied_before is not None and supplied_after is not None:
                shown = supplied_after > supplied_before
        else:
            supplied_after = shown_at = None
            error = error or f"the return's figures were not in a snapshot within {timeout:.0f} s"
    out = {
        "seconds": in_snapshot,
        "dashboard_seconds": shown_at,
        "dashboard_shows": shown,
        "dashboard_supplied": [supplied_before, supplied_after],
        "build_delay_s": build_requests.BUILD_DELAY_SECONDS,
        "accepted": str(ret),
        "worker_idle_mb": idle_mb,
        **memory,
    }
    if snapshot is not None and in_snapshot is not None:
        out.update(_written(snapshot.pk))
    if error:
        out["failure"] = error
    return out


def leads_saving(leads: int, seconds: float, think: tuple[float, float], workers: int, threads: int) -> dict:
    """N leads, each with their own draft in the latest quarter, sign in to gunicorn and save drafts (see
    load.run_leads). Drafts of inactive agencies count: the generator adds them to reach 50 leads."""
    from django.urls import reverse

    from agencies.models import Role, User
    from bench.generate import PASSWORD
    from dataset.models import ReportingPeriod, Return
    from neglect_portal.lifecycle import State

    latest = ReportingPeriod.objects.order_by("-year", "-quarter").first()
    people: list[tuple[str, str]] = []
    drafts = Return.objects.filter(status=State.DRAFT, period=latest).select_related("agency")
    for ret in drafts.order_by("agency__short_name"):
        lead = User.objects.filter(role=Role.AGENCY_LEAD, agency=ret.agency, is_active=True).order_by("pk").first()
        if lead:
            people.append((lead.username, reverse("dataset:return_edit", args=[ret.pk])))
    people = people[:leads]
    with load.gunicorn(db.url(_DATABASE["name"]), workers=workers, threads=threads) as port:
        out = load.run_leads(port, people, password=PASSWORD, seconds=seconds, think=think)
    out.update(
        asked=leads, gunicorn=f"--workers {workers} --threads {threads}" + (" (sync)" if threads == 1 else " (gthread)")
    )
    return out


_DATABASE: dict[str, str] = {}


def _pack_storage(pack) -> str:
    """Where the built pack's files are, by looking: a file field (on the pack or a model hanging off it) that
    holds a file means storage (MEDIA or object storage); bytes in the pack's row mean the database."""
    from django.db.models import FileField

    def files_of(obj) -> list[str]:
        return [f.name for f in obj._meta.get_fields() if isinstance(f, FileField) and getattr(obj, f.name, None)]

    held = files_of(pack)
    for rel in pack._meta.related_objects:
        if any(isinstance(f, FileField) for f in rel.related_model._meta.get_fields()) and not rel.many_to_many:
            related = getattr(pack, rel.get_accessor_name(), None)
            rows = list(related.all()) if hasattr(related, "all") else [related] if related else []
            held += [f"{rel.related_model.__name__}.{name}" for row in rows for name in files_of(row)]
    if held:
        return "files in storage (" + ", ".join(sorted(set(held))) + ")"
    if getattr(pack, "content", None):
        return "ZIP in the DB"
    return "no files found"


OPERATIONS: dict[str, Callable[..., dict]] = {
    "build_full": build_full,
    "build_nochange": build_nochange,
    "pages": pages,
    "export_csv": export_csv,
    "export_xlsx": export_xlsx,
    "export_xlsx_direct": export_xlsx_direct,
    "export_xlsx_job": export_xlsx_job,
    "export_indicator_csv": export_indicator_csv,
    "evidence_pack": evidence_pack,
    "evidence_pack_worker": evidence_pack_worker,
    "build_incremental": build_incremental,
    "accept_dashboard": accept_dashboard,
    "leads_saving": leads_saving,
}
# Operations whose queued tasks must not run in-process: the broker each one names.
BROKERS = {"build_incremental": "memory://", "accept_dashboard": db.BROKER, "evidence_pack_worker": db.BROKER}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure one operation against the bench database.")
    parser.add_argument("operation", choices=[*OPERATIONS, "sql_floor"])
    parser.add_argument("--database", default=db.DEFAULT_NAME["large"])
    parser.add_argument("--requests", type=int, default=9, help="timed requests per page (median)")
    parser.add_argument("--leads", type=int, default=50, help="leads_saving: how many leads")
    parser.add_argument("--seconds", type=float, default=60, help="leads_saving: how long they save for")
    parser.add_argument("--think", default="2,8", help="leads_saving: seconds between saves, uniform in LOW,HIGH")
    parser.add_argument("--workers", type=int, default=3, help="leads_saving: gunicorn --workers")
    parser.add_argument("--threads", type=int, default=1, help="leads_saving: gunicorn --threads (1: sync)")
    parser.add_argument("--accept-timeout", type=float, default=120, help="accept_dashboard: seconds to wait")
    parser.add_argument("--pack-timeout", type=float, default=600, help="evidence_pack_worker: seconds to wait")
    args = parser.parse_args(argv)
    if args.operation == "sql_floor":
        result = sql_floor(args.database)
    else:
        db.setup(args.database, broker=BROKERS.get(args.operation, ""))
        _DATABASE["name"] = args.database
        import logging

        logging.disable(logging.WARNING)  # the build logs each snapshot; keep stdout one JSON line
        low, high = (float(x) for x in args.think.split(","))
        given = {
            "pages": lambda: pages(args.requests),
            "accept_dashboard": lambda: accept_dashboard(args.accept_timeout),
            "evidence_pack_worker": lambda: evidence_pack_worker(args.pack_timeout),
            "leads_saving": lambda: leads_saving(args.leads, args.seconds, (low, high), args.workers, args.threads),
        }
        result = given.get(args.operation, OPERATIONS[args.operation])()
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
