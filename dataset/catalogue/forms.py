"""Forms for the indicator catalogue and the reporting quarters."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.db.models import Q

from agencies.models import Agency
from dataset.models import Accumulation, Indicator, RelationshipCheck, ReportingPeriod
from neglect_portal.strategy import Objective

from .services import CHECK_FIELDS, INDICATOR_FIELDS, duplicate_check_error, duplicate_code_error


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
            # The error summary links to #id_suppliers, which a list of checkboxes does not otherwise have. A block, so
            # that it clears the floated legend (Bootstrap's `legend + *`): inline, it let the checkboxes squeeze in
            # beside the legend, a column a word wide that pushed the page past a phone's edge.
            Fieldset(
                "Who reports it", HTML('<span id="id_suppliers" class="d-block" tabindex="-1"></span>'), "suppliers"
            ),
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


class RelationshipCheckForm(forms.ModelForm):
    """A check the build runs every quarter: one indicator should be at least a factor times another."""

    class Meta:
        model = RelationshipCheck
        fields = list(CHECK_FIELDS)
        widgets = {"why": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "indicator": "Indicator",
            "compared_with": "Compared with",
            "at_least": "At least this many times the other",
            "why": "Why the two relate like this",
            "question": "Question to explore when the check fails",
        }
        help_texts = {
            "at_least": "A number above 0, such as 0.5: the indicator should be at least half the other's value "
            "in the same quarter.",
            "why": "Shown with the theme, so readers know why the figure is questioned. Say where it comes from.",
        }
        error_messages = {
            "at_least": {
                "required": "Enter the factor, such as 0.5 for at least half.",
                "invalid": "Enter the factor as a number, such as 0.5 for at least half.",
                "min_value": "Enter a factor above 0, such as 0.5 for at least half.",
                "max_decimal_places": "Enter the factor with at most 3 decimal places, such as 0.333.",
                "max_digits": "Enter a factor below 100,000, such as 0.5 or 2.",
                "max_whole_digits": "Enter a factor below 100,000, such as 0.5 or 2.",
            },
            "why": {"required": "Say why the two indicators should relate like this."},
            "question": {"required": "Enter the question the Working Group should explore when the check fails."},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Active indicators, plus the ones an existing check already names so an edit does not silently drop them.
        current = [self.instance.indicator_id, self.instance.compared_with_id] if self.instance.pk else []
        indicators = Indicator.objects.filter(Q(active=True) | Q(pk__in=current)).order_by("code")
        for name in ("indicator", "compared_with"):
            self.fields[name].queryset = indicators
            self.fields[name].label_from_instance = lambda indicator: f"{indicator.code} {indicator.title}"
        self.fields["at_least"].widget.attrs.update({"inputmode": "decimal", "step": "any"})
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has the token
        self.helper.layout = Layout(
            Fieldset("The check", "indicator", "compared_with", "at_least"),
            Fieldset("What readers are told", "why", "question"),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        indicator, other = cleaned.get("indicator"), cleaned.get("compared_with")
        if indicator and other and indicator != other:
            duplicate = duplicate_check_error(indicator, other, exclude_pk=self.instance.pk)
            if duplicate:
                self.add_error("compared_with", duplicate.message_dict["compared_with"])
        return cleaned

    def validate_unique(self) -> None:
        # clean has already said which pair has a check, in words people can act on.
        pass

    def check_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CHECK_FIELDS}


class ProcessChangeForm(forms.Form):
    """A process change: the quarter a new SPC phase starts in, and what changed then."""

    period = forms.ModelChoiceField(
        queryset=ReportingPeriod.objects.order_by("-year", "-quarter"),
        label="First quarter of the new phase",
        empty_label="Choose a quarter",
        error_messages={
            "required": "Choose the first quarter of the new phase.",
            "invalid_choice": "Choose a quarter from the list.",
        },
    )
    reason = forms.CharField(
        max_length=200,
        label="What changed",
        help_text='Shown with the chart, for example "Neglect Strategy launched". At most 200 characters.',
        error_messages={
            "required": "Say what changed, for example \u201cNeglect Strategy launched\u201d.",
            "max_length": "Say what changed in at most 200 characters.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].label_from_instance = lambda period: period.label
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has the token
        self.helper.layout = Layout("period", "reason")
