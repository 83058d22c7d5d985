"""Navigation by role. Each item is shown only to the roles it serves; later apps add theirs here."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from agencies import access
from agencies.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


def _items(request: HttpRequest) -> list[tuple[str, str]]:
    user = request.user
    items: list[tuple[str, str]] = []
    if access.can_read_all(user):
        items.append(("Dashboard", reverse("home")))
    if user.role == Role.AGENCY_LEAD and user.agency_id:
        items.append(("My agency", reverse("agencies:detail", args=[user.agency_id])))
        items.append(("My figures", reverse("dataset:agency_view")))
        items.append(("Returns", reverse("dataset:return_list")))
    if user.role == Role.AGENCY_LEAD and user.agency_id:
        items.append(("Action plan", reverse("actionplans:plan_list")))
    if user.role != Role.ADMIN and (user.agency_id or access.can_read_all(user)):
        items.append(("Dataset", reverse("dataset:dataset")))
    if access.can_read_all(user):
        items.append(("Returns", reverse("dataset:return_list")))
        items.append(("Tracker", reverse("dataset:tracker")))
        items.append(("Action plans", reverse("actionplans:summary")))
        items.append(("Scrutiny", reverse("scrutiny:outcome_list")))
        items.append(("Agencies", reverse("agencies:list")))
    if access.can_manage(user):
        items.append(("Review", reverse("review_queue")))
        items.append(("Chase", reverse("dataset:chase_list")))
        items.append(("Quarters", reverse("dataset:period_list")))
    if user.role != Role.ADMIN and (user.agency_id or access.can_read_all(user)):
        items.append(("Indicators", reverse("dataset:indicator_list")))
    if access.can_administer(user):
        items.append(("Administration", reverse("admin:index")))
    return items


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = _items(request)
    # The most specific link that contains the current path is the current page (aria-current).
    best = max((url for _, url in items if path == url or (url != "/" and path.startswith(url))), key=len, default=None)
    nav = [NavItem(label, url, url == best) for label, url in items]
    return {"nav_items": nav}
