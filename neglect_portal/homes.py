"""Each role's home: a task list (the GOV.UK "complete multiple tasks" pattern) of what that person does next.

Part of the composition root: it asks each app's selectors for its part and puts the parts side by side, so no app
needs to know another's work. Every part is a fixed number of queries, whatever the partnership's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone

from actionplans import selectors as plan_selectors
from agencies import access
from agencies.models import User
from dataset.reading import selectors as reading_selectors
from dataset.returns import selectors as return_selectors
from dataset.tracker import selectors as tracker_selectors
from dataset.tracker.completeness import due_in_words
from neglect_portal.lifecycle import EDITABLE, State
from notifications import selectors as notification_selectors
from scrutiny.packs import services as pack_services

# GOV.UK task-list tags: (words, colour). Colours are the GOV.UK tag colours, each AA on its background.
TAGS: dict[str, tuple[str, str]] = {
    "not_started": ("Not yet started", "blue"),
    State.DRAFT: ("In progress", "light-blue"),
    State.RETURNED: ("Sent back", "red"),
    State.REOPENED: ("Reopened", "yellow"),
    State.SUBMITTED: ("Submitted", "grey"),
    State.ACCEPTED: ("Accepted", "green"),
    "cannot_start": ("Cannot start yet", "grey"),
    "waiting": ("Waiting for review", "blue"),
    "overdue": ("Overdue", "red"),
    "failed": ("Failed", "red"),
    "unpublished": ("Not published", "yellow"),
}


@dataclass(frozen=True)
class Task:
    """One row of a task list: its name (a link when there is a page), a hint, and a status tag. `start_url` is a
    POST form's target when the first step creates the thing (a return or report is started, not just opened)."""

    name: str
    status: str
    url: str = ""
    hint: str = ""
    action: str = ""  # "Start", "Continue", "View": said in the link or button
    start_url: str = ""

    @property
    def tag(self) -> str:
        return TAGS[self.status][0]

    @property
    def colour(self) -> str:
        return TAGS[self.status][1]


def _return_task(ret, period, today: date) -> Task:
    due = f"Due {period.due_on:%-d %B %Y} ({due_in_words(period.due_on, today)})"
    name = f"{period.label} quarterly return"
    if ret is None:
        if period.is_locked(today):
            return Task(name, "cannot_start", hint=f"{period.label} is locked. Ask the partnership analyst.")
        return Task(
            name, "not_started", hint=due, action="Start", start_url=reverse("dataset:return_start", args=[period.pk])
        )
    if ret.status in EDITABLE:
        return Task(name, ret.status, reverse("dataset:return_edit", args=[ret.pk]), due, "Continue")
    return Task(name, ret.status, ret.get_absolute_url(), due, "View")


def _report_task(report, period, today: date, *, has_plan: bool) -> Task:
    due = f"Due {period.due_on:%-d %B %Y} ({due_in_words(period.due_on, today)})"
    name = f"{period.label} action plan progress report"
    if report is None:
        if not has_plan:
            return Task(
                name,
                "cannot_start",
                reverse("actionplans:plan_list"),
                "Add your current action plan and its actions first.",
                "Add the plan",
            )
        if period.is_locked(today):
            return Task(name, "cannot_start", hint=f"{period.label} is locked. Ask the partnership analyst.")
        return Task(
            name,
            "not_started",
            hint=due,
            action="Start",
            start_url=reverse("actionplans:report_start", args=[period.pk]),
        )
    if report.status in EDITABLE:
        return Task(name, report.status, reverse("actionplans:report_edit", args=[report.pk]), due, "Continue")
    return Task(name, report.status, report.get_absolute_url(), due, "View")


def _sent_back(items, what: str, edit_url: str) -> list[Task]:
    """Returns or reports the analyst handed back: Continue, with the reason they gave as the hint."""
    return [
        Task(f"{i.period.label} {what}", i.status, reverse(edit_url, args=[i.pk]), i.status_reason, "Continue")
        for i in items
    ]


