"""Forms for the Impact Framework, audits, evidence and training. They carry what a person typed: never who
created a record or what kind an attachment is (that comes from its content)."""

from __future__ import annotations

import re
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms

from actionplans.models import Action
from agencies.models import Agency
from agencies.plain_forms import PlainMessages
from dataset.models import Indicator, ReportingPeriod

from . import attachments
from .models import AUDIT_QUESTIONS, Audit, CaseAudit, EvidenceItem, EvidenceSource, ImpactOutcome, TrainingSession

DATE = {"type": "date"}

# --- case references: pseudonyms only ---------------------------------------------------------------
CASE_REFERENCE_HELP = "Use a pseudonymous case reference: never a name or date of birth. For example MAA-2020-07."
_WORD = r"[A-Z](?:[a-z]+(?:['’-][A-Z]?[a-z]+)*|['’-][A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)*)"
_NAME = re.compile(rf"(?<![\w'’-]){_WORD}(?:[\s,]+{_WORD})+(?![\w'’-])")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATES = [
    re.compile(r"(?<!\d)(\d{1,2})[/.\-\s](\d{1,2})[/.\-\s](\d{2}|\d{4})(?!\d)"),  # 12/03/2015, 12.03.15
    re.compile(r"(?<!\d)(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?!\d)"),  # 2015-03-12
    re.compile(rf"(?<!\d)\d{{1,2}}(?:st|nd|rd|th)?[\s\-/.]*{_MONTH}[\s,\-/.]*\d{{2,4}}(?!\d)", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}[\s\-/.]*\d{{1,2}}(?:st|nd|rd|th)?,?[\s\-/.]+\d{{4}}(?!\d)", re.IGNORECASE),
]


def _looks_like_day_month(a: str, b: str) -> bool:
    a_, b_ = int(a), int(b)
    return (1 <= a_ <= 31 and 1 <= b_ <= 12) or (1 <= a_ <= 12 and 1 <= b_ <= 31)


def case_reference_problem(value: str) -> str | None:
    """Why `value` cannot be a case reference (it looks like a name or a date of birth), or None."""
    if _NAME.search(value):
        return (
            "This looks like a person's name. Use the pseudonymous case reference (such as MAA-2020-07), "
            "never a child's or family member's name."
        )
    for pattern in _DATES:
        for match in pattern.finditer(value):
            groups = match.groups()
            if not groups:
                return _DOB
            if len(groups[0]) == 4 and _looks_like_day_month(groups[2], groups[1]):
                return _DOB
            if len(groups[0]) <= 2 and _looks_like_day_month(groups[0], groups[1]):
                return _DOB
    return None


_DOB = (
    "This looks like a date, perhaps a date of birth. Use the pseudonymous case reference (such as MAA-2020-07), "
    "never a date of birth."
)


def _helper(*layout: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*layout)
    return helper


class _ServiceFields:
    m2m: tuple[str, ...] = ()

    def fields_for_service(self) -> dict[str, object]:
        return {n: self.cleaned_data[n] for n in self.Meta.fields if n not in self.m2m}  # type: ignore[attr-defined]


