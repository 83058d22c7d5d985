"""Sessions: the idle-timeout warning's one server call ("Stay signed in" refreshes the session and says for how
long), and the session middleware, which never turns a kept change into an error page."""

from __future__ import annotations

import logging

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

log = logging.getLogger(__name__)


@never_cache
@require_POST
def session_extend(request: HttpRequest) -> JsonResponse:
    # Signed-in only (LoginRequiredMiddleware): once the session has gone, this answers with the sign-in redirect,
    # which the page's script takes as "signed out". Marked modified so it does not rest on SESSION_SAVE_EVERY_REQUEST.
    request.session.modified = True
    return JsonResponse({"seconds": request.session.get_expiry_age()})


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a session that cannot be written after the page's own work is done (the database went
    away between the view's commit and the end of the request) does not turn a kept change into an error page.

    With SESSION_SAVE_EVERY_REQUEST every answer writes the session; a blip there used to answer 500 for an edit that
    had saved, so the person typed it again. The answer stands; only the session's new expiry (or a new sign-in's
    cookie) is lost, and the next request writes it."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except DatabaseError:
            log.warning("The session could not be saved after %s %s; the answer stands", request.method, request.path)
            return response
