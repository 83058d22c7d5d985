"""Scrutiny events and their evidence packs: thin views over services (reads, the event) and requests (a pack).

Partnership readers (members, the scrutineer, the analyst) read events and download packs; the scrutineer and the
analyst create events and build packs; everyone else, and any write by a member, gets a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from agencies.access_log import access_event
from agencies.plain_forms import PlainMessages
from dataset.models import ReportingPeriod
from neglect_portal import jobs
from scrutiny import selectors
from scrutiny.models import EvidenceSource, ImpactOutcome, PackStatus, ScrutinyEvent

from . import requests
from . import services as pack_services

POLLING = (PackStatus.QUEUED, PackStatus.BUILDING)


def _only(check: Callable[[Any], None]) -> Callable:
    """Who may use the view, checked before the method is: an agency lead gets a 404 whatever the method."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            check(request.user)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


readers_only = _only(selectors.require_reader)
editors_only = _only(selectors.require_editor)


class SnapshotChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} (published {timezone.localtime(obj.published_at):%d %B %Y})"


class SwitchForm(forms.Form):
    """The newer snapshot the person was shown: if another was published since, the switch is refused."""

    snapshot = forms.IntegerField(min_value=1)


class EventForm(PlainMessages, forms.ModelForm):
    outcomes = forms.ModelMultipleChoiceField(
        queryset=ImpactOutcome.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label="Outcomes in scope",
        error_messages={"required": "Choose at least one outcome in scope"},
    )
    periods = forms.ModelMultipleChoiceField(
        queryset=ReportingPeriod.objects.order_by("-year", "-quarter"),
        widget=forms.CheckboxSelectMultiple,
        label="Quarters covered",
        error_messages={"required": "Choose at least one quarter the event covers"},
    )
    snapshot = SnapshotChoice(
        queryset=pack_services.snapshots_for_events(),
        label="Dataset snapshot",
        help_text="The published dataset build the event uses; its numbers are the dashboards'. The latest "
        "published one is chosen for you.",
    )

    class Meta:
        model = ScrutinyEvent
        fields = ["title", "held_on", "snapshot", "outcomes", "periods", "notes"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"held_on": "Date"}
        error_messages = {"held_on": {"required": "Enter the date of the event"}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["snapshot"].queryset = pack_services.snapshots_for_events()
        if not self.instance.pk and not self.is_bound:
            default = pack_services.default_snapshot()
            if default is not None:
                self.initial.setdefault("snapshot", default.pk)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout("title", "held_on", "snapshot", "outcomes", "periods", "notes")

    def fields_for_service(self) -> dict[str, object]:
        return {n: self.cleaned_data[n] for n in ("title", "held_on", "snapshot", "notes")}


@readers_only
@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    events = list(pack_services.events(user=request.user).select_related("snapshot"))
    return render(request, "scrutiny/event_list.html", {"events": events, "can_edit": selectors.can_edit(request.user)})


@editors_only
def event_create(request: HttpRequest) -> HttpResponse:
    selectors.require_editor(request.user)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        event = pack_services.event_save(
            event=None,
            fields=form.fields_for_service(),
            outcomes=form.cleaned_data["outcomes"],
            periods=form.cleaned_data["periods"],
            acting_user=request.user,
        )
        messages.success(request, f"{event.title} created.")
        return redirect(event)
    status = 400 if request.method == "POST" else 200
    return render(request, "scrutiny/event_form.html", {"form": form}, status=status)


@readers_only
@require_safe
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = pack_services.event_for_read(user=request.user, pk=pk)
    return render(
        request,
        "scrutiny/event_detail.html",
        {
            "event": event,
            "outcomes": list(event.outcomes.order_by("position", "pk")),
            "periods": list(event.periods.order_by("year", "quarter")),
            "sources": list(EvidenceSource),
            "grid": pack_services.evidence_grid(event),
            "packs": pack_services.event_packs(event),
            "newer_snapshot": pack_services.newer_snapshot(event),
            "can_edit": selectors.can_edit(request.user),
        },
    )


@editors_only
@require_POST
def pack_build(request: HttpRequest, pk: int) -> HttpResponse:
    event = pack_services.event_for_edit(user=request.user, pk=pk)
    asked_at = timezone.now()
    try:
        with jobs.watch() as queueing:
            pack = requests.pack_request(event=event, acting_user=request.user)
    except pack_services.PackRefused as refused:
        messages.error(request, str(refused))
        return redirect(event)
    if pack.requested_at < asked_at:  # one already under way: a second click, or a colleague's
        messages.info(request, f"Version {pack.version} of the evidence pack is already being built; here it is.")
    elif queueing.broker_down:
        messages.warning(request, requests.PACK_WAITS)
    else:
        messages.success(request, f"Version {pack.version} of the evidence pack is being built.")
    return redirect("scrutiny:pack_detail", pk=pack.pk)


@editors_only
@require_POST
def event_snapshot_switch(request: HttpRequest, pk: int) -> HttpResponse:
    event = pack_services.event_for_edit(user=request.user, pk=pk)
    form = SwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the newer snapshot on the event page to switch to it.")
        return redirect(event)
    try:
        with jobs.watch() as queueing:
            pack = requests.pack_request_on_newer_snapshot(
                event=event, snapshot_id=form.cleaned_data["snapshot"], acting_user=request.user
            )
    except pack_services.PackRefused as refused:
        messages.error(request, str(refused))
        return redirect(event)
    messages.success(
        request, f"The event now uses {pack.snapshot}. Version {pack.version} of the evidence pack is being built."
    )
    jobs.say_if_waiting(request, queueing, requests.PACK_WAITS)
    return redirect("scrutiny:pack_detail", pk=pack.pk)


def _pack_context(pack) -> dict:
    return {"pack": pack, "polling": pack.status in POLLING}


@readers_only
@require_safe
def pack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pack = pack_services.pack_for_read(user=request.user, pk=pk)
    return render(request, "scrutiny/pack_detail.html", _pack_context(pack))


@readers_only
@require_safe
def pack_progress(request: HttpRequest, pk: int) -> HttpResponse:
    pack = pack_services.pack_for_read(user=request.user, pk=pk)
    response = render(request, "scrutiny/pack_progress.html", _pack_context(pack))
    response["Cache-Control"] = "no-store"
    return response


def _stream(request: HttpRequest, pack, which: str, content_type: str) -> FileResponse:
    """The stored file, streamed in blocks from storage (never read whole into memory), as an attachment that is
    neither cached nor sniffed."""
    response = FileResponse(pack_services.pack_file(pack, which), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{pack_services.download_name(pack, which)}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    access_event("pack_download", request=request, object="scrutiny.evidencepack", object_id=pack.pk, file=which)
    return response


@readers_only
@require_safe
def pack_download(request: HttpRequest, pk: int) -> HttpResponse:
    return _stream(request, pack_services.pack_content(user=request.user, pk=pk), "zip", "application/zip")


@readers_only
@require_safe
def pack_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The pack's PDF on its own, the file the manifest lists: the same permission check as the ZIP."""
    return _stream(request, pack_services.pack_content(user=request.user, pk=pk), "pdf", "application/pdf")
