from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies import access
from agencies.models import Agency, User
from dataset.catalogue.selectors import period_edit_block_reason
from dataset.models import ReportingPeriod
from neglect_portal.lifecycle import State

from . import validation
from .models import CLOSED, Action, ActionPlan, ActionUpdate, ProgressReport, RatedAction


def plans_readable(*, user: User) -> QuerySet[ActionPlan]:
    qs = ActionPlan.objects.select_related("agency").prefetch_related(
        Prefetch("actions", queryset=Action.objects.prefetch_related("indicators"))
    )
    return access.scoped(qs, user)


def plan_for_read(*, user: User, pk: int) -> ActionPlan:
    return access.get_in_scope(plans_readable(user=user), user, pk=pk)


def plan_for_edit(*, user: User, pk: int) -> ActionPlan:
    scope = access.scoped(ActionPlan.objects.select_related("agency"), user, for_edit=True)
    return access.get_in_scope(scope, user, pk=pk)


def action_for_edit(*, user: User, pk: int) -> Action:
    qs = Action.objects.select_related("plan__agency")
    scope = access.scoped(qs, user, for_edit=True, agency_field="plan__agency")
    return access.get_in_scope(scope, user, pk=pk, agency_field="plan__agency")


def _reports() -> QuerySet[ProgressReport]:
    return ProgressReport.objects.select_related("agency", "period", "plan", "submitted_by", "reviewed_by")


def reports_readable(*, user: User) -> QuerySet[ProgressReport]:
    """As for returns: leads read their own; the analyst everything; members and the scrutineer accepted."""
    qs = access.scoped(_reports(), user)
    if access.can_read_all(user) and not access.can_manage(user):
        qs = qs.filter(status=State.ACCEPTED)
    return qs


def report_for_read(*, user: User, pk: int) -> ProgressReport:
    return access.get_in_scope(reports_readable(user=user), user, pk=pk)


def report_for_edit(*, user: User, pk: int) -> ProgressReport:
    return access.get_in_scope(access.scoped(_reports(), user, for_edit=True), user, pk=pk)


def report_for_review(*, user: User, pk: int) -> ProgressReport:
    if not access.can_manage(user):
        raise Http404("No report found")
    return get_object_or_404(_reports(), pk=pk)


def report_updates(
    report: ProgressReport, *, live: bool = False
) -> list[tuple[Action | RatedAction, ActionUpdate | None]]:
    """The report's rows: each open action (or one it has an update for) with its update. A submitted or accepted
    report shows the actions as rated (frozen with the update) and only those it rated: an action added to the plan
    since, or reworded, does not change it. `live`: the plan's actions as they are now, whatever the status."""
    updates = {u.action_id: u for u in report.updates.all()}
    actions = list(report.plan.actions.prefetch_related("indicators").order_by("objective", "due_on", "pk"))
    rows = [(a, updates.get(a.pk)) for a in actions if a.pk in updates or a.status not in CLOSED]
    if live or not report.shows_as_rated:
        return rows
    rated = [(u.as_rated() or a, u) for a, u in rows if u is not None]
    return sorted(rated, key=lambda row: (row[0].objective, row[0].due_on or date.min, row[0].pk))


@dataclass(frozen=True)
class Rating:
    """One update of an accepted report, as it was rated: `action` is the action's wording, objective and dates
    frozen with the update (the live action only for an update accepted before they were kept), so moving or
    rewording the action later does not rewrite an accepted quarter. The one view every reader of accepted ratings
    uses: the RAG summary, the dashboard panel and the scrutiny evidence pack."""

    update: ActionUpdate
    action: Action | RatedAction

    @property
    def rag(self) -> str:
        return self.update.rag

    @property
    def objective(self) -> str:
        return self.action.objective

    @property
    def agency(self) -> Agency:
        return self.update.report.agency

    def is_overdue(self, today: date) -> bool:
        """Past the due date it was rated against and still open (whether it is open is today's fact)."""
        due = self.action.due_on
        return self.update.action.status not in CLOSED and due is not None and due < today


def _as_rated(update: ActionUpdate) -> Rating:
    return Rating(update, update.as_rated() or update.action)


def accepted_ratings(*, period: ReportingPeriod | None, with_indicators: bool = False) -> list[Rating]:
    """Every update of the quarter's accepted reports as rated, by agency, objective, due date (as rated). Reads
    no one's scope: callers check who may see the partnership's plans. Two queries (three with the indicators)."""
    if period is None:
        return []
    qs = ActionUpdate.objects.filter(report__period=period, report__status=State.ACCEPTED).select_related(
        "report__agency", "report__period", "action"
    )
    if with_indicators:
        qs = qs.prefetch_related("action__indicators")
    ratings = [_as_rated(u) for u in qs]
    return sorted(ratings, key=lambda r: (r.agency.name, r.objective, r.action.due_on or date.min, r.action.pk))


