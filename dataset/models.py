from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agencies.models import Agency, User
from neglect_portal.lifecycle import EDITABLE, State
from neglect_portal.strategy import Objective

from .catalogue import periods


class HistorySource(models.TextChoices):
    FORM = "form", "Form"
    UPLOAD = "upload", "Upload"
    REVIEW = "review", "Review"
    REOPEN = "reopen", "Reopen"
    SYSTEM = "system", "System"
    ADMIN = "admin", "Admin"
    API = "api", "API"


class HowChanged(models.Model):
    """Extra column on every historical record: how the change was made (form, upload, reopen...)."""

    history_source = models.CharField(max_length=10, choices=HistorySource.choices, default=HistorySource.SYSTEM)

    class Meta:
        abstract = True


class Unit(models.TextChoices):
    COUNT = "count", "Count"
    PERCENTAGE = "percentage", "Percentage"
    RATE_PER_10K = "rate_per_10k", "Rate per 10,000 children"
    MEAN = "mean", "Mean"


RATIO_UNITS = frozenset({Unit.PERCENTAGE, Unit.RATE_PER_10K, Unit.MEAN})


class Polarity(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"
    NEITHER = "neither", "Neither: context, not a target"


class Accumulation(models.TextChoices):
    QUARTER = "quarter", "Each quarter on its own"
    YEAR_TO_DATE = "year_to_date", "Year to date: adds up from April and starts again each Q1"


class Indicator(models.Model):
    code = models.CharField(max_length=10, unique=True, help_text="Short unique code, e.g. N16.")
    title = models.CharField(max_length=200)
    definition = models.TextField(help_text="Plain English: what is counted, from which system, for which cohort.")
    unit = models.CharField(max_length=20, choices=Unit.choices)
    numerator_label = models.CharField(max_length=120, blank=True, help_text="Ratios and means: what is counted.")
    denominator_label = models.CharField(max_length=120, blank=True, help_text="Ratios and means: out of what.")
    allow_negative = models.BooleanField(
        default=False, help_text="Means of a change (e.g. confidence before and after) may be negative."
    )
    polarity = models.CharField(max_length=10, choices=Polarity.choices, default=Polarity.NEITHER)
    accumulation = models.CharField(
        max_length=14,
        choices=Accumulation.choices,
        default=Accumulation.QUARTER,
        help_text="Year to date: compared with the same quarter of earlier years and a pro-rata target, never by SPC "
        "across the April reset.",
    )
    objective = models.CharField(max_length=12, choices=Objective.choices)
    suppliers = models.ManyToManyField(Agency, related_name="indicators", help_text="The agencies that report it.")
    target = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    red_threshold = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="RAG: at or better than the target is green; worse than this is red; between is amber.",
    )
    tolerance_pct = models.DecimalField(
        "quarter-on-quarter tolerance (%)",
        max_digits=6,
        decimal_places=1,
        default=Decimal("25"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="A change from the previous quarter larger than this must be explained.",
    )
    benchmark_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    benchmark_source = models.CharField(max_length=200, blank=True)
    benchmark_year = models.CharField(max_length=20, blank=True)
    active = models.BooleanField(default=True, help_text="Retired indicators keep their data but are not collected.")

    history = HistoricalRecords(bases=[HowChanged], m2m_fields=[suppliers])

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("dataset:indicator_edit", args=[self.pk])

    @property
    def is_ratio(self) -> bool:
        return self.unit in RATIO_UNITS

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.is_ratio and not (self.numerator_label and self.denominator_label):
            for name in ("numerator_label", "denominator_label"):
                if not getattr(self, name):
                    errors[name] = "A percentage, rate or mean needs both a numerator and a denominator label."
        if self.red_threshold is not None:
            if self.target is None:
                errors["red_threshold"] = "Set a target before a red threshold."
            elif self.polarity == Polarity.NEITHER:
                errors["red_threshold"] = "An indicator with no better direction cannot be RAG rated."
            elif self.polarity == Polarity.HIGHER and self.red_threshold >= self.target:
                errors["red_threshold"] = "Higher is better, so the red threshold must be below the target."
            elif self.polarity == Polarity.LOWER and self.red_threshold <= self.target:
                errors["red_threshold"] = "Lower is better, so the red threshold must be above the target."
        if self.benchmark_value is not None and not self.benchmark_source:
            errors["benchmark_source"] = "Say where the benchmark comes from."
        if errors:
            raise ValidationError(errors)


class ReportingPeriod(models.Model):
    year = models.PositiveSmallIntegerField(help_text="The year the financial year starts: 2020 for 2020-21.")
    quarter = models.PositiveSmallIntegerField(choices=[(n, f"Q{n}") for n in range(1, 5)])
    opens_on = models.DateField(help_text="Agencies can start their return from this day.")
    due_on = models.DateField(help_text="Returns should be submitted by this day.")
    locks_on = models.DateField(help_text="From this day returns can no longer be changed.")
    note = models.CharField(
        max_length=300, blank=True, help_text="Shown to everyone with the quarter's dates, e.g. why a date moved."
    )

    history = HistoricalRecords(bases=[HowChanged])

    class Meta:
        ordering = ["year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="one_period_per_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="quarter_1_to_4"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def as_quarter(self) -> periods.Quarter:
        return periods.Quarter(self.year, self.quarter)

    @property
    def label(self) -> str:
        return self.as_quarter.label

    @property
    def start(self) -> date:
        return self.as_quarter.start

    @property
    def end(self) -> date:
        return self.as_quarter.end

    def is_locked(self, today: date | None = None) -> bool:
        return (today or timezone.localdate()) >= self.locks_on

    def is_open(self, today: date | None = None) -> bool:
        return (today or timezone.localdate()) >= self.opens_on

    def clean(self) -> None:
        errors = {}
        if self.opens_on and self.due_on and self.due_on < self.opens_on:
            errors["due_on"] = "The due date cannot be before the quarter opens."
        if self.due_on and self.locks_on and self.locks_on <= self.due_on:
            errors["locks_on"] = "The lock date must be after the due date."
        if errors:
            raise ValidationError(errors)


class NotAvailableReason(models.TextChoices):
    NOT_COLLECTED = "not_collected", "Not collected"
    SYSTEM_CHANGE = "system_change", "System change"
    OPERATIONAL_PRESSURE = "operational_pressure", "Operational pressure"
    OTHER = "other", "Other"


class Return(models.Model):
    """One agency's return for one quarter."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="returns")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    # Bumped on every saved change: a save that saw an older version is refused, never merged silently.
    version = models.PositiveIntegerField(default=1)
    revision = models.PositiveIntegerField(default=1, help_text="Goes up each time an accepted return is reopened.")
    status_reason = models.TextField(blank=True, help_text="The reason given for the last status change.")
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
        constraints = [models.UniqueConstraint(fields=["agency", "period"], name="one_return_per_agency_quarter")]
        # (agency, period) is indexed by its constraint; readers of every agency (members, the tracker, the build)
        # ask for one status across quarters.
        indexes = [models.Index(fields=["status", "period"], name="return_status_period")]

    def __str__(self) -> str:
        return f"{self.agency} return for {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("dataset:return_detail", args=[self.pk])

    @property
    def is_editable_state(self) -> bool:
        return self.status in EDITABLE


class ReturnValue(models.Model):
    """One indicator's figures in a return, kept exactly as typed so a draft never loses anything."""

    ret = models.ForeignKey(Return, on_delete=models.PROTECT, related_name="values", db_column="return_id")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    numerator = models.CharField(max_length=40, blank=True)
    denominator = models.CharField(max_length=40, blank=True)
    value = models.CharField(max_length=40, blank=True)
    not_available_reason = models.CharField(max_length=24, choices=NotAvailableReason.choices, blank=True)
    expected_on = models.DateField("expected by", null=True, blank=True)
    commentary = models.TextField(blank=True)
    # The return's version in which this value last changed: marks what changed under a conflicting editor.
    changed_in_version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(bases=[HowChanged])

    class Meta:
        ordering = ["indicator__code"]
        constraints = [models.UniqueConstraint(fields=["ret", "indicator"], name="one_value_per_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator.code} in {self.ret}"


class Upload(models.Model):
    """A spreadsheet uploaded onto a return: kept between the dry run and Confirm, and afterwards as a record."""

    ret = models.ForeignKey(Return, on_delete=models.PROTECT, related_name="uploads")
    file_name = models.CharField(max_length=255)
    content = models.BinaryField(help_text="The file exactly as uploaded (at most 2 MB).")
    sha256 = models.CharField(max_length=64)
    # The return's version when the dry run was shown: Confirm after anyone else's save is a conflict.
    seen_version = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # What the file was read as, when it was uploaded (uploads.spreadsheets.parsed_to_json): the dry run and Confirm
    # use it, so a file is parsed once, not on every view of its preview (issue 15). Empty for older uploads.
    parsed = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} onto {self.ret}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due in 7 days"
    DUE_TODAY = "due_today", "Due today"
    OVERDUE = "overdue", "Overdue"
    MANUAL = "manual", "Sent by the partnership analyst"
    DIGEST = "digest", "Weekly digest to the analyst"


class Reminder(models.Model):
    """An email chasing a return (or the analyst's weekly digest). Recorded before sending, so a retried job
    finds it and does not send twice, and nobody is chased twice in an hour (counting only sent ones).

    The row is the email's job request: `sent_at` is set only once the mail server took the message. An attempt
    holds the row until `retry_at`; a row still unsent after that (the mail server did not answer, the worker died
    mid-send) is taken again by the sweep, which claims it with a conditional update so that one attempt runs at
    a time, until `attempts` reaches the limit."""

    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders")
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders"
    )
    occasion = models.DateField(help_text="The day this reminder is for: one of each kind per agency per day.")
    recipients = models.TextField(help_text="Email addresses, one per line.")
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Sends started, the first included.")
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text="Unsent: when the sweep may try again. Empty once sent or given up."
    )
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="Why the last attempt did not send it.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "retry_at"], name="reminder_unsent")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "agency", "period", "occasion"],
                condition=~models.Q(kind__in=["manual", "digest"]),
                name="one_scheduled_reminder_per_agency_per_day",
            ),
            models.UniqueConstraint(
                fields=["kind", "occasion"], condition=models.Q(kind="digest"), name="one_digest_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.agency or 'the analyst'} on {self.occasion}"


# --- the Partnership Neglect Dataset: immutable snapshots built by Celery from accepted returns ----------------
class ProcessChange(models.Model):
    """A change to how an indicator's figures arise (a new strategy, a lockdown, a new recording rule), recorded by
    the analyst. SPC limits are calculated per phase: a new phase starts in this quarter. The build may suggest one
    when a shift persists, but only the analyst records it."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="process_changes")
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, related_name="+", help_text="The first quarter of the new phase."
    )
    reason = models.CharField(max_length=200, help_text='What changed, e.g. "Neglect Strategy launched".')
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(bases=[HowChanged])

    class Meta:
        ordering = ["indicator__code", "period__year", "period__quarter"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="one_process_change_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} from {self.period}: {self.reason}"


class RelationshipCheck(models.Model):
    """A check between two indicators that the analyst keeps: `indicator` should be at least `at_least` times
    `compared_with` in the same quarter. When it is not, the build raises an "implausible value" theme."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="checks")
    compared_with = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    at_least = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="The indicator should be at least this many times the other: 0.5 for half.",
    )
    why = models.TextField(help_text="Why the two should relate like this, and where that comes from.")
    question = models.CharField(max_length=300, help_text="The question to explore when the check fails.")
    active = models.BooleanField(default=True)

    history = HistoricalRecords(bases=[HowChanged])

    class Meta:
        ordering = ["indicator__code", "compared_with__code"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "compared_with"], name="one_check_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} at least {self.at_least:g} x {self.compared_with.code}"

    def clean(self) -> None:
        if self.indicator_id and self.indicator_id == self.compared_with_id:
            raise ValidationError({"compared_with": "Choose a different indicator to compare with."})


