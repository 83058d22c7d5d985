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
        items.append(("Dashboard", reverse("dashboard")))
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


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str


def _breadcrumbs(path: str, nav: list[NavItem], home: str) -> list[Crumb]:
    """Home, then the menu section the page sits in, unless the page is that section's own page. Pages
    inside a section (a return, an indicator) so always have a way back up."""
    if path == home:
        return []
    crumbs = [Crumb("Home", home)]
    section = next((item for item in nav if item.active and item.url != home), None)
    if section is not None and section.url != path:
        crumbs.append(Crumb(section.label, section.url))
    return crumbs


# Bootstrap's breakpoints, and the portal's own (portal.css) for the longest menus; past it, always collapsed.
EXPAND_AT = (("lg", 992), ("xl", 1200), ("xxl", 1400), ("wide", 1800))
# The header's parts as laid out (measured in Chromium with the CI's font, DejaVu Sans, 16 px): the brand, the search
# box, the Notifications link with a one-digit count and the gap after it, the bar's padding; the account button's
# frame and a character of the name on it; each menu item's padding, and each label's text (a character's for any
# other label). The count's room is the margin: without one the row has about 30 px to spare.
HEADER_FIXED_PX = 150 + 186 + 137 + 16 + 24
ACCOUNT_PX, NAME_CHAR_PX = 30, 8
ITEM_PX, LABEL_CHAR_PX = 12.8, 9.6
LABEL_PX = {
    "Dashboard": 86.8, "Dataset": 62.6, "Returns": 61.4, "Tracker": 57.7, "Action plans": 98.1, "Scrutiny": 66.0,
    "Agencies": 72.5, "Review": 57.1, "Chase": 49.3, "Quarters": 70.1, "Indicators": 79.0, "My agency": 86.6,
    "My figures": 83.1, "Action plan": 89.7, "Administration": 117.1,
}  # fmt: skip


def header_width(labels: list[str], name: str) -> float:
    """How wide the header must be to show the whole menu on one row."""
    items = sum(ITEM_PX + LABEL_PX.get(label, LABEL_CHAR_PX * len(label)) for label in labels)
    return HEADER_FIXED_PX + ACCOUNT_PX + NAME_CHAR_PX * len(name) + items


def expand_class(width: float) -> str:
    """The navbar-expand-* class that shows the menu in a row only where it fits, so no role's menu wraps or clips
    and a short menu is not hidden behind a button on a desktop."""
    name = next((name for name, at in EXPAND_AT if width <= at), None)
    return f"navbar-expand-{name}" if name else ""


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    home = reverse("home")
    if user is None or not user.is_authenticated:
        # Signed out: the public pages lead back home (which asks them to sign in); sign-in pages need no trail.
        public = not request.path.startswith("/accounts/")
        return {"nav_items": [], "breadcrumbs": _breadcrumbs(request.path, [], home) if public else []}
    path = request.path
    items = _items(request)
    # The most specific link that contains the current path is the current page (aria-current).
    best = max((url for _, url in items if path == url or (url != "/" and path.startswith(url))), key=len, default=None)
    nav = [NavItem(label, url, url == best) for label, url in items]
    search_q = request.GET.get("q", "")[:100] if path == reverse("search") else ""
    expand = expand_class(header_width([label for label, _ in items], user.display_name))
    return {
        "nav_items": nav,
        "breadcrumbs": _breadcrumbs(path, nav, home),
        "search_q": search_q,
        "nav_expand": expand,
        "nav_breakpoint": expand.removeprefix("navbar-expand-"),
    }
