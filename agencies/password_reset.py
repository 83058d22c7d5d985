"""Password reset, throttled (issue 15 item 6): a few emails an hour per client address and per address typed.

The counts are kept in the cache (django-ratelimit; CACHES in settings), whether or not the address belongs to an
account, and a refusal says the same either way, so the throttle tells nobody which addresses have accounts.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import is_ratelimited

from .access_log import access_event, client_ip
from .forms import PasswordReset

_PERIOD_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


def wait_words(rate: str) -> str:
    """ "3/h" -> "an hour", "5/15m" -> "15 minutes": how long the throttle's window is, in words."""
    match = re.fullmatch(r"\s*\d+/(\d*)([smhd]?)\s*", rate)
    if not match:
        return "a while"
    many, unit = int(match[1] or 1), _PERIOD_WORDS[match[2] or "s"]
    if many == 1:
        return ("an " if unit == "hour" else "a ") + unit
    return f"{many} {unit}s"


def _address_key(group: str, request: HttpRequest) -> str:
    return client_ip(request)


def _email_key(group: str, request: HttpRequest) -> str:
    return request.POST.get("email", "").strip().casefold()


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordReset

    def form_valid(self, form):
        # Both counters move on every request, so that a refusal for one says nothing about the other.
        by_address = is_ratelimited(
            self.request,
            group="password_reset:address",
            key=_address_key,
            rate=settings.PASSWORD_RESET_RATE_PER_ADDRESS,
            increment=True,
        )
        by_email = is_ratelimited(
            self.request,
            group="password_reset:email",
            key=_email_key,
            rate=settings.PASSWORD_RESET_RATE_PER_EMAIL,
            increment=True,
        )
        if not (by_address or by_email):
            return super().form_valid(form)
        rate = settings.PASSWORD_RESET_RATE_PER_ADDRESS if by_address else settings.PASSWORD_RESET_RATE_PER_EMAIL
        access_event(
            "password_reset_throttled", request=self.request, outcome="refused", by="address" if by_address else "email"
        )
        form.add_error(
            None,
            "Too many password reset emails have been requested"
            + (" from this device" if by_address else " for this email address")
            + f". Wait {wait_words(rate)}, then try again. If an email did come, use the link in the newest one.",
        )
        response: HttpResponse = self.render_to_response(self.get_context_data(form=form), status=429)
        return response