class DatasetSettings(models.Model):
    """One row: choices the analyst makes about how the dataset is built."""

    baseline = models.ForeignKey(
        ReportingPeriod,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The first quarter of the current strategy: every value is also compared with it.",
    )

    history = HistoricalRecords(bases=[HowChanged])

    class Meta:
        verbose_name_plural = "dataset settings"

    def __str__(self) -> str:
        return "Dataset settings"

    @classmethod
    def load(cls) -> DatasetSettings:
        settings, _ = cls.objects.get_or_create(pk=1)
        return settings


class BuildRequest(models.Model):
    """One row: the build asked for and not yet started, so several accepts in a few seconds give one build.

    The request is this row, committed with the accept that asks; the broker only carries it to a worker. `pending`
    says a build is wanted and no worker has started it; `queued_at` when the broker last took its message (None: it
    did not, e.g. it was down), `started_at` when a worker started it (None once it finished). The beat sweep queues a
    pending request the broker never took or no worker took within a minute, and one started long past the build's
    time limit (its worker was lost)."""

    pending = models.BooleanField(default=False)
    requested_at = models.DateTimeField(null=True, blank=True)
    reasons = models.TextField(blank=True)
    queued_at = models.DateTimeField(null=True, blank=True, help_text="When the broker last took the build's message.")
    started_at = models.DateTimeField(null=True, blank=True, help_text="When a worker started it; None once done.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Starts since the last build that finished.")

    def __str__(self) -> str:
        return "Build queued" if self.pending else "No build queued"


