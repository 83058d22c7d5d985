"""The Impact Framework and its evidence: multi-agency audits, voice and observation, training confidence,
scrutiny events and the evidence packs built for them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from actionplans.models import Action
from agencies.models import Agency, User
from dataset.models import DatasetSnapshot, HowChanged, Indicator, ReportingPeriod


class EvidenceSource(models.TextChoices):
    AUDIT = "audit", "Multi-agency audit"
    DATA = "data", "Data analysis"
    OBSERVATION = "observation", "Observation of practice"
    VOICE_CHILDREN = "voice_children", "Voice of children and young people"
    VOICE_PRACTITIONERS = "voice_practitioners", "Voice of practitioners"


class ImpactOutcome(models.Model):
    title = models.CharField(max_length=200, help_text='e.g. "Neglect is recognised early".')
    description = models.TextField(blank=True)
    key_questions = models.TextField(help_text="One question per line.")
    expected_sources = models.JSONField(default=list, help_text="The evidence sources expected for it.")
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="outcomes")
    actions = models.ManyToManyField(Action, blank=True, related_name="outcomes")
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords(bases=[HowChanged], m2m_fields=[indicators, actions])

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def questions(self) -> list[str]:
        return [q.strip() for q in self.key_questions.splitlines() if q.strip()]

    def clean(self) -> None:
        unknown = [s for s in self.expected_sources if s not in EvidenceSource.values]
        if unknown:
            raise ValidationError({"expected_sources": f"Unknown evidence sources: {', '.join(unknown)}."})


class Grade(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


GOOD_OR_BETTER = frozenset({Grade.OUTSTANDING, Grade.GOOD})

# The standard audit tool: four questions from the report.
AUDIT_QUESTIONS: dict[str, str] = {
    "grade_identification": "Promptness of identification of neglect",
    "grade_history": "Use made of historical information",
    "grade_impact": "Analysis of the impact of neglect on the child",
    "grade_actions": "Robustness of actions to improve outcomes",
}


class Audit(models.Model):
    title = models.CharField(max_length=200)
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="audits")
    scope = models.TextField(help_text="Which cases, which agencies, what was looked at.")
    auditor_agencies = models.ManyToManyField(Agency, related_name="audits_carried_out", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[HowChanged], m2m_fields=[auditor_agencies])

    class Meta:
        ordering = ["-period__year", "-period__quarter", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("scrutiny:audit_detail", args=[self.pk])


class CaseAudit(models.Model):
    """One case file audited. A pseudonymous reference only: never a name or a date of birth."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="cases")
    case_reference = models.CharField(max_length=40, help_text="A pseudonymous reference such as MAA-2020-07.")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="case_audits")
    grade_identification = models.CharField(max_length=24, choices=Grade.choices)
    grade_history = models.CharField(max_length=24, choices=Grade.choices)
    grade_impact = models.CharField(max_length=24, choices=Grade.choices)
    grade_actions = models.CharField(max_length=24, choices=Grade.choices)
    findings = models.TextField(blank=True)
    actions = models.TextField("actions agreed", blank=True)

    history = HistoricalRecords(bases=[HowChanged])

    class Meta:
        ordering = ["audit", "case_reference"]
        constraints = [models.UniqueConstraint(fields=["audit", "case_reference"], name="one_case_per_audit")]

    def __str__(self) -> str:
        return f"{self.case_reference} ({self.audit})"

    def grades(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in AUDIT_QUESTIONS}


class Heard(models.TextChoices):
    CHILDREN = "children", "Children and young people"
    PRACTITIONERS = "practitioners", "Practitioners"
    FAMILIES = "families", "Parents and carers"


