"""Action plan and quarterly report pages: thin views that read through selectors, write through services,
and redirect or re-render. Anything out of the user's scope is a 404, GET or POST."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from agencies import access
from dataset.models import ReportingPeriod
from dataset.returns.selectors import Change, field_changes, open_periods
from neglect_portal.lifecycle import Actor, IllegalTransition, State, allowed_steps
from neglect_portal.strategy import OBJECTIVE_AIMS, RAG_MEANINGS, Objective, Rag

from . import selectors, services
from .forms import ActionForm, PlanForm, ReasonForm, ReportForm, VersionForm, report_initial
from .models import Action, ActionPlan, ActionUpdate
from .summary.counting import rag_words

OBJECTIVE_ORDER = {o.value: i for i, o in enumerate(Objective)}


def _by_objective(items, action_of=lambda item: item):
    """[(Objective, aim, [items])] in the strategy's order."""
    ordered = sorted(items, key=lambda item: OBJECTIVE_ORDER.get(action_of(item).objective, 99))
    return [
        (Objective(key), OBJECTIVE_AIMS.get(key, ""), list(group))
        for key, group in groupby(ordered, key=lambda item: action_of(item).objective)
    ]


# --- plans -----------------------------------------------------------------------------------------
@require_safe
def plan_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    plans = selectors.plans_readable(user=user).order_by("agency__name", "-is_current", "-starts_on")
    is_lead = bool(user.agency_id) and access.can_edit(user, user.agency)
    reports, to_start = [], None
    if is_lead:
        reports = list(selectors.reports_readable(user=user))
        latest = open_periods().first()
        started = {r.period_id for r in reports}
        if latest and latest.pk not in started and not latest.is_locked():
            to_start = latest
    elif access.can_read_all(user):
        plans = plans.filter(is_current=True)
        reports = list(selectors.reports_readable(user=user)[:50])
    to_review = (
        list(selectors.reports_readable(user=user).filter(status=State.SUBMITTED).order_by("submitted_at"))
        if access.can_manage(user)
        else []
    )
    return render(
        request,
        "actionplans/plan_list.html",
        {
            "plans": plans,
            "reports": reports,
            "to_start": to_start,
            "to_review": to_review,
            "is_lead": is_lead,
            "has_current": any(p.is_current for p in plans) if is_lead else False,
        },
    )


def _plan_for_read(user, pk: int):
    plan = selectors.plan_for_read(user=user, pk=pk)
    # Members and the scrutineer read current plans only; the agency and the analyst read every version.
    if not plan.is_current and not (access.can_manage(user) or access.can_edit(user, plan.agency)):
        raise Http404("No plan found")
    return plan


@require_safe
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for_read(request.user, pk)
    actions = list(plan.actions.all())
    return render(
        request,
        "actionplans/plan_detail.html",
        {
            "plan": plan,
            "groups": _by_objective(actions),
            "overdue": {a.pk for a in actions if a.is_overdue()},
            "can_edit": access.can_edit(request.user, plan.agency),
        },
    )


def _save_form(request, form, save, template: str, context: dict) -> HttpResponse:
    """Validate a model form, call `save(form)`, redirect to what it returns; 400 with the typed input if not, and
    409 with it if someone saved the plan or action since the page was opened (StaleSave)."""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        except services.StaleSave as stale:
            form.see(stale.current_version, stale.theirs)
            return render(request, template, {"form": form, "conflict": stale, **context}, status=409)
        except services.EditRefused as refused:
            messages.error(request, str(refused))
            return redirect("actionplans:plan_list")
        else:
            messages.success(request, context["done"])
            return redirect(saved)
    if request.method == "POST":
        status = 400
    return render(request, template, {"form": form, **context}, status=status)


def _seen(form) -> int:
    return form.cleaned_data["seen_version"]


def plan_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.agency_id and access.can_edit(user, user.agency)):
        raise Http404("Only an agency's lead can add its plan")
    agency = user.agency
    form = PlanForm(request.POST or None, instance=ActionPlan(agency=agency))
    return _save_form(
        request,
        form,
        lambda f: services.plan_save(plan=None, agency=agency, fields=f.fields_for_service(), acting_user=user),
        "actionplans/plan_form.html",
        {"plan": None, "done": f"{agency}'s new action plan saved: it is now the current plan."},
    )


