from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
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
