"""Queueing background jobs so that a broker outage never loses a kept action, and the rules every job shares.

A job request (a build, a pack, an export, an email) is a row committed with the change that asks for it; Celery is
how it runs, not where it is remembered. So queueing happens once the change commits, and a broker that is down or
hangs is logged and told to the page, never raised into the request: the row stays, and the beat sweep
(`neglect_portal.tasks.sweep_jobs`) queues it once the broker is back.

A leaf like the strategy and the lifecycle: it imports no app, so every app may use it.
"""

from __future__ import annotations

import contextvars
import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

log = logging.getLogger(__name__)

# A request the sweep queues again: asked for this long ago and still not taken by a worker.
UNTAKEN_AFTER = timedelta(minutes=1)
# Room past a task's hard time limit before a job still marked running is taken for lost.
STUCK_MARGIN = timedelta(minutes=2)
# Retries of a failed build or pack: seconds to wait before each, doubling (exponential backoff).
RETRY_COUNTDOWNS = (30, 60, 120)


def broker_errors() -> tuple[type[BaseException], ...]:
    """What publishing raises when the broker is down, refuses, or never answers."""
    from kombu.exceptions import OperationalError as KombuOperationalError

    errors: list[type[BaseException]] = [KombuOperationalError, ConnectionError, TimeoutError, socket.timeout, OSError]
    try:
        import redis.exceptions

        errors += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - redis is installed with the broker
        pass
    return tuple(errors)


@dataclass
class Watch:
    """What queueing met while it was watched: `failed` counts jobs the broker did not take."""

    failed: int = 0
    queued: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def broker_down(self) -> bool:
        return self.failed > 0


_watches: contextvars.ContextVar[tuple[Watch, ...]] = contextvars.ContextVar("job_watches", default=())


@contextmanager
def watch() -> Iterator[Watch]:
    """Watch the queueing done inside the block (a view around its service call), so the page can say plainly that
    the job waits for the worker. Queueing runs as the service's transaction commits, inside the block."""
    seen = Watch()
    token = _watches.set((*_watches.get(), seen))
    try:
        yield seen
    finally:
        _watches.reset(token)


def queue_now(task: Any, *, args: tuple = (), kwargs: dict | None = None, countdown: float | None = None) -> bool:
    """Publish `task` now. True when the broker took it; False, logged, when it is down or hangs (the socket
    timeouts in settings bound the wait). In the embedded run (no broker) the task runs here, and its own
    errors propagate as they always have."""
    options: dict[str, Any] = {}
    if countdown:
        options["countdown"] = countdown
    try:
        task.apply_async(args=args, kwargs=kwargs or {}, **options)
    except broker_errors() as error:
        log.warning(
            "Could not queue %s%s: the broker did not take it (%s); the sweep queues it later",
            task.name,
            args or "",
            error,
        )
        for seen in _watches.get():
            seen.failed += 1
            seen.errors.append(f"{type(error).__name__}: {error}")
        return False
    for seen in _watches.get():
        seen.queued += 1
    return True


def queue_on_commit(
    task: Any,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    countdown: float | None = None,
    then: Callable[[bool], None] | None = None,
) -> None:
    """Publish `task` once the current transaction commits, tolerating a broker outage (`queue_now`). `then`, if
    given, is told whether the broker took it (to record when a request was queued)."""

    def publish() -> None:
        taken = queue_now(task, args=args, kwargs=kwargs, countdown=countdown)
        if then is not None:
            then(taken)

    transaction.on_commit(publish)


def retry_countdown(retries: int) -> int | None:
    """Seconds before retry number `retries` + 1 of a failed job, or None when it has had them all. The fault tests
    shorten the waits (settings.JOB_RETRY_COUNTDOWNS); the number of retries stays the tasks' max_retries."""
    countdowns = tuple(getattr(settings, "JOB_RETRY_COUNTDOWNS", None) or RETRY_COUNTDOWNS)
    return int(countdowns[retries]) if retries < min(len(countdowns), len(RETRY_COUNTDOWNS)) else None


def fresh_connection() -> None:
    """Before writing a job's failure: a connection that failed (cut by the server, a network blip) is closed, so
    Django opens a fresh one for the write, instead of writing on the dead one and losing the failure too. Never
    inside a transaction (a test's, or a caller's): closing that would throw away its work."""
    if connection.in_atomic_block:
        return
    try:
        connection.close_if_unusable_or_obsolete()
    except Exception:  # closing a dead connection may itself fail; Django opens a new one either way
        log.warning("closing a failed database connection failed", exc_info=True)
        connection.connection = None


def say_if_waiting(request: Any, seen: Watch, text: str) -> None:
    """Tell the person plainly that what they did is kept and its job waits for the worker (`text`), when the
    broker did not take a job queued under `seen`."""
    if seen.broker_down:
        from django.contrib import messages

        messages.warning(request, text)
