from __future__ import annotations

from unittest import mock

import redis

from tests.conftest import require


def test_healthz_says_eager_when_no_broker_is_configured(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


def test_healthz_is_503_when_the_broker_does_not_answer(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}


def test_healthz_is_503_when_the_database_does_not_answer(client, db, settings):
    settings.CELERY_BROKER_URL = ""
    # The check runs in its own thread, on that thread's connection: every connection's cursor fails.
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=RuntimeError("db gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert "db gone" not in response.content.decode()


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_healthz_is_200_with_a_broker_that_answers(client, db, settings):
    url = settings.CELERY_BROKER_URL or "redis://127.0.0.1:6379/15"
    require(_redis_answers(url), f"Redis at {url}")
    settings.CELERY_BROKER_URL = url
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_reveals_no_settings(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://:s3cret-password@127.0.0.1:1/0"
    body = client.get("/healthz").content.decode()
    assert "s3cret" not in body and "127.0.0.1" not in body
