from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm

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
