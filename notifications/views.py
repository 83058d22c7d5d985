from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from . import selectors, services
from .forms import PreferencesForm, RetryForm
from .models import KINDS_FOR_ROLE
from .sending import plain_error


def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(user=request.user), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": selectors.unread_count(user=request.user)},
    )


def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Following a notification marks it read, then goes where it points."""
    notification = services.notification_open(notification=selectors.notification_for_open(user=request.user, pk=pk))
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("notifications:list")


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, f"{count} notification{'' if count == 1 else 's'} marked as read.")
    return redirect("notifications:list")


def preferences(request: HttpRequest) -> HttpResponse:
    kinds = KINDS_FOR_ROLE.get(request.user.role, ())
    form = PreferencesForm(
        request.POST or None, kinds=kinds, initial_choices=selectors.preferences_for(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.preferences_save(user=request.user, choices=form.choices())
        messages.success(request, "Your notification settings have been saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@require_safe
def failed_emails(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.failed_emails(user=request.user), 25).get_page(request.GET.get("page"))
    rows = [(n, plain_error(n.email_error)) for n in page.object_list]
    return render(request, "notifications/failed.html", {"page": page, "rows": rows})


@require_POST
def failed_email_retry(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.email_for_retry(user=request.user, pk=pk)
    form = RetryForm(request.POST)
    seen = form.cleaned_data["failure"] if form.is_valid() else ""
    who = notification.recipient.get_full_name() or notification.recipient.get_username()
    if services.notification_email_retry(notification=notification, acting_user=request.user, failure_seen=seen):
        messages.success(request, f"The email to {who} is being sent again.")
    else:
        messages.info(
            request, f"The email to {who} has already been tried again. This list shows only the emails still not sent."
        )
    return redirect("notifications:failed")
