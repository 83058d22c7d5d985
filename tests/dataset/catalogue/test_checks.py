"""Behaviour of the relationship checks page: everyone signed in reads the checks; only the analyst changes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dataset.models import HistorySource, Indicator, Polarity, RelationshipCheck, Unit
from neglect_portal.strategy import Objective

WHY = "Neglect is the category of most child protection plans."
QUESTION = "Is neglect being recorded as the presenting factor at referral?"


def make_indicator(code: str, title: str, objective: str) -> Indicator:
    return Indicator.objects.create(
        code=code,
        title=title,
        definition=title,
        unit=Unit.PERCENTAGE,
        numerator_label="Part",
        denominator_label="Whole",
        polarity=Polarity.NEITHER,
        objective=objective,
    )


@pytest.fixture
def referrals(db):
    return make_indicator("N01", "Referrals where neglect is the presenting factor", Objective.RECOGNISE)


@pytest.fixture
def plans(db):
    return make_indicator("N16", "Child protection plans under category neglect", Objective.QUANTIFY)


@pytest.fixture
def check(referrals, plans):
    return RelationshipCheck.objects.create(
        indicator=referrals, compared_with=plans, at_least=Decimal("0.5"), why=WHY, question=QUESTION
    )


def form_data(referrals, plans, **changes) -> dict:
    return {
        "indicator": referrals.pk,
        "compared_with": plans.pk,
        "at_least": "0.5",
        "why": WHY,
        "question": QUESTION,
        **changes,
    }


@pytest.mark.parametrize("persona", ["csc_lead", "member", "scrutineer", "analyst", "no_agency_user"])
def test_every_signed_in_person_can_read_the_checks(client, request, persona, check):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("dataset:check_list")).content.decode()
    assert "Relationship checks" in page and "0.5 &times; <strong>N16</strong>" in page and WHY in page
    assert (reverse("dataset:check_edit", args=[check.pk]) in page) == (persona == "analyst")


def test_the_indicator_catalogue_links_to_the_checks(client, member, referrals):
    client.force_login(member)
    assert reverse("dataset:check_list") in client.get(reverse("dataset:indicator_list")).content.decode()


def test_the_analyst_adds_a_check_and_it_is_recorded(client, analyst, referrals, plans):
    client.force_login(analyst)
    response = client.post(reverse("dataset:check_create"), form_data(referrals, plans))
    assert response.status_code == 302 and response.url == reverse("dataset:check_list")
    saved = RelationshipCheck.objects.get()
    assert (saved.indicator, saved.compared_with, saved.at_least, saved.active) == (
        referrals,
        plans,
        Decimal("0.5"),
        True,
    )
    first = saved.history.earliest()
    assert first.history_user == analyst and first.history_source == HistorySource.FORM
    assert "The check of N01 against N16 added" in client.get(response.url).content.decode()


def test_the_analyst_edits_and_deactivates_a_check(client, analyst, check, referrals, plans):
    client.force_login(analyst)
    client.post(reverse("dataset:check_edit", args=[check.pk]), form_data(referrals, plans, at_least="0.4"))
    check.refresh_from_db()
    assert check.at_least == Decimal("0.4")
    assert check.history.latest().history_change_reason == "Changed"

    client.post(reverse("dataset:check_set_active", args=[check.pk]), {"active": "false"})
    client.post(reverse("dataset:check_set_active", args=[check.pk]), {"active": "false"})  # a second click
    check.refresh_from_db()
    assert check.active is False
    assert check.history.latest().history_change_reason == "Deactivated"
    assert check.history.count() == 3  # created, changed, deactivated once


@pytest.mark.parametrize("factor", ["0", "-1", "half", "0.1234"])
def test_a_bad_factor_gets_a_clear_field_error(client, analyst, referrals, plans, factor):
    client.force_login(analyst)
    response = client.post(reverse("dataset:check_create"), form_data(referrals, plans, at_least=factor))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["at_least"]
    assert "such as 0.5" in errors["at_least"][0] or "decimal places" in errors["at_least"][0]
    assert "There is a problem" in response.content.decode()
    assert not RelationshipCheck.objects.exists()


def test_an_indicator_is_not_checked_against_itself_or_twice(client, analyst, check, referrals, plans):
    client.force_login(analyst)
    itself = client.post(reverse("dataset:check_create"), form_data(referrals, referrals))
    assert itself.status_code == 400
    assert itself.context["form"].errors["compared_with"] == ["Choose a different indicator to compare with."]
    twice = client.post(reverse("dataset:check_create"), form_data(referrals, plans))
    assert twice.status_code == 400
    assert "N01 is already checked against N16" in twice.context["form"].errors["compared_with"][0]
    assert RelationshipCheck.objects.count() == 1


@pytest.mark.parametrize("persona", ["csc_lead", "member", "scrutineer", "no_agency_user"])
def test_no_one_but_the_analyst_can_change_the_checks(client, request, persona, check, referrals, plans):
    client.force_login(request.getfixturevalue(persona))
    create = reverse("dataset:check_create")
    edit = reverse("dataset:check_edit", args=[check.pk])
    active = reverse("dataset:check_set_active", args=[check.pk])
    assert client.get(create).status_code == 404
    assert client.post(create, form_data(plans, referrals)).status_code == 404
    assert client.get(edit).status_code == 404
    assert client.post(edit, form_data(referrals, plans, at_least="0.1")).status_code == 404
    assert client.post(active, {"active": "false"}).status_code == 404
    check.refresh_from_db()
    assert (check.at_least, check.active, RelationshipCheck.objects.count()) == (Decimal("0.5"), True, 1)
