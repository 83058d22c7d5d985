from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.pages import assert_accessible_outline, outline


@pytest.mark.parametrize(
    ("persona", "lands_on"),
    [
        ("csc_lead", "tasks"),
        ("analyst", "tasks"),
        ("member", "changes"),
        ("scrutineer", "tasks"),
        ("admin_user", "welcome"),
        ("no_agency_user", "welcome"),
    ],
)
def test_each_role_lands_on_its_own_home_page(client, request, csc, police, persona, lands_on):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    if lands_on in ("tasks", "changes"):
        assert response.redirect_chain == []  # a task list at /, not a redirect
        assert "what to do next" in page.lower() if lands_on == "tasks" else "<h1>What has changed</h1>" in page
        if persona == "csc_lead":
            assert reverse("agencies:detail", args=[csc.pk]) in page  # their agency page stays one click away
        else:
            assert reverse("dashboard") in page
    else:
        assert "Welcome" in page and "Sussex Police" not in page


def test_the_analyst_sees_every_agency_with_its_leads(client, analyst, csc_lead, police_lead):
    client.force_login(analyst)
    page = client.get(reverse("agencies:list")).content.decode()
    assert "Carys Hughes" in page and "Paul Okafor" in page


def test_an_agency_lead_sees_only_their_agency_in_the_list(client, csc_lead, police_lead):
    client.force_login(csc_lead)
    page = client.get(reverse("agencies:list")).content.decode()
    assert "Children&#x27;s Social Care" in page and "Sussex Police" not in page


def test_the_header_names_the_user_their_agency_and_role(client, csc_lead):
    client.force_login(csc_lead)
    page = client.get(reverse("agencies:detail", args=[csc_lead.agency_id])).content.decode()
    who = re.search(r'data-testid="who">(.*?)</div>', page, re.S).group(1)
    assert "Carys Hughes" in who and "Children&#x27;s Social Care" in who and "Agency lead" in who


def test_navigation_follows_the_role(client, csc_lead, analyst, admin_user):
    client.force_login(csc_lead)
    page = client.get(reverse("agencies:detail", args=[csc_lead.agency_id])).content.decode()
    assert "My agency" in page and ">Administration<" not in page
    client.force_login(admin_user)
    assert ">Administration<" in client.get("/").content.decode()


def test_pages_have_a_unique_title_one_h1_ordered_headings_and_a_skip_link(client, db, analyst, csc, member):
    pages = {}
    for url in ("/accounts/login/", reverse("password_reset"), reverse("password_reset_done")):
        pages[url] = client.get(url)
    client.force_login(analyst)
    for url in (reverse("agencies:list"), reverse("agencies:detail", args=[csc.pk]), reverse("password_change")):
        pages[url] = client.get(url)
    client.force_login(member)
    pages["/"] = client.get("/")
    pages["/dashboard/"] = client.get("/dashboard/")
    titles = set()
    for url, response in pages.items():
        parsed = outline(response)
        assert response.status_code == 200, url
        assert_accessible_outline(url, parsed)
        titles.add(parsed.title.strip())
    assert len(titles) == len(pages)


def test_messages_are_announced(client, csc_lead):
    client.force_login(csc_lead)
    response = client.post(reverse("logout"), follow=True)
    assert 'role="status"' in response.content.decode()
    assert "You have signed out." in response.content.decode()
