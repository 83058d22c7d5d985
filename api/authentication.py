"""`Authorization: Bearer np_<id>_<secret>`: the key's own account becomes request.user, the key request.api_key."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from agencies import api_keys

from .throttles import FailedKeyThrottle

REFUSALS = {
    "malformed": "That is not an API key: keys look like np_ followed by two parts joined by _.",
    "unknown": "That API key is not known. Check it was copied whole, or ask the partnership analyst for a new one.",
    "revoked": "That API key was revoked. Ask the partnership analyst for a new one.",
    "expired": "That API key has expired. Ask the partnership analyst for a new one.",
    "holder left": "The reader who held that API key no longer has an account, so it no longer works.",
}


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw = header.strip().partition(" ")
        raw = raw.strip()
        django_request = request._request
        if scheme.lower() != "bearer" or not raw:
            self._failed(django_request, "malformed")
            raise exceptions.AuthenticationFailed("Send the key as 'Authorization: Bearer np_...'.")
        presented = api_keys.key_for(raw)
        if presented.refusal:
            django_request.api_key = presented.key  # a revoked or expired key is named in the log
            self._failed(django_request, presented.refusal)
            raise exceptions.AuthenticationFailed(REFUSALS[presented.refusal])
        key = presented.key
        api_keys.note_use(key)
        django_request.api_key = key
        return key.account, key

    @staticmethod
    def _failed(django_request, refusal: str) -> None:
        """Count a key that did not work against the client's address; over the limit, 429 instead of 401."""
        django_request.api_key_refusal = refusal
        throttle = FailedKeyThrottle()
        if not throttle.allow_request(django_request, None):
            raise exceptions.Throttled(throttle.wait())

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
