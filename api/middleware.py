"""Every API request in the access log: who (the key's name), what, and how it was answered."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from agencies.access_log import access_event

PREFIX = "/api/v1/"


class ApiRequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(PREFIX):
            key = getattr(request, "api_key", None)
            refusal = getattr(request, "api_key_refusal", "")
            status = response.status_code
            access_event(
                "api_request",
                request=request,
                outcome="ok" if status < 400 else "refused" if status in (401, 403, 404, 429) else "error",
                status=status,
                api_key=key.name if key is not None else "",
                api_key_id=key.pk if key is not None else None,
                key_refusal=refusal,
                query=request.META.get("QUERY_STRING", "")[:200],
            )
        return response
