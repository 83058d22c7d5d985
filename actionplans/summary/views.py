"""The partnership's RAG summary of the agencies' action plans: thin view over selectors."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from agencies import access
from agencies.models import Agency
from neglect_portal.strategy import Objective

from . import selectors


class SummaryFilter(forms.Form):
    objective = forms.ChoiceField(required=False, choices=[("", "Every objective"), *Objective.choices])
    agency = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(active=True).order_by("name").values_list("short_name", "name")
        self.fields["agency"].choices = [("", "Every agency"), *agencies]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"


@login_required
def summary(request: HttpRequest) -> HttpResponse:
    if not access.can_read_all(request.user):
        raise Http404("No summary")  # agency leads and unlinked accounts: as if it did not exist
    filters = SummaryFilter(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {"objective": "", "agency": ""}
    context = selectors.partnership_summary(
        user=request.user, today=timezone.localdate(), objective=chosen["objective"], agency=chosen["agency"]
    )
    return render(request, "actionplans/summary.html", {**context, "filters": filters})