class SnapshotStatus(models.TextChoices):
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"


class DatasetSnapshot(models.Model):
    """The dataset as at one build. Written whole in one transaction; never changed afterwards except to
    publish it. The current snapshot is the newest complete one."""

    status = models.CharField(max_length=10, choices=SnapshotStatus.choices)
    started_at = models.DateTimeField()
    built_at = models.DateTimeField(default=timezone.now)
    trigger = models.CharField(max_length=300, blank=True, help_text="What asked for the build.")
    error = models.TextField(blank=True, help_text="Why a failed build failed, for the analyst.")
    inputs_hash = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    latest_quarter = models.IntegerField(null=True, blank=True, help_text="Quarter index of the newest column.")
    baseline_quarter = models.IntegerField(null=True, blank=True)
    # Indicator definitions, agencies and quarters as they were at build time, so an old snapshot reads the same.
    meta = models.JSONField(default=dict)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-built_at", "-pk"]
        get_latest_by = "built_at"

    def __str__(self) -> str:
        return f"Dataset as at {timezone.localtime(self.built_at):%d %B %Y %H:%M}"


class DatasetValue(models.Model):
    """The partnership's value of one indicator in one quarter, with its comparisons and SPC reading."""

    snapshot = models.ForeignKey(DatasetSnapshot, on_delete=models.CASCADE, related_name="values")
    code = models.CharField(max_length=10)
    quarter = models.IntegerField()
    value = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    numerator = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    denominator = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    contributors = models.JSONField(default=list)
    expected = models.JSONField(default=list)
    not_available = models.JSONField(default=list)
    partial = models.BooleanField(default=False)
    change_previous = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    change_year = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    change_baseline = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    change_unit = models.CharField(max_length=4, blank=True)
    direction = models.CharField(max_length=12, blank=True)
    rag = models.CharField(max_length=8, blank=True)
    benchmark_gap = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    comparable = models.BooleanField(default=True)
    spc_rules = models.JSONField(default=list)
    spc_assessment = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["code", "quarter"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "code", "quarter"], name="one_value_per_cell")]

    def __str__(self) -> str:
        return f"{self.code} in quarter {self.quarter}"


