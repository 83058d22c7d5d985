"""The idle-timeout warning's one server call: "Stay signed in" refreshes the session and says for how long."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST


@never_cache
@require_POST
def session_extend(request: HttpRequest) -> JsonResponse:
    # Signed-in only (LoginRequiredMiddleware): once the session has gone, this answers with the sign-in redirect,
    # which the page's script takes as "signed out". Marked modified so it does not rest on SESSION_SAVE_EVERY_REQUEST.
    request.session.modified = True
    return JsonResponse({"seconds": request.session.get_expiry_age()})
