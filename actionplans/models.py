"""Agency neglect action plans: actions under the strategy's four objectives, and quarterly RAG-rated
progress reports that follow the same lifecycle as a return (neglect_portal.lifecycle)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agencies.models import Agency, User
from dataset.models import HowChanged, Indicator, ReportingPeriod
from neglect_portal.lifecycle import EDITABLE, State
from neglect_portal.strategy import Objective, Rag


class ActionPlan(models.Model):
    """An agency's neglect action plan, signed off by its director. One is current; earlier ones are kept."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="action_plans")
    title = models.CharField(max_length=200)
    starts_on = models.DateField("period covered from")
    ends_on = models.DateField("period covered to")
    signed_off_by = models.CharField("signed off by (director's name)", max_length=120, blank=True)
    signed_off_role = models.CharField("their role", max_length=120, blank=True)
    signed_off_on = models.DateField("signed off on", null=True, blank=True)
    is_current = models.BooleanField(default=True)
    # Goes up with every save of the plan and every action added to it: a save from a page opened before is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[HowChanged])

    class Meta:
        ordering = ["agency__name", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"], condition=models.Q(is_current=True), name="one_current_plan_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency.short_name}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("actionplans:plan_detail", args=[self.pk])

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": f"End date must be on or after the start date, {_day(self.starts_on)}"})
        if (self.signed_off_by or self.signed_off_on) and not (self.signed_off_by and self.signed_off_on):
            raise ValidationError(
                {"signed_off_on": "Enter the date the director signed it off, as well as their name"}
                if self.signed_off_by
                else {"signed_off_by": "Enter the name of the director who signed it off, as well as the date"}
            )


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"
    DROPPED = "dropped", "Dropped"


CLOSED = frozenset({ActionStatus.COMPLETE, ActionStatus.DROPPED})


class Action(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="actions")
    objective = models.CharField(max_length=12, choices=Objective.choices)
    description = models.TextField("what will be done")
    lead_officer = models.CharField(max_length=120)
    starts_on = models.DateField("start date")
    due_on = models.DateField("due date")
    success_measure = models.TextField(help_text="What difference for children it should make, and how we will know.")
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="actions", help_text="Optional.")
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED)
    dropped_reason = models.TextField(blank=True)
    # Goes up with every save (a form's, or a Blue rating completing it): a save from a page opened before is refused.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(bases=[HowChanged], m2m_fields=[indicators])

    class Meta:
        ordering = ["plan", "objective", "due_on", "pk"]

    def __str__(self) -> str:
        return self.description[:80]

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.due_on and self.due_on < self.starts_on:
            errors["due_on"] = f"Due date must be on or after the start date, {_day(self.starts_on)}"
        if self.status == ActionStatus.DROPPED and not self.dropped_reason.strip():
            errors["dropped_reason"] = "Enter why the action was dropped"
        if errors:
            raise ValidationError(errors)

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status not in CLOSED and self.due_on < (today or timezone.localdate())


