"""The completeness tracker (partnership readers) and the chase list (the partnership analyst). Thin views: for
anyone else the pages do not exist (404), which the selectors decide."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from dataset.models import ReportingPeriod

from . import rendering, selectors
from . import services as reminders
from .delivery import delivery_words


class TrackerRangeForm(forms.Form):
    """The quarters shown, as labels in the URL (`?from=2019-20 Q2&to=2020-21 Q1`) so a view can be shared."""

    def __init__(self, *args, periods: list[ReportingPeriod], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Default")] + [(p.label, p.label) for p in periods]
        for name, label in (("from", "From quarter"), ("to", "To quarter")):
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                widget=forms.Select(attrs={"class": "form-select"}),
                error_messages={"invalid_choice": "There is no quarter %(value)s: choose one from the list."},
            )


@require_safe
def tracker(request: HttpRequest) -> HttpResponse:
    periods = selectors.tracker_periods(user=request.user)  # not a partnership reader: 404
    form = TrackerRangeForm(request.GET, periods=periods)
    start = end = None
    if form.is_valid():
        start, end = form.cleaned_data["from"] or None, form.cleaned_data["to"] or None
    shown = selectors.select_range(periods, start=start, end=end, today=timezone.localdate())
    tracker = selectors.tracker(user=request.user, periods=shown)
    return render(
        request,
        "dataset/tracker.html",
        {
            "tracker": tracker,
            "body_rows": rendering.body_rows(tracker),
            "other_work": selectors.other_work_grids(user=request.user, periods=shown),
            "form": form,
            "default_quarters": selectors.DEFAULT_QUARTERS,
        },
    )


@require_safe
def chase_list(request: HttpRequest) -> HttpResponse:
    return render(request, "dataset/chase_list.html", {"chase": selectors.chase_list(user=request.user)})


# The access check comes first: for anyone but the analyst this address does not exist, whatever the method.
def chase_send(request: HttpRequest, agency_pk: int) -> HttpResponse:
    agency = selectors.agency_for_chase(user=request.user, pk=agency_pk)
    return _chase_send(request, agency)


@require_POST
def _chase_send(request: HttpRequest, agency) -> HttpResponse:
    try:
        reminder = reminders.reminder_send_manual(agency=agency, acting_user=request.user)
    except reminders.ReminderRefused as refused:
        messages.error(request, str(refused))
    except reminders.ReminderNotSent as not_sent:
        note = delivery_words(not_sent.reminder, timezone.now())
        messages.error(request, f"The reminder to {agency} was not sent. {note}")
    else:
        to = ", ".join(reminder.recipients.splitlines())
        messages.success(request, f"Reminder sent to {agency} ({to}).")
    return redirect("dataset:chase_list")
