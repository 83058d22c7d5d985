from axes.signals import user_locked_out
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .access_log import access_event


@receiver(user_logged_out)
def say_signed_out(sender, request, user, **kwargs) -> None:
    if request is not None:
        messages.info(request, "You have signed out.")


# --- the access log: sign-ins, failures and lockouts (agencies/access_log.py) ---------------------------------------
@receiver(user_logged_in)
def log_sign_in(sender, request, user, **kwargs) -> None:
    access_event("sign_in", request=request, user=user)


@receiver(user_login_failed)
def log_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already replaced the password in `credentials`; the username typed is kept, as the lockout is keyed
    # on it. Sent for a refusal while locked out too (axes refuses through the same path).
    access_event("sign_in_failed", request=request, outcome="refused", username=str(credentials.get("username", "")))


@receiver(user_locked_out)
def log_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    access_event("locked_out", request=request, outcome="refused", username=str(username or ""), locked_ip=ip_address)