def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = selectors.plan_for_edit(user=user, pk=pk)
    form = PlanForm(request.POST or None, instance=plan, seen=plan.version)
    return _save_form(
        request,
        form,
        lambda f: services.plan_save(
            plan=plan, agency=plan.agency, fields=f.fields_for_service(), acting_user=user, seen_version=_seen(f)
        ),
        "actionplans/plan_form.html",
        {"plan": plan, "done": "Plan saved."},
    )


def _save_action(form, *, action, plan, user):
    services.action_save(
        action=action,
        plan=plan,
        fields=form.fields_for_service(),
        indicators=form.cleaned_data["indicators"],
        acting_user=user,
        seen_version=_seen(form),
    )
    return plan


def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = selectors.plan_for_edit(user=user, pk=pk)
    form = ActionForm(request.POST or None, instance=Action(plan=plan), seen=plan.version)
    return _save_form(
        request,
        form,
        lambda f: _save_action(f, action=None, plan=plan, user=user),
        "actionplans/action_form.html",
        {"plan": plan, "action": None, "done": "Action added to the plan."},
    )


def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    action = selectors.action_for_edit(user=user, pk=pk)
    form = ActionForm(request.POST or None, instance=action, seen=action.version)
    return _save_form(
        request,
        form,
        lambda f: _save_action(f, action=action, plan=action.plan, user=user),
        "actionplans/action_form.html",
        {"plan": action.plan, "action": action, "done": "Action saved."},
    )


# --- reports ---------------------------------------------------------------------------------------
@require_POST
def report_start(request: HttpRequest, period_pk: int) -> HttpResponse:
    user = request.user
    if not (user.agency_id and access.can_edit(user, user.agency)):
        raise Http404("No agency")
    period = get_object_or_404(ReportingPeriod, pk=period_pk)
    try:
        report = services.report_start(agency=user.agency, period=period, acting_user=user)
    except services.EditRefused as refused:
        messages.error(request, str(refused))
        return redirect("actionplans:plan_list")
    return redirect("actionplans:report_edit", pk=report.pk)


def _report_page(request: HttpRequest, report, template: str, status: int = 200, **context) -> HttpResponse:
    user = request.user
    actor = Actor.ANALYST if access.can_manage(user) else Actor.AGENCY if access.can_edit(user, report.agency) else None
    rows = context.pop("rows", None) or selectors.report_updates(report)
    counts = _rag_counts(rows)
    return render(
        request,
        template,
        {
            "report": report,
            "groups": _by_objective(rows, action_of=lambda row: row[0]),
            "objective_rags": _objective_rags(report, counts),
            "rag_counts": counts.get("", rag_words(Counter())),
            "rag_meanings": [(Rag(k), v) for k, v in RAG_MEANINGS.items()],
            "steps": [s.value for s in allowed_steps(report.status, actor)] if actor else [],
            "edit_refusal": selectors.edit_block_reason(report, user) if actor == Actor.AGENCY else None,
            "reason_form": context.pop("reason_form", None) or ReasonForm(),
            "tab": template.rsplit("_", 1)[-1].removesuffix(".html"),
            **context,
        },
        status=status,
    )


@require_safe
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_read(user=request.user, pk=pk)
    problems = selectors.report_problems(report) if report.is_editable_state else None
    return _report_page(request, report, "actionplans/report_detail.html", problems=problems)


