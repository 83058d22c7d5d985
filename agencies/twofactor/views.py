"""The second-factor pages: the code at sign-in, set-up, recovery codes, the person's own settings, and the reset
of another person's second factor (the analyst and administrators)."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from agencies import access
from agencies.models import User

from . import policy, services
from .forms import CodeForm, RemoveForm, ResetForm, SetupForm


def _next(request: HttpRequest) -> str:
    """Where the person was going (the sign-in's or the middleware's `next`), if it is a page of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse("home")


def _with_next(name: str, request: HttpRequest, target: str | None = None) -> str:
    return f"{reverse(name)}?{urlencode({'next': target or _next(request)})}"


def _refused(form, error: services.CodeRefused) -> None:
    form.add_error("code", error.message)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Step two of signing in: the code from the app, or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if not services.has_second_factor(user):
        return redirect(_with_next("two_factor:setup", request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            kind = services.code_check(request=request, user=user, code=form.cleaned_data["code"])
        except services.CodeRefused as error:
            _refused(form, error)
            status = 429 if services.lock_for(services.app_device(user)) else 200
        else:
            if kind == "recovery":
                left = services.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; it cannot be used again. You have {left} left. "
                    "Make new ones from Second factor in your account if you are running out.",
                )
            return redirect(_next(request))
    return render(request, "agencies/twofactor/verify.html", {"form": form, "next": _next(request)}, status=status)


def _qr_svg(device) -> str:
    # segno writes paths only (no text, no style attributes): safe to inline, and allowed by the CSP.
    return mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, omitsize=True))  # noqa: S308  # nosec B308, B703: only path data, no text from the person


@never_cache
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the secret), then confirm with a code from the app."""
    user = request.user
    if services.has_second_factor(user):
        if not user.is_verified():
            return redirect(_with_next("two_factor:verify", request))
        messages.info(request, "Your second factor is already set up. Remove it first to set up a new phone.")
        return redirect("two_factor:settings")
    device = services.app_device_start(user=user)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.app_device_confirm(request=request, user=user, code=form.cleaned_data["code"])
        except services.CodeRefused as error:
            _refused(form, error)
        else:
            request.session[services.NEW_CODES_KEY] = codes
            return redirect(_with_next("two_factor:recovery_codes", request))
    context = {
        "form": form,
        "qr": _qr_svg(device),
        "secret": services.secret_in_groups(device),
        "required": policy.must_have_second_factor(user),
        "next": _next(request),
    }
    return render(request, "agencies/twofactor/setup.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown once: POST (Continue) forgets them."""
    codes = request.session.get(services.NEW_CODES_KEY)
    if request.method == "POST" or not codes:
        request.session.pop(services.NEW_CODES_KEY, None)
        return redirect(_next(request))
    return render(request, "agencies/twofactor/recovery_codes.html", {"codes": codes, "next": _next(request)})


@never_cache
def recovery_codes_download(request: HttpRequest) -> HttpResponse:
    codes = request.session.get(services.NEW_CODES_KEY)
    if not codes:
        raise Http404("These recovery codes have already been shown.")
    text = (
        f"Neglect portal recovery codes for {request.user.get_username()}\n"
        "Each code signs you in once, instead of the code from your authenticator app.\n\n" + "\n".join(codes) + "\n"
    )
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="neglect-portal-recovery-codes.txt"'
    return response


@never_cache
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "agencies/twofactor/settings.html", _settings_context(request.user, RemoveForm()))


def _settings_context(user: User, remove_form: RemoveForm) -> dict:
    return {
        "has_device": services.has_second_factor(user),
        "codes_left": services.recovery_codes_left(user),
        "required": policy.must_have_second_factor(user),
        "remove_form": remove_form,
        "can_reset_others": access.can_reset_second_factor(user),
        "demo_skip": policy.demo_skip(user),
    }


@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    if not services.has_second_factor(request.user):
        return redirect("two_factor:settings")
    request.session[services.NEW_CODES_KEY] = services.recovery_codes_new(user=request.user)
    return redirect(_with_next("two_factor:recovery_codes", request, reverse("two_factor:settings")))


@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    form = RemoveForm(request.POST)
    if form.is_valid():
        try:
            services.second_factor_remove(request=request, user=request.user, code=form.cleaned_data["code"])
        except services.CodeRefused as error:
            _refused(form, error)
        else:
            messages.success(request, "Your second factor has been removed.")
            return redirect("two_factor:settings")
    return render(request, "agencies/twofactor/settings.html", _settings_context(request.user, form), status=400)


def _people(user: User):
    return access.people_for_second_factor_reset(User.objects.filter(is_active=True), user)


def people(request: HttpRequest) -> HttpResponse:
    """Everyone whose second factor this person may reset, and whether each has one."""
    if not access.can_reset_second_factor(request.user):
        raise Http404
    people = list(_people(request.user).select_related("agency").order_by("last_name", "first_name", "username"))
    with_device = services.people_with_second_factor([p.pk for p in people])
    rows = [(p, p.pk in with_device, policy.must_have_second_factor(p)) for p in people]
    return render(request, "agencies/twofactor/people.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(_people(request.user), pk=pk)  # outside who this person may reset: 404
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.second_factor_reset(
            person=person, acting_user=request.user, reason=form.cleaned_data["reason"], request=request
        )
        messages.success(
            request,
            f"{person.display_name}'s second factor has been reset. They set up a new one when they next sign in.",
        )
        return redirect("two_factor:people")
    return render(request, "agencies/twofactor/reset.html", {"person": person, "form": form})
