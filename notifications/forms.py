from __future__ import annotations

from django import forms

from .models import KIND_HINTS, Kind


class RetryForm(forms.Form):
    """Try again: which failure the person saw, so a double submit queues the email once."""

    failure = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class PreferencesForm(forms.Form):
    """Two checkboxes per kind the person can receive: by email, and in the portal."""

    def __init__(self, *args, kinds: tuple[str, ...], initial_choices: dict[str, tuple[bool, bool]], **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        for kind in kinds:
            email, in_app = initial_choices.get(kind, (True, True))
            self.fields[f"{kind}_email"] = forms.BooleanField(required=False, initial=email, label="By email")
            self.fields[f"{kind}_in_app"] = forms.BooleanField(required=False, initial=in_app, label="In the portal")

    def groups(self) -> list[dict]:
        return [
            {
                "kind": kind,
                "label": Kind(kind).label,
                "hint": KIND_HINTS[kind],
                "fields": [self[f"{kind}_email"], self[f"{kind}_in_app"]],
            }
            for kind in self.kinds
        ]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        return {kind: (data[f"{kind}_email"], data[f"{kind}_in_app"]) for kind in self.kinds}
