"""Writes for action plans and their quarterly reports. Reports follow the returns' lifecycle and conflict
rules: the same neglect_portal.lifecycle, the same refusals in words."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone

from agencies import access
from agencies.models import Agency, User
from dataset.catalogue.selectors import period_edit_block_reason
from dataset.history import record_as, when_in_words
from dataset.models import HistorySource, ReportingPeriod
from dataset.returns.services import EditRefused, ReturnInvalid
from neglect_portal import lifecycle
from neglect_portal.lifecycle import Actor, IllegalTransition, State, Step
from notifications import services as notifications
from notifications.models import Kind

from . import selectors
from .models import Action, ActionPlan, ActionUpdate, ProgressReport

UPDATE_FIELDS = ("rag", "done", "impact", "next_steps", "recovery")
PLAN_FIELDS = (
    "summary",
    "rag_recognise",
    "rag_respond",
    "rag_quantify",
    "rag_evaluate",
    "recovery_recognise",
    "recovery_respond",
    "recovery_quantify",
    "recovery_evaluate",
)


class ReportInvalid(ReturnInvalid):
    """Problems that must be fixed before the report can be submitted or accepted."""


class ReportConflict(Exception):
    def __init__(self, *, changed_by: str, changed_at, changed_keys: frozenset[str]) -> None:
        self.changed_by, self.changed_at, self.changed_keys = changed_by, changed_at, changed_keys
        when = when_in_words(changed_at)
        super().__init__(
            f"{changed_by} changed this report at {when}, after you opened it. Your changes have not been saved: "
            "they are still in the form below. Check the marked actions, then save again."
        )


def _check_can_edit_plan(user: User, agency: Agency) -> None:
    if not access.can_edit(user, agency):
        raise EditRefused(f"Only {agency}'s leads can change its action plan.")


class StaleSave(Exception):
    """Someone saved the plan or action after this user opened it: nothing of theirs is overwritten.

    `changed` is what is saved now where it differs from what they opened: (label, value in words)."""

    def __init__(
        self,
        *,
        noun: str,
        changed_by: str,
        changed_at,
        changed: list[tuple[str, str]],
        current_version: int,
        theirs: Mapping[str, tuple[object, object]] | None = None,
    ) -> None:
        self.noun, self.changed_by, self.changed_at = noun, changed_by, changed_at
        self.changed, self.current_version = changed, current_version
        # {field: (as the person opened it, as saved now)} for each field saved since: a page can take the saved
        # value into its form where the person left the field as they found it, so saving again loses neither edit.
        self.theirs = dict(theirs or {})
        when = when_in_words(changed_at)
        super().__init__(
            f"{changed_by} changed this {noun} at {when}, after you opened it. Your changes have not been saved: "
            "they are still in the form below. Check them against what is saved now, then save again."
        )


def _in_words(instance: Model, name: str) -> str:
    value = getattr(instance, name)
    if value in (None, ""):
        return "(blank)"
    field = instance._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if hasattr(value, "strftime"):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def _locked_unless_stale(instance: Model, *, seen_version: int | None, noun: str, fields) -> Model:
    """The row, locked, if nobody saved it since `seen_version`. None: no page was opened (a command, the demo), so
    there is nothing to be stale against; every page sends the version it showed."""
    seen = seen_version
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if seen is None or locked.version == seen:
        return locked
    last = locked.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    opened = locked.history.filter(version=seen).order_by("-history_date", "-history_id").first()
    names = [name for name in fields if opened is None or getattr(opened, name) != getattr(locked, name)]
    raise StaleSave(
        noun=noun,
        changed_by=str(last.history_user) if last and last.history_user else "Someone",
        changed_at=last.history_date if last else timezone.now(),
        changed=[
            (str(locked._meta.get_field(name).verbose_name).capitalize(), _in_words(locked, name)) for name in names
        ],
        current_version=locked.version,
        theirs={name: (getattr(opened, name), getattr(locked, name)) for name in names} if opened else {},
    )


PLAN_FORM_FIELDS = ("title", "starts_on", "ends_on", "signed_off_by", "signed_off_role", "signed_off_on")
ACTION_FORM_FIELDS = (
    "objective",
    "description",
    "lead_officer",
    "starts_on",
    "due_on",
    "success_measure",
    "status",
    "dropped_reason",
)


@transaction.atomic
def plan_save(
    *,
    plan: ActionPlan | None,
    agency: Agency,
    fields: Mapping[str, object],
    acting_user: User,
    seen_version: int | None = None,
) -> ActionPlan:
    """A new plan (plan=None), or `plan` changed: refused (StaleSave) if anyone saved it since `seen_version`."""
    _check_can_edit_plan(acting_user, agency)
    if plan is None:
        plan = ActionPlan(agency=agency)
    else:
        plan = _locked_unless_stale(plan, seen_version=seen_version, noun="plan", fields=PLAN_FORM_FIELDS)
        plan.version += 1
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.full_clean(exclude=["agency"])
    if plan.pk is None:
        # A new plan becomes current; the earlier one is kept, no longer current (a page open on it is now stale).
        ActionPlan.objects.filter(agency=agency, is_current=True).update(is_current=False, version=F("version") + 1)
    record_as(plan, user=acting_user, source=HistorySource.FORM)
    plan.save()
    return plan


@transaction.atomic
def action_save(
    *,
    action: Action | None,
    plan: ActionPlan,
    fields: Mapping[str, object],
    indicators,
    acting_user: User,
    seen_version: int | None = None,
) -> Action:
    """A new action in `plan` (action=None: `seen_version` is the plan's, so the same action sent twice, or one
    added to a plan changed since, is refused), or `action` changed, closed or dropped (`seen_version` is the
    action's). Refused with StaleSave, naming who saved and when, rather than reverting their save."""
    _check_can_edit_plan(acting_user, plan.agency)
    if action is None:
        locked_plan = _locked_unless_stale(plan, seen_version=seen_version, noun="plan", fields=PLAN_FORM_FIELDS)
        action = Action(plan=locked_plan)
    else:
        action = _locked_unless_stale(action, seen_version=seen_version, noun="action", fields=ACTION_FORM_FIELDS)
        action.version += 1
    for name, value in fields.items():
        setattr(action, name, value)
    action.full_clean(exclude=["plan"])
    if action.pk is None:
        locked_plan.version += 1
        record_as(locked_plan, user=acting_user, source=HistorySource.FORM, reason="action added")
        locked_plan.save(update_fields=["version"])
    record_as(action, user=acting_user, source=HistorySource.FORM)
    action.save()
    if indicators is not None:
        action.indicators.set(indicators)
    return action


@transaction.atomic
def report_start(*, agency: Agency, period: ReportingPeriod, acting_user: User) -> ProgressReport:
    _check_can_edit_plan(acting_user, agency)
    existing = ProgressReport.objects.filter(agency=agency, period=period).first()
    if existing:
        return existing
    plan = ActionPlan.objects.filter(agency=agency, is_current=True).first()
    if plan is None:
        raise EditRefused(f"{agency} has no current action plan: add the plan and its actions first.")
    refusal = period_edit_block_reason(period, timezone.localdate())
    if refusal:
        raise EditRefused(refusal)
    try:
        # A savepoint: a colleague's (or another tab's) start of the same report at the same moment made it first,
        # so this one is theirs too (the unique constraint decides, on SQLite and PostgreSQL alike).
        with transaction.atomic():
            report = ProgressReport(agency=agency, period=period, plan=plan, updated_by=acting_user)
            record_as(report, user=acting_user, source=HistorySource.FORM, reason="started")
            report.save()
    except IntegrityError:
        return ProgressReport.objects.get(agency=agency, period=period)
    return report


def _lock(report: ProgressReport) -> ProgressReport:
    return ProgressReport.objects.select_for_update().select_related("agency", "period", "plan").get(pk=report.pk)


def _conflict(locked: ProgressReport, seen_version: int) -> ReportConflict:
    last = locked.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    keys = locked.updates.filter(changed_in_version__gt=seen_version).values_list("action_id", flat=True)
    return ReportConflict(
        changed_by=str(last.history_user) if last and last.history_user else "Someone",
        changed_at=locked.updated_at,
        changed_keys=frozenset(str(k) for k in keys),
    )


@transaction.atomic
def report_save(
    *, report: ProgressReport, acting_user: User, seen_version: int, inputs: Mapping[str, Mapping[str, str]]
) -> tuple[ProgressReport, int]:
    """Save what was typed, as typed. `inputs`: {action id: {field: text}} and {"plan": {summary, rag_*}}."""
    locked = _lock(report)
    refusal = selectors.edit_block_reason(locked, acting_user)
    if refusal:
        raise EditRefused(refusal)
    if locked.version != seen_version:
        raise _conflict(locked, seen_version)
    new_version = locked.version + 1
    changed = 0
    updates = {str(u.action_id): u for u in locked.updates.all()}
    actions = {str(a.pk): a for a, _ in selectors.report_updates(locked)}
    for key, data in inputs.items():
        if key == "plan" or key not in actions:
            continue
        update = updates.get(key) or ActionUpdate(report=locked, action=actions[key])
        cleaned = {name: str(data.get(name, getattr(update, name)) or "").strip() for name in UPDATE_FIELDS}
        if update.pk and all(getattr(update, n) == v for n, v in cleaned.items()):
            continue
        for name, value in cleaned.items():
            setattr(update, name, value)
        update.changed_in_version = new_version
        record_as(update, user=acting_user, source=HistorySource.FORM)
        update.save()
        changed += 1
    plan_data = inputs.get("plan", {})
    plan_changed = False
    for name in PLAN_FIELDS:
        if name in plan_data and getattr(locked, name) != str(plan_data[name] or "").strip():
            setattr(locked, name, str(plan_data[name] or "").strip())
            plan_changed = True
    if changed or plan_changed:
        locked.version = new_version
        locked.updated_by = acting_user
        record_as(locked, user=acting_user, source=HistorySource.FORM, reason="saved")
        locked.save()
    return locked, changed + int(plan_changed)


def _actor(user: User, report: ProgressReport) -> Actor:
    if access.can_manage(user):
        return Actor.ANALYST
    if access.can_edit(user, report.agency):
        return Actor.AGENCY
    raise IllegalTransition("You cannot change the status of this report.")


def _tell(kind: Kind, locked: ProgressReport, user: User, reason: str = "") -> None:
    """The people concerned hear of it: rows now, in this transaction; emails once it commits."""
    notifications.work_notify(
        kind=kind, work=locked, noun="action-plan progress report", acting_user=user, reason=reason
    )


def _advance(locked: ProgressReport, *, step: Step, user: User, reason: str = "", source=HistorySource.FORM):
    locked.status = lifecycle.check(
        state=locked.status, step=step, actor=_actor(user, locked), reason=reason, what="This report"
    )
    locked.status_reason = reason.strip()
    locked.version += 1
    locked.updated_by = user
    record_as(locked, user=user, source=source, reason=reason.strip())
    locked.save()
    return locked


@transaction.atomic
def report_submit(*, report: ProgressReport, acting_user: User, seen_version: int) -> ProgressReport:
    locked = _lock(report)
    lifecycle.check(state=locked.status, step=Step.SUBMIT, actor=_actor(acting_user, locked), what="This report")
    refusal = selectors.edit_block_reason(locked, acting_user)
    if refusal:
        raise EditRefused(refusal)
    if locked.version != seen_version:
        raise _conflict(locked, seen_version)
    problems = selectors.report_problems(locked)
    if problems.blocking:
        raise ReportInvalid(problems)
    locked.submitted_at, locked.submitted_by = timezone.now(), acting_user
    _freeze_rated(locked, user=acting_user, at=locked.submitted_at, refreeze=True)
    submitted = _advance(locked, step=Step.SUBMIT, user=acting_user)
    _tell(Kind.SUBMITTED, submitted, acting_user)
    return submitted


def _freeze_rated(report: ProgressReport, *, user: User, at, refreeze: bool) -> None:
    """Keep each rated action's wording and dates with its update, so the report shows what was rated whatever
    later edits do to the plan. On submit (again, after a return or reopening) they are taken afresh; on accept
    only updates not yet frozen are (reports submitted before updates kept them)."""
    for action, update in selectors.report_updates(report, live=True):
        if update is None or (update.rated_at is not None and not refreeze):
            continue
        update.freeze(action, at)
        record_as(update, user=user, source=HistorySource.FORM, reason="action as rated")
        update.save()


@transaction.atomic
def report_accept(*, report: ProgressReport, acting_user: User) -> ProgressReport:
    locked = _lock(report)
    lifecycle.check(state=locked.status, step=Step.ACCEPT, actor=_actor(acting_user, locked), what="This report")
    locked.reviewed_at, locked.reviewed_by = timezone.now(), acting_user
    _freeze_rated(locked, user=acting_user, at=locked.reviewed_at, refreeze=False)
    accepted = _advance(locked, step=Step.ACCEPT, user=acting_user, source=HistorySource.REVIEW)
    # A Blue update completes its action.
    for update in accepted.updates.select_related("action").filter(rag="blue"):
        if update.action.status != "complete":
            update.action.status = "complete"
            update.action.version += 1  # a lead's edit page open on it is now stale: it cannot quietly reopen it
            record_as(update.action, user=acting_user, source=HistorySource.REVIEW, reason="reported complete (Blue)")
            update.action.save()
    _tell(Kind.ACCEPTED, accepted, acting_user)
    return accepted


@transaction.atomic
def report_send_back(*, report: ProgressReport, acting_user: User, reason: str) -> ProgressReport:
    locked = _lock(report)
    locked.reviewed_at, locked.reviewed_by = timezone.now(), acting_user
    sent_back = _advance(locked, step=Step.RETURN, user=acting_user, reason=reason, source=HistorySource.REVIEW)
    _tell(Kind.SENT_BACK, sent_back, acting_user, reason)
    return sent_back


@transaction.atomic
def report_reopen(*, report: ProgressReport, acting_user: User, reason: str) -> ProgressReport:
    locked = _lock(report)
    if locked.status == State.ACCEPTED:
        locked.revision += 1
    reopened = _advance(locked, step=Step.REOPEN, user=acting_user, reason=reason, source=HistorySource.REOPEN)
    _tell(Kind.REOPENED, reopened, acting_user, reason)
    return reopened


def validation_error_text(error: ValidationError) -> str:
    return " ".join(m for messages in error.message_dict.values() for m in messages)
