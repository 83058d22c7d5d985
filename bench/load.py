"""The bench's real servers and its load: gunicorn and a Celery worker started as production starts them, against
the bench database, and a threaded client of leads who sign in and save their drafts.

The servers run with production settings (DEBUG off, `bench.serve_settings`) and are reached on a free loopback
port with the header a TLS proxy sets (X-Forwarded-Proto: https), so secure cookies, CSRF's origin check and the
SSL redirect behave as behind the real proxy. The client is the standard library only (http.client, one connection
a request, as gunicorn's sync workers close each one): it keeps its own cookies, since a cookie jar would withhold
the Secure ones over plain HTTP.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
SECRET_KEY = "bench-only-not-a-secret-" + "0123456789abcdef" * 3


class FormFields(HTMLParser):
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


# --- processes and their memory ------------------------------------------------------------------------------
def server_env(database_url: str, broker: str = "") -> dict[str, str]:
    """Production's environment for the bench database; no broker means Celery runs eagerly in the server."""
    env = {
        **os.environ,
        "DEBUG": "off",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.serve_settings",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CONN_MAX_AGE", None)  # production's default (60 s), not the measuring process's
    if broker:
        env["CELERY_BROKER_URL"] = broker
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def process_tree(pid: int) -> list[int]:
    """pid and its descendants, from /proc (psutil is not a dependency)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(parents.get(p, []))
    return found


class MemorySampler(threading.Thread):
    """Samples a process tree's resident set every `every` seconds; at the end also reads each process's own
    high-water mark (VmHWM), which catches a peak between samples."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.tree_peak = self.process_peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.every)

    def sample(self) -> None:
        sizes = [_status_kb(p, "VmRSS") for p in process_tree(self.pid)]
        self.tree_peak = max(self.tree_peak, sum(sizes))
        self.process_peak = max(self.process_peak, *sizes, 0)

    def finish(self) -> dict:
        self._stop_event.set()
        self.join(5)
        hwm = max((_status_kb(p, "VmHWM") for p in process_tree(self.pid)), default=0)
        return {"worker_peak_mb": max(self.process_peak, hwm) / MB, "worker_tree_peak_mb": self.tree_peak / MB}


def _stop(proc: subprocess.Popen, wait: float = 20) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # warm shutdown: gunicorn and Celery finish what they are doing
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _log(name: str) -> Path:
    folder = ROOT / "var" / "bench-logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.log"


@contextlib.contextmanager
def gunicorn(database_url: str, *, workers: int, threads: int) -> Iterator[int]:
    """gunicorn as the Dockerfile starts it, on a free loopback port; yields the port once /healthz answers."""
    port = free_port()
    server = f"gunicorn neglect_portal.wsgi:application --workers {workers} --threads {threads} --timeout 60"
    cmd = [sys.executable, "-m", *server.split(), "--bind", f"127.0.0.1:{port}"]
    with _log("gunicorn").open("w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=server_env(database_url), stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"gunicorn exited ({proc.returncode}); see {_log('gunicorn')}")
                with contextlib.suppress(OSError):
                    if Browser(port).request("GET", "/healthz")[0] == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer /healthz within 60 s; see {_log('gunicorn')}")
                time.sleep(0.3)
            yield port
        finally:
            _stop(proc)


@contextlib.contextmanager
def celery_worker(database_url: str, broker: str) -> Iterator[subprocess.Popen]:
    """`celery -A neglect_portal worker -c 1 --pool prefork`, as in production but one child; yields the process
    once it answers a ping. The caller's Celery app must point at the same broker."""
    from neglect_portal.celery import app

    name = f"bench{os.getpid()}@127.0.0.1"
    worker = "celery -A neglect_portal worker -c 1 --pool prefork --without-gossip --without-mingle --loglevel WARNING"
    cmd = [sys.executable, "-m", *worker.split(), "-n", name]
    with _log("worker").open("w") as log:
        proc = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=server_env(database_url, broker), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 90
            while not app.control.ping(destination=[name], timeout=1):
                if proc.poll() is not None:
                    raise RuntimeError(f"the Celery worker exited ({proc.returncode}); see {_log('worker')}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the Celery worker did not answer within 90 s; see {_log('worker')}")
            yield proc
        finally:
            _stop(proc, wait=30)


# --- the client ----------------------------------------------------------------------------------------------
class Browser:
    """One person's browser: cookies kept, every request as through the TLS proxy, redirects not followed."""

    def __init__(self, port: int, *, secure: bool = True) -> None:
        self.port, self.secure = port, secure
        self.origin = f"{'https' if secure else 'http'}://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, bytes]:
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "neglect-bench"}
        if self.secure:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                    "Referer": self.origin + path,
                }
            )
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            content = response.read()
            for raw in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(raw)
                for key, morsel in jar.items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
            return response.status, response.headers.get("Location", ""), content
        finally:
            conn.close()


CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
SEEN = re.compile(rb'<input[^>]*name="seen_version"[^>]*>')
VALUE = re.compile(rb'value="(\d+)"')


def seen_version(page: bytes) -> int | None:
    tag = SEEN.search(page)
    found = VALUE.search(tag.group(0)) if tag else None
    return int(found.group(1)) if found else None


def sign_in(browser: Browser, username: str, password: str) -> None:
    """The sign-in form, for real: the password is checked (PBKDF2) as for a person."""
    status, _, page = browser.request("GET", "/accounts/login/")
    token = CSRF.search(page)
    if status != 200 or not token:
        raise RuntimeError(f"sign-in page: HTTP {status}")
    status, location, _ = browser.request(
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": token.group(1).decode(), "username": username, "password": password},
    )
    if status != 302 or "sessionid" not in browser.cookies:
        raise RuntimeError(f"{username} was not signed in (HTTP {status})")


@dataclass
class Lead:
    username: str
    edit_url: str
    saves: list[float] = field(default_factory=list)  # seconds, each save's POST that worked (answered 303)
    pages_after: list[float] = field(default_factory=list)  # seconds, the GET each of those redirected to
    sign_in_s: float = 0.0
    stale: int = 0
    errors: list[str] = field(default_factory=list)


def _lead(
    lead: Lead,
    port: int,
    password: str,
    start: threading.Barrier,
    clock: dict,
    think: tuple[float, float],
    gate: threading.Semaphore,
    rng: random.Random,
    secure: bool,
) -> None:
    browser = Browser(port, secure=secure)
    fields: dict[str, str] = {}
    try:
        with gate:  # sign-ins hash a password each: a few at a time, as people arrive over a minute
            t0 = time.perf_counter()
            sign_in(browser, lead.username, password)
            status, _, page = browser.request("GET", lead.edit_url)
            lead.sign_in_s = time.perf_counter() - t0
        if status != 200:
            raise RuntimeError(f"edit page: HTTP {status}")
        form = FormFields(lead.edit_url)
        form.feed(page.decode())
        fields = form.fields
    except Exception as error:  # this lead cannot take part; the others still do
        lead.errors.append(f"{lead.username} sign-in: {error}")
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait()
    comment = next((k for k in fields if k.endswith("-commentary")), None)
    if not comment or "seen_version" not in fields:
        if not lead.errors:
            lead.errors.append(f"{lead.username}: the edit page has no commentary or seen_version field")
        return
    time.sleep(rng.uniform(0, think[1]))  # people do not all press Save at the same moment
    n = 0
    while time.perf_counter() < clock["end"]:
        n += 1
        seen = int(fields["seen_version"])
        data = {**fields, comment: f"Bench save {n} by {lead.username}"}  # a real change each time
        t0 = time.perf_counter()
        try:
            status, location, page = browser.request("POST", lead.edit_url, data)
        except (OSError, http.client.HTTPException) as error:
            lead.errors.append(f"{type(error).__name__}: {error}")
            time.sleep(rng.uniform(*think))
            continue
        took = time.perf_counter() - t0
        if status == 409:
            lead.stale += 1  # someone else saved since: re-open the page, as the person would
            status, _, page = browser.request("GET", lead.edit_url)
            fields["seen_version"] = str(seen_version(page) or seen)
        elif status != 303 or location.split("://", 1)[-1].partition("/")[1:] != ("/", lead.edit_url[1:]):
            lead.errors.append(f"HTTP {status} {location}".strip() + ", not a 303 to the edit page")
        else:
            # Post/Redirect/Get: the browser follows the 303; the save counts once the page it leads to says so.
            t1 = time.perf_counter()
            try:
                status, _, page = browser.request("GET", lead.edit_url)
            except (OSError, http.client.HTTPException) as error:
                lead.errors.append(f"the page after saving: {type(error).__name__}: {error}")
                time.sleep(rng.uniform(*think))
                continue
            after = time.perf_counter() - t1
            now_seen = seen_version(page)
            if status != 200 or b"Draft saved." not in page or now_seen != seen + 1:
                lead.errors.append(
                    f"after the 303: HTTP {status}, no 'Draft saved.' or the version did not move "
                    f"({seen} -> {now_seen})"
                )
            else:
                lead.saves.append(took)
                lead.pages_after.append(after)
                fields["seen_version"] = str(now_seen)
        time.sleep(rng.uniform(*think))


