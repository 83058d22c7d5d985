"""The API keys pages (issue 16): the list, making a key (shown once), and revoking one. The partnership analyst and
administrators only (api_keys.can_manage_keys); to anyone else every one of them is a 404, as for any page not theirs.

A new key is shown by POST -> redirect -> GET: the create POST keeps the secret in the session, and the "made" page
takes it out as it shows it, so a reload (or the back button) never shows it again. A one-time token in the create
form makes a second submit of the same form (a double click, a resubmitted page) land on the key it already made.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from . import api_keys
from .access_log import access_event
from .forms import ApiKeyForm
from .models import ApiKey, ApiKeyKind, User

# The session's one-time things: secrets not yet shown ({key pk: secret}) and the create forms already used
# ({form token: key pk}).
UNSHOWN = "api_keys_unshown"
USED_FORMS = "api_keys_used_forms"
# The claim on a form token while its key is being made, so that two submits at once make one key. Shared by every
# process when the cache is (Redis in production); the session's record covers submits one after another.
CLAIM = "api-key-form:{user}:{token}"
CLAIM_SECONDS = 60 * 60
MAKING = "making"
WAIT_FOR_FIRST = 5.0  # seconds a second submit waits for the first to finish
# A key's secret is shown once even if a slow request writes an old copy of the session back.
SHOWN = "api-key-shown:{pk}"
TOKEN_CHARS = 43  # secrets.token_urlsafe(32)
DOCS_PATH = "/api/docs/"


def _manager(request: HttpRequest) -> User:
    if not api_keys.can_manage_keys(request.user):
        raise Http404("Not found")
    return request.user


def _docs_url() -> str:
    try:
        return reverse("api:docs")
    except NoReverseMatch:
        return DOCS_PATH


@dataclass(frozen=True)
class KeyRow:
    key: ApiKey
    does: str
    expires_on: date
    state: str
    active: bool


def expires_on(key: ApiKey) -> date:
    """The last day the key works: it stops at the midnight that ends it (api_keys.end_of)."""
    return timezone.localdate(key.expires_at - timedelta(microseconds=1))


def what_it_does(key: ApiKey) -> str:
    if key.kind == ApiKeyKind.AGENCY:
        return f"Acts as a lead of {key.agency.name}"
    return f"Read-only, held by {key.holder.display_name}"


def state_words(key: ApiKey, now: datetime) -> str:
    state = key.state(now)
    if state == "revoked":
        by = f" by {key.revoked_by.display_name}" if key.revoked_by else ""
        return f"Revoked on {timezone.localtime(key.revoked_at):%-d %B %Y}{by}"
    return {"active": "Active", "expired": "Expired", "holder left": "Holder left"}[state]


def _row(key: ApiKey, now: datetime) -> KeyRow:
    return KeyRow(key, what_it_does(key), expires_on(key), state_words(key, now), key.state(now) == "active")


@require_safe
def key_list(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    now = timezone.now()
    rows = [_row(key, now) for key in api_keys.keys_manageable(user=user)]
    return render(request, "agencies/api_keys.html", {"rows": rows, "docs_url": _docs_url()})


def _claim_key(request: HttpRequest, token: str) -> str:
    return CLAIM.format(user=request.user.pk, token=token)


def _stored_session(request: HttpRequest) -> dict:
    """The session as the store holds it now, not as this request read it: another request may have written since."""
    if request.session.session_key is None:
        return {}
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=request.session.session_key).load()


def _made_already(request: HttpRequest, token: str) -> int | None:
    """The key this create form made already, if it did: waits a moment for a submit still making it."""
    made = request.session.get(USED_FORMS, {}).get(token)
    if made is not None:
        return made
    claimed = cache.get(_claim_key(request, token))
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while claimed == MAKING and time.monotonic() < deadline:
        time.sleep(0.1)
        claimed = cache.get(_claim_key(request, token))
    if claimed is None or claimed == MAKING:
        return None
    # The first submit wrote its session before it let go of the claim: take the unshown secret from there, or this
    # request's older copy of the session would be written over it.
    stored = _stored_session(request)
    for name in (UNSHOWN, USED_FORMS):
        request.session[name] = {**request.session.get(name, {}), **stored.get(name, {})}
    return int(claimed)


def _form_page(request: HttpRequest, form: ApiKeyForm, token: str, *, status: int = 200) -> HttpResponse:
    return render(request, "agencies/api_key_form.html", {"form": form, "form_token": token}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def key_create(request: HttpRequest) -> HttpResponse:
    user = _manager(request)
    today = timezone.localdate()
    if request.method == "GET":
        return _form_page(request, ApiKeyForm(today=today), secrets.token_urlsafe(32))
    token = request.POST.get("form_token", "")
    well_formed = len(token) == TOKEN_CHARS and token.replace("-", "").replace("_", "").isalnum()
    if well_formed and (made := _made_already(request, token)) is not None:
        return redirect("agencies:api_key_made", pk=made)
    form = ApiKeyForm(request.POST, today=today)
    if not form.is_valid() or not well_formed:
        if not well_formed:
            form.add_error(None, "This form was not sent whole. Check the details and make the key again.")
            token = secrets.token_urlsafe(32)
        return _form_page(request, form, token, status=400)
    claim = _claim_key(request, token)
    if not cache.add(claim, MAKING, CLAIM_SECONDS):
        # Made by a submit that finished after this one looked, or still making it past the wait: say where it is.
        messages.info(request, "That key was made by the form you sent first. Look for it in the list below.")
        return redirect("agencies:api_keys")
    data = form.cleaned_data
    try:
        new = api_keys.key_create(
            acting_user=user,
            name=data["name"],
            kind=data["kind"],
            expires_on=data["expires_on"],
            agency=data["agency"],
            holder=data["holder"],
            today=today,
        )
    except api_keys.KeyRefused as refusal:
        cache.delete(claim)
        form.refused(refusal)
        return _form_page(request, form, token, status=400)
    request.session[UNSHOWN] = {**request.session.get(UNSHOWN, {}), str(new.key.pk): new.secret}
    request.session[USED_FORMS] = {**request.session.get(USED_FORMS, {}), token: new.key.pk}
    request.session.save()  # before the claim says "made": a second submit reads the secret from the store
    cache.set(claim, new.key.pk, CLAIM_SECONDS)
    access_event("api_key_created", request=request, object="agencies.apikey", object_id=new.key.pk)
    return redirect("agencies:api_key_made", pk=new.key.pk)


@never_cache
@require_safe
def key_made(request: HttpRequest, pk: int) -> HttpResponse:
    """The new key, once. The secret leaves the session as it is shown; after that only the key's description."""
    key = api_keys.key_for_manage(user=_manager(request), pk=pk)
    unshown = dict(request.session.get(UNSHOWN, {}))
    secret = unshown.pop(str(key.pk), None)
    request.session[UNSHOWN] = unshown
    if secret is not None and not cache.add(SHOWN.format(pk=key.pk), True, CLAIM_SECONDS):
        secret = None
    context = {
        "key": key,
        "does": what_it_does(key),
        "expires_on": expires_on(key),
        "secret": secret,
        "me_url": request.build_absolute_uri("/api/v1/me/"),
        "docs_url": _docs_url(),
    }
    return render(request, "agencies/api_key_made.html", context)


@require_http_methods(["GET", "POST"])
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _manager(request)
    key = api_keys.key_for_manage(user=user, pk=pk)
    if request.method == "GET":
        context = {"key": key, "does": what_it_does(key), "state": state_words(key, timezone.now())}
        return render(request, "agencies/api_key_revoke.html", context)
    was_revoked = key.revoked_at is not None
    key = api_keys.key_revoke(key=key, acting_user=user)
    if was_revoked:
        messages.info(request, f"\u201c{key.name}\u201d was already revoked. Nothing has changed.")
    else:
        access_event("api_key_revoked", request=request, object="agencies.apikey", object_id=key.pk)
        messages.success(request, f"\u201c{key.name}\u201d has been revoked. It stopped working at once.")
    return redirect("agencies:api_keys")
