"""Writes the refusals that `agencies.access.get_in_scope` raises to the access log, with the request they came in."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .access import OutOfScope
from .access_log import access_event


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # None: Django answers the 404 as it always does; only the log line is added.
        if isinstance(exception, OutOfScope):
            access_event(
                "refused",
                request=request,
                outcome="not_found",
                object=exception.kind,
                object_id=exception.object_id,
                object_agency_id=exception.object_agency_id,
            )
