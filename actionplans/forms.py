"""Forms for action plans and their quarterly reports. They carry only what a person typed and the version they
saw: never agency, status or reviewer."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms

from agencies.plain_forms import PlainMessages
from dataset.models import Indicator
from neglect_portal.strategy import Objective, Rag

from .models import Action, ActionPlan
from .services import ACTION_FORM_FIELDS, PLAN_FIELDS, PLAN_FORM_FIELDS, UPDATE_FIELDS

DATE = {"type": "date"}


def _date(**kwargs) -> forms.DateInput:
    return forms.DateInput(attrs=DATE, format="%Y-%m-%d", **kwargs)


class SeenVersion(forms.Form):
    """The version of the plan or action the page was opened at: a save from an older one is refused."""

    seen_version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": "This page is out of date: open it again", "invalid": "Open the page again"},
    )

    def __init__(self, *args: Any, seen: int | None = None, **kwargs: Any) -> None:
        """`seen`: the version shown; None for a new plan, which no one else can have saved."""
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = seen
        self.fields["seen_version"].required = seen is not None

    def see(self, version: int, theirs: dict[str, tuple[object, object]]) -> None:
        """After a refused save the next save is from the version now shown. What the person typed stays; a field
        they left as they found it, which a colleague has changed since, shows the colleague's value instead, so
        saving again keeps both people's edits. `theirs`: {field: (as opened, as saved now)}."""
        self.data = self.data.copy()
        self.data["seen_version"] = str(version)
        for name, (opened, saved) in theirs.items():
            if name in self.fields and self.cleaned_data.get(name) == opened:
                self.data[name] = "" if saved is None else saved.isoformat() if hasattr(saved, "isoformat") else saved


class PlanForm(SeenVersion, PlainMessages, forms.ModelForm):
    """The model's clean() runs in _post_clean, so its messages come back on the fields they name."""

    class Meta:
        model = ActionPlan
        fields = list(PLAN_FORM_FIELDS)
        widgets = {"starts_on": _date(), "ends_on": _date(), "signed_off_on": _date()}
        error_messages = {
            "starts_on": {"required": "Enter the date the plan starts"},
            "ends_on": {"required": "Enter the date the plan ends"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "seen_version",
            Fieldset("The plan", "title", "starts_on", "ends_on"),
            Fieldset("Sign-off by the director", "signed_off_by", "signed_off_role", "signed_off_on"),
        )

    def fields_for_service(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ActionForm(SeenVersion, PlainMessages, forms.ModelForm):
    class Meta:
        model = Action
        fields = [*ACTION_FORM_FIELDS, "indicators"]
        widgets = {
            "starts_on": _date(),
            "due_on": _date(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "success_measure": forms.Textarea(attrs={"rows": 3}),
            "dropped_reason": forms.Textarea(attrs={"rows": 2}),
            "indicators": forms.SelectMultiple(attrs={"size": 8}),
        }
        labels = {"indicators": "Linked indicators", "dropped_reason": "Why it was dropped (if dropped)"}
        help_texts = {"indicators": ""}  # the model's "Optional." says again what the label's "(optional)" says

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = Indicator.objects.filter(active=True).order_by("code")
        self.fields["indicators"].label_from_instance = lambda i: f"{i.code} {i.title}"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "seen_version",
            Fieldset("The action", "objective", "description", "lead_officer", "success_measure"),
            Fieldset("When", "starts_on", "due_on"),
            Fieldset("Progress", "status", "dropped_reason"),
            Fieldset("Indicators", "indicators"),
        )

    def fields_for_service(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "indicators"}


RAG_CHOICES = [("", "Choose a RAG rating"), *Rag.choices]
UPDATE_LABELS = {
    "rag": "RAG rating",
    "done": "What was done",
    "impact": "Evidence of impact",
    "next_steps": "Next steps",
    "recovery": "Recovery step (Red or Amber)",
}


def field_name(key: str, name: str) -> str:
    return f"{key}-{name}"


class ReportForm(forms.Form):
    """One group of fields per open action (`<action id>-rag` ...), and the plan's summary and objective RAGs
    (`plan-summary`, `plan-rag_recognise` ...). Everything is kept as typed: the rules in
    actionplans.validation decide what may be submitted, so a draft keeps anything."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, actions: list[Action], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actions = actions
        for action in actions:
            key = str(action.pk)
            for name in UPDATE_FIELDS:
                self.fields[field_name(key, name)] = self._field(name, UPDATE_LABELS[name])
        self.fields["plan-summary"] = forms.CharField(
            label="Summary of the quarter's progress (optional)",
            help_text="In words: the count of Red, Amber, Green and Blue actions is worked out from the ratings.",
            required=False,
            max_length=8000,
            widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        )
        for objective in Objective:
            self.fields[f"plan-rag_{objective.value}"] = self._field("rag", f"{objective.label}: the agency's RAG")
            self.fields[f"plan-recovery_{objective.value}"] = self._field(
                "recovery", f"{objective.label}: recovery step (if Red or Amber)"
            )

    @staticmethod
    def _field(name: str, label: str) -> forms.Field:
        if name == "rag":
            return forms.ChoiceField(
                label=label, choices=RAG_CHOICES, required=False, widget=forms.Select(attrs={"class": "form-select"})
            )
        return forms.CharField(
            label=label,
            required=False,
            max_length=8000,
            widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        )

    def mark_problems(self, problems) -> None:
        names = [field_name(p.indicator, p.field) for p in problems] + list(self.errors)
        for name in names:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()
                attrs["aria-describedby"] = f"{name}-problems"
                attrs["aria-invalid"] = "true"

    def inputs(self) -> dict[str, dict[str, str]]:
        """{action id: {field: text}, "plan": {summary, rag_*}} for report_save; after is_valid()."""
        data = self.cleaned_data
        out: dict[str, dict[str, str]] = {
            str(a.pk): {name: data.get(field_name(str(a.pk), name), "") for name in UPDATE_FIELDS} for a in self.actions
        }
        out["plan"] = {name: data.get(f"plan-{name}", "") for name in PLAN_FIELDS}
        return out

    def typed(self) -> dict[str, dict[str, str]]:
        """What was typed, valid or not: for checking and showing back after a refused save."""
        out = {
            str(a.pk): {name: self.data.get(field_name(str(a.pk), name), "") for name in UPDATE_FIELDS}
            for a in self.actions
        }
        out["plan"] = {name: self.data.get(f"plan-{name}", "") for name in PLAN_FIELDS}
        return out

    def has_content(self) -> bool:
        return any(key.startswith("plan-") or key.endswith("-rag") for key in self.data)


def report_initial(report, rows) -> dict[str, object]:
    initial: dict[str, object] = {"seen_version": report.version}
    for action, update in rows:
        for name in UPDATE_FIELDS:
            initial[field_name(str(action.pk), name)] = getattr(update, name, "") if update else ""
    for name in PLAN_FIELDS:
        initial[f"plan-{name}"] = getattr(report, name)
    return initial


class VersionForm(forms.Form):
    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReasonForm(PlainMessages, forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter the reason: the agency's lead will see it on their report."},
    )
