"""The glossary: what the SPC and RAG words mean, for everyone signed in, and linked from where the words appear."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dataset.build import services as dataset_services
from tests.dataset.reading.test_queries import build
from tests.pages import assert_accessible_outline, outline

GLOSSARY = reverse("dataset:glossary")
TERMS = (
    "special-cause",
    "special-cause-improvement",
    "special-cause-concern",
    "special-cause-neutral",
    "common-cause",
    "process-limits",
    "mean",
    "phase",
    "shift",
    "trend",
    "two-of-three",
    "outside-limits",
    "year-to-date",
    "partial-quarter",
    "rag",
    "red",
    "amber",
    "green",
    "blue",
    "target",
    "tolerance",
    "direction-of-travel",
    "improving",
    "worsening",
    "steady",
    "benchmark",
    "completeness",
    "suppressed",
    "missing",
    "not-applicable",
)
PERSONAS = ("csc_lead", "police_lead", "analyst", "member", "scrutineer", "no_agency_user", "admin_user")


def ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_signed_in_role_can_read_the_glossary_with_an_anchor_for_each_term(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(GLOSSARY)
    assert response.status_code == 200
    html = response.content.decode()
    assert set(TERMS) <= ids(html)
    assert_accessible_outline(GLOSSARY, outline(response))
    assert html.count("<dl") >= 4 and "<dt" in html and "<dd" in html


def test_signed_out_readers_are_asked_to_sign_in(client):
    response = client.get(GLOSSARY)
    assert response.status_code == 302 and "login" in response["Location"]


def test_it_says_the_rules_in_plain_english_with_the_numbers_the_build_uses(client, member):
    client.force_login(member)
    text = " ".join(re.sub(r"<[^>]+>", " ", client.get(GLOSSARY).content.decode()).split())
    assert "7 or more quarters in a row all on the same side of the mean" in text
    assert "at least 12 quarters" in text
    assert "starts again each April" in text and "never put on an SPC chart" in text
    assert "never called a rise or a fall" in text
    assert "Complete, with evidence of impact." in text
    assert "a count from 1 to 5" in text


def test_every_link_within_the_glossary_lands_on_a_term(client, member):
    client.force_login(member)
    html = client.get(GLOSSARY).content.decode()
    assert set(re.findall(r'href="#([^"]+)"', html)) <= ids(html)


@pytest.fixture
def published(analyst):
    snapshot = build(2, 2, 3)
    return dataset_services.snapshot_publish(snapshot=snapshot, acting_user=analyst)


def test_the_dataset_page_links_to_the_glossary(client, member, published):
    client.force_login(member)
    assert f'href="{GLOSSARY}"' in client.get(reverse("dataset:dataset")).content.decode()


def test_the_indicator_page_dashboard_and_tracker_link_to_the_glossary(client, member, analyst, published):
    client.force_login(member)
    indicator = client.get(reverse("dataset:indicator", args=["T00"])).content.decode()
    assert f'href="{GLOSSARY}#spc-words"' in indicator
    assert f'href="{GLOSSARY}"' in client.get("/dashboard/").content.decode()
    client.force_login(analyst)
    assert f'href="{GLOSSARY}#completeness"' in client.get(reverse("dataset:tracker")).content.decode()
