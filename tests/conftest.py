"""Shared fixtures: named personas, service requirements, and a real Celery worker when one is configured."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from logging.handlers import WatchedFileHandler
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from agencies.models import Role, Sector
from neglect_portal.celery import app as celery_app
from tests.factories import AgencyFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PASSWORD = "correct-horse-battery"


def require(available: bool, what: str) -> None:
    """Skip when a service is missing locally; under REQUIRE_SERVICES=1 (CI) a missing service fails."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but is not available")
    pytest.skip(f"{what} is not available here")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """Close connections after each request: the live server's request threads must not keep the test
    database open, or it cannot be dropped at the end of the run."""
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters (password reset) live in the cache: each test starts with none (issue 15 item 6).
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test's files (evidence attachments, evidence packs) go to its own temporary MEDIA_ROOT: nothing is
    left behind in var/media, and no test reads another's files."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _eager_tasks_unless_real_worker(request):
    """Tests run tasks in-process unless they ask for the real worker: results stay deterministic."""
    if request.node.get_closest_marker("real_worker"):
        yield
        return
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


# --- the second factor -------------------------------------------------------------------------
def second_factor_device(user):
    """The person's confirmed authenticator-app device (made with a fresh secret the first time)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


@pytest.fixture(autouse=True)
def _second_factor_given_at_test_sign_in(request, monkeypatch):
    """`client.force_login` and `client.login` skip django-otp's code step, so a person who must give a second
    factor would be sent to it on every page. Here, for every test, the test client's sign-in also marks the session
    verified by the person's device, as the code step does. A test about the code step itself marks itself
    `@pytest.mark.second_factor_unverified` and signs in as a person does, or is sent to the step."""
    if request.node.get_closest_marker("second_factor_unverified"):
        return
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY

    from agencies.twofactor.policy import must_have_second_factor

    original = ClientMixin._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        if must_have_second_factor(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = second_factor_device(user).persistent_id
            session.save()

    monkeypatch.setattr(ClientMixin, "_login", _login)


# --- personas ---------------------------------------------------------------------------------
@pytest.fixture
def csc(db):
    return AgencyFactory(name="Children's Social Care", short_name="CSC", sector=Sector.SOCIAL_CARE)


@pytest.fixture
def police(db):
    return AgencyFactory(name="Sussex Police", short_name="Police", sector=Sector.POLICE)


@pytest.fixture
def csc_lead(csc):
    return UserFactory(username="csc.lead", first_name="Carys", last_name="Hughes", agency=csc)


@pytest.fixture
def police_lead(police):
    return UserFactory(username="police.lead", first_name="Paul", last_name="Okafor", agency=police)


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst", role=Role.ANALYST)


@pytest.fixture
def member(db):
    return UserFactory(username="member", role=Role.MEMBER)


@pytest.fixture
def scrutineer(db):
    return UserFactory(username="scrutineer", role=Role.SCRUTINEER)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def no_agency_user(db):
    """An agency lead whose account has not been linked to an agency yet."""
    return UserFactory(username="unlinked", agency=None)


# --- a real Celery worker -----------------------------------------------------------------------
def _database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    """Extra environment for the worker process. Override it in a test module, e.g. to read the worker's emails:
    `return {"EMAIL_URL": f"filemail://{tmp_path}"}`."""
    return {}


def require_worker_services() -> None:
    require(bool(settings.CELERY_BROKER_URL), "a Celery broker (CELERY_BROKER_URL)")
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL) for the worker to share")


def start_worker(queue: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a real `celery worker` process on `queue` against the test database; return once it answers."""
    env = {**os.environ, **(extra_env or {}), "DATABASE_URL": _database_url(), "CONN_MAX_AGE": "0"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "neglect_portal",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--hostname",
            f"{queue}@%h",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not celery_app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_worker(proc)
            pytest.fail(f"the Celery worker did not start (exit code {proc.poll()})")
    return proc


def stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def celery_worker(transactional_db, celery_worker_env) -> Iterator[str]:
    """A real `celery worker` process on its own queue, against the test database and the broker.

    Yields the queue name. Needs CELERY_BROKER_URL and PostgreSQL (a worker process cannot share an
    in-memory SQLite test database). `celery_worker_env` adds to the worker's environment.
    """
    require_worker_services()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    proc = start_worker(queue, celery_worker_env)
    try:
        yield queue
    finally:
        stop_worker(proc)


# --- headless Chromium ----------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# --- the access log (agencies/access_log.py): each test writes its own file, never var/access.log ---------------------
@pytest.fixture(autouse=True)
def access_log_file(settings, tmp_path) -> Iterator[Path]:
    """The access log's handler pointed at this test's own file; returns its path, to read what a test logged."""
    path = tmp_path / "access.log"
    settings.ACCESS_LOG_FILE = path
    logger = logging.getLogger("neglect_portal.access")
    before = logger.handlers[:]
    handler = WatchedFileHandler(path, delay=True)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.handlers = [handler]
    yield path
    handler.close()
    logger.handlers = before