def lead_home(*, user: User, today: date) -> dict:
    period = return_selectors.open_periods(today=today).first()
    ret = return_selectors.own_return_for(user=user, period=period)
    report = plan_selectors.own_report_for(user=user, period=period)
    sent_back = _sent_back(return_selectors.own_returns_sent_back(user=user), "quarterly return", "dataset:return_edit")
    sent_back += _sent_back(
        plan_selectors.own_reports_sent_back(user=user), "action plan progress report", "actionplans:report_edit"
    )
    this_quarter = []
    if period is not None:
        this_quarter = [
            _return_task(ret, period, today),
            _report_task(report, period, today, has_plan=plan_selectors.has_current_plan(user=user)),
        ]
    done = sum(1 for t in this_quarter if t.status in (State.SUBMITTED, State.ACCEPTED))
    return {"period": period, "sent_back": sent_back, "this_quarter": this_quarter, "done": done}


def analyst_home(*, user: User, today: date) -> dict:
    returns = [
        (
            r.submitted_at,
            Task(f"{r.agency.name}: {r.period.label} return", "waiting", r.get_absolute_url(), _submitted(r), "Review"),
        )
        for r in return_selectors.review_queue(user=user)
    ]
    reports = [
        (
            r.submitted_at,
            Task(
                f"{r.agency.name}: {r.period.label} action plan report",
                "waiting",
                r.get_absolute_url(),
                _submitted(r),
                "Review",
            ),
        )
        for r in plan_selectors.reports_to_review(user=user)
    ]
    # Returns and reports together, oldest first: both wait on the same person.
    waiting = [task for _, task in sorted(returns + reports, key=lambda pair: (pair[0] is None, pair[0]))]
    periods = tracker_selectors.periods_being_collected(today=today)
    overdue = [
        Task(
            f"{row.agency.name}: {row.period.label} return",
            "overdue",
            reverse("dataset:chase_list"),
            f"{row.status_words}, {row.due_words}",
            "Chase",
        )
        for row in tracker_selectors.outstanding(periods=periods, today=today)
        if row.overdue
    ] + [
        Task(
            f"{agency.name}: {period.label} action plan report",
            "overdue",
            reverse("actionplans:summary"),
            f"{TAGS[status or 'not_started'][0]}, {due_in_words(period.due_on, today)}",
        )
        for agency, period, status in plan_selectors.reports_overdue(periods=periods, today=today)
    ]
    dataset: list[Task] = []
    failure = reading_selectors.latest_failure(user=user)
    if failure is not None:
        dataset.append(
            Task(
                f"Dataset build of {_at(failure.built_at)}", "failed", reverse("dataset:dataset"), failure.error, "View"
            )
        )
    unpublished = reading_selectors.unpublished_snapshot(user=user)
    if unpublished is not None:
        dataset.append(
            Task(
                f"The dataset as at {_at(unpublished.built_at)}",
                "unpublished",
                f"{reverse('dataset:dataset')}?snapshot={unpublished.pk}",
                "Check it, then publish it to the Working Group.",
                "Check",
                start_url=reverse("dataset:dataset_publish", args=[unpublished.pk]),
            )
        )
    emails: list[Task] = []
    failed = notification_selectors.failed_email_count(user=user)
    if failed:
        emails.append(
            Task(
                f"{failed} email{'' if failed == 1 else 's'} could not be sent",
                "failed",
                reverse("notifications:failed"),
                "The people they were for still see them in the portal. Fix the cause, then try again.",
                "View",
            )
        )
    return {"waiting": waiting, "overdue": overdue, "dataset_tasks": dataset, "email_tasks": emails}


def _at(moment) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y %H:%M}"


def _submitted(obj) -> str:
    return f"Submitted {timezone.localtime(obj.submitted_at):%-d %B %Y}" if obj.submitted_at else "Submitted"


def reader_home(*, user: User, today: date) -> dict:
    context: dict = {"publication": reading_selectors.latest_publication(user=user)}
    if access.can_scrutinise(user):
        context["next_event"] = pack_services.next_event(user=user, today=today)
    return context
