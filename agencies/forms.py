from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm

from . import api_keys
from .models import Agency, ApiKeyKind, User
from .plain_forms import PlainMessages


class SignInForm(PlainMessages, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "The username or password is not right. Check both (the password is case-sensitive) and try "
            f"again. After {settings.AXES_FAILURE_LIMIT} failed attempts the account is locked on this "
            "device for 15 minutes."
        ),
        "inactive": "This account has been switched off. Ask the system administrator to restore it.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class _NewPasswordTwice:
    """The second new-password box's message: its label ("New password confirmation") reads badly after "Enter"."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again, to confirm it"


# Django's own password forms, with plain messages for their fields ("Enter the new password").
class PasswordChange(PlainMessages, _NewPasswordTwice, PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "The old password is not right. Enter the password you signed in with.",
        "password_mismatch": "The two new passwords are not the same. Type the new password again in both boxes.",
    }


class PasswordReset(PlainMessages, PasswordResetForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].error_messages["required"] = "Enter your email address"


class SetPassword(PlainMessages, _NewPasswordTwice, SetPasswordForm):
    error_messages = {
        **SetPasswordForm.error_messages,
        "password_mismatch": "The two new passwords are not the same. Type the new password again in both boxes.",
    }


# --- issue 16: API keys ---------------------------------------------------------------------------------------------
class _SelectNoRequired(forms.Select):
    def use_required_attribute(self, initial) -> bool:
        return False


class _ForOneKind(forms.ModelChoiceField):
    """A choice one kind of key needs and the other does not (ApiKeyForm.clean says which): marked neither
    "(optional)" nor required, and empty is left to the form to judge."""

    def __init__(self, **kwargs) -> None:
        super().__init__(queryset=kwargs.pop("queryset"), required=True, widget=_SelectNoRequired, **kwargs)

    def validate(self, value) -> None:
        if value not in self.empty_values:
            super().validate(value)


class _ReaderChoice(_ForOneKind):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} ({obj.get_role_display()})"


class ApiKeyForm(PlainMessages, forms.Form):
    """A new API key. Both the agency and the holder are always on the page, so it works without JavaScript; only the
    one the chosen kind needs is checked, and the service ignores the other."""

    name = forms.CharField(
        label="Name",
        max_length=80,
        help_text='What uses the key, for example "Mosaic quarterly extract". Shown in the list of keys and the logs.',
        error_messages={"required": "Enter a name for the key, such as the system that uses it"},
    )
    kind = forms.ChoiceField(
        label="What the key is for",
        choices=ApiKeyKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the key is for: an agency's system or a partnership reader"},
    )
    agency = _ForOneKind(
        label="Agency",
        queryset=Agency.objects.none(),
        empty_label="Choose an agency",
        help_text="For an agency system: the key acts as a lead of this agency.",
    )
    holder = _ReaderChoice(
        label="Holder",
        queryset=User.objects.none(),
        empty_label="Choose a reader",
        help_text="For a reader key: the partnership reader who holds it. It stops working if they leave.",
    )
    expires_on = forms.DateField(
        label="Expiry date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the expiry date"},
    )

    def __init__(self, data=None, *args, today: date, **kwargs) -> None:
        if data is not None:
            # The choice the kind does not use is not read at all: a reader who left since the page was shown does
            # not stop an agency key being made.
            data = data.copy()
            unused = {ApiKeyKind.AGENCY: "holder", ApiKeyKind.READER: "agency"}.get(data.get("kind"))
            if unused:
                data[unused] = ""
        super().__init__(data, *args, **kwargs)
        self.today = today
        self.fields["agency"].queryset = Agency.objects.filter(active=True).order_by("name")
        self.fields["holder"].queryset = api_keys.readers()
        self.fields["expires_on"].initial = today + timedelta(days=api_keys.DEFAULT_LIFE_DAYS)
        self.fields["expires_on"].help_text = (
            f"It works to the end of this day. At most {api_keys.LONGEST_LIFE_DAYS} days from today: "
            f"on or before {self.latest:%-d %B %Y}."
        )

    @property
    def latest(self) -> date:
        return self.today + timedelta(days=api_keys.LONGEST_LIFE_DAYS)

    def clean_expires_on(self) -> date:
        day = self.cleaned_data["expires_on"]
        if day < self.today:
            raise forms.ValidationError("The expiry date must be today or later")
        if day > self.latest:
            raise forms.ValidationError(
                f"A key can last at most {api_keys.LONGEST_LIFE_DAYS} days: choose an expiry date on or before "
                f"{self.latest:%-d %B %Y}"
            )
        return day

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind == ApiKeyKind.AGENCY and not data.get("agency") and "agency" not in self.errors:
            self.add_error("agency", "Choose the agency whose system will use this key")
        if kind == ApiKeyKind.READER and not data.get("holder") and "holder" not in self.errors:
            self.add_error("holder", "Choose the partnership reader who will hold this key")
        return data

    def refused(self, refusal: api_keys.KeyRefused) -> None:
        """Put the service's refusal (the agency closed, the reader left since the page was shown) on its field."""
        text = str(refusal)
        field = next((name for words, name in REFUSAL_FIELDS if words in text), None)
        self.add_error(field, text.rstrip("."))


# Which field a refusal of api_keys.key_create is about, by its words; anything else is about the whole form.
REFUSAL_FIELDS = (
    ("agency whose system", "agency"),
    ("partnership reader who", "holder"),
    ("expiry date", "expires_on"),
    ("name for the key", "name"),
    ("what the key is for", "kind"),
)