# --- Impact Framework ---------------------------------------------------------------------------------
class OutcomeForm(PlainMessages, _ServiceFields, forms.ModelForm):
    m2m = ("indicators", "actions")
    expected_sources = forms.MultipleChoiceField(
        label="Expected evidence sources",
        choices=EvidenceSource.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one evidence source expected for this outcome"},
    )

    class Meta:
        model = ImpactOutcome
        fields = ["title", "description", "key_questions", "expected_sources", "indicators", "actions", "position"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "key_questions": forms.Textarea(attrs={"rows": 4}),
            "indicators": forms.SelectMultiple(attrs={"size": 8}),
            "actions": forms.SelectMultiple(attrs={"size": 8}),
        }
        labels = {"indicators": "Linked indicators", "actions": "Linked actions", "position": "Order on the page"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = Indicator.objects.order_by("code")
        self.fields["indicators"].label_from_instance = lambda i: f"{i.code} {i.title}"
        self.fields["actions"].queryset = Action.objects.select_related("plan__agency").filter(plan__is_current=True)
        self.fields["actions"].label_from_instance = lambda a: f"{a.plan.agency}: {a.description[:80]}"
        self.helper = _helper(
            Fieldset("The outcome", "title", "description", "key_questions", "position"),
            Fieldset("Evidence and links", "expected_sources", "indicators", "actions"),
        )


# --- audits -------------------------------------------------------------------------------------------
class AuditForm(PlainMessages, _ServiceFields, forms.ModelForm):
    m2m = ("auditor_agencies",)

    class Meta:
        model = Audit
        fields = ["title", "period", "scope", "auditor_agencies"]
        widgets = {"scope": forms.Textarea(attrs={"rows": 3}), "auditor_agencies": forms.CheckboxSelectMultiple}
        labels = {"period": "Quarter", "auditor_agencies": "Agencies taking part"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = ReportingPeriod.objects.order_by("-year", "-quarter")
        self.fields["auditor_agencies"].queryset = Agency.objects.order_by("name")
        self.helper = _helper("title", "period", "scope", "auditor_agencies")


class CaseForm(PlainMessages, _ServiceFields, forms.ModelForm):
    class Meta:
        model = CaseAudit
        fields = [
            "case_reference",
            "agency",
            "grade_identification",
            "grade_history",
            "grade_impact",
            "grade_actions",
            "findings",
            "actions",
        ]
        widgets = {"findings": forms.Textarea(attrs={"rows": 3}), "actions": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"case_reference": CASE_REFERENCE_HELP}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, question in AUDIT_QUESTIONS.items():
            self.fields[name].label = question
            self.fields[name].error_messages["required"] = f"Choose a grade for {question[0].lower()}{question[1:]}"
        self.fields["agency"].queryset = Agency.objects.order_by("name")
        self.fields["agency"].label = "Agency whose case it is"
        self.helper = _helper(
            Fieldset("The case", "case_reference", "agency"),
            Fieldset("Grades", *AUDIT_QUESTIONS),
            Fieldset("What was found and agreed", "findings", "actions"),
        )

    def clean_case_reference(self) -> str:
        value = self.cleaned_data["case_reference"].strip()
        problem = case_reference_problem(value)
        if problem:
            raise forms.ValidationError(problem, code="not_pseudonymous")
        others = CaseAudit.objects.filter(audit_id=self.instance.audit_id, case_reference__iexact=value)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("This audit already has a case with this reference.", code="duplicate")
        return value


# --- evidence -----------------------------------------------------------------------------------------
class EvidenceForm(PlainMessages, _ServiceFields, forms.ModelForm):
    m2m = ("outcomes",)
    upload = forms.FileField(
        label="Attachment (optional)",
        required=False,
        help_text="A PDF, Word (.docx) or Excel (.xlsx) file, at most 10 MB. Anonymised: no names.",
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.xlsx"}),
    )

    class Meta:
        model = EvidenceItem
        fields = [
            "source",
            "title",
            "gathered_on",
            "agency",
            "outcomes",
            "summary",
            "quotes",
            "heard_count",
            "heard_who",
        ]
        widgets = {
            "gathered_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "quotes": forms.Textarea(attrs={"rows": 4}),
            "outcomes": forms.CheckboxSelectMultiple,
        }
        labels = {"gathered_on": "Date gathered", "outcomes": "Outcomes it speaks to", "quotes": "Anonymised quotes"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("name")
        self.fields["agency"].label = "Agency (if one agency's)"
        self.helper = _helper(
            Fieldset("The evidence", "source", "title", "gathered_on", "agency", "outcomes"),
            Fieldset("What it says", "summary", "quotes"),
            Fieldset("Who was heard", "heard_count", "heard_who"),
            Fieldset("Attachment", "upload"),
        )

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            try:
                attachments.check(upload, size=upload.size, name=upload.name or "")
            except attachments.AttachmentRefused as refused:
                raise forms.ValidationError(str(refused), code="attachment") from refused
        return upload or None


# --- training -----------------------------------------------------------------------------------------
class TrainingForm(PlainMessages, _ServiceFields, forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = ["title", "held_on", "agency", "scale_max", "respondents", "mean_before", "mean_after"]
        widgets = {"held_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d")}
        labels = {
            "held_on": "Date held",
            "agency": "Agency (if one agency's)",
            "respondents": "People who answered both before and after",
            "mean_before": "Mean confidence before",
            "mean_after": "Mean confidence after",
        }
        error_messages = {
            "respondents": {"required": "Enter how many people answered both before and after"},
            "mean_before": {"required": "Enter the mean confidence score before the session"},
            "mean_after": {"required": "Enter the mean confidence score after the session"},
            "scale_max": {"required": "Enter the top of the scale, such as 5 or 10"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.order_by("name")
        self.helper = _helper(
            Fieldset("The session", "title", "held_on", "agency"),
            Fieldset("Confidence scores", "scale_max", "respondents", "mean_before", "mean_after"),
        )


class FeedForm(forms.Form):
    """A feed carries only the version of the Partnership's return its page showed (0: there was none yet)."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
