"""Behaviour of the published validation rules page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dataset.returns import validation


@pytest.mark.parametrize("persona", ["csc_lead", "member", "analyst", "no_agency_user"])
def test_every_signed_in_person_sees_every_rule(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("dataset:validation_rules"))

    assert response.status_code == 200
    text = response.content.decode()
    assert validation.RULES
    for rule in validation.RULES:
        assert f'<th scope="row">{rule.code}</th>' in text, rule.code


def test_errors_and_queries_are_in_separate_tables(client, member):
    client.force_login(member)

    text = client.get(reverse("dataset:validation_rules")).content.decode()

    tables = re.findall(r"<table.*?</table>", text, re.S)
    assert len(tables) == 2
    errors, queries = tables
    for rule in validation.RULES:
        assert (f">{rule.code}<" in errors) == (rule.kind == validation.ERROR), rule.code
        assert (f">{rule.code}<" in queries) == (rule.kind == validation.QUERY), rule.code
    assert "block submission" in text and "explanation" in text
    assert all("<caption" in table for table in tables)


def test_it_needs_a_sign_in(client):
    response = client.get(reverse("dataset:validation_rules"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
