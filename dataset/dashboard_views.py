"""The indicator page (trend, SPC, agencies' contributions, the same numbers as a table) and an agency's view."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from agencies import access

from . import charts, dataset_selectors, exports
from . import dashboard_selectors as selectors
from .figures import quarter_label
from .models import ReportingPeriod, Return
from .periods import Quarter


def _snapshot(request: HttpRequest):
    pk = request.GET.get("snapshot")
    snapshot = dataset_selectors.snapshot_for(user=request.user, pk=int(pk) if pk and pk.isdigit() else None)
    if snapshot is None:
        raise Http404("No dataset has been published yet")
    return snapshot


def _quarter(text: str | None) -> int | None:
    try:
        return Quarter.parse(text).index if text else None
    except ValueError:
        return None


@require_safe
def indicator_page(request: HttpRequest, code: str) -> HttpResponse:
    snapshot = _snapshot(request)
    first, last = _quarter(request.GET.get("from")), _quarter(request.GET.get("to"))
    if first is not None and last is not None and first > last:
        first, last = last, first
    data = selectors.indicator_page(snapshot=snapshot, user=request.user, code=code, first=first, last=last)
    info = data["info"]
    trend = charts.trend_chart(
        info=info,
        quarters=data["quarters"],
        values={q: v.value for q, v in data["values"].items()},
        partial={q for q, v in data["values"].items() if v.partial},
        spc=data["spc"],
    )
    contribution = charts.contribution_chart(
        info=info,
        quarters=data["quarters"],
        agencies=data["agencies"],
        contributions={(c.agency, c.quarter): (c.numerator, c.denominator, c.value) for c in data["contributions"]},
        partnership={q: v.value for q, v in data["values"].items()},
    )
    for c in data["contributions"]:  # labels for the table beside the chart
        c.quarter_label = quarter_label(c.quarter)
        c.agency_name = data["agencies"].get(c.agency, c.agency)
    return render(
        request,
        "dataset/indicator.html",
        {
            **data,
            "snapshot": snapshot,
            "trend": charts.chart_payload(trend),
            "contribution": charts.chart_payload(contribution),
            "quarter_choices": [quarter_label(q) for q in data["all_quarters"]],
            "chosen_from": quarter_label(data["quarters"][0]) if data["quarters"] else "",
            "chosen_to": quarter_label(data["quarters"][-1]) if data["quarters"] else "",
        },
    )


@require_safe
def indicator_data_csv(request: HttpRequest, code: str) -> HttpResponse:
    """The chart's numbers as CSV, through the same disclosure rules as every export."""
    snapshot = _snapshot(request)
    everything = dataset_selectors.export_data(snapshot)
    info = next((i for i in everything["indicators"] if i.code == code), None)
    if info is None:
        raise Http404("No such indicator in this snapshot")
    body = exports.export_csv(
        indicators=[info],
        quarters=everything["quarters"],
        values={k: v for k, v in everything["values"].items() if k[0] == code},
        comparisons={k: v for k, v in everything["comparisons"].items() if k[0] == code},
        spc={code: everything["spc"][code]} if code in everything["spc"] else {},
        contributions={k: v for k, v in everything["contributions"].items() if k[0] == code},
    )
    built = timezone.localtime(snapshot.built_at)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{code}-{built:%Y-%m-%d-%H%M}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def agency_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.agency_id and access.can_edit(user, user.agency)):
        raise Http404("Not an agency lead")
    snapshot = dataset_selectors.snapshot_for(user=user)
    period = ReportingPeriod.objects.filter(opens_on__lte=timezone.localdate()).order_by("-year", "-quarter").first()
    current = Return.objects.filter(agency=user.agency, period=period).first() if period else None
    return render(
        request,
        "dataset/agency_view.html",
        {
            "snapshot": snapshot,
            "lines": selectors.agency_view(snapshot=snapshot, agency=user.agency.short_name) if snapshot else [],
            "period": period,
            "current": current,
        },
    )
