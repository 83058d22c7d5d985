"""Errors as RFC 9457 problem details (`application/problem+json`), each field's problem with a JSON pointer.

Every refusal the API makes goes through `problem_response` or the REST framework's exception handler below, so a
client meets one shape: `type`, `title`, `status`, `detail`, `instance`, and `errors` [{`pointer`, `detail`, ...}]
where the problem is in a field. A 404 for an object outside the key's scope is logged as a refusal, as on the pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from agencies.access import OutOfScope
from agencies.access_log import access_event
from dataset.catalogue.numbers import counted

PROBLEM_TYPE = "application/problem+json"
TYPE_BASE = "/api/docs/#problem-"

TITLES = {
    400: "The request could not be read",
    401: "No valid API key",
    403: "This key may not do that",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "The return cannot change now",
    412: "Someone changed it first",
    413: "Request too large",
    415: "Send JSON",
    422: "The request has problems",
    428: "Say which version you are changing",
    429: "Too many requests",
}
SLUGS = {
    400: "bad-request",
    401: "unauthorised",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "state-conflict",
    412: "stale-version",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid",
    428: "version-required",
    429: "rate-limited",
}


def problem(
    status_code: int,
    detail: str,
    *,
    instance: str = "",
    errors: Iterable[Mapping[str, Any]] = (),
    title: str = "",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + SLUGS.get(status_code, "error"),
        "title": title or TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    errors = list(errors)
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def problem_response(
    status_code: int, detail: str, *, request=None, headers: Mapping[str, str] | None = None, **kwargs: Any
) -> Response:
    instance = request.get_full_path() if request is not None else ""
    return Response(
        problem(status_code, detail, instance=instance, **kwargs),
        status=status_code,
        content_type=PROBLEM_TYPE,
        headers=dict(headers or {}),
    )


def pointer(*parts: object) -> str:
    """A JSON pointer (RFC 6901): ("values", "N01", "value") -> "/values/N01/value"."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _flatten(detail: Any, path: tuple[object, ...] = ()) -> list[dict[str, str]]:
    """The REST framework's nested error detail as pointer + message pairs."""
    if isinstance(detail, Mapping):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            out += _flatten(value, path if key == "non_field_errors" else (*path, key))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, Mapping | list) for item in detail):
            return [{"pointer": pointer(*path), "detail": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            out += _flatten(item, (*path, index))
        return out
    return [{"pointer": pointer(*path), "detail": str(detail)}]


class BadParameter(exceptions.ValidationError):
    """A query parameter or header that is wrong: named as `parameter`, not as a pointer into the body."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__({name: [message]})
        self.parameter = name
        self.message = message


MESSAGES = {
    exceptions.NotAuthenticated: (
        "Send your API key as the header 'Authorization: Bearer np_...'. Ask the partnership analyst for a key."
    ),
}


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """The REST framework's errors as problem details; anything else is a 500 Django reports as usual."""
    request = context.get("request")
    if isinstance(exc, OutOfScope):
        access_event(
            "refused",
            request=getattr(request, "_request", None),
            outcome="not_found",
            object=exc.kind,
            object_id=exc.object_id,
            object_agency_id=exc.object_agency_id,
            api_key=_key_name(request),
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Nothing here for this key: the address is wrong or it is not yours to read.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
        exc.status_code = status.HTTP_401_UNAUTHORIZED
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(int(exc.wait + 0.999), 1))
    set_rollback()
    errors: list[dict[str, str]] = []
    if isinstance(exc, BadParameter):
        errors = [{"parameter": exc.parameter, "detail": exc.message}]
    elif isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
    if isinstance(exc, exceptions.ValidationError):
        status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
        first = errors[0] if errors else {"detail": "it could not be read"}
        where = first.get("pointer") or first.get("parameter") or ""
        detail = (
            f"The request has {counted(len(errors), 'problem')}, listed in errors. The first: "
            + (f"{where}: " if where else "")
            + first["detail"]
        )
    else:
        status_code = exc.status_code
        detail = MESSAGES.get(type(exc)) or str(exc.detail)
        if isinstance(exc, exceptions.Throttled):
            who = "This key has" if getattr(request, "auth", None) is not None else "This address has"
            detail = (
                f"{who} made too many requests. Wait {headers.get('Retry-After', 'a few')} seconds, then try again."
            )
    return problem_response(status_code, detail, request=request, headers=headers, errors=errors)


def _key_name(request) -> str:
    key = getattr(getattr(request, "_request", None), "api_key", None)
    return key.name if key is not None else ""