class EvidenceItem(models.Model):
    source = models.CharField(max_length=24, choices=EvidenceSource.choices)
    title = models.CharField(max_length=200)
    gathered_on = models.DateField()
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence")
    outcomes = models.ManyToManyField(ImpactOutcome, blank=True, related_name="evidence")
    summary = models.TextField()
    quotes = models.TextField(blank=True, help_text="Anonymised quotes, one per line.")
    heard_count = models.PositiveIntegerField("how many were heard", null=True, blank=True)
    heard_who = models.CharField("who was heard", max_length=16, choices=Heard.choices, blank=True)
    # Stored under MEDIA_ROOT (outside static/), served only through a permission check.
    attachment = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    attachment_name = models.CharField(max_length=255, blank=True)
    attachment_type = models.CharField(max_length=8, blank=True, help_text="pdf, docx or xlsx, from the content.")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[HowChanged], m2m_fields=[outcomes])

    class Meta:
        ordering = ["-gathered_on", "title"]

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    """Before and after confidence scores from a training session; the change feeds the staff confidence
    indicator."""

    title = models.CharField(max_length=200)
    held_on = models.DateField()
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    scale_max = models.PositiveSmallIntegerField("scale (1 to)", default=10, validators=[MinValueValidator(2)])
    respondents = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    mean_before = models.DecimalField("mean confidence before", max_digits=5, decimal_places=2)
    mean_after = models.DecimalField("mean confidence after", max_digits=5, decimal_places=2)

    history = HistoricalRecords(bases=[HowChanged])

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title

    @property
    def change(self):
        return self.mean_after - self.mean_before

    def clean(self) -> None:
        for name in ("mean_before", "mean_after"):
            value = getattr(self, name)
            if value is not None and self.scale_max and not (1 <= value <= self.scale_max):
                label = str(self._meta.get_field(name).verbose_name).capitalize()
                raise ValidationError({name: f"{label} must be between 1 and {self.scale_max}, the top of the scale"})


class ScrutinyEvent(models.Model):
    title = models.CharField(max_length=200)
    held_on = models.DateField()
    outcomes = models.ManyToManyField(ImpactOutcome, related_name="events", help_text="Outcomes in scope.")
    periods = models.ManyToManyField(ReportingPeriod, related_name="+", help_text="Quarters covered.")
    snapshot = models.ForeignKey(
        DatasetSnapshot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The dataset snapshot the event uses; its numbers are the dashboards'.",
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords(bases=[HowChanged], m2m_fields=[outcomes, periods])

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("scrutiny:event_detail", args=[self.pk])


class PackStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    BUILDING = "building", "Building"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"


def pack_file_name(instance: EvidencePack, filename: str) -> str:
    """Where a pack's files live in storage: under packs/, one folder per event. The name carries the pack's id
    and version, so a file can be traced back to its row."""
    return f"packs/event-{instance.event_id}/{filename}"


class EvidencePack(models.Model):
    """One built version of an event's evidence pack: a ZIP that never changes once complete.

    The ZIP and its PDF are files in the default storage (STORAGES["default"]: MEDIA_ROOT on the file system, or
    object storage such as S3 when that is configured there), not in the database: the row keeps their names,
    sizes and SHA-256s, the same digests the manifest lists. A row names files only once they are whole.
    """

    event = models.ForeignKey(ScrutinyEvent, on_delete=models.PROTECT, related_name="packs")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done, for the progress bar.")
    step = models.CharField(max_length=200, blank=True, help_text="What the job is doing now.")
    error = models.TextField(blank=True)
    snapshot = models.ForeignKey(DatasetSnapshot, on_delete=models.PROTECT, null=True, related_name="+")
    file = models.FileField(upload_to=pack_file_name, max_length=200, blank=True, help_text="The ZIP.")
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="The ZIP's SHA-256.")
    pdf = models.FileField(
        upload_to=pack_file_name, max_length=200, blank=True, help_text="The ZIP's PDF, to download on its own."
    )
    pdf_size = models.PositiveIntegerField(null=True, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True, help_text="The PDF's SHA-256, as the manifest lists it.")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    built_at = models.DateTimeField(null=True, blank=True)
    # The request is this row; the broker only carries it. The beat sweep queues a pack the broker never took (or no
    # worker took within a minute), and one whose builder has said nothing for longer than the build's time limit.
    queued_at = models.DateTimeField(null=True, blank=True, help_text="When its build is due (the broker took it).")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="The last time its builder said anything.")
    task_id = models.CharField(max_length=50, blank=True, help_text="The delivery building it now.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Builds started, for the retries' limit.")

    class Meta:
        ordering = ["event", "-version"]
        constraints = [models.UniqueConstraint(fields=["event", "version"], name="one_pack_per_version")]

    def __str__(self) -> str:
        return f"{self.event} evidence pack, version {self.version}"
