"""Return pages: thin views that validate a form, call one service, and redirect or re-render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from agencies import access
from dataset.build import requests as build_requests
from dataset.models import ReportingPeriod
from neglect_portal import jobs
from neglect_portal.lifecycle import Actor, IllegalTransition, State, allowed_steps

from . import rendering, selectors, services, validation
from .forms import (
    ReasonForm,
    ReturnFilterForm,
    ReturnValuesForm,
    SignOffForm,
    VersionForm,
    field_name,
)

RETURNS_PER_PAGE = 50


@require_safe
def return_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    returns = selectors.returns_readable(user=user)
    data = request.GET.copy()
    if "period" not in data and not user.agency_id:
        # Partnership readers start on the latest quarter rather than every return ever made.
        latest = selectors.open_periods().first()
        data["period"] = str(latest.pk) if latest else ""
    filters = ReturnFilterForm(data)
    to_start = []
    if user.agency_id and access.can_edit(user, user.agency):
        started = set(returns.values_list("period_id", flat=True))
        to_start = [p for p in selectors.open_periods() if p.pk not in started and not p.is_locked()]
    # A page at a time: "All quarters" of a large partnership is thousands of returns. The links keep the filters.
    page = Paginator(filters.apply(returns), RETURNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dataset/return_list.html",
        {
            "returns": page.object_list,
            "page": page,
            "filters": filters,
            "to_start": to_start,
            "can_manage": access.can_manage(user),
        },
    )


@require_POST
def return_start(request: HttpRequest, period_pk: int) -> HttpResponse:
    user = request.user
    if not user.agency_id:
        raise Http404("No agency")
    period = get_object_or_404(ReportingPeriod, pk=period_pk)
    try:
        ret = services.return_start(agency=user.agency, period=period, acting_user=user)
    except services.EditRefused as refused:
        messages.error(request, str(refused))
        return redirect("dataset:return_list")
    return redirect("dataset:return_edit", pk=ret.pk)


def _page(request: HttpRequest, ret, template: str, status: int = 200, **context) -> HttpResponse:
    user = request.user
    actor = Actor.ANALYST if access.can_manage(user) else Actor.AGENCY if access.can_edit(user, ret.agency) else None
    context.setdefault("groups", None)
    if context["groups"] is None:
        context["groups"], context["problems"] = selectors.return_rows(ret=ret)
    return render(
        request,
        template,
        {
            "ret": ret,
            "steps": [s.value for s in allowed_steps(ret.status, actor)] if actor else [],
            "edit_refusal": selectors.edit_block_reason(ret, user) if actor == Actor.AGENCY else None,
            "reason_form": context.pop("reason_form", None) or ReasonForm(),
            "tab": template.rsplit("_", 1)[-1].removesuffix(".html"),
            **context,
        },
        status=status,
    )


@require_safe
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ret = selectors.return_for_read(user=request.user, pk=pk)
    return _page(request, ret, "dataset/return_detail.html", sign_off=SignOffForm())


@require_safe
def return_history(request: HttpRequest, pk: int) -> HttpResponse:
    ret = selectors.return_for_read(user=request.user, pk=pk)
    timeline, changes = selectors.return_history(ret=ret)
    return _page(request, ret, "dataset/return_history.html", timeline=timeline, changes=changes, groups=[])


def _read(ret) -> tuple[dict, list]:
    # The stored values and the page's indicators, read once: the form is built from them and _form_page's rows too.
    return selectors.return_page_values(ret=ret)


def _form_page(
    request, ret, form, *, read, status=200, conflict=None, overrides=None, notice=None, sign_off=None
) -> HttpResponse:
    groups, problems = selectors.return_rows(ret=ret, overrides=overrides, read=read)
    form.mark_problems(problems)
    for group in groups:
        for row in group.rows:
            row.figure_inputs, row.other_inputs = form.row_inputs(row.indicator, row.by_field)
            row.html = rendering.row_fieldset(row, conflict=conflict)
    return _page(
        request,
        ret,
        "dataset/return_edit.html",
        status=status,
        form=form,
        groups=groups,
        problems=problems,
        conflict=conflict,
        notice=notice,
        # This page's messages ("Draft saved." after a save) shown where its notice is, with the notice's role,
        # rather than above the heading: base.html shows `messages`, emptied here as they are taken.
        notices=list(messages.get_messages(request)),
        messages=(),
        sign_off=sign_off or SignOffForm(),
    )


def return_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ret = selectors.return_for_edit(user=request.user, pk=pk)  # another agency's return: 404
    if request.method != "POST":
        read = _read(ret)
        form = ReturnValuesForm(initial=_initial(ret, read), indicators=read[1])
        return _form_page(request, ret, form, read=read)
    return _save(request, ret, None, then_submit=False)


@require_POST
def return_submit(request: HttpRequest, pk: int) -> HttpResponse:
    ret = selectors.return_for_edit(user=request.user, pk=pk)
    read = _read(ret)
    if ret.status == State.SUBMITTED:
        # A second click on Submit, or a resubmission from a stale page: it was submitted once, and once only.
        messages.info(request, f"{ret.agency} return for {ret.period} is already submitted.")
        return redirect(ret)
    if not any(key.endswith("-commentary") for key in request.POST):
        version = VersionForm(request.POST)
        if not version.is_valid():
            return redirect(ret)
        sign_off = SignOffForm(request.POST)
        if not sign_off.is_valid():
            return _page(request, ret, "dataset/return_detail.html", status=400, sign_off=sign_off)
        return _submit(request, ret, read[1], version.cleaned_data["seen_version"], sign_off)
    return _save(request, ret, read, then_submit=True)


def _save(request: HttpRequest, ret, read, *, then_submit: bool) -> HttpResponse:
    """`read` is _read(ret) when the caller has it; a save reads only the indicators its form needs, and the whole
    page's values only if it is refused and shown again."""
    indicators = read[1] if read is not None else selectors.return_page_indicators(ret=ret)
    form = ReturnValuesForm(request.POST, indicators=indicators)
    if not form.is_valid():
        return _form_page(request, ret, form, read=read or _read(ret), status=400, overrides=form.typed())
    try:
        ret, changed = services.return_save_values(
            ret=ret,
            acting_user=request.user,
            seen_version=form.cleaned_data["seen_version"],
            inputs=form.inputs(),
        )
    except services.Conflict as conflict:
        # Not saved: what is stored is what was read, except the rows others changed, which the page must show.
        return _form_page(request, ret, form, read=_read(ret), status=409, conflict=conflict, overrides=form.typed())
    except services.EditRefused as refused:
        messages.error(request, str(refused))
        return redirect(ret)
    if then_submit:
        return _submit(request, ret, indicators, ret.version, SignOffForm(request.POST))
    # Post/Redirect/Get: the save answers as soon as it is written, and the page is read afresh by the browser's
    # GET, so rendering 150 rows and their history is not part of the save (nor repeated by a reload).
    messages.success(request, "Draft saved." if changed else "Nothing had changed; the draft is as it was.")
    saved = HttpResponseRedirect(reverse("dataset:return_edit", args=[ret.pk]))
    saved.status_code = 303  # See Other: the browser GETs the page, and a reload does not post the figures again
    return saved