class ContributionQuerySet(models.QuerySet):
    def in_snapshot(self, snapshot) -> ContributionQuerySet:
        """The contributions a snapshot holds. Every read of a snapshot's contributions goes through here, so how
        a snapshot stores them is this method's business alone.

        A row is valid over an interval of builds: from the snapshot it first appeared in to the one that
        replaced or removed it (`valid_until`, exclusive; empty while it still holds). Snapshot primary keys
        are the build sequence: builds are serialised and each creates its snapshot inside the lock, so a later
        complete build always has a larger key. Takes a snapshot or its primary key."""
        seq = getattr(snapshot, "pk", snapshot)
        return self.filter(models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=seq), valid_from__lte=seq)


class DatasetContribution(models.Model):
    """One agency's accepted figure inside a partnership value, valid from one build until it changes.

    A build writes only the figures that are new or changed since the current snapshot and closes the ones they
    replace (`build.services`), so storage grows with what changed, not with the size of the partnership."""

    valid_from = models.IntegerField(help_text="The snapshot (build sequence) this figure first appeared in.")
    valid_until = models.IntegerField(
        null=True, blank=True, help_text="The snapshot that replaced or removed it; empty while it still holds."
    )
    code = models.CharField(max_length=10)
    quarter = models.IntegerField()
    agency = models.CharField(max_length=40, help_text="Short name at build time.")
    value = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    numerator = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    denominator = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    not_available = models.CharField(max_length=24, blank=True)
    commentary = models.TextField(blank=True, help_text="What the agency said about this figure, as accepted.")

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["code", "quarter", "agency"]
        indexes = [
            # An indicator's page and a cell's detail: one indicator, then the versions of each cell. A cell has
            # one row per change, so the interval test reads a few entries per cell, in the index.
            models.Index(
                fields=["code", "quarter", "agency", "valid_from", "valid_until"], name="contrib_code_quarter_agency"
            ),
            # The dataset page and an agency's view: the latest few quarters (of one agency).
            models.Index(fields=["quarter", "agency", "valid_from", "valid_until"], name="contrib_quarter_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.code} in quarter {self.quarter}"


class DatasetCodeText(models.Model):
    """One indicator's results (values, comparisons, SPC) as the exact canonical JSON text the content hash
    reads, valid over an interval of builds like a contribution. An incremental build recomputes only the
    indicators whose figures changed and takes the rest's text from here, so its content hash is the very hash a
    full build gives (`build.services.content_hash`). Not read by any page."""

    code = models.CharField(max_length=10)
    valid_from = models.IntegerField()
    valid_until = models.IntegerField(null=True, blank=True)
    values_text = models.TextField(help_text='The "code|quarter": value members of the values object.')
    comparisons_text = models.TextField(help_text="The same for the comparisons.")
    spc_text = models.TextField(help_text='The "code": reading member of the SPC object.')

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["valid_until", "code"], name="codetext_open")]

    def __str__(self) -> str:
        return f"Results text of {self.code}"


