"""Pages every visitor may read, signed in or not (accessibility statement, privacy notice, help, contact),
and the search across indicators, agencies and actions. Part of the composition root, so it may ask any app."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from actionplans.selectors import actions_matching
from agencies.selectors import agencies_matching
from dataset.catalogue.selectors import indicators_matching

# The day the statements below were last checked against the service; change it when they are reviewed.
STATEMENTS_PREPARED = "1 December 2026"


@login_not_required
@require_GET
def public_page(request: HttpRequest, *, template: str) -> HttpResponse:
    """The accessibility statement, privacy notice, help and contact pages (urls.py names the template)."""
    context = {
        "contact_email": settings.PORTAL_CONTACT_EMAIL,
        "prepared_on": STATEMENTS_PREPARED,
        "export_days": settings.DATASET_EXPORT_RETENTION_DAYS,
    }
    return render(request, template, context)


class SearchForm(forms.Form):
    q = forms.CharField(label="Search indicators, agencies and actions", max_length=100, required=False, strip=True)


# Fewer than this many characters would match nearly everything; the page asks for more instead.
MIN_QUERY = 2
SEARCH_LIMIT = 20


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    context: dict = {"form": form, "q": text, "too_short": 0 < len(text) < MIN_QUERY}
    if len(text) >= MIN_QUERY:
        results = {
            "indicators": indicators_matching(user=request.user, text=text, limit=SEARCH_LIMIT),
            "agencies": agencies_matching(user=request.user, text=text, limit=SEARCH_LIMIT),
            "actions": actions_matching(user=request.user, text=text, limit=SEARCH_LIMIT),
        }
        capped = any(len(found) >= SEARCH_LIMIT for found in results.values())
        context.update(results, total=sum(len(found) for found in results.values()), capped=capped, limit=SEARCH_LIMIT)
    return render(request, "pages/search.html", context)
