"""The search in the header: indicators by code or title, agencies, actions; each only where its reader may go."""

from __future__ import annotations

import pytest
from django.urls import reverse

from actionplans.models import Action
from tests.factories import ActionFactory, IndicatorFactory
from tests.pages import assert_accessible_outline, outline


@pytest.fixture
def catalogue(csc, police):
    for code, title in (("N1", "Referrals for neglect"), ("N10", "Neglect plans open"), ("N2", "School absence")):
        IndicatorFactory(code=code, title=title)
    for agency, text in ((csc, "Recruit 24 neglect champions"), (police, "Sixty-second neglect briefings")):
        ActionFactory(plan__agency=agency, description=text)


def search(client, text: str) -> str:
    response = client.get(reverse("search"), {"q": text})
    assert response.status_code == 200
    return response.content.decode()


def test_an_exact_code_comes_first(client, analyst, catalogue):
    client.force_login(analyst)
    page = search(client, "n1")
    assert page.index("<strong>N1</strong>") < page.index("<strong>N10</strong>")
    assert "School absence" not in page
    assert f'href="{reverse("dataset:indicator", args=["N1"])}"' in page


def test_a_lead_finds_only_their_own_agency_and_actions(client, csc_lead, catalogue):
    client.force_login(csc_lead)
    page = search(client, "neglect")
    assert "Recruit 24 neglect champions" in page
    assert "Sixty-second" not in page
    assert "Referrals for neglect" in page  # the catalogue is everyone's
    agencies = search(client, "Police")
    assert "Sussex Police" not in agencies and "0 results" in agencies


def test_a_partnership_reader_finds_every_agencys_actions_linked_to_their_plan(client, member, catalogue, police):
    client.force_login(member)
    page = search(client, "briefings")
    action = Action.objects.get(description__startswith="Sixty")
    assert f'href="{reverse("actionplans:plan_detail", args=[action.plan_id])}#action-{action.pk}"' in page
    assert "1 result for" in page
    assert f'href="{reverse("agencies:detail", args=[police.pk])}"' in search(client, "sussex")


def test_a_user_with_no_agency_finds_nothing(client, no_agency_user, catalogue):
    client.force_login(no_agency_user)
    assert "0 results" in search(client, "neglect")


def test_a_one_letter_search_asks_for_more(client, analyst, catalogue):
    client.force_login(analyst)
    page = search(client, "n")
    assert "Enter at least 2 characters" in page and "<strong>N1</strong>" not in page


def test_the_search_page_is_accessible_and_the_header_keeps_the_words(client, analyst, catalogue):
    client.force_login(analyst)
    response = client.get(reverse("search"), {"q": "neglect <b>"})
    assert_accessible_outline("search", outline(response))
    page = response.content.decode()
    assert 'value="neglect &lt;b&gt;"' in page and "<b>" not in page.split("<main", 1)[1]


def test_searching_needs_signing_in(client, db):
    response = client.get(reverse("search"), {"q": "neglect"})
    assert response.status_code == 302 and reverse("login") in response.url