class DatasetSpc(models.Model):
    snapshot = models.ForeignKey(DatasetSnapshot, on_delete=models.CASCADE, related_name="spc")
    code = models.CharField(max_length=10)
    enough_data = models.BooleanField()
    message = models.TextField()
    mean = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    upper = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    lower = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    # Each phase: {"start", "end" (quarter indexes), "reason", "enough_data", "mean", "upper", "lower" (text)}.
    # mean/upper/lower above are the latest phase's.
    phases = models.JSONField(default=list)
    method = models.CharField(max_length=14, default="xmr", help_text='"xmr", or "year_to_date" (no SPC).')
    suggested_start = models.IntegerField(
        null=True, blank=True, help_text="Quarter index where the build suggests a new phase (a persisting shift)."
    )
    suggestion = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"SPC of {self.code}"


class ThemeKind(models.TextChoices):
    POSSIBLE_DRIFT = "possible_drift", "Possible drift"
    SUSTAINED_RISE = "sustained_rise", "Sustained rise"
    SUSTAINED_FALL = "sustained_fall", "Sustained fall"
    SPECIAL_CAUSE = "special_cause", "Special cause"
    TARGET_MISSED = "target_missed", "Target missed"
    IMPLAUSIBLE_VALUE = "implausible_value", "Implausible value"
    DATA_GAP = "data_gap", "Data gap"


class DatasetTheme(models.Model):
    snapshot = models.ForeignKey(DatasetSnapshot, on_delete=models.CASCADE, related_name="themes")
    position = models.PositiveIntegerField()
    code = models.CharField(max_length=10, blank=True)
    kind = models.CharField(max_length=20, choices=ThemeKind.choices)
    severity = models.PositiveSmallIntegerField()
    sentence = models.TextField()
    question = models.TextField()
    numbers = models.JSONField(default=dict)
    quarter = models.IntegerField(null=True, blank=True, help_text="The quarter the theme is about.")
    objective = models.CharField(max_length=12, blank=True)
    signals = models.JSONField(default=list, help_text="Every kind of signal the theme combines, strongest first.")
    since_quarter = models.IntegerField(
        null=True, blank=True, help_text="The first quarter of the unbroken run in which this theme has held."
    )

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.code}"

    @property
    def is_new(self) -> bool:
        """New this quarter, rather than holding since an earlier one."""
        return self.since_quarter is None or self.since_quarter == self.quarter


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being prepared"
    COMPLETE = "complete", "Ready to download"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    """A large download of a snapshot prepared in the background for one reader scope, then kept as a file.

    A snapshot never changes, so one file per snapshot, scope and format serves every reader with that scope (every
    partnership reader shares "all"; an agency's leads share "agency:<short name>"): asking again returns the same
    row, queued, running or done. The row names its file only once the file is whole (`file_name` is blank until
    then), so no download ever sees half a workbook."""

    snapshot = models.ForeignKey(DatasetSnapshot, on_delete=models.CASCADE, related_name="export_jobs")
    scope = models.CharField(max_length=80, help_text='Whose rows the file holds: "all", "agency:CSC" or "none".')
    fmt = models.CharField(max_length=8, default="xlsx")
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done, for the progress bar.")
    step = models.CharField(max_length=200, blank=True, help_text="What the job is doing now.")
    error = models.TextField(blank=True, help_text="Why the last attempt failed, for the person who asked.")
    file_name = models.CharField(max_length=255, blank=True, help_text="In the default storage, once complete.")
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, help_text="The last time the job said anything.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "scope", "fmt"], name="one_export_per_snapshot_scope_format")
        ]

    def __str__(self) -> str:
        return f"{self.snapshot} ({self.fmt}, {self.scope}): {self.get_status_display()}"
