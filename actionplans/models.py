"""Agency neglect action plans: actions under the strategy's four objectives, and quarterly RAG-rated
progress reports that follow the same lifecycle as a return (neglect_portal.lifecycle)."""

from __future__ import annotations

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
            raise ValidationError({"ends_on": "The plan cannot end before it starts."})
        if (self.signed_off_by or self.signed_off_on) and not (self.signed_off_by and self.signed_off_on):
            raise ValidationError({"signed_off_on": "Give both the director's name and the date they signed it off."})


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

    history = HistoricalRecords(bases=[HowChanged], m2m_fields=[indicators])

    class Meta:
        ordering = ["plan", "objective", "due_on", "pk"]

    def __str__(self) -> str:
        return self.description[:80]

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.due_on and self.due_on < self.starts_on:
            errors["due_on"] = "The due date cannot be before the start date."
        if self.status == ActionStatus.DROPPED and not self.dropped_reason.strip():
            errors["dropped_reason"] = "Say why the action was dropped."
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
    summary = models.TextField(blank=True, help_text="A short summary of the quarter's progress on the plan.")
    rag_recognise = models.CharField("Recognise", max_length=6, choices=Rag.choices, blank=True)
    rag_respond = models.CharField("Respond", max_length=6, choices=Rag.choices, blank=True)
    rag_quantify = models.CharField("Quantify", max_length=6, choices=Rag.choices, blank=True)
    rag_evaluate = models.CharField("Evaluate", max_length=6, choices=Rag.choices, blank=True)
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


class ActionUpdate(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.PROTECT, related_name="updates")
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    rag = models.CharField("RAG", max_length=6, choices=Rag.choices, blank=True)
    done = models.TextField("what was done", blank=True)
    impact = models.TextField("evidence of impact", blank=True)
    next_steps = models.TextField("next steps", blank=True)
    recovery = models.TextField("recovery step", blank=True, help_text="Red and Amber: what will bring it back.")
    changed_in_version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(bases=[HowChanged])

    class Meta:
        ordering = ["action__objective", "action__due_on", "action__pk"]
        constraints = [models.UniqueConstraint(fields=["report", "action"], name="one_update_per_action")]

    def __str__(self) -> str:
        return f"{self.get_rag_display() or 'No RAG'}: {self.action}"