def latest_accepted_ratings(*, action_ids: Iterable[int]) -> dict[int, Rating]:
    """Each action's rating in its newest accepted report: {action id: Rating}."""
    out: dict[int, Rating] = {}
    updates = (
        ActionUpdate.objects.filter(action_id__in=list(action_ids), report__status=State.ACCEPTED)
        .select_related("report__agency", "report__period", "action")
        .order_by("action_id", "-report__period__year", "-report__period__quarter")
    )
    for update in updates:
        out.setdefault(update.action_id, _as_rated(update))
    return out


def update_input(action: Action, update: ActionUpdate | None, overrides: dict | None = None) -> validation.UpdateInput:
    data = {name: getattr(update, name, "") or "" for name in ("rag", "done", "impact", "next_steps", "recovery")}
    data.update({k: v for k, v in (overrides or {}).items() if k in data})
    return validation.UpdateInput(key=str(action.pk), title=action.description[:80], **data)


def report_problems(report: ProgressReport, overrides: dict | None = None) -> validation.Problems:
    rows = report_updates(report)
    inputs = [update_input(a, u, (overrides or {}).get(str(a.pk))) for a, u in rows]
    plan = (overrides or {}).get("plan", {})
    rags = report.objective_rags()
    rags.update({k.removeprefix("rag_"): v for k, v in plan.items() if k.startswith("rag_")})
    recoveries = report.objective_recoveries()
    recoveries.update({k.removeprefix("recovery_"): v for k, v in plan.items() if k.startswith("recovery_")})
    return validation.check_report(inputs, rags, recoveries)


def edit_block_reason(report: ProgressReport, user: User, today: date | None = None) -> str | None:
    if not access.can_edit(user, report.agency):
        return f"Only {report.agency}'s leads can change this report."
    if report.status == State.SUBMITTED:
        return "This report was submitted and is waiting for the partnership analyst."
    if report.status == State.ACCEPTED:
        return "This report was accepted. Ask the partnership analyst to reopen it if it needs amending."
    if report.status == State.DRAFT:
        return period_edit_block_reason(report.period, today or timezone.localdate())
    return None


# --- the homes ----------------------------------------------------------------------------------------------------
def own_report_for(*, user: User, period: ReportingPeriod | None) -> ProgressReport | None:
    """This lead's agency's progress report for `period`, or None when not started."""
    if period is None:
        return None
    return access.scoped(_reports(), user, for_edit=True).filter(period=period).first()


def own_reports_sent_back(*, user: User) -> list[ProgressReport]:
    qs = access.scoped(_reports(), user, for_edit=True).filter(status__in=[State.RETURNED, State.REOPENED])
    return list(qs.order_by("-reviewed_at", "-pk"))


def has_current_plan(*, user: User) -> bool:
    return access.scoped(ActionPlan.objects.filter(is_current=True), user, for_edit=True).exists()


def reports_to_review(*, user: User) -> list[ProgressReport]:
    """Submitted reports waiting for the partnership analyst, oldest first; nothing for anyone else."""
    if not access.can_manage(user):
        return []
    return list(_reports().filter(status=State.SUBMITTED).order_by("submitted_at"))


def reports_overdue(*, periods: list[ReportingPeriod], today: date) -> list[tuple[Agency, ReportingPeriod, str | None]]:
    """(agency, period, status) for each agency with a current plan whose report for a quarter past its due date
    is not yet submitted. Two queries whatever the size."""
    due = [p for p in periods if today > p.due_on]
    if not due:
        return []
    agencies = [plan.agency for plan in ActionPlan.objects.filter(is_current=True).select_related("agency")]
    statuses = {
        (r["agency_id"], r["period_id"]): r["status"]
        for r in ProgressReport.objects.filter(period__in=due).values("agency_id", "period_id", "status")
    }
    out = []
    for period in due:
        for agency in sorted(agencies, key=lambda a: a.name):
            status = statuses.get((agency.pk, period.pk))
            if status not in (State.SUBMITTED, State.ACCEPTED):
                out.append((agency, period, status))
    return out


def actions_matching(*, user: User, text: str, limit: int = 20) -> list[Action]:
    """Actions in plans this user may read whose description or lead officer contains `text` (the search page)."""
    qs = access.scoped(Action.objects.select_related("plan__agency"), user, agency_field="plan__agency")
    found = qs.filter(Q(description__icontains=text) | Q(lead_officer__icontains=text))
    return list(found.order_by("plan__agency__name", "due_on", "pk")[:limit])


def action_titles_then(update_records) -> dict[int, str]:
    """{history_id: the action's wording when that update record was made}, for a report's history: the wording
    frozen with the update if it has one, else the action's own history as of then (else as it is now). Never
    today's text for an old change. Two queries whatever the number of records."""
    action_ids = {r.action_id for r in update_records}
    versions: dict[int, list] = {}
    for old in Action.history.filter(id__in=action_ids).order_by("history_date", "history_id"):
        versions.setdefault(old.id, []).append(old)
    current = dict(Action.objects.filter(pk__in=action_ids).values_list("pk", "description"))
    titles = {}
    for record in update_records:
        text = record.rated_description if record.rated_at else ""
        if not text:
            earlier = [v for v in versions.get(record.action_id, []) if v.history_date <= record.history_date]
            text = earlier[-1].description if earlier else current.get(record.action_id, "")
        titles[record.history_id] = text[:80]
    return titles