@require_safe
def report_print(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_read(user=request.user, pk=pk)
    return _report_page(request, report, "actionplans/report_print.html")


@require_safe
def report_history(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_read(user=request.user, pk=pk)
    timeline, changes = _history(report)
    return _report_page(request, report, "actionplans/report_history.html", timeline=timeline, changes=changes)


def _history(report) -> tuple[list[Change], list[Change]]:
    """(status timeline, content changes), oldest first, from django-simple-history's records."""
    timeline: list[Change] = []
    changes: list[Change] = []
    previous = None
    for record in report.history.select_related("history_user").order_by("history_date", "history_id"):
        who, how, why = str(record.history_user or "system"), record.get_history_source_display(), ""
        why = record.history_change_reason or ""
        if previous is None or record.status != previous.status:
            timeline.append(
                Change(
                    when=record.history_date,
                    who=who,
                    what="Status",
                    old=State(previous.status).label if previous else "",
                    new=State(record.status).label + (f" (revision {record.revision})" if record.revision > 1 else ""),
                    how=how,
                    reason=why,
                )
            )
        for name in services.PLAN_FIELDS:
            old, new = getattr(previous, name, "") if previous else "", getattr(record, name)
            if (old or "") != (new or ""):
                label = _plan_field_label(name)
                changes.append(Change(record.history_date, who, label, _rag_word(old), _rag_word(new), how, why))
        previous = record
    records = list(
        ActionUpdate.history.filter(report_id=report.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    titles = selectors.action_titles_then(records)
    changes += field_changes(
        records,
        services.UPDATE_FIELDS,
        what=lambda record, name: f"{titles[record.history_id]} – {ActionUpdate._meta.get_field(name).verbose_name}",
        show=lambda name, raw: _rag_word(raw or "") if name == "rag" else (raw or ""),
    )
    changes.sort(key=lambda c: c.when)
    return timeline, changes


def _plan_field_label(name: str) -> str:
    """'Summary', 'Respond RAG', 'Respond recovery step'."""
    if name.startswith("rag_"):
        return f"{name.removeprefix('rag_').capitalize()} RAG"
    if name.startswith("recovery_"):
        return f"{name.removeprefix('recovery_').capitalize()} recovery step"
    return "Summary"


def _rag_counts(rows) -> dict[str, str]:
    """The actions' saved ratings counted, in words, per objective and ("") in all: never typed, so never stale."""
    by_objective: dict[str, Counter] = {"": Counter()}
    for action, update in rows:
        if update is not None and update.rag:
            by_objective.setdefault(action.objective, Counter())[update.rag] += 1
            by_objective[""][update.rag] += 1
    return {key: rag_words(counter) for key, counter in by_objective.items()}


def _objective_rags(report, counts: dict[str, str]) -> list[tuple[Objective, str, str, str, str]]:
    """(objective, its RAG, the RAG in words, its recovery step, its actions' ratings counted)."""
    return [
        (
            o,
            getattr(report, f"rag_{o.value}"),
            _rag_word(getattr(report, f"rag_{o.value}")),
            getattr(report, f"recovery_{o.value}"),
            counts.get(o.value, rag_words(Counter())),
        )
        for o in Objective
    ]


def _rag_word(value: str) -> str:
    return Rag(value).label if value in Rag.values else (value or "")


def _form_page(request, report, form, *, status=200, conflict=None, overrides=None, notice=None) -> HttpResponse:
    rows = selectors.report_updates(report)
    problems = selectors.report_problems(report, overrides)
    form.mark_problems(problems)
    by_key: dict[str, dict[str, list]] = {}
    for p in problems:
        by_key.setdefault(p.indicator, {}).setdefault(p.field, []).append(p)
    changed_keys = conflict.changed_keys if conflict else frozenset()
    edit_rows = [
        {
            "action": action,
            "update": update,
            "changed": str(action.pk) in changed_keys,
            "fields": [
                (form[f"{action.pk}-{name}"], by_key.get(str(action.pk), {}).get(name, []))
                for name in services.UPDATE_FIELDS
            ],
        }
        for action, update in rows
    ]
    plan_problems = by_key.get("plan", {})
    summary_field = (form["plan-summary"], plan_problems.get("summary", []))
    objective_fields = [
        (
            o,
            (form[f"plan-rag_{o.value}"], plan_problems.get(f"rag_{o.value}", [])),
            (form[f"plan-recovery_{o.value}"], plan_problems.get(f"recovery_{o.value}", [])),
        )
        for o in Objective
    ]
    return _report_page(
        request,
        report,
        "actionplans/report_edit.html",
        status=status,
        rows=rows,
        form=form,
        problems=problems,
        edit_groups=_by_objective(edit_rows, action_of=lambda row: row["action"]),
        summary_field=summary_field,
        objective_fields=objective_fields,
        conflict=conflict,
        notice=notice,
    )


def _actions(report) -> list:
    return [action for action, _ in selectors.report_updates(report)]


def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_edit(user=request.user, pk=pk)  # another agency's report: 404
    if request.method != "POST":
        form = ReportForm(initial=report_initial(report, selectors.report_updates(report)), actions=_actions(report))
        return _form_page(request, report, form)
    return _save(request, report, then_submit=False)


@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_edit(user=request.user, pk=pk)
    if report.status == State.SUBMITTED:
        messages.info(request, f"{report} is already submitted.")
        return redirect(report)
    if not ReportForm(request.POST, actions=[]).has_content():
        version = VersionForm(request.POST)
        if not version.is_valid():
            return redirect(report)
        return _submit(request, report, version.cleaned_data["seen_version"])
    return _save(request, report, then_submit=True)


def _save(request: HttpRequest, report, *, then_submit: bool) -> HttpResponse:
    form = ReportForm(request.POST, actions=_actions(report))
    if not form.is_valid():
        return _form_page(request, report, form, status=400, overrides=form.typed())
    try:
        report, changed = services.report_save(
            report=report,
            acting_user=request.user,
            seen_version=form.cleaned_data["seen_version"],
            inputs=form.inputs(),
        )
    except services.ReportConflict as conflict:
        report.refresh_from_db()
        return _form_page(request, report, form, status=409, conflict=conflict, overrides=form.typed())
    except services.EditRefused as refused:
        messages.error(request, str(refused))
        return redirect(report)
    if then_submit:
        return _submit(request, report, report.version)
    fresh = ReportForm(initial=report_initial(report, selectors.report_updates(report)), actions=_actions(report))
    note = "Draft saved." if changed else "Nothing had changed; the draft is as it was."
    return _form_page(request, report, fresh, notice=note)


def _submit(request: HttpRequest, report, seen_version: int) -> HttpResponse:
    try:
        services.report_submit(report=report, acting_user=request.user, seen_version=seen_version)
    except services.ReportInvalid:
        report.refresh_from_db()
        form = ReportForm(initial=report_initial(report, selectors.report_updates(report)), actions=_actions(report))
        return _form_page(
            request,
            report,
            form,
            status=400,
            notice="Your report is saved as a draft, but it cannot be submitted yet: fix each problem, then submit "
            "again.",
        )
    except services.ReportConflict as conflict:
        report.refresh_from_db()
        form = ReportForm(request.POST, actions=_actions(report))
        form.is_valid()
        return _form_page(request, report, form, status=409, conflict=conflict, overrides=form.typed())
    except (services.EditRefused, IllegalTransition) as refused:
        messages.error(request, str(refused))
        return redirect(report)
    messages.success(request, f"{report} submitted to the partnership analyst.")
    return redirect(report)


# --- review by the partnership analyst --------------------------------------------------------------
@require_POST
def report_accept(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_for_review(user=request.user, pk=pk)
    try:
        services.report_accept(report=report, acting_user=request.user)
    except IllegalTransition as refused:
        messages.error(request, str(refused))
        return redirect(report)
    messages.success(request, f"{report} accepted.")
    return redirect(report)


def _with_reason(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    report = selectors.report_for_review(user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _report_page(request, report, "actionplans/report_detail.html", status=400, reason_form=form)
    try:
        service(report=report, acting_user=request.user, reason=form.cleaned_data["reason"])
    except IllegalTransition as refused:
        messages.error(request, str(refused))
        return redirect(report)
    messages.success(request, f"{report} {done}.")
    return redirect(report)


@require_POST
def report_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(request, pk, services.report_send_back, "returned to the agency with your reason")


@require_POST
def report_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(request, pk, services.report_reopen, "reopened for amendment")
