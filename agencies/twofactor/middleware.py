"""Before any other page, a signed-in person gives their second factor, or sets one up if they must have one."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from . import policy, services

# Pages a person reaches before their code: the second-factor pages themselves, signing out, keeping the session
# alive while they find their phone. Sign-in, password reset, /healthz and the footer pages are
# `login_not_required` and pass for that reason; static files are served before any middleware here.
EXEMPT_VIEW_NAMES = frozenset({"logout", "session_extend", "two_factor:verify", "two_factor:setup"})


class SecondFactorMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if not getattr(view_func, "login_required", True):
            return None
        if match and match.view_name in EXEMPT_VIEW_NAMES:
            request.second_factor_pending = True
            return None
        if not policy.must_have_second_factor(user):
            # Optional (a lead): ask only if they set one up. The database is asked once per session.
            if request.session.get(services.NO_DEVICE_KEY) == user.pk:
                return None
            if not services.has_second_factor(user):
                request.session[services.NO_DEVICE_KEY] = user.pk
                return None
        step = "two_factor:verify" if services.has_second_factor(user) else "two_factor:setup"
        target = reverse(step)
        if request.method == "GET" and not request.headers.get("HX-Request"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
