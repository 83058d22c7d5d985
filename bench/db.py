"""Where the bench's database lives, and Django set up against it. Imported before anything touches Django."""

from __future__ import annotations

import os

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DEFAULT_NAME = {"large": "neglect_portal_bench", "tiny": "neglect_portal_bench_tiny"}


def url(name: str) -> str:
    return f"{SERVER}/{name}"


# The accept -> dashboard measurement's broker: a Redis database of the bench's own.
BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/10")


def setup(name: str, broker: str = "") -> None:
    """Point Django at the bench database and set it up. With no broker named, Celery runs eagerly in-process."""
    os.environ["DATABASE_URL"] = url(name)
    os.environ.pop("CELERY_BROKER_URL", None)
    if broker:
        os.environ["CELERY_BROKER_URL"] = broker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neglect_portal.settings")
    os.environ.setdefault("CONN_MAX_AGE", "0")
    import django

    django.setup()
