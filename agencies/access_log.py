"""The access log of personal data: who signed in, who was refused, who exported or downloaded what.

One JSON object per line, written through the ``neglect_portal.access`` logger (settings.LOGGING sends it to
ACCESS_LOG_FILE). It records who, from where, what kind of event and which object, never the figures themselves.
Every app calls `access_event`; the client address comes from `client_ip`, the one place that knows how many
trusted proxies stand in front of the portal (TRUSTED_PROXY_COUNT), so the log and sign-in lockouts agree.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ipware import get_client_ip

log = logging.getLogger("neglect_portal.access")


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR when no proxy is trusted, else the address the trusted proxies saw.

    Each trusted proxy appends the address it was reached from to X-Forwarded-For, so with N of them the client
    is the N-th address from the right; anything left of it was written by the client and is never believed.
    (ipware's proxy_count counts the proxies listed in the header, one fewer than ours: the nearest proxy is
    REMOTE_ADDR, not in the header.) A header shorter than that did not come through the proxies: REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    ip, _routable = get_client_ip(
        request,
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,  # more entries than proxies: the extra ones are the client's own, on the left
    )
    return ip or remote


def access_event(
    event: str, *, request: HttpRequest | None = None, user: Any = None, outcome: str = "ok", **fields: Any
) -> dict[str, Any]:
    """Write one access-log line and return it. `fields` name the object (kind and id), never figures."""
    record: dict[str, Any] = {"at": timezone.now().isoformat(), "event": event, "outcome": outcome}
    if request is not None:
        record.update(ip=client_ip(request), method=request.method, path=request.path)
        if user is None:
            user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        record.update(user=user.get_username(), user_id=user.pk, role=getattr(user, "role", ""))
        record["agency_id"] = getattr(user, "agency_id", None)
    record.update(fields)
    log.info(json.dumps(record, default=str, sort_keys=True))
    return record


# --- reading it back: the administrators' page ----------------------------------------------------------------------
EVENTS = (
    "sign_in",
    "sign_in_failed",
    "locked_out",
    "refused",
    "export",
    "export_requested",
    "publish",
    "pack_download",
    "attachment_download",
    "api_key_created",
    "api_key_revoked",
    "api_request",  # written by the API (api.middleware), one per request, with the key's name
)
_BLOCK = 64 * 1024
SCAN_BYTES = 32 * 1024 * 1024  # the newest 32 MB: months of a partnership's events; older ones are in rotated files


def _lines_backwards(path: Path, *, limit_bytes: int) -> Iterator[bytes]:
    """The file's lines, newest first, reading blocks from its end: the page costs the same whatever the file's size."""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        position = handle.tell()
        floor = max(0, position - limit_bytes)
        rest = b""
        while position > floor:
            step = min(_BLOCK, position - floor)
            position -= step
            handle.seek(position)
            lines = (handle.read(step) + rest).split(b"\n")
            rest = lines.pop(0)  # may be the tail of a line that starts in the block before
            yield from reversed([line for line in lines if line])
        if rest and position == 0:
            yield rest


def read_events(
    *,
    user: str = "",
    event: str = "",
    day: date | None = None,
    limit: int = 200,
    path: Path | str | None = None,
    limit_bytes: int = SCAN_BYTES,
) -> list[dict[str, Any]]:
    """The newest `limit` events, newest first, of this user (username), kind and local day, if given."""
    path = Path(path or settings.ACCESS_LOG_FILE)
    if not path.exists():
        return []
    found: list[dict[str, Any]] = []
    wanted_day = day.isoformat() if day else ""
    for raw in _lines_backwards(path, limit_bytes=limit_bytes):
        try:
            record = json.loads(raw)
        except ValueError:
            continue  # a line cut short by a crash is skipped, not fatal to the page
        if not isinstance(record, dict):
            continue
        if event and record.get("event") != event:
            continue
        if user and user not in (record.get("user"), record.get("username")):
            continue
        if wanted_day:
            at = parse_datetime(str(record.get("at", "")))
            if at is None or timezone.localdate(at).isoformat() != wanted_day:
                continue
        found.append(record)
        if len(found) >= limit:
            break
    return found
