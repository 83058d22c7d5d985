"""POST-only: put an audit's or the quarter's training figures into the Partnership's return, unless its lead
changed the return after the page offering the feed was opened."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from dataset.models import ReportingPeriod
from scrutiny import selectors
from scrutiny.forms import FeedForm

from . import services as feeds

OUT_OF_DATE = "Nothing was fed: the page was out of date. Open it again and check the Partnership's return first."


def _seen(request: HttpRequest) -> int | None:
    form = FeedForm(request.POST)
    return form.cleaned_data["seen_version"] if form.is_valid() else None


def _kept(value) -> str:
    return " The Partnership lead's commentary on it is kept as they wrote it." if value.kept_commentary else ""


@require_POST
def audit_feed(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_editor(request.user)
    audit = selectors.audit_for_read(user=request.user, pk=pk)
    seen = _seen(request)
    if seen is None:
        messages.error(request, OUT_OF_DATE)
        return redirect(audit)
    try:
        value = feeds.feed_audit(audit=audit, acting_user=request.user, seen_version=seen)
    except feeds.FeedRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"{value.indicator.code} for {audit.period}: {value.numerator} of {value.denominator} put into the "
            f"Partnership's return, ready for it to be submitted and accepted.{_kept(value)}",
        )
    return redirect(audit)


@require_POST
def training_feed(request: HttpRequest, period_pk: int) -> HttpResponse:
    selectors.require_editor(request.user)
    period = get_object_or_404(ReportingPeriod, pk=period_pk)
    seen = _seen(request)
    if seen is None:
        messages.error(request, OUT_OF_DATE)
        return redirect("scrutiny:training_list")
    try:
        value = feeds.feed_training(period=period, acting_user=request.user, seen_version=seen)
    except feeds.FeedRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"{value.indicator.code} for {period}: confidence change put into the Partnership's return "
            f"({value.numerator} over {value.denominator} respondents).{_kept(value)}",
        )
    return redirect("scrutiny:training_list")
