from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_safe

from . import access, access_log, api_keys, selectors


def agency_list(request: HttpRequest) -> HttpResponse:
    agencies = selectors.agency_list(user=request.user)
    return render(
        request,
        "agencies/list.html",
        {
            "agencies": agencies,
            "partnership_people": selectors.partnership_people(user=request.user),
            "can_manage_keys": api_keys.can_manage_keys(request.user),
        },
    )


def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = selectors.agency_for_read(user=request.user, pk=pk)  # outside the user's scope: 404
    return render(
        request,
        "agencies/detail.html",
        {"agency": agency, "can_edit": access.can_edit(request.user, agency)},
    )


class AccessLogFilter(forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User name")
    event = forms.ChoiceField(
        required=False,
        choices=[("", "Any event"), *((kind, kind.replace("_", " ").capitalize()) for kind in access_log.EVENTS)],
        label="Event",
    )
    day = forms.DateField(required=False, label="Day", widget=forms.DateInput(attrs={"type": "date"}))


@require_safe
def access_log_page(request: HttpRequest) -> HttpResponse:
    """The newest events of the access log, for administrators only (everyone else: 404, as for any page not theirs)."""
    if not access.can_administer(request.user):
        raise Http404("Not found")
    form = AccessLogFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = access_log.read_events(
        user=filters.get("user", "").strip(), event=filters.get("event", ""), day=filters.get("day"), limit=200
    )
    rows = [
        {
            "at": record.get("at", ""),
            "when": parse_datetime(str(record.get("at", ""))),
            "event": record.get("event", ""),
            "outcome": record.get("outcome", ""),
            # an API request is the key's, by name (its account's user name means nothing to a reader)
            "who": f"{record['api_key']} (API key)"
            if record.get("api_key")
            else record.get("user") or record.get("username") or "-",
            "role": record.get("role") or "",
            "ip": record.get("ip") or "-",
            "object": " ".join(str(record[k]) for k in ("object", "object_id") if record.get(k) is not None) or "-",
            "object_agency_id": record.get("object_agency_id"),
            "request": " ".join(str(record[k]) for k in ("method", "path") if record.get(k)),
        }
        for record in events
    ]
    return render(request, "agencies/access_log.html", {"form": form, "events": rows, "limit": 200})
