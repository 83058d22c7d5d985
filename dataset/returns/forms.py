from __future__ import annotations

import copy
from dataclasses import dataclass
from html import escape

from django import forms
from django.utils.safestring import SafeString, mark_safe

from agencies.plain_forms import PlainMessages
from dataset.models import Indicator, NotAvailableReason, ReportingPeriod
from neglect_portal.lifecycle import State

from .services import SIGN_OFF_STATEMENT

REASONS = [("", "Available: figures entered"), *NotAvailableReason.choices]


def field_name(code: str, name: str) -> str:
    return f"{code}-{name}"


def _figure_attrs() -> dict[str, str]:
    return {"inputmode": "decimal", "autocomplete": "off", "class": "form-control", "data-figure": ""}


# One field of each kind, built once: a large return's form has 720 fields, and building each afresh (Django
# deep-copies every widget it is given) was a tenth of a save. _field copies these instead.
_PROTOTYPES: dict[str, forms.Field] = {
    "figure": forms.CharField(label="Count", required=False, max_length=40, widget=forms.TextInput(_figure_attrs())),
    "not_available_reason": forms.ChoiceField(
        label="Not available?",
        choices=REASONS,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    ),
    "expected_on": forms.DateField(
        label="Expected by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the date the figure is expected, like 31/10/2020."},
    ),
    "commentary": forms.CharField(
        label="Commentary",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    ),
}


def _field(kind: str, *, label: str | None = None) -> forms.Field:
    """A copy of the prototype field with its own label. What else a field holds (widget, validators, choices,
    messages) is never changed after it is built, so it is shared: ReturnValuesForm._mark gives a field its own
    widget before marking it, so the prototype's is never changed."""
    field = copy.copy(_PROTOTYPES[kind])
    if label is not None:
        field.label = label
    return field


class ReturnValuesForm(forms.Form):
    """The return's figures, one group of fields per expected indicator, all kept as typed text.

    The figures are checked by dataset.returns.validation, not here, so that a draft keeps even invalid values.
    Never carries agency, status or reviewer: only what the person typed and the version they saw.
    """

    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, indicators: list[Indicator], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        # What widget_html has written once for this page: attribute sets, and the reasons' options by choice.
        self._written_attrs: dict[tuple, str] = {}
        self._written_options: dict[tuple, str] = {}
        for indicator in indicators:
            code = indicator.code
            if indicator.is_ratio:
                self.fields[field_name(code, "numerator")] = _field("figure", label=indicator.numerator_label)
                self.fields[field_name(code, "denominator")] = _field("figure", label=indicator.denominator_label)
            else:
                self.fields[field_name(code, "value")] = _field("figure", label="Count")
            for name in ("not_available_reason", "expected_on", "commentary"):
                self.fields[field_name(code, name)] = _field(name)

    def mark_problems(self, problems) -> None:
        """Give each field with a problem `is-invalid` and point it at its messages (aria-describedby)."""
        for problem in problems:
            name = field_name(problem.indicator, problem.field)
            if name in self.fields:
                self._mark(name)
        for name in self.errors:
            if name in self.fields:
                self._mark(name)

    def _mark(self, name: str) -> None:
        field = self.fields[name]
        if any(field.widget is p.widget for p in _PROTOTYPES.values()):  # shared with every form: its own one first
            field.widget = copy.copy(field.widget)
            field.widget.attrs = dict(field.widget.attrs)
        attrs = field.widget.attrs
        if "is-invalid" not in attrs.get("class", ""):
            attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()
        attrs["aria-describedby"] = f"{name}-problems"
        attrs["aria-invalid"] = "true"

    def row_inputs(self, indicator: Indicator, problems: dict[str, list]) -> tuple[list[FigureInput], ...]:
        """(the figure inputs, the other inputs) of one indicator's row, each ready to show with its problems.

        Call after mark_problems, so each input carries its `is-invalid` and `aria-describedby`."""
        figures = ("numerator", "denominator") if indicator.is_ratio else ("value",)
        others = ("not_available_reason", "expected_on", "commentary")
        css = {"commentary": "col-12"}

        def one(name: str) -> FigureInput:
            html_name = field_name(indicator.code, name)
            return FigureInput(
                html_name=html_name,
                label=self.fields[html_name].label,
                widget=self.widget_html(html_name),
                errors=list(self.errors.get(html_name, ())) if self.is_bound else [],
                problems=problems.get(name, []),
                css=css.get(name, "col-sm-4"),
            )

        return [one(n) for n in figures], [one(n) for n in others]

    def widget_html(self, name: str) -> SafeString:
        """The field's input exactly as Django's widget templates write it, without a template render per input.

        A large return has 150 indicators and 750 inputs: rendering each through the form renderer's templates
        took most of a second. Text, date, select and textarea are the only widgets this form uses; every
        attribute and value is escaped here (html.escape is what django.utils.html.escape runs)."""
        widget = self.fields[name].widget
        invalid = self.is_bound and self.errors.get(name) and "aria-invalid" not in widget.attrs
        # Attributes as attrs.html writes them: the widget's own, aria-invalid, then the id. Most inputs share their
        # widget's attributes, so each set is written once a page (720 inputs, a handful of sets).
        own = tuple(widget.attrs.items())
        if own not in self._written_attrs:
            self._written_attrs[own] = _attrs_html(widget.attrs)
        shown = self._written_attrs[own] + (' aria-invalid="true"' if invalid else "") + f' id="id_{escape(name)}"'
        value = widget.format_value(self[name].value())
        if isinstance(widget, forms.Select):
            chosen = tuple(value)
            options = self._written_options
            key = (tuple(widget.choices), chosen)
            if key not in options:
                options[key] = "".join(
                    f'\n  <option value="{escape(str(v))}"{" selected" if str(v) in chosen else ""}>'
                    f"{escape(str(text))}</option>\n"
                    for v, text in widget.choices
                )
            return _escaped(f'<select name="{escape(name)}"{shown}>{options[key]}\n</select>')
        if isinstance(widget, forms.Textarea):
            return _escaped(f'<textarea name="{escape(name)}"{shown}>\n{escape(str(value or ""))}</textarea>')
        given = f' value="{escape(str(value))}"' if value is not None else ""
        return _escaped(f'<input type="{escape(widget.input_type)}" name="{escape(name)}"{given}{shown}>')

    def inputs(self) -> dict[str, dict[str, object]]:
        """{code: {field: typed value}} for the services; call after is_valid()."""
        data = self.cleaned_data
        out: dict[str, dict[str, object]] = {}
        for indicator in self.indicators:
            code = indicator.code
            fields = ("numerator", "denominator") if indicator.is_ratio else ("value",)
            row = {name: data.get(field_name(code, name), "") for name in fields}
            for name in ("not_available_reason", "expected_on", "commentary"):
                row[name] = data.get(field_name(code, name)) or ("" if name != "expected_on" else None)
            out[code] = row
        return out

    def typed(self) -> dict[str, dict[str, str]]:
        """What was typed, even when the form is invalid: for showing back after a refused save."""
        out: dict[str, dict[str, str]] = {}
        for indicator in self.indicators:
            code = indicator.code
            out[code] = {
                name: self.data.get(field_name(code, name), "")
                for name in ("numerator", "denominator", "value", "not_available_reason", "commentary")
            }
        return out


