"""Request guards that apply to every page (issue 15 item 6): a cap on request bodies, and no caching of what a
signed-in person is shown."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class RequestBodyLimitMiddleware:
    """Refuse, with 413, a request whose declared body is larger than any form of the portal sends.

    Django caps form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but not uploaded files, which it streams to disk whatever
    their size; this stops a huge body before anything reads it. A body without a length (chunked) is read as empty
    by Django's WSGI handler, so the declared length is the one to check.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_BODY_MAX_BYTES
        if length > limit:
            # No Connection header (WSGI forbids hop-by-hop headers): the server drains or drops the unread body.
            return render(
                request,
                "413.html",
                {"size_mb": f"{length / (1024 * 1024):,.1f}", "limit_mb": f"{limit / (1024 * 1024):,.0f}"},
                status=413,
            )
        return self.get_response(request)


class NoStoreWhenSignedInMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in person, and to their sign-in and sign-out.

    Pages about children's services must not stay in a shared computer's browser cache, or a proxy's, after the
    person has gone. A response that already says no-store keeps its own wording. Static files are answered by
    whitenoise before this runs, so they stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        response = self.get_response(request)
        user = getattr(request, "user", None)  # signing in or out replaces it
        if signed_in or (user is not None and user.is_authenticated):
            if "no-store" not in response.get("Cache-Control", ""):
                response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