def _percentile(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def run_leads(
    port: int,
    people: list[tuple[str, str]],
    *,
    password: str,
    seconds: float,
    think: tuple[float, float],
    sign_in_at_once: int = 6,
    seed: int = 13,
    secure: bool = True,
) -> dict:
    """Every lead signs in and opens their draft; once all have, each saves a change to it, waits a think time
    (uniform in `think`), and saves again, until `seconds` have passed. Each lead edits only their own return."""
    leads = [Lead(username, url) for username, url in people]
    clock: dict = {}

    def started() -> None:
        clock["start"] = time.perf_counter()
        clock["end"] = clock["start"] + seconds

    start = threading.Barrier(len(leads) + 1, action=started)
    gate = threading.Semaphore(sign_in_at_once)
    threads = [
        threading.Thread(
            target=_lead,
            args=(lead, port, password, start, clock, think, gate, random.Random(seed + i), secure),  # noqa: S311
            daemon=True,
        )
        for i, lead in enumerate(leads)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    start.wait()
    signing_in = time.perf_counter() - t0
    for t in threads:
        t.join(seconds + think[1] + 180)
    window = time.perf_counter() - clock["start"]
    saves = sorted(s for lead in leads for s in lead.saves)
    after = sorted(s for lead in leads for s in lead.pages_after)
    errors = [e for lead in leads for e in lead.errors]
    ms = lambda p: None if not saves else _percentile(saves, p) * 1000  # noqa: E731
    return {
        "leads": len(leads),
        "seconds": seconds,
        "think_s": list(think),
        "saves": len(saves),
        "saves_per_s": len(saves) / window if window else None,
        "window_s": window,
        "p50_ms": ms(50),
        "p95_ms": ms(95),
        "p99_ms": ms(99),
        "max_ms": ms(100),
        "mean_ms": statistics.fmean(saves) * 1000 if saves else None,
        # The percentiles above are the save's POST alone (its 303); the GET each redirect led to is timed apart.
        "page_after_p50_ms": None if not after else _percentile(after, 50) * 1000,
        "page_after_p95_ms": None if not after else _percentile(after, 95) * 1000,
        "page_after_p99_ms": None if not after else _percentile(after, 99) * 1000,
        "errors": len(errors),
        "error_examples": errors[:5],
        "stale_refusals": sum(lead.stale for lead in leads),
        "sign_in_phase_s": signing_in,
        "sign_in_p50_ms": statistics.median([lead.sign_in_s for lead in leads]) * 1000 if leads else None,
    }