def _escaped(html: str) -> SafeString:
    """Mark as safe HTML that widget_html built with every attribute and value passed through escape()."""
    return mark_safe(html)  # noqa: S308 - each interpolated part is escaped where it is built  # nosec B308, B703


def _attrs_html(attrs: dict[str, object]) -> str:
    """Attributes as django/forms/widgets/attrs.html writes them, escaped: False left out, True as a bare name."""
    return "".join(
        f" {escape(k)}" if v is True else f' {escape(k)}="{escape(str(v))}"' for k, v in attrs.items() if v is not False
    )


@dataclass(frozen=True)
class FigureInput:
    """One input of a return row, as the edit page shows it: its label, the input, and its own messages. It has what
    dataset/_figure_field.html reads from a bound field (auto_id, label, html_name, errors, and itself shown)."""

    html_name: str
    label: str
    widget: SafeString
    errors: list[str]
    problems: list
    css: str

    @property
    def auto_id(self) -> str:
        return f"id_{self.html_name}"

    def __html__(self) -> SafeString:
        """Shown as its input, as a bound field is, so dataset/_figure_field.html takes either."""
        return self.widget

    __str__ = __html__


class ReturnFilterForm(forms.Form):
    """Narrow the returns list; kept in the URL so a view can be shared."""

    period = forms.ModelChoiceField(
        queryset=ReportingPeriod.objects.order_by("-year", "-quarter"),
        required=False,
        empty_label="All quarters",
        label="Quarter",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *State.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].label_from_instance = lambda period: period.label

    def apply(self, returns):
        if not self.is_valid():
            return returns
        if self.cleaned_data["period"]:
            returns = returns.filter(period=self.cleaned_data["period"])
        if self.cleaned_data["status"]:
            returns = returns.filter(status=self.cleaned_data["status"])
        return returns


class VersionForm(forms.Form):
    seen_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SignOffForm(PlainMessages, forms.Form):
    """The statement a lead ticks before submitting (DfE COLLECT's sign-off); required, in GOV.UK words."""

    sign_off = forms.BooleanField(
        label=f"{SIGN_OFF_STATEMENT}.",
        error_messages={"required": "Confirm that the figures are accurate and have been checked"},
    )


class ReasonForm(PlainMessages, forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter the reason: the agency's lead will see it on their return."},
    )


class AcceptManyForm(PlainMessages, forms.Form):
    returns = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one return to accept"},
    )

    def __init__(self, *args, queue, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["returns"].choices = [(r.pk, str(r)) for r in queue]
