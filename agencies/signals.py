from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out)
def say_signed_out(sender, request, user, **kwargs) -> None:
    if request is not None:
        messages.info(request, "You have signed out.")
