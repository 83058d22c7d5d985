"""What readers see of a snapshot: the dataset table, a cell's contributions, exports, publish and build now; the
indicator page (trend, SPC, agencies' contributions, the same numbers as a table) and an agency's own view."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import json_script
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies import access
from agencies.access_log import access_event
from dataset.build import requests, services
from dataset.build.aggregate import STEADY_PERCENT, STEADY_PP
from dataset.build.figures import SpcResult, quarter_label, quarter_of
from dataset.build.spc import MIN_POINTS, RUN_LENGTH
from dataset.catalogue import selectors as catalogue_selectors
from dataset.catalogue import services as catalogue_services
from dataset.catalogue.forms import ProcessChangeForm
from dataset.catalogue.periods import Quarter
from dataset.models import DatasetSettings, ExportStatus, ReportingPeriod, Return, ThemeKind
from neglect_portal import jobs
from neglect_portal.strategy import RAG_MEANINGS, Objective, Rag

from . import charts, disclosure, export_jobs, export_requests, exports, marks, selectors

CHART_SECONDS = 24 * 60 * 60  # a snapshot's charts and tables never go stale; this only bounds the memory they hold


class DatasetFilter(forms.Form):
    objective = forms.ChoiceField(
        choices=[("", "All objectives"), *Objective.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    agency = forms.ChoiceField(
        choices=[("", "The partnership")], required=False, widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args, agencies: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "The partnership"), *sorted(agencies.items(), key=lambda a: a[1])]


class DatasetShowFilter(DatasetFilter):
    """The dataset page's filters, plus the kind of indicator a dashboard count links to (`?show=worsening`)."""

    show = forms.ChoiceField(
        label="Indicators",
        choices=[("", "Every indicator"), *selectors.SHOW_CHOICES],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class BaselineForm(forms.Form):
    baseline = forms.ModelChoiceField(
        queryset=ReportingPeriod.objects.order_by("-year", "-quarter"),
        required=False,
        empty_label="No baseline",
        label="Baseline quarter (first quarter of the current strategy)",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["baseline"].label_from_instance = lambda period: period.label


def _visible_agencies(request: HttpRequest, snapshot) -> dict[str, str]:
    agencies = selectors.agencies_of(snapshot) if snapshot else {}
    if access.can_read_all(request.user):
        return agencies
    own = request.user.agency.short_name if request.user.agency_id else None
    return {k: v for k, v in agencies.items() if k == own}


@require_safe
def dataset_page(request: HttpRequest) -> HttpResponse:
    pk = request.GET.get("snapshot")
    snapshot = selectors.snapshot_for(user=request.user, pk=int(pk) if pk and pk.isdigit() else None)
    context: dict = {
        "snapshot": snapshot,
        "failure": selectors.latest_failure(user=request.user),
        "can_manage": access.can_manage(request.user),
        "snapshots": selectors.snapshots_readable(user=request.user).order_by("-built_at")[:12],
    }
    if snapshot is not None:
        filters = DatasetShowFilter(request.GET, agencies=_visible_agencies(request, snapshot))
        chosen = filters.cleaned_data if filters.is_valid() else {"objective": "", "agency": "", "show": ""}
        objective, agency, show = chosen["objective"], chosen["agency"], chosen["show"]
        if agency and agency not in _visible_agencies(request, snapshot):
            raise Http404("No such agency in your view")
        # The tables are a snapshot's, so the template keeps them (under table_key); they are read only when it
        # does not have them yet.
        table = SimpleLazyObject(
            lambda: selectors.dataset_table(
                snapshot=snapshot, user=request.user, objective=objective, agency=agency, show=show
            )
        )
        context.update(
            filters=filters,
            groups=SimpleLazyObject(lambda: table[0]),
            quarters=SimpleLazyObject(lambda: [(q, quarter_label(q)) for q in table[1]]),
            table_key=selectors.snapshot_view_key(
                snapshot=snapshot, user=request.user, parts=("dataset", objective, agency, show)
            ),
            table_seconds=CHART_SECONDS,
            themes=(found := selectors.themes_of(snapshot)),
            low_themes=sum(1 for t in found if t.severity == 1),
            agency_name=selectors.agencies_of(snapshot).get(chosen["agency"], ""),
            show_label=dict(selectors.SHOW_CHOICES).get(show, ""),
            objective_label=Objective(objective).label if objective else "",
            baseline_form=BaselineForm(initial={"baseline": DatasetSettings.load().baseline}),
        )
    return render(request, "dataset/dataset.html", context)


@require_safe
def dataset_cell(request: HttpRequest, pk: int, code: str, quarter: int) -> HttpResponse:
    snapshot = selectors.snapshot_for(user=request.user, pk=pk)
    info, value, contributions = selectors.cell_detail(snapshot=snapshot, user=request.user, code=code, quarter=quarter)
    agencies = selectors.agencies_of(snapshot)
    rows = [(agencies.get(c.agency, c.agency), c, selectors.agency_text(info, c)) for c in contributions]
    return render(
        request,
        "dataset/dataset_cell.html",
        {
            "snapshot": snapshot,
            "info": info,
            "value": value,
            "value_text": selectors.format_cell(info, value),
            "rows": rows,
            "quarter_label": quarter_label(quarter),
            "missing": [agencies.get(a, a) for a in (value.expected if value else []) if a not in value.contributors],
            "partial_note": selectors.partial_note(value, agencies),
            "target_text": marks.target_text(info, quarter),
        },
    )


def _csv_response(chunks: Iterator[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in chunks), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _file_response(body, filename: str) -> FileResponse:
    response = FileResponse(body, as_attachment=True, filename=filename, content_type=export_jobs.XLSX_TYPE)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def dataset_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """The snapshot as a CSV (streamed as it is written) or a workbook (written row by row to a temporary file, then
    sent from it): the agencies' figures are read from the database in chunks, never all at once. A workbook too
    large to write within a request is prepared by a job instead: this sends the reader to its page."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown format")
    snapshot = selectors.snapshot_for(user=request.user, pk=pk)
    filename = export_jobs.download_name(snapshot, fmt)
    if fmt == "xlsx":
        if export_jobs.export_in_background(snapshot):
            return redirect("dataset:dataset_export_job", pk=snapshot.pk)
        body = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it when sent, and then it is gone
        # a lead's file: only their own agency's rows
        export_jobs.write_workbook(snapshot, agency_rows=selectors.visible_agency_rows(request.user), out=body)
        body.seek(0)
        access_event("export", request=request, object="dataset.datasetsnapshot", object_id=snapshot.pk, format=fmt)
        return _file_response(body, filename)
    data = selectors.export_figures(snapshot, user=request.user)
    groups = selectors.contribution_groups(snapshot, indicators=data["indicators"], quarters=data["quarters"])
    chunks = exports.csv_chunks(
        indicators=data["indicators"],
        values=data["values"],
        comparisons=data["comparisons"],
        spc=data["spc"],
        groups=groups,
        agencies=data["agencies"],
    )
    access_event("export", request=request, object="dataset.datasetsnapshot", object_id=snapshot.pk, format=fmt)
    return _csv_response(chunks, filename)


def _export_job_context(job) -> dict:
    days = settings.DATASET_EXPORT_RETENTION_DAYS
    return {
        "job": job,
        "polling": job is not None and job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
        "stale": job is not None and export_jobs.is_stale(job),
        "retention_days": days,
        "kept_until": job.finished_at + timedelta(days=days) if job is not None and job.finished_at else None,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def dataset_export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A large workbook's page: ask for it (POST), watch it being prepared, download it. The job is the reader's
    scope's (a lead's holds only their own agency's rows), shared with everyone of that scope."""
    snapshot = selectors.snapshot_for(user=request.user, pk=pk)
    if not export_jobs.export_in_background(snapshot):  # small enough to send at once
        return redirect("dataset:dataset_export", pk=snapshot.pk, fmt="xlsx")
    if request.method == "POST":
        export_requests.export_request(snapshot=snapshot, acting_user=request.user)
        access_event("export_requested", request=request, object="dataset.datasetsnapshot", object_id=snapshot.pk)
        return redirect("dataset:dataset_export_job", pk=snapshot.pk)
    job = export_jobs.job_current(user=request.user, snapshot=snapshot)
    context = {
        "snapshot": snapshot,
        "rows": export_jobs.export_rows(snapshot),
        **_export_job_context(job),
    }
    return render(request, "dataset/export_job.html", context)


@require_safe
def export_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = export_jobs.job_for_read(user=request.user, pk=pk)
    response = render(request, "dataset/_export_job_progress.html", _export_job_context(job))
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def export_job_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The prepared file, from the storage, to someone of its scope who may read its snapshot; anyone else: 404."""
    job = export_jobs.job_for_read(user=request.user, pk=pk)
    access_event(
        "export",
        request=request,
        object="dataset.exportjob",
        object_id=job.pk,
        snapshot_id=job.snapshot_id,
        format=job.fmt,
    )
    return _file_response(export_jobs.open_file(job), export_jobs.download_name(job.snapshot, job.fmt))


@require_POST
def dataset_publish(request: HttpRequest, pk: int) -> HttpResponse:
    if not access.can_manage(request.user):
        raise Http404("Not found")
    snapshot = selectors.snapshot_for(user=request.user, pk=pk)
    services.snapshot_publish(snapshot=snapshot, acting_user=request.user)
    access_event("publish", request=request, object="dataset.datasetsnapshot", object_id=snapshot.pk)
    messages.success(request, f"Published to the Working Group: {snapshot}.")
    return redirect(f"/dataset/?snapshot={snapshot.pk}")


@require_POST
def dataset_build_now(request: HttpRequest) -> HttpResponse:
    if not access.can_manage(request.user):
        raise Http404("Not found")
    with jobs.watch() as queueing:
        queued = requests.dataset_request_build(reason=f"asked for by {request.user}")
    if queueing.broker_down:
        messages.warning(request, requests.BUILD_WAITS)
    else:
        messages.info(
            request,
            "A build has been queued; the page will show it when it is complete."
            if queued
            else "A build is already queued; it will include everything accepted so far.",
        )
    return redirect("dataset:dataset")


@require_POST
def dataset_baseline(request: HttpRequest) -> HttpResponse:
    if not access.can_manage(request.user):
        raise Http404("Not found")
    form = BaselineForm(request.POST)
    if form.is_valid():
        services.dataset_settings_update(baseline=form.cleaned_data["baseline"], acting_user=request.user)
        with jobs.watch() as queueing:
            requests.dataset_request_build(reason="baseline changed")
        messages.success(request, "Baseline saved; the dataset is being rebuilt with it.")
        jobs.say_if_waiting(request, queueing, requests.BUILD_WAITS)
    else:
        messages.error(request, "Choose a quarter from the list.")
    return redirect("dataset:dataset")


def _snapshot_or_none(request: HttpRequest):
    pk = request.GET.get("snapshot")
    return selectors.snapshot_for(user=request.user, pk=int(pk) if pk and pk.isdigit() else None)


def _snapshot(request: HttpRequest):
    snapshot = _snapshot_or_none(request)
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
    return _indicator_page(request, code)


def _indicator_page(
    request: HttpRequest, code: str, *, change_form: ProcessChangeForm | None = None, status: int = 200
) -> HttpResponse:
    snapshot = _snapshot_or_none(request)
    if snapshot is None or code not in selectors.indicators_of(snapshot):
        # In the catalogue but not (yet) in the published dataset: say so plainly; an unknown code is still a 404.
        shown = catalogue_selectors.indicator_without_figures(code=code)
        return render(request, "dataset/indicator_no_figures.html", {"shown": shown, "snapshot": snapshot})
    first, last = _quarter(request.GET.get("from")), _quarter(request.GET.get("to"))
    if first is not None and last is not None and first > last:
        first, last = last, first
    data = selectors.indicator_page(snapshot=snapshot, user=request.user, code=code, first=first, last=last)
    info = data["info"]
    key = selectors.indicator_page_key(snapshot=snapshot, user=request.user, code=code, quarters=data["quarters"])

    def figures() -> dict:
        trend = charts.trend_chart(
            info=info,
            quarters=data["quarters"],
            values={q: v.value for q, v in data["values"].items()},
            partial={q for q, v in data["values"].items() if v.partial},
            spc=data["spc"],
            notes={note.quarter: note.said for note in data["commentary"]},  # numbered as the list below the chart
        )
        contribution = charts.contribution_chart(
            info=info,
            quarters=data["quarters"],
            agencies=data["agencies"],
            contributions={(c.agency, c.quarter): (c.numerator, c.denominator, c.value) for c in data["contributions"]},
            partnership={q: v.value for q, v in data["values"].items()},
        )
        # Each figure's <script type="application/json"> element, exactly as _chart.html's `json_script` writes it:
        # escaping 200 KB of figure JSON (str.translate, character by character) took 20 ms every time it was shown.
        return {
            "trend_script": json_script(charts.chart_payload(trend), "trend-chart-data"),
            "contribution_script": json_script(charts.chart_payload(contribution), "contribution-chart-data"),
        }

    # A snapshot never changes once written, so its charts for these quarters, as this reader may see them, are
    # built once, and kept as the page writes them: plotly's figure objects take most of a second for forty
    # agencies and quarters, and escaping their JSON for the page a good part of the rest.
    shown = cache.get_or_set(f"indicator-chart-scripts:{key}", figures, CHART_SECONDS)
    found = data["contributions"]  # read only if the charts or the table are built now

    def labelled() -> list:
        for c in found:  # labels for the table beside the chart
            c.quarter_label = quarter_label(c.quarter)
            c.agency_name = data["agencies"].get(c.agency, c.agency)
        return list(found)

    data["contributions"] = SimpleLazyObject(labelled)
    return render(
        request,
        "dataset/indicator.html",
        {
            **data,
            "snapshot": snapshot,
            **shown,
            "table_key": key,
            "table_seconds": CHART_SECONDS,
            "quarter_choices": [quarter_label(q) for q in data["all_quarters"]],
            "chosen_from": quarter_label(data["quarters"][0]) if data["quarters"] else "",
            "chosen_to": quarter_label(data["quarters"][-1]) if data["quarters"] else "",
            **_process_changes(request, code, data["spc"], change_form),
        },
        status=status,
    )


def _process_changes(request: HttpRequest, code: str, spc: SpcResult | None, form: ProcessChangeForm | None) -> dict:
    """The indicator's process changes for everyone; for the analyst, the form to record one, pre-filled with the
    build's suggested phase when they ask for it (`?suggested=1`). A suggestion is never recorded by itself."""
    context: dict = {
        "process_changes": catalogue_selectors.process_changes(code=code),
        "can_record_change": access.can_manage(request.user),
    }
    if not context["can_record_change"]:
        return context
    if form is None:
        initial = {}
        if request.GET.get("suggested") and spc is not None and spc.suggested_start is not None:
            initial = {
                "period": catalogue_selectors.period_for_quarter(quarter_of(spc.suggested_start)),
                "reason": f"Shift since {quarter_label(spc.suggested_start)}",
            }
        form = ProcessChangeForm(initial=initial)
    context["change_form"] = form
    return context


def _indicator_url(code: str) -> str:
    return reverse("dataset:indicator", args=[code]) + "#process-changes"


@require_POST
def process_change_add(request: HttpRequest, code: str) -> HttpResponse:
    indicator = catalogue_selectors.indicator_for_process_change(user=request.user, code=code)  # analyst only: 404
    form = ProcessChangeForm(request.POST)
    if form.is_valid():
        try:
            change = catalogue_services.process_change_record(
                indicator=indicator,
                period=form.cleaned_data["period"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            with jobs.watch() as queueing:
                requests.dataset_request_build(reason=f"process change recorded for {code} from {change.period.label}")
            jobs.say_if_waiting(request, queueing, requests.BUILD_WAITS)
            messages.success(
                request,
                f"Process change recorded: {code} from {change.period.label} ({change.reason}). The dataset is being "
                "rebuilt with a new phase there; publish the new build for readers to see it.",
            )
            return redirect(_indicator_url(code))
    return _indicator_page(request, code, change_form=form, status=400)


@require_POST
def process_change_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    change = catalogue_selectors.process_change_for_manage(user=request.user, code=code, pk=pk)  # analyst only: 404
    if catalogue_services.process_change_remove(change=change, acting_user=request.user):
        with jobs.watch() as queueing:
            requests.dataset_request_build(reason=f"process change removed for {code} from {change.period.label}")
        jobs.say_if_waiting(request, queueing, requests.BUILD_WAITS)
        messages.success(
            request,
            f"Process change removed: {code} from {change.period.label} ({change.reason}). The dataset is being "
            "rebuilt without it.",
        )
    return redirect(_indicator_url(code))


@require_safe
def indicator_data_csv(request: HttpRequest, code: str) -> HttpResponseBase:
    """The chart's numbers as CSV, through the same disclosure rules as every export: only this indicator's
    figures are read."""
    snapshot = _snapshot(request)
    data = selectors.export_figures(snapshot, user=request.user, code=code)
    if not data["indicators"]:
        raise Http404("No such indicator in this snapshot")
    chunks = exports.csv_chunks(
        indicators=data["indicators"],
        values=data["values"],
        comparisons=data["comparisons"],
        spc=data["spc"],
        groups=selectors.contribution_groups(snapshot, indicators=data["indicators"], quarters=data["quarters"]),
        agencies=data["agencies"],
    )
    built = timezone.localtime(snapshot.built_at)
    access_event(
        "export", request=request, object="dataset.datasetsnapshot", object_id=snapshot.pk, format="csv", indicator=code
    )
    return _csv_response(chunks, f"{code}-{built:%Y-%m-%d-%H%M}.csv")


@require_safe
def agency_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.agency_id and access.can_edit(user, user.agency)):
        raise Http404("Not an agency lead")
    snapshot = selectors.snapshot_for(user=user)
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


# --- themes -------------------------------------------------------------------------------------------------
class ThemeFilter(forms.Form):
    objective = forms.ChoiceField(
        label="Objective",
        choices=[("", "All objectives"), *Objective.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    signal = forms.ChoiceField(
        label="Kind of signal",
        choices=[("", "Any kind"), *ThemeKind.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    held = forms.ChoiceField(
        label="New or holding",
        choices=[("", "New or holding"), ("new", "New this quarter"), ("holding", "Holding since an earlier quarter")],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


@require_safe
def themes_page(request: HttpRequest) -> HttpResponse:
    """Every theme of the snapshot, ranked, filtered by objective, kind of signal and new or holding (a GET form)."""
    pk = request.GET.get("snapshot")
    snapshot = selectors.snapshot_for(user=request.user, pk=int(pk) if pk and pk.isdigit() else None)
    filters = ThemeFilter(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {"objective": "", "signal": "", "held": ""}
    lines, total = selectors.themes_page(snapshot=snapshot, **chosen) if snapshot is not None else ([], 0)
    return render(
        request,
        "dataset/themes.html",
        {
            "snapshot": snapshot,
            "filters": filters,
            "filtered": any(chosen.values()),
            "lines": lines,
            "total": total,
            "can_manage": access.can_manage(request.user),
        },
    )


@require_safe
def glossary(request: HttpRequest) -> HttpResponse:
    """What the SPC and RAG words on the pages mean, in plain English, for every signed-in reader. The numbers in it
    come from the code that applies them, so the page cannot drift from what the build does."""
    return render(
        request,
        "dataset/glossary.html",
        {
            "run_length": RUN_LENGTH,
            "min_points": MIN_POINTS,
            "steady_pp": STEADY_PP,
            "steady_percent": STEADY_PERCENT,
            "threshold": disclosure.THRESHOLD,
            "rag_meanings": {str(rag.value): RAG_MEANINGS[rag] for rag in Rag},
        },
    )
