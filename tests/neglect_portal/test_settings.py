from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

# Production shares a cache between web processes (throttle counters, issue 15); the check does not connect to it.
PROD = {"DEBUG": "off", "ALLOWED_HOSTS": "portal.example.org", "CACHE_URL": "redis://127.0.0.1:6379/1"}


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    unset = {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run("check", **PROD)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_deployment_checks_pass_with_production_settings():
    result = _run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PROD,
        SECRET_KEY="test-only-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_embedded_default_needs_no_configuration(settings):
    # The suite itself runs on the defaults unless DATABASE_URL names another database.
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.LANGUAGE_CODE == "en-gb"
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    if not os.environ.get("DATABASE_URL"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_the_deployment_checks_warn_when_the_cache_is_not_shared():
    result = _run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**PROD, "CACHE_URL": ""},
        SECRET_KEY="test-only-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a",
    )
    assert result.returncode != 0 and "neglect_portal.W001" in result.stderr
