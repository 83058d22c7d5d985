"""Way-finding: breadcrumbs on every page below home, catalogue rows that lead to indicator pages, a menu that
collapses before it runs out of room."""

from __future__ import annotations

import re

from django.urls import reverse

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


def test_the_menu_collapses_below_the_widest_breakpoint_and_wraps_rather_than_clips(client, analyst):
    client.force_login(analyst)
    page = client.get(reverse("dataset:return_list")).content.decode()
    assert "navbar-expand-xxl" in page and "navbar-expand-xl " not in page
    assert 'role="search"' in page and 'for="header-search"' in page
