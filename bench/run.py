"""Measure the bench partnership side by side in one run; print the table, write results.json and results.md.

    python -m bench.run                      # large scale (make bench-data first), into bench/results.*
    python -m bench.run --scale tiny --check --out /tmp/bench   # CI smoke: it runs; no verdicts, no timings judged

Each operation runs in a fresh process (`python -m bench.measure <name>`), so its time and peak memory are its
own. Page figures are medians of N in-process requests through Django's test client, signed in with
force_login; their query counts are compared with the same pages at the tiny scale (generated if missing).
The last three operations accept returns and change drafts, so they run after the rest: the incremental build, the
accept -> dashboard figure with a real Celery worker, and 50 leads saving drafts against gunicorn (bench/load.py;
the README's Benchmark section describes the workload).
Timings on a shared machine drift: read the ratios beside the figures, not single absolute times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench import db

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# The "before" figures at the large scale and its targets.
BEFORE = {
    "build": "45-83 s",
    "floor": "0.27 s",
    "build_ratio": "240x",
    "nochange": "19-45 s, 1.56 GB",
    "contributions": "240,900 (~30 MB a build)",
    "return edit page": "1,184 ms",
    "save a draft": "1,097 ms",
    "tracker": "606 ms",
    "chase list": "228 ms",
    "xlsx": "52-83 s, 1.4 GB",
    "pack": "151 s, 1.7 GB",
    "concurrency": "p95 13.6 s, 1.7 saves/s (20 leads)",
}
# A page answered as it should: shown, or redirected (a saved draft answers 303 to its edit page).
ANSWERED = (200, 302, 303)
BARE = "bare signed-in page (password change)"

# The concurrency workload at each scale: how many leads, for how long, and the think time between one lead's saves.
LOAD = {
    "large": {"leads": 50, "seconds": 60, "think": "2,8", "accept_timeout": 300},
    "tiny": {"leads": 3, "seconds": 5, "think": "0.5,1.5", "accept_timeout": 60},
}


def measure(op: str, database: str, *, timeout: int, requests: int = 9, extra: tuple[str, ...] = ()) -> dict:
    cmd = [sys.executable, "-m", "bench.measure", op, "--database", database, "--requests", str(requests), *extra]
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        return {"error": f"not finished within {timeout} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"exit {done.returncode}"]}
    return json.loads(lines[-1])


def machine() -> dict:
    def sh(*args: str) -> str:
        try:
            return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603
        except OSError:
            return ""

    mem = next((line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "")
    pg = ""
    try:
        import psycopg

        with psycopg.connect(db.url("postgres")) as conn:
            pg = conn.execute("SELECT version()").fetchone()[0]
    except Exception as error:  # the machine line is informative only
        pg = f"unknown ({error})"
    return {
        "uname": sh("uname", "-a") or platform.platform(),
        "nproc": os.cpu_count(),
        "memory": " ".join(mem.split()[1:]) and f"{int(mem.split()[1]) / 1024 / 1024:.1f} GiB",
        "postgresql": pg,
        "python": platform.python_version(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _s(x: float | None) -> str:
    return "n/a" if x is None else (f"{x:.2f} s" if x < 10 else f"{x:.1f} s")


def _ms(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f} ms"


def _verdict(ok: bool | None, check: bool) -> str:
    if check or ok is None:
        return "-"
    return "met" if ok else "missed"


def table(results: dict, *, check: bool) -> list[tuple[str, str, str, str, str]]:
    """(figure, before, target, now, verdict) rows."""
    rows: list[tuple[str, str, str, str, str]] = []
    floor = results.get("sql_floor", {})
    full = results.get("build_full", {})
    if "seconds" in full and "seconds" in floor:
        ratio = full["seconds"] / floor["seconds"]
        rows.append(
            (
                "dataset build / SQL floor",
                f"{BEFORE['build']} / {BEFORE['floor']} = {BEFORE['build_ratio']}",
                "within 3x",
                f"{_s(full['seconds'])} / {_s(floor['seconds'])} = {ratio:,.0f}x; peak {full['peak_mb']:,.0f} MB",
                _verdict(ratio <= 3, check),
            )
        )
    else:
        rows.append(
            (
                "dataset build / SQL floor",
                BEFORE["build_ratio"],
                "within 3x",
                f"error: {full.get('error') or floor.get('error')}",
                "-",
            )
        )
    nochange = results.get("build_nochange", {})
    if "seconds" in nochange:
        ok = nochange["seconds"] < 1 and nochange["peak_mb"] < 100 and not nochange.get("new_snapshot")
        rows.append(
            (
                "no-change build",
                BEFORE["nochange"],
                "< 1 s, < 100 MB",
                f"{_s(nochange['seconds'])}, {nochange['peak_mb']:,.0f} MB",
                _verdict(ok, check),
            )
        )
    else:
        rows.append(("no-change build", BEFORE["nochange"], "< 1 s, < 100 MB", f"error: {nochange.get('error')}", "-"))
    rows.extend(_written_rows(full, results.get("build_incremental", {}), floor, check=check))
    bare_at = len(rows)
    pages = results.get("pages", {})
    tiny = results.get("pages_tiny", {})
    bare = pages.get(BARE, {}).get("ms")
    for name, fig in pages.items():
        if name.startswith("_") or name == BARE or "ms" not in fig:
            continue
        limit = 2 * bare + 50 if bare is not None else None
        q_tiny = tiny.get(name, {}).get("queries")
        same = q_tiny is None or q_tiny == fig["queries"]
        queries = f"{fig['queries']} queries" + (f" ({q_tiny} at tiny)" if q_tiny is not None else "")
        ok = None if limit is None else (fig["ms"] <= limit and same and fig.get("status") in ANSWERED)
        rows.append(
            (
                f"page: {name}",
                BEFORE.get(name, ""),
                f"<= 2x bare + 50 ms ({_ms(limit)}), same queries",
                f"{_ms(fig['ms'])}, {queries}" + ("" if fig.get("status") == 200 else f", HTTP {fig['status']}"),
                _verdict(ok, check),
            )
        )
    if bare is not None:
        rows.insert(
            bare_at, ("page: " + BARE, "", "the yardstick", f"{_ms(bare)}, {pages[BARE]['queries']} queries", "-")
        )
    elif "error" in pages:
        rows.append(("pages", "", "", f"error: {pages['error']}", "-"))
    for key, label, before in (
        ("export_csv", "CSV export", ""),
        ("export_xlsx", "XLSX export", BEFORE["xlsx"]),
        ("export_indicator_csv", "one-indicator CSV", ""),
    ):
        fig = results.get(key, {})
        if "seconds" in fig:
            # A file a request writes must come within the proxy's timeout; one the export job writes holds no request
            # open (the reader watches its progress page), so it is judged on memory and on being made at all.
            job = fig.get("path") == "job"
            ok = fig["peak_mb"] < 200 and (job or fig["seconds"] < 30) and fig.get("status") == 200
            how = (
                f"a Celery job (progress page, then a download link): {_s(fig['seconds'])} to the file, no request "
                "held open"
                if job
                else _s(fig["seconds"])
            )
            rows.append(
                (
                    label,
                    before,
                    "streams, < 200 MB, no timeout (< 30 s in a request; a job when large)",
                    f"{how}, {fig['peak_mb']:,.0f} MB, {fig.get('bytes', 0) / 1e6:.1f} MB file"
                    + ("" if fig.get("status") == 200 else f", HTTP {fig.get('status')}"),
                    _verdict(ok, check),
                )
            )
        else:
            rows.append((label, before, "< 200 MB, no timeout", f"error: {fig.get('error')}", "-"))
    pack = results.get("evidence_pack")
    if pack is None:
        rows.append(
            (
                "evidence pack",
                BEFORE["pack"],
                "< 30 s on 2 cores, files not in the DB",
                "not measured (--skip-pack)",
                "-",
            )
        )
    elif pack.get("seconds") is not None:
        storage = pack.get("storage", "not looked at")
        rows.append(
            (
                "evidence pack",
                BEFORE["pack"],
                "< 30 s on 2 cores, files not in the DB",
                f"{_s(pack['seconds'])}, {pack['peak_mb']:,.0f} MB, ZIP {(pack.get('size') or 0) / 1e6:.1f} MB; "
                + storage,
                _verdict(pack["seconds"] < 30 and storage.startswith("files in storage"), check),
            )
        )
    else:
        rows.append(
            (
                "evidence pack",
                BEFORE["pack"],
                "< 30 s on 2 cores",
                f"not measured: {pack.get('error') or pack.get('pack_error') or pack.get('status')}",
                _verdict(False, check),
            )
        )
    rows.append(_leads_row(results.get("leads_saving", {}), check=check))
    rows.append(_accept_row(results.get("accept_dashboard", {}), check=check))
    rows.append(_memory_row(results, check=check))
    return rows


def _written_text(fig: dict) -> str:
    w = fig.get("written")
    if not w:
        return f"n/a (the build does not say; the snapshot holds {fig.get('contributions', 0):,} contributions)"
    return ", ".join(f"{n:,} {kind}" for kind, n in w.items())


def _written_contributions(fig: dict) -> int | None:
    w = fig.get("written")
    return w.get("contributions") if w else fig.get("contributions")


def _written_rows(full: dict, inc: dict, floor: dict, *, check: bool) -> list[tuple[str, str, str, str, str]]:
    """What the forced full build and the build after one accept wrote (the snapshot's meta["written"])."""
    accepted = floor.get("accepted_values") or 0
    rows = []
    if "error" in full or "error" in inc or not full:
        rows.append(
            (
                "rows written per build",
                BEFORE["contributions"],
                "proportional to what changed",
                f"error: {full.get('error') or inc.get('error') or 'not measured'}",
                "-",
            )
        )
    else:
        now = f"forced full: {_written_text(full)}"
        ok = None
        if inc:
            now += f"; after one accept: {_written_text(inc)}"
            n = _written_contributions(inc)
            ok = None if n is None else n < accepted / 10
        rows.append(
            (
                "rows written per build",
                BEFORE["contributions"],
                "proportional to what changed",
                now,
                _verdict(ok, check),
            )
        )
    if "seconds" in inc:
        n = _written_contributions(inc)
        ok = None if n is None else n <= 10 * max(inc.get("return_values") or 0, 1)
        rows.append(
            (
                "incremental build (one accept, built directly)",
                "a full build",
                "touches only what changed",
                f"{_s(inc['seconds'])}, peak {inc['peak_mb']:,.0f} MB; accepted {inc.get('return_values', 0):,}"
                f" values; wrote {_written_text(inc)}",
                _verdict(ok, check),
            )
        )
    elif inc:
        rows.append(
            (
                "incremental build (one accept, built directly)",
                "",
                "touches only what changed",
                f"error: {inc.get('error')}",
                "-",
            )
        )
    return rows


def _ms_or(x) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def _leads_row(fig: dict, *, check: bool) -> tuple[str, str, str, str, str]:
    label, target = "N leads saving drafts (gunicorn + PostgreSQL)", "50 leads: p95 < 300 ms, 0 errors"
    if "saves" not in fig:
        return (label, BEFORE["concurrency"], target, f"error: {fig.get('error', 'not measured')}", "-")
    now = (
        f"{fig['leads']} leads saving for {fig['seconds']:.0f} s: {fig['saves']:,} saves, "
        f"{fig['saves_per_s'] or 0:.1f}/s "
        f"(until the last answer, {fig.get('window_s') or fig['seconds']:.0f} s), "
        f"think {fig['think_s'][0]:g}-{fig['think_s'][1]:g} s: the save's POST (303) p50/p95/p99 "
        f"{_ms_or(fig['p50_ms'])}/{_ms_or(fig['p95_ms'])}/{_ms_or(fig['p99_ms'])} ms, the page it redirects to "
        f"{_ms_or(fig.get('page_after_p50_ms'))}/{_ms_or(fig.get('page_after_p95_ms'))}/"
        f"{_ms_or(fig.get('page_after_p99_ms'))} ms; {fig['errors']} errors, "
        f"{fig['stale_refusals']} stale-save refusals; gunicorn {fig.get('gunicorn', '')}"
    )
    ok = fig["leads"] >= 50 and fig["p95_ms"] is not None and fig["p95_ms"] < 300 and fig["errors"] == 0
    return (label, BEFORE["concurrency"], target, now, _verdict(ok, check))


def _accept_row(fig: dict, *, check: bool) -> tuple[str, str, str, str, str]:
    label = "accept -> dashboard, real worker"
    if fig.get("seconds") is None:
        return (
            label,
            "",
            "< 15 s",
            f"not reached: {fig.get('failure') or fig.get('error') or 'not measured'}",
            _verdict(False, check) if fig else "-",
        )
    shows = {True: "shows it", False: "does NOT show it", None: "not checked"}[fig.get("dashboard_shows")]
    now = (
        f"{_s(fig['seconds'])} to a snapshot with its figures (the build is queued {fig.get('build_delay_s')} s "
        f"after the accept); the analyst's dashboard {shows} at {_s(fig.get('dashboard_seconds'))}"
    )
    return (label, "", "< 15 s", now, _verdict(fig["seconds"] < 15 and fig.get("dashboard_shows") is not False, check))


def _memory_row(results: dict, *, check: bool) -> tuple[str, str, str, str, str]:
    accept, pack = results.get("accept_dashboard", {}), results.get("evidence_pack") or {}
    parts = []
    if accept.get("worker_peak_mb") is not None:
        parts.append(
            f"accept build in the worker: {accept['worker_peak_mb']:,.0f} MB (largest process; idle "
            f"{accept.get('worker_idle_mb', 0):,.0f} MB; whole tree {accept.get('worker_tree_peak_mb', 0):,.0f} MB)"
        )
    if pack.get("process_peak_mb") is not None:
        parts.append(f"evidence pack build (the worker's code, in its own process): {pack['process_peak_mb']:,.0f} MB")
    return (
        "peak worker memory",
        "pack 1.7 GB, XLSX 1.4 GB",
        "reported (exports: < 200 MB)",
        "; ".join(parts) or "not measured",
        "-",
    )


def render_text(rows) -> str:
    widths = [max(len(r[i]) for r in [("figure", "before", "target", "now", "verdict"), *rows]) for i in range(5)]
    widths = [min(w, 60) for w in widths]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join(
        [
            line(("figure", "before", "target", "now", "verdict")),
            line(["-" * w for w in widths]),
            *(line(r) for r in rows),
        ]
    )


def render_md(rows, info: dict, results: dict, scale: str) -> str:
    gen = results.get("data", {})
    out = [
        "# Bench results",
        "",
        f"Scale **{scale}** ({gen.get('accepted_values', '?'):,} accepted values in the database) — "
        "generated by `make bench-data`, measured by `make bench`. Each run replaces this file; "
        "`results-before.md` is the first run, on the code before issue 13's changes.",
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info.items()),
        "",
        "| figure | before (issue 13) | target | now | verdict |",
        "|---|---|---|---|---|",
        *("| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows),
        "",
        "Times are single fresh-process runs (builds, exports, pack) or medians of "
        f"{results.get('requests', '?')} requests (pages, after one warm-up), on a shared machine: read the ratios. "
        "Peak memory is the rise in the process's resident set during the operation. Page query counts are compared "
        "with the same pages on the tiny partnership.",
    ]
    explain = results.get("pages", {}).get("_indicator_explain")
    if explain:
        out += ["", "## EXPLAIN: the indicator page's read of contributions", "", "```", explain, "```"]
    return "\n".join(out) + "\n"


def _data_summary(database: str) -> dict:
    import psycopg

    try:
        with psycopg.connect(db.url(database)) as conn:
            n = conn.execute(
                "SELECT count(*) FROM dataset_returnvalue v JOIN dataset_return r ON r.id = v.return_id "
                "WHERE r.status = 'accepted'"
            ).fetchone()[0]
    except psycopg.OperationalError:
        return {}
    return {"database": database, "accepted_values": n}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the bench against the generated partnership.")
    parser.add_argument("--scale", choices=["large", "tiny"], default="large")
    parser.add_argument("--database", help="default: neglect_portal_bench[_tiny]")
    parser.add_argument("--check", action="store_true", help="smoke: check every measurement runs; judge nothing")
    parser.add_argument("--out", type=Path, default=HERE, help="where results.json and results.md go")
    parser.add_argument("--requests", type=int, default=None, help="timed requests per page (9; --check: 2)")
    parser.add_argument("--skip-pack", action="store_true", help="do not build an evidence pack")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed for each measured operation")
    parser.add_argument("--pack-timeout", type=int, default=300, help="seconds allowed for the evidence pack")
    parser.add_argument("--tiny-database", help="large runs: the tiny partnership for query counts (made again)")
    parser.add_argument("--leads", type=int, help="leads saving drafts at once (large 50, tiny 3)")
    parser.add_argument("--load-seconds", type=float, help="how long they save for (large 60, tiny 5)")
    parser.add_argument("--think", help="seconds between one lead's saves, LOW,HIGH (large 2,8; tiny 0.5,1.5)")
    parser.add_argument("--gunicorn-workers", type=int, default=3, help="as the Dockerfile: 3")
    parser.add_argument("--gunicorn-threads", type=int, default=1, help="1: sync workers, as the Dockerfile")
    args = parser.parse_args(argv)
    database = args.database or db.DEFAULT_NAME[args.scale]
    requests = args.requests or (2 if args.check else 9)
    summary = _data_summary(database)
    if not summary:
        print(f"No bench database {database}: run `python -m bench.generate --scale {args.scale}` first.")
        return 2
    results: dict = {
        "scale": args.scale,
        "check": args.check,
        "requests": requests,
        "machine": machine(),
        "data": summary,
    }
    steps = ["sql_floor", "build_full", "build_nochange", "pages", "export_csv", "export_xlsx", "export_indicator_csv"]
    if not args.skip_pack:
        steps.append("evidence_pack")
    # After the others, which read the data as generated: these accept returns and change drafts.
    steps += ["build_incremental", "accept_dashboard", "leads_saving"]
    load = LOAD[args.scale]
    extra = {
        "leads_saving": (
            "--leads", str(args.leads or load["leads"]),
            "--seconds", str(args.load_seconds or load["seconds"]),
            "--think", args.think or load["think"],
            "--workers", str(args.gunicorn_workers),
            "--threads", str(args.gunicorn_threads),
        ),
        "accept_dashboard": ("--accept-timeout", str(load["accept_timeout"])),
    }  # fmt: skip
    for step in steps:
        print(f"... {step}", flush=True)
        limit = args.pack_timeout if step == "evidence_pack" else args.timeout
        began = time.perf_counter()
        results[step] = measure(step, database, timeout=limit, requests=requests, extra=extra.get(step, ()))
        results.setdefault("wall_s", {})[step] = round(time.perf_counter() - began, 1)
    if args.scale == "large":
        tiny = args.tiny_database or db.DEFAULT_NAME["tiny"]
        print("... the tiny partnership, generated again", flush=True)
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.generate", "--scale", "tiny", "--database", tiny],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        print("... pages at the tiny scale (query counts)", flush=True)
        results["pages_tiny"] = measure("pages", tiny, timeout=args.timeout, requests=2)
    rows = table(results, check=args.check)
    results["table"] = [dict(zip(("figure", "before", "target", "now", "verdict"), r, strict=True)) for r in rows]
    print()
    print(render_text(rows))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (args.out / "results.md").write_text(render_md(rows, results["machine"], results, args.scale))
    print(f"\nWritten {args.out / 'results.json'} and {args.out / 'results.md'}")
    errors = [k for k in steps if isinstance(results.get(k), dict) and results[k].get("error")]
    if args.check:
        # The smoke fails only when something does not run; never on a timing.
        broken = errors + [
            k for k, v in results.get("pages", {}).items() if not k.startswith("_") and v.get("status") not in ANSWERED
        ]
        if not results.get("pages", {}).get("_draft_saved"):
            broken.append("save a draft did not save")
        leads = results.get("leads_saving", {})
        if not leads.get("saves") or leads.get("errors"):
            broken.append(f"leads saving drafts ({leads.get('errors')} errors: {leads.get('error_examples')})")
        if results.get("accept_dashboard", {}).get("seconds") is None:
            broken.append("accept -> dashboard did not reach a snapshot")
        if broken:
            print("bench smoke: these did not run:", ", ".join(broken))
            return 1
        print("bench smoke: every measurement ran.")
    elif errors:
        print("Not measured (errors):", ", ".join(errors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
