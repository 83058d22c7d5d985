"""Rate limits: per key for a key's requests, per client address for requests without one (429 with Retry-After)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from agencies.access_log import client_ip


class KeyRateThrottle(SimpleRateThrottle):
    scope = "key"
    setting = "API_RATE_PER_KEY"

    def get_rate(self) -> str:
        """Read when asked (settings.API_RATE_PER_KEY / API_RATE_WITHOUT_KEY), so a deployment or a test sets it."""
        return getattr(settings, self.setting)

    def get_cache_key(self, request, view):
        key = getattr(request._request, "api_key", None)
        if key is None or request.auth is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": key.pk}


class AddressRateThrottle(SimpleRateThrottle):
    """Requests with no key, by client address (the trusted-proxy rule of the access log)."""

    scope = "anonymous"
    setting = "API_RATE_WITHOUT_KEY"
    get_rate = KeyRateThrottle.get_rate

    def get_cache_key(self, request, view):
        if request.auth is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request._request)}


class FailedKeyThrottle(SimpleRateThrottle):
    """Keys that do not work, by client address: a guesser of keys is slowed before the key is even looked at.

    The REST framework authenticates before it throttles, so api.authentication asks this one itself, with the
    Django request (asking the REST framework's request for its user here would authenticate again)."""

    scope = "failed-key"
    setting = "API_RATE_WITHOUT_KEY"
    get_rate = KeyRateThrottle.get_rate

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}