class ProgressReport(models.Model):
    """An agency's quarterly Action Plan Summary Report: a RAG and narrative per open action, and the
    agency's own RAG for each objective. Same lifecycle and conflict protection as a return."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="progress_reports")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="progress_reports")
    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(default=1)
    revision = models.PositiveIntegerField(default=1)
    status_reason = models.TextField(blank=True)
    # Narrative only: the RAG counts are worked out from the ratings wherever they are shown, never typed.
    summary = models.TextField(blank=True, help_text="A short narrative of the quarter's progress on the plan.")
    rag_recognise = models.CharField("Recognise", max_length=6, choices=Rag.choices, blank=True)
    rag_respond = models.CharField("Respond", max_length=6, choices=Rag.choices, blank=True)
    rag_quantify = models.CharField("Quantify", max_length=6, choices=Rag.choices, blank=True)
    rag_evaluate = models.CharField("Evaluate", max_length=6, choices=Rag.choices, blank=True)
    # An objective the agency rates Red or Amber needs its recovery step here, whether or not an action under it is
    # Red or Amber (an objective can be behind with every action on track, or with no actions at all).
    recovery_recognise = models.TextField("Recognise recovery step", blank=True)
    recovery_respond = models.TextField("Respond recovery step", blank=True)
    recovery_quantify = models.TextField("Quantify recovery step", blank=True)
    recovery_evaluate = models.TextField("Evaluate recovery step", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    history = HistoricalRecords(bases=[HowChanged])

    class Meta:
        ordering = ["-period__year", "-period__quarter", "agency__name"]
        constraints = [models.UniqueConstraint(fields=["agency", "period"], name="one_report_per_agency_quarter")]

    def __str__(self) -> str:
        return f"{self.agency} action plan report for {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("actionplans:report_detail", args=[self.pk])

    @property
    def is_editable_state(self) -> bool:
        return self.status in EDITABLE

    def objective_rags(self) -> dict[str, str]:
        return {o.value: getattr(self, f"rag_{o.value}") for o in Objective}

    def objective_recoveries(self) -> dict[str, str]:
        return {o.value: getattr(self, f"recovery_{o.value}") for o in Objective}

    @property
    def shows_as_rated(self) -> bool:
        """Submitted and accepted reports show the actions as they were when rated, not as the plan is now."""
        return self.status in (State.SUBMITTED, State.ACCEPTED)


class ActionUpdate(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.PROTECT, related_name="updates")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    rag = models.CharField("RAG", max_length=6, choices=Rag.choices, blank=True)
    done = models.TextField("what was done", blank=True)
    impact = models.TextField("evidence of impact", blank=True)
    next_steps = models.TextField("next steps", blank=True)
    recovery = models.TextField("recovery step", blank=True, help_text="Red and Amber: what will bring it back.")
    changed_in_version = models.PositiveIntegerField(default=1)
    # The action as it stood when this update was submitted: a submitted or accepted report shows these, so later
    # edits to the plan cannot rewrite what was rated (and its history keeps the old wording).
    rated_at = models.DateTimeField(null=True, blank=True)
    rated_objective = models.CharField(max_length=12, choices=Objective.choices, blank=True)
    rated_description = models.TextField(blank=True)
    rated_lead_officer = models.CharField(max_length=120, blank=True)
    rated_starts_on = models.DateField(null=True, blank=True)
    rated_due_on = models.DateField(null=True, blank=True)
    rated_success_measure = models.TextField(blank=True)

    history = HistoricalRecords(bases=[HowChanged])

    class Meta:
        ordering = ["action__objective", "action__due_on", "action__pk"]
        constraints = [models.UniqueConstraint(fields=["report", "action"], name="one_update_per_action")]

    def __str__(self) -> str:
        return f"{self.get_rag_display() or 'No RAG'}: {self.action}"

    def freeze(self, action: Action, at) -> None:
        """Keep the action's wording and dates as they are now, as the ones this update rated."""
        self.rated_at = at
        for name in RATED_FIELDS:
            setattr(self, f"rated_{name}", getattr(action, name))

    def as_rated(self) -> RatedAction | None:
        if self.rated_at is None:
            return None
        return RatedAction(pk=self.action_id, **{name: getattr(self, f"rated_{name}") for name in RATED_FIELDS})


RATED_FIELDS = ("objective", "description", "lead_officer", "starts_on", "due_on", "success_measure")


@dataclass(frozen=True)
class RatedAction:
    """An action as an update rated it: what a submitted or accepted report shows in place of the live action."""

    pk: int
    objective: str
    description: str
    lead_officer: str
    starts_on: date | None
    due_on: date | None
    success_measure: str

    def __str__(self) -> str:
        return self.description[:80]

    def get_objective_display(self) -> str:
        return Objective(self.objective).label if self.objective in Objective.values else self.objective
