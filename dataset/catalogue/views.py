"""Pages for the indicator catalogue and the reporting quarters.

Every signed-in person may read them; only the partnership analyst changes them, and for anyone else the
pages that change them do not exist (404).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies import access
from dataset.models import Indicator, RelationshipCheck, ReportingPeriod

from . import periods, selectors, services
from .forms import IndicatorFilterForm, IndicatorForm, PeriodDatesForm, RelationshipCheckForm, RetireForm


def manager_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Changing the catalogue or the quarters is for the partnership analyst; for anyone else it is a 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not access.can_manage(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper


# --- indicators -----------------------------------------------------------------------------------
def indicator_list(request: HttpRequest) -> HttpResponse:
    form = IndicatorFilterForm(request.GET)
    objective, include_retired = "", False
    if form.is_valid():
        objective, include_retired = form.cleaned_data["objective"], form.cleaned_data["retired"]
    groups = selectors.indicator_groups(objective=objective, include_retired=include_retired)
    return render(
        request,
        "dataset/indicator_list.html",
        {
            "groups": groups,
            "filter_form": form,
            "filtered": bool(objective or include_retired),
            "count": sum(len(group.lines) for group in groups),
            "can_manage": access.can_manage(request.user),
        },
    )


def _render_indicator_form(
    request: HttpRequest, form: IndicatorForm, indicator: Indicator | None, *, status: int = 200
) -> HttpResponse:
    return render(request, "dataset/indicator_form.html", {"form": form, "indicator": indicator}, status=status)


def _save_indicator(request: HttpRequest, form: IndicatorForm, indicator: Indicator | None) -> HttpResponse:
    try:
        saved = services.indicator_save(
            indicator=indicator,
            fields=form.indicator_fields(),
            supplier_ids=form.supplier_ids(),
            acting_user=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_indicator_form(request, form, indicator, status=400)
    done = {"created": "added", "updated": "saved", "unchanged": "unchanged: nothing to save"}[saved.outcome]
    messages.success(request, f"Indicator {saved.indicator} {done}.")
    return redirect("dataset:indicator_list")


@manager_only
def indicator_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_indicator_form(request, IndicatorForm(), None)
    form = IndicatorForm(request.POST)
    if not form.is_valid():
        return _render_indicator_form(request, form, None, status=400)
    return _save_indicator(request, form, None)


@manager_only
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = selectors.indicator_for_manage(user=request.user, pk=pk)
    if request.method != "POST":
        return _render_indicator_form(request, IndicatorForm(instance=indicator), indicator)
    # The form works on its own copy: `indicator` keeps the saved values for the page's heading.
    form = IndicatorForm(request.POST, instance=selectors.indicator_for_manage(user=request.user, pk=pk))
    if not form.is_valid():
        return _render_indicator_form(request, form, indicator, status=400)
    return _save_indicator(request, form, indicator)


@manager_only
@require_POST
def indicator_retire(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = selectors.indicator_for_manage(user=request.user, pk=pk)
    form = RetireForm(request.POST)
    wanted = form.cleaned_data["active"] if form.is_valid() else None
    active = (not indicator.active) if wanted is None else wanted
    indicator = services.indicator_set_active(indicator=indicator, active=active, acting_user=request.user)
    if indicator.active:
        messages.success(request, f"Indicator {indicator} restored: agencies report it again from the next return.")
        return redirect("dataset:indicator_list")
    messages.success(request, f"Indicator {indicator} retired: its data is kept, but agencies no longer report it.")
    return redirect(reverse("dataset:indicator_list") + "?retired=on")


# --- quarters -------------------------------------------------------------------------------------
def period_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = [(period, selectors.period_state(period, today)) for period in selectors.period_list()]
    can_manage = access.can_manage(request.user)
    latest = rows[0][0] if rows else None
    return render(
        request,
        "dataset/period_list.html",
        {
            "rows": rows,
            "can_manage": can_manage,
            "latest": latest,
            "next_quarter": selectors.period_next_quarter(today=today) if can_manage else None,
        },
    )


def _render_period_form(
    request: HttpRequest, form: PeriodDatesForm, period: ReportingPeriod, *, status: int = 200
) -> HttpResponse:
    context = {"form": form, "period": period, "state": selectors.period_state(period)}
    return render(request, "dataset/period_form.html", context, status=status)


@manager_only
def period_edit(request: HttpRequest, pk: int) -> HttpResponse:
    period = selectors.period_for_manage(user=request.user, pk=pk)
    today = timezone.localdate()
    locked = period.is_locked(today)
    if request.method != "POST":
        return _render_period_form(request, PeriodDatesForm(instance=period, locked=locked), period)
    form_copy = selectors.period_for_manage(user=request.user, pk=pk)
    form = PeriodDatesForm(request.POST, instance=form_copy, locked=locked)
    if not form.is_valid():
        return _render_period_form(request, form, period, status=400)
    try:
        updated = services.period_update_dates(
            period=period,
            opens_on=form.cleaned_data["opens_on"],
            due_on=form.cleaned_data["due_on"],
            locks_on=form.cleaned_data["locks_on"],
            note=form.cleaned_data["note"],
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
            today=today,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_period_form(request, form, period, status=400)
    messages.success(request, f"{updated.label} dates saved: {selectors.period_state(updated, today)}.")
    return redirect("dataset:period_list")


@manager_only
@require_POST
def period_create_next(request: HttpRequest) -> HttpResponse:
    seen = request.POST.get("latest", "").strip()
    try:
        seen_latest = periods.Quarter.parse(seen) if seen else None
    except ValueError:
        messages.error(request, "That quarter could not be read. Reload the page and try again.")
        return redirect("dataset:period_list")
    period, created = services.period_create_next(
        seen_latest=seen_latest, acting_user=request.user, today=timezone.localdate()
    )
    if created:
        messages.success(request, f"{period.label} added: {selectors.period_state(period)}.")
    else:
        messages.info(request, f"{period.label} already exists, so nothing was added.")
    return redirect("dataset:period_list")


# --- relationship checks --------------------------------------------------------------------------
def check_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dataset/check_list.html",
        {
            "rows": [(check, selectors.plain_number(check.at_least)) for check in selectors.relationship_checks()],
            "can_manage": access.can_manage(request.user),
        },
    )


def _render_check_form(
    request: HttpRequest, form: RelationshipCheckForm, check: RelationshipCheck | None, *, status: int = 200
) -> HttpResponse:
    return render(request, "dataset/check_form.html", {"form": form, "check": check}, status=status)


def _save_check(request: HttpRequest, form: RelationshipCheckForm, check: RelationshipCheck | None) -> HttpResponse:
    try:
        saved = services.relationship_check_save(check=check, fields=form.check_fields(), acting_user=request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return _render_check_form(request, form, check, status=400)
    done = "added" if check is None else "saved"
    messages.success(request, f"{_check_name(saved)} {done}: the next dataset build uses it.")
    return redirect("dataset:check_list")


@manager_only
def check_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_check_form(request, RelationshipCheckForm(), None)
    form = RelationshipCheckForm(request.POST)
    if not form.is_valid():
        return _render_check_form(request, form, None, status=400)
    return _save_check(request, form, None)


@manager_only
def check_edit(request: HttpRequest, pk: int) -> HttpResponse:
    check = selectors.relationship_check_for_manage(user=request.user, pk=pk)
    if request.method != "POST":
        return _render_check_form(request, RelationshipCheckForm(instance=check), check)
    # The form works on its own copy: `check` keeps the saved values for the page's heading.
    form_copy = selectors.relationship_check_for_manage(user=request.user, pk=pk)
    form = RelationshipCheckForm(request.POST, instance=form_copy)
    if not form.is_valid():
        return _render_check_form(request, form, check, status=400)
    return _save_check(request, form, check)


@manager_only
@require_POST
def check_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    check = selectors.relationship_check_for_manage(user=request.user, pk=pk)
    form = RetireForm(request.POST)
    wanted = form.cleaned_data["active"] if form.is_valid() else None
    active = (not check.active) if wanted is None else wanted
    check = services.relationship_check_set_active(check=check, active=active, acting_user=request.user)
    state = "in use again" if check.active else "deactivated: the build no longer runs it"
    messages.success(request, f"{_check_name(check)} {state}.")
    return redirect("dataset:check_list")


def _check_name(check: RelationshipCheck) -> str:
    return f"The check of {check.indicator.code} against {check.compared_with.code}"
