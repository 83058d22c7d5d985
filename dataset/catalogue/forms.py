"""Forms for the indicator catalogue and the reporting quarters."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.db.models import Q

from agencies.models import Agency
from dataset.models import Accumulation, Indicator, ReportingPeriod
from neglect_portal.strategy import Objective

from .services import INDICATOR_FIELDS, duplicate_code_error


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [*INDICATOR_FIELDS, "suppliers"]
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 4}),
            "suppliers": forms.CheckboxSelectMultiple,
        }
        labels = {
            "code": "Code",
            "numerator_label": "Numerator label",
            "denominator_label": "Denominator label",
            "allow_negative": "Values may be negative",
            "suppliers": "Supplied by",
            "objective": "Strategy objective",
            "polarity": "Which way is better",
            "red_threshold": "Red threshold",
            "tolerance_pct": "Quarter-on-quarter tolerance (%)",
            "benchmark_value": "Benchmark value",
            "benchmark_source": "Benchmark source",
            "benchmark_year": "Benchmark year",
            "active": "Collected (not retired)",
            "accumulation": "How the figure adds up",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Active agencies, plus any inactive one that already supplies it so an edit does not silently drop it.
        current = self.instance.suppliers.all() if self.instance.pk else Agency.objects.none()
        self.fields["suppliers"].queryset = Agency.objects.filter(Q(active=True) | Q(pk__in=current)).order_by("name")
        self.fields["suppliers"].label_from_instance = lambda agency: f"{agency.name} ({agency.short_name})"
        # Most indicators are quarterly; a form (or a client) that leaves it out means that.
        self.fields["accumulation"].required = False
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has the token
        self.helper.layout = Layout(
            Fieldset("What it measures", "code", "title", "definition", "objective"),
            Fieldset(
                "How it is reported", "unit", "numerator_label", "denominator_label", "allow_negative", "accumulation"
            ),
            # The error summary links to #id_suppliers, which a list of checkboxes does not otherwise have.
            Fieldset("Who reports it", HTML('<span id="id_suppliers" tabindex="-1"></span>'), "suppliers"),
            Fieldset("Target and RAG rating", "polarity", "target", "red_threshold", "tolerance_pct"),
            Fieldset("National benchmark", "benchmark_value", "benchmark_source", "benchmark_year"),
            Fieldset("Collection", "active"),
        )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        duplicate = duplicate_code_error(code, exclude_pk=self.instance.pk)
        if duplicate:
            raise forms.ValidationError(duplicate.message_dict["code"], code="unique")
        return code

    def clean_accumulation(self) -> str:
        return self.cleaned_data.get("accumulation") or Accumulation.QUARTER

    def validate_unique(self) -> None:
        # clean_code has already said which indicator has the code, in words people can act on.
        pass

    def indicator_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in INDICATOR_FIELDS}

    def supplier_ids(self) -> list[int]:
        return [agency.pk for agency in self.cleaned_data["suppliers"]]


class IndicatorFilterForm(forms.Form):
    objective = forms.ChoiceField(
        label="Objective", choices=[("", "All objectives"), *Objective.choices], required=False
    )
    retired = forms.BooleanField(label="Show retired indicators", required=False)


class RetireForm(forms.Form):
    """The state the person asked for, so a second click does not undo the first; absent means "toggle"."""

    active = forms.NullBooleanField(required=False)


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodDatesForm(forms.ModelForm):
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = ReportingPeriod
        fields = ["opens_on", "due_on", "locks_on", "note"]
        labels = {"opens_on": "Opens on", "due_on": "Due on", "locks_on": "Locks on", "note": "Note for agencies"}
        widgets = {"opens_on": _DATE, "due_on": _DATE, "locks_on": _DATE}

    def __init__(self, *args: Any, locked: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locked = locked
        if locked:
            self.fields["reason"].required = True
            self.fields[
                "reason"
            ].help_text = "This quarter is locked, so the reason is required. It is kept in the quarter's history."
            self.fields["reason"].error_messages["required"] = (
                "Enter the reason for changing the dates of a locked quarter, for example to accept a late return."
            )
        else:
            self.fields["reason"].help_text = "Optional. It is kept in the quarter's history."
