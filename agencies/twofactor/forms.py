from __future__ import annotations

from django import forms

from agencies.plain_forms import PlainMessages

APP_OR_RECOVERY = "The 6-digit code your authenticator app shows now, or one of your recovery codes."


def _code_field(label: str, help_text: str, required: str) -> forms.CharField:
    # The number pad for the 6 digits; no pattern, as recovery codes have letters and people type spaces.
    attrs = {"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none", "spellcheck": "false"}
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=20,
        error_messages={"required": required},
        widget=forms.TextInput(attrs={**attrs, "class": "code-input"}),
    )


class CodeForm(PlainMessages, forms.Form):
    """The code at sign-in: the app's 6 digits, or a recovery code."""

    code = _code_field(
        "Code",
        "The 6-digit code your authenticator app shows now. Lost your phone? Enter one of your recovery codes.",
        "Enter the 6-digit code from your authenticator app",
    )


class SetupForm(PlainMessages, forms.Form):
    code = _code_field(
        "Code from the app",
        "The 6 digits the app shows for this portal.",
        "Enter the 6-digit code your authenticator app shows",
    )


class RemoveForm(PlainMessages, forms.Form):
    code = _code_field("Code", APP_OR_RECOVERY, "Enter a code to confirm that it is you")


class ResetForm(PlainMessages, forms.Form):
    reason = forms.CharField(
        label="Reason",
        help_text="For the record, e.g. 'lost phone, confirmed by phone call on 3 December'.",
        max_length=500,
        error_messages={"required": "Enter the reason for resetting the second factor"},
    )
