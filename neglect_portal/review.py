"""The analyst's review queue: submitted returns and submitted action-plan reports together, oldest first.

It lives in the composition root because it joins two apps: `dataset` may not know of action plans, and a
queue of returns alone left reports out of review. Each app still owns its own reads and writes (its
selectors and services); this page only puts them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from actionplans import selectors as plan_selectors
from agencies import access
from dataset.returns import selectors as return_selectors
from dataset.returns import services as return_services
from dataset.returns.forms import AcceptManyForm


@dataclass(frozen=True)
class Waiting:
    kind: str  # "Return" or "Action plan report"
    agency: str
    period: str
    submitted_at: datetime | None
    submitted_by: str
    url: str
    return_pk: int | None  # returns can be accepted several at once; reports are read one by one


def waiting_for_review(*, user) -> tuple[list, list[Waiting]]:
    """(the returns in the queue, every item waiting: returns and reports, oldest submission first)."""
    returns = list(return_selectors.review_queue(user=user))
    reports = plan_selectors.reports_to_review(user=user)
    items = [
        Waiting(
            "Return",
            r.agency.name,
            r.period.label,
            r.submitted_at,
            str(r.submitted_by or ""),
            r.get_absolute_url(),
            r.pk,
        )
        for r in returns
    ] + [
        Waiting(
            "Action plan report",
            r.agency.name,
            r.period.label,
            r.submitted_at,
            str(r.submitted_by or ""),
            r.get_absolute_url(),
            None,
        )
        for r in reports
    ]
    items.sort(key=lambda w: (w.submitted_at is None, w.submitted_at or datetime.min, w.kind))
    return returns, items


def _page(request: HttpRequest, form: AcceptManyForm, items: list[Waiting], status: int = 200) -> HttpResponse:
    return render(
        request,
        "review/queue.html",
        {
            "items": items,
            "form": form,
            "return_count": sum(1 for w in items if w.return_pk),
            "report_count": sum(1 for w in items if not w.return_pk),
        },
        status=status,
    )


@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    if not access.can_manage(request.user):
        raise Http404("Not found")
    returns, items = waiting_for_review(user=request.user)
    return _page(request, AcceptManyForm(queue=returns), items)


@require_POST
def review_accept_many(request: HttpRequest) -> HttpResponse:
    if not access.can_manage(request.user):
        raise Http404("Not found")
    returns, items = waiting_for_review(user=request.user)
    form = AcceptManyForm(request.POST, queue=returns)
    if not form.is_valid():
        return _page(request, form, items, status=400)
    accepted, skipped = return_services.returns_accept_many(ids=form.cleaned_data["returns"], acting_user=request.user)
    if accepted:
        messages.success(request, f"Accepted {len(accepted)} return(s): " + ", ".join(str(r.agency) for r in accepted))
    for ret, why in skipped:
        messages.warning(request, f"Not accepted: {ret}. {why}")
    return redirect("review_queue")
