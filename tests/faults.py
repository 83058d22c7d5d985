"""Faults the job tests inject: a Redis of the test's own that it kills and starts again, a broker that accepts
connections and never answers, and pointing this process's Celery app at either. Never the shared PostgreSQL or
Redis: a test's Redis is its own process on a free port."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from neglect_portal.celery import app as celery_app
from tests.conftest import require


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server on a free port, with nothing saved: `kill()` is a broker outage, `start()` the broker back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        require(binary is not None, "redis-server, for a Redis the test can kill")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the test's redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    redis = OwnRedis()
    redis.start()
    try:
        yield redis
    finally:
        redis.kill()


@contextmanager
def silent_broker() -> Iterator[str]:
    """A TCP server that accepts every connection and never sends a byte: a hung broker. Yields its redis URL."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    server.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()


def _drop_pools() -> None:
    # Not closed: kombu keeps one producer pool per broker URL for the process, and the URL we switch back to
    # must find its pool open. The app makes new ones for the URL now configured.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def app_broker(url: str) -> Iterator[None]:
    """This process's Celery app publishes to `url` inside the block (and its own broker again after)."""
    # The write and read URLs, not broker_url: CELERY_BROKER_URL in the environment wins over broker_url.
    # Not eager either, even where no broker is configured (a local run on SQLite): the messages must go to `url`.
    conf = celery_app.conf
    before = conf.get("broker_write_url"), conf.get("broker_read_url"), conf.task_always_eager
    _drop_pools()
    conf.broker_write_url = conf.broker_read_url = url
    conf.task_always_eager = False
    try:
        yield
    finally:
        _drop_pools()
        conf.broker_write_url, conf.broker_read_url, conf.task_always_eager = before