def _submit(request: HttpRequest, ret, indicators, seen_version: int, sign_off: SignOffForm) -> HttpResponse:
    def refused(notice: str) -> HttpResponse:
        ret.refresh_from_db()
        read = _read(ret)
        form = ReturnValuesForm(initial=_initial(ret, read), indicators=read[1])
        return _form_page(request, ret, form, read=read, status=400, notice=notice, sign_off=sign_off)

    invalid = (
        "Your figures are saved as a draft, but the return cannot be submitted yet: "
        "fix each error and explain each query in its commentary, then submit again."
    )
    if not sign_off.is_valid():
        # The figures are saved (nothing typed is lost); only the submission waits for the lead's sign-off.
        if selectors.current_problems(ret).blocking:
            return refused(invalid)
        return refused("Your figures are saved as a draft. Confirm that they are accurate and checked, then submit.")
    try:
        services.return_submit(ret=ret, acting_user=request.user, seen_version=seen_version, signed_off=True)
    except services.ReturnInvalid:
        return refused(invalid)
    except services.Conflict as conflict:
        form = ReturnValuesForm(request.POST, indicators=indicators)
        form.is_valid()
        return _form_page(request, ret, form, read=_read(ret), status=409, conflict=conflict, overrides=form.typed())
    except (services.EditRefused, IllegalTransition) as refused:
        messages.error(request, str(refused))
        return redirect(ret)
    messages.success(request, f"{ret.agency} return for {ret.period} submitted to the partnership analyst.")
    return redirect(ret)


def _initial(ret, read) -> dict[str, object]:
    stored, indicators = read
    initial: dict[str, object] = {"seen_version": ret.version}
    for indicator in indicators:
        value = stored.get(indicator.pk)
        if value is None:
            continue
        for name in ("numerator", "denominator", "value", "not_available_reason", "expected_on", "commentary"):
            initial[field_name(indicator.code, name)] = getattr(value, name)
    return initial


# --- review by the partnership analyst ---------------------------------------------------------------
@require_POST
def return_accept(request: HttpRequest, pk: int) -> HttpResponse:
    ret = selectors.return_for_review(user=request.user, pk=pk)
    try:
        with jobs.watch() as queueing:
            services.return_accept(ret=ret, acting_user=request.user)
    except services.ReturnInvalid as invalid:
        messages.error(
            request,
            f"{ret.agency} return for {ret.period} cannot be accepted: it has "
            f"{invalid.problems.blocking_summary()}. "
            "Return it to the agency with a reason instead.",
        )
        return redirect(ret)
    except IllegalTransition as refused:
        messages.error(request, str(refused))
        return redirect(ret)
    messages.success(request, f"{ret.agency} return for {ret.period} accepted.")
    jobs.say_if_waiting(request, queueing, build_requests.BUILD_WAITS)
    # Back to the queue, which the composition root serves (returns beside action-plan reports): named, not imported.
    return redirect("review_queue")


def _with_reason(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    ret = selectors.return_for_review(user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return _page(request, ret, "dataset/return_detail.html", status=400, reason_form=form)
    try:
        with jobs.watch() as queueing:
            service(ret=ret, acting_user=request.user, reason=form.cleaned_data["reason"])
    except IllegalTransition as refused:
        messages.error(request, str(refused))
        return redirect(ret)
    messages.success(request, f"{ret.agency} return for {ret.period} {done}.")
    if queueing.broker_down and service is services.return_reopen:
        messages.warning(request, build_requests.BUILD_WAITS)
    return redirect(ret)


@require_POST
def return_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(request, pk, services.return_send_back, "returned to the agency with your reason")


@require_POST
def return_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(request, pk, services.return_reopen, "reopened for amendment")


# --- validation rules -----------------------------------------------------------------------------
def validation_rules(request: HttpRequest) -> HttpResponse:
    errors = [rule for rule in validation.RULES if rule.kind == validation.ERROR]
    queries = [rule for rule in validation.RULES if rule.kind == validation.QUERY]
    return render(request, "dataset/validation_rules.html", {"errors": errors, "queries": queries})
