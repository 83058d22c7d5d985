"""The API against a real server on the loopback (issue 16): the README's walkthrough, run as written, and the
schemathesis fuzzer, both against a fresh demo.

One server for the module: a fresh SQLite file in a temporary folder, migrated and loaded with `seed_demo` as
`make demo` does, served by `manage.py runserver` in a process of its own. It shares nothing with the suite's own
database, so these tests run the same whether the suite is on SQLite or PostgreSQL, and need no Redis: the server's
tasks run eagerly, as in the demo. Rate limits are raised for the fuzzer; everything else is the demo's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, require, stop_worker

README = ROOT / "README.md"
START, END = "<!-- api-walkthrough:start -->", "<!-- api-walkthrough:end -->"
WALKTHROUGH_KEY = "CCG case system"  # the name the walkthrough gives its key
# A response line of runserver's log: "GET /api/v1/me/ HTTP/1.1" 200 123
SERVER_ERROR_LINE = re.compile(r'"\s(5\d\d)\s|Internal Server Error')


@dataclass(frozen=True)
class Demo:
    url: str
    env: dict[str, str]
    folder: Path
    server_log: Path
    access_log: Path

    def manage(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)}: {done.stderr[-3000:]}"
        return done.stdout

    def key(self, *args: str) -> str:
        return self.manage("api_key", "create", *args, "--quiet").strip()

    def get(self, path: str, key: str, **params: str) -> dict:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        request = urllib.request.Request(f"{self.url}{path}{query}", headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(folder: Path, url: str) -> dict[str, str]:
    """The demo's settings, in this folder: none of the suite's database, broker, cache or files."""
    env = {k: v for k, v in os.environ.items() if k not in ("REQUIRE_SERVICES", "PYTEST_ADDOPTS")}
    env.update(
        DJANGO_SETTINGS_MODULE="neglect_portal.settings",
        DEBUG="on",  # as make demo has it (seed_demo refuses without it)
        DATABASE_URL=f"sqlite:///{folder / 'demo.sqlite3'}",
        # Set empty rather than left out, so that a developer's .env cannot bring them back.
        CELERY_BROKER_URL="",
        CACHE_URL="",
        REDIS_CACHE_URL="",
        MEDIA_ROOT=str(folder / "media"),
        ACCESS_LOG_FILE=str(folder / "access.log"),
        SITE_URL=url,
        # The fuzzer sends about a thousand requests in a minute or two, with one key and without one.
        API_RATE_PER_KEY="100000/min",
        API_RATE_WITHOUT_KEY="100000/min",
        PYTHONUNBUFFERED="1",
    )
    # The walkthrough calls .venv/bin/python by name; anything else it runs (python3, curl) comes from PATH.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _wait_for(url: str, server: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"runserver exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"runserver did not answer /healthz within {seconds:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("live-demo")
    url = f"http://127.0.0.1:{_free_port()}"
    env = _server_env(folder, url)
    server_log = folder / "server.log"
    setup_log = folder / "setup.log"
    with setup_log.open("w") as out:
        for args in (["migrate", "--noinput"], ["seed_demo"]):
            done = subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=300,
            )
            assert done.returncode == 0, (
                f"manage.py {args[0]} failed, see {setup_log}:\n{setup_log.read_text()[-3000:]}"
            )
    with server_log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", url.removeprefix("http://"), "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(url, server, server_log)
        yield Demo(url=url, env=env, folder=folder, server_log=server_log, access_log=folder / "access.log")
    finally:
        stop_worker(server)  # terminate, then kill if it has not gone in 20 s


def _walkthrough() -> str:
    text = README.read_text()
    assert text.count(START) == 1 and text.count(END) == 1, f"README.md needs one {START} ... {END}"
    block = text[text.index(START) + len(START) : text.index(END)].strip()
    assert block.startswith("```bash\n") and block.endswith("```"), "the walkthrough is one ```bash block"
    return block.removeprefix("```bash\n").removesuffix("```")


def _server_errors(log: Path) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines() if SERVER_ERROR_LINE.search(line)]


def test_readme_walkthrough_runs_on_the_demo(demo):
    require(bool(shutil.which("curl")), "curl (the README's walkthrough uses it; .ci/run installs it)")
    script = demo.folder / "walkthrough.sh"
    script.write_text(_walkthrough())
    done = subprocess.run(
        ["bash", "-euo", "pipefail", str(script)],
        cwd=ROOT,
        env={**demo.env, "SITE": demo.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout
    (demo.folder / "walkthrough.out").write_text(out + done.stderr)
    assert done.returncode == 0, f"the walkthrough stopped ({done.returncode}):\n{out[-3000:]}\n{done.stderr[-3000:]}"

    # What it did, seen through the API by a key of CCG's own.
    key = demo.key("--agency", "CCG", "--name", "Live test check")
    [ret] = demo.get("/api/v1/returns/", key, period="2020-21 Q1")["results"]
    assert ret["status"] == "submitted", ret
    values = {v["code"]: v for v in demo.get(ret["links"]["values"], key)["values"]}
    assert values["N08"]["value"] == "14" and values["N11"]["numerator"] == "3"
    assert values["N11"]["commentary"] and values["N24"]["commentary"]  # their queries were explained
    history = demo.get(ret["links"]["history"], key)
    made_by = f"{WALKTHROUGH_KEY} (API key)"
    assert {(c["how"], c["who"]) for c in history["timeline"]} == {("API", made_by)}, history["timeline"]
    assert {c["new"] for c in history["timeline"]} == {"Draft", "Submitted"}
    assert history["changes"] and {(c["how"], c["who"]) for c in history["changes"]} == {("API", made_by)}
    assert "Dr Priya Shah, Designated Nurse" in history["timeline"][-1]["reason"]

    # What it printed: the stale save refused, the submit, the dataset's rows and every page.
    assert "412 Someone changed it first:" in out, out
    assert "West Sussex CCG 2020-21 Q1 -> Submitted" in out, out
    assert re.search(r"^N01 2019-20 Q4 \S+ percentage ", out, re.MULTILINE), out
    pages = [int(n) for n in re.findall(r"^(\d+) rows of (?:\d+)$", out, re.MULTILINE)]
    total = int(re.search(r"^rows (\d+) \| next:", out, re.MULTILINE).group(1))
    assert len(pages) >= 2 and pages[:-1] == [10] * (len(pages) - 1) and sum(pages) == total, out

    # Every request of the walkthrough's key is in the access log, with the key's name.
    lines = [json.loads(line) for line in demo.access_log.read_text().splitlines()]
    mine = [e for e in lines if e.get("event") == "api_request" and e.get("api_key") == WALKTHROUGH_KEY]
    assert {e["status"] for e in mine} >= {200, 201, 412}, mine
    assert any(e["path"].endswith("/submit/") and e["status"] == 200 for e in mine)
    assert not _server_errors(demo.server_log)


def test_schemathesis_finds_nothing(demo):
    """The fuzzer against the demo with a Police key, its every check on (schemathesis.toml), aimed at Police's
    draft return for the open quarter: exit 0, no failure or error in its JUnit report, and no 5xx in the server's
    log. The report and the fuzzer's output stay in the module's temporary folder, named in any failure."""
    key = demo.key("--agency", "Police", "--name", "Schemathesis")
    [draft] = demo.get("/api/v1/returns/", key, period="2020-21 Q1", status="draft")["results"]
    config = (ROOT / "schemathesis.toml").read_text()
    assert config.count('"path.id" = 101') == 1, 'schemathesis.toml names the return as "path.id" = 101'
    copy = demo.folder / "schemathesis.toml"
    copy.write_text(config.replace('"path.id" = 101', f'"path.id" = {int(draft["id"])}'))
    reports = demo.folder / "schemathesis-report"
    junit = reports / "junit.xml"
    output = demo.folder / "schemathesis.out"
    command = [
        shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis",
        "--no-color",
        "--config-file",
        str(copy),
        "run",
        f"{demo.url}/api/schema/",
        "-H",
        f"Authorization: Bearer {key}",
        # Two at a time: on two cores the run takes about two thirds of the time it takes one by one.
        "--workers",
        "2",
        "--report",
        "junit",
        "--report-dir",
        str(reports),
        "--report-junit-path",
        str(junit),
    ]
    with output.open("w") as out:
        # Its own folder as the working directory: schemathesis keeps a cache (.schemathesis/) there.
        done = subprocess.run(command, cwd=demo.folder, env=demo.env, stdout=out, stderr=subprocess.STDOUT, timeout=600)
    said = output.read_text()
    where = f"report {junit}, output {output}, server log {demo.server_log}"
    assert done.returncode == 0, f"schemathesis exited with {done.returncode} ({where}):\n{said[-6000:]}"
    suites = ET.parse(junit).getroot()
    counts = {name: int(suites.get(name, "0")) for name in ("tests", "failures", "errors")}
    assert counts["tests"] > 0 and counts["failures"] == counts["errors"] == 0, f"{counts} ({where})"
    errors = _server_errors(demo.server_log)
    assert not errors, f"the server answered 5xx ({where}):\n" + "\n".join(errors[:20])
