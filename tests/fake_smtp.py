"""A mail server for fault tests, on a real socket: it either accepts connections and never answers (a hung server),
or speaks just enough SMTP to take messages (220, EHLO/HELO 250, MAIL/RCPT 250, DATA 354, '.' 250, QUIT 221).
Python 3.11's smtpd is deprecated and gone in 3.12, and aiosmtpd is not installed."""

from __future__ import annotations

import email
import socket
import threading
import time
from email.message import Message


class FakeSMTPServer:
    def __init__(self, *, answering: bool) -> None:
        self.answering = answering
        self.connections = 0  # every connection accepted, answered or not
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        self._held: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def recipients(self) -> list[str]:
        with self._lock:
            return sorted(m["To"] for m in self.messages)

    def wait_for_connections(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.connections < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} connection(s) expected, {self.connections} made")
            time.sleep(0.05)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()
        self._listener.close()

    # --- the server ---
    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            if not self.answering:
                self._held.append(conn)  # open, silent: the client waits for a greeting that never comes
                continue
            threading.Thread(target=self._converse, args=(conn,), daemon=True).start()

    def _converse(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        reader = conn.makefile("rb")

        def say(line: str) -> None:
            conn.sendall(line.encode() + b"\r\n")

        try:
            say("220 fake.example ESMTP")
            while line := reader.readline():
                verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    say("250 fake.example")
                elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                    say("250 OK")
                elif verb == "DATA":
                    say("354 End data with <CR><LF>.<CR><LF>")
                    data = []
                    while (chunk := reader.readline()) not in (b".\r\n", b""):
                        data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    with self._lock:
                        self.messages.append(email.message_from_bytes(b"".join(data)))
                    say("250 OK: queued")
                elif verb == "QUIT":
                    say("221 Bye")
                    break
                else:
                    say("502 Command not implemented")
        except OSError:
            pass
        finally:
            reader.close()
            conn.close()
