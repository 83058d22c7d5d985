"""POST-only: put an audit's or the quarter's training figures into the Partnership's return."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from dataset.models import ReportingPeriod
from scrutiny import selectors

from . import services as feeds


@require_POST
def audit_feed(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_editor(request.user)
    audit = selectors.audit_for_read(user=request.user, pk=pk)
    try:
        value = feeds.feed_audit(audit=audit, acting_user=request.user)
    except feeds.FeedRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"{value.indicator.code} for {audit.period}: {value.numerator} of {value.denominator} put into the "
            "Partnership's return, ready for it to be submitted and accepted.",
        )
    return redirect(audit)


@require_POST
def training_feed(request: HttpRequest, period_pk: int) -> HttpResponse:
    selectors.require_editor(request.user)
    period = get_object_or_404(ReportingPeriod, pk=period_pk)
    try:
        value = feeds.feed_training(period=period, acting_user=request.user)
    except feeds.FeedRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"{value.indicator.code} for {period}: confidence change put into the Partnership's return "
            f"({value.numerator} over {value.denominator} respondents).",
        )
    return redirect("scrutiny:training_list")
