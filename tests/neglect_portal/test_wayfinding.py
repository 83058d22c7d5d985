"""Way-finding: breadcrumbs on every page below home, catalogue rows that lead to indicator pages, a menu that
collapses before it runs out of room."""

from __future__ import annotations

import re
from datetime import date

from django.urls import reverse

from dataset.models import ReportingPeriod, Return, ReturnValue
from neglect_portal.lifecycle import State
from notifications.models import Kind, Notification
from tests.factories import IndicatorFactory


def crumbs(page: str) -> list[tuple[str, str]]:
    trail = re.search(r'<nav class="container" aria-label="Breadcrumb".*?</nav>', page, re.S)
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', trail.group(0)) if trail else []


def test_a_page_inside_a_section_leads_home_and_up_to_the_section(client, analyst):
    client.force_login(analyst)
    page = client.get(reverse("dataset:check_list")).content.decode()
    assert crumbs(page) == [(reverse("home"), "Home"), (reverse("dataset:indicator_list"), "Indicators")]


def test_a_sections_own_page_leads_home_and_home_has_no_trail(client, analyst):
    client.force_login(analyst)
    assert crumbs(client.get(reverse("dataset:indicator_list")).content.decode()) == [(reverse("home"), "Home")]
    assert crumbs(client.get(reverse("home")).content.decode()) == []


def test_public_pages_lead_home_and_sign_in_has_no_trail(client, db):
    assert crumbs(client.get(reverse("help")).content.decode()) == [(reverse("home"), "Home")]
    assert crumbs(client.get(reverse("login")).content.decode()) == []


def test_catalogue_rows_link_to_their_indicator_pages(client, csc_lead):
    IndicatorFactory(code="N18", title="Neglect CIN plans open more than 12 months")
    client.force_login(csc_lead)
    page = client.get(reverse("dataset:indicator_list")).content.decode()
    link = f'<a href="{reverse("dataset:indicator", args=["N18"])}">'
    assert f"{link}N18</a>" in page and f"{link}Neglect CIN plans open more than 12 months</a>" in page


def test_the_menu_collapses_where_the_roles_own_items_stop_fitting(client, analyst, admin_user):
    client.force_login(admin_user)  # one item: a row from 992 px
    assert 'class="navbar navbar-expand-lg ' in client.get(reverse("notifications:list")).content.decode()
    client.force_login(analyst)  # eleven items: a row only on the widest screens, behind the button below
    page = client.get(reverse("dataset:return_list")).content.decode()
    assert 'class="navbar navbar-expand-wide ' in page
    assert 'role="search"' in page and 'for="header-search"' in page


def test_the_menu_button_says_how_many_notifications_are_unread(client, analyst):
    client.force_login(analyst)
    assert 'aria-label="Menu">' in client.get(reverse("dataset:return_list")).content.decode()
    for n in range(2):
        Notification.objects.create(recipient=analyst, kind=Kind.SUBMITTED, subject=f"Return {n}", text="Submitted.")
    page = client.get(reverse("dataset:return_list")).content.decode()
    assert 'aria-label="Menu, 2 unread notifications"' in page
    assert re.search(r'data-testid="menu-button".*?data-testid="menu-unread">2</span>\s*</button>', page, re.S)


def test_a_catalogue_indicator_with_no_published_figures_says_so(client, csc_lead, csc):
    indicator = IndicatorFactory(code="N40", title="Workforce trained in neglect", definition="Staff trained.")
    indicator.suppliers.set([csc])
    client.force_login(csc_lead)
    response = client.get(reverse("dataset:indicator", args=["N40"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No figures yet:</strong> this indicator has no accepted returns in the published dataset" in page
    assert "Staff trained." in page and "Children&#x27;s Social Care" in page
    assert "Not yet asked for in any quarter's return" in page
    assert crumbs(page) == [(reverse("home"), "Home"), (reverse("dataset:dataset"), "Dataset")]


def test_an_unknown_indicator_code_is_still_not_found(client, csc_lead):
    client.force_login(csc_lead)
    assert client.get(reverse("dataset:indicator", args=["N99"])).status_code == 404


def test_an_indicator_without_figures_names_the_first_quarter_that_asks_for_it(client, csc_lead, csc):
    indicator = IndicatorFactory(code="N41", title="Neglect champions in post")
    for year in (2021, 2020):  # the earlier quarter is named, whichever was made first
        period = ReportingPeriod.objects.create(
            year=year, quarter=2, opens_on=date(year, 10, 1), due_on=date(year, 10, 20), locks_on=date(year, 11, 20)
        )
        ret = Return.objects.create(agency=csc, period=period, status=State.DRAFT)
        ReturnValue.objects.create(ret=ret, indicator=indicator)
    client.force_login(csc_lead)
    page = client.get(reverse("dataset:indicator", args=["N41"])).content.decode()
    assert "No figures yet:" in page and "Asked for in returns from 2020-21 Q2" in page
