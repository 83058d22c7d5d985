"""The access log of personal data: who signed in, who was refused, who exported or downloaded what.

One JSON object per line, written through the ``neglect_portal.access`` logger (settings.LOGGING sends it to
ACCESS_LOG_FILE). It records who, from where, what kind of event and which object, never the figures themselves.
Every app calls `access_event`; the client address comes from `client_ip`, the one place that knows how many
trusted proxies stand in front of the portal (TRUSTED_PROXY_COUNT), so the log and sign-in lockouts agree.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
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
