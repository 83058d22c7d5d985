"""The action-plan report as quarterly work the tracker, chase list and reminders follow (registered with
dataset.tracker.other_work in ActionplansConfig.ready)."""

from __future__ import annotations

from django.urls import reverse

from dataset.tracker.other_work import Found, WorkKind

from .models import ActionPlan, ProgressReport


def _expected(periods) -> dict[int, set[int]]:
    """An agency owes a report for each quarter its plan covers, from the first full quarter after the director
    signed the plan off (a plan not signed off: from the quarter it starts in). One query."""
    plans = list(
        ActionPlan.objects.filter(agency__active=True).values_list("agency_id", "starts_on", "ends_on", "signed_off_on")
    )
    return {
        p.pk: {
            agency_id
            for agency_id, starts, ends, signed in plans
            if starts <= p.end and ends >= p.start and (signed is None or signed < p.start)
        }
        for p in periods
    }


def _found(period_ids: list[int]) -> dict[tuple[int, int], Found]:
    rows = ProgressReport.objects.filter(period_id__in=period_ids).values(
        "pk", "agency_id", "period_id", "status", "submitted_at"
    )
    return {
        (r["agency_id"], r["period_id"]): Found(r["status"], r["pk"], r["submitted_at"] and r["submitted_at"].date())
        for r in rows
    }


REPORTS = WorkKind(
    name="Action plan report",
    expected=_expected,
    found=_found,
    detail_url=lambda pk: reverse("actionplans:report_detail", args=[pk]),
    list_url=lambda: reverse("actionplans:plan_list"),
)
