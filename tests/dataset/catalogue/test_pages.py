"""Behaviour of the indicator pages: everyone signed in reads the catalogue; only the analyst changes it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dataset.models import HistorySource, Indicator, Polarity, Unit
from neglect_portal.strategy import Objective


def make_indicator(code: str = "N28", *, suppliers=(), **fields) -> Indicator:
    values = {
        "title": "Neglect champions in post",
        "definition": "Champions at quarter end.",
        "unit": Unit.COUNT,
        "polarity": Polarity.HIGHER,
        "objective": Objective.RECOGNISE,
        **fields,
    }
    indicator = Indicator.objects.create(code=code, **values)
    indicator.suppliers.set(suppliers)
    return indicator


def form_data(**changes) -> dict:
    data = {
        "code": "N40",
        "title": "Children seen alone at neglect visits",
        "definition": "Visits to children on neglect plans where the child was seen alone.",
        "unit": "count",
        "numerator_label": "",
        "denominator_label": "",
        "polarity": "higher",
        "objective": "respond",
        "suppliers": [],
        "target": "",
        "red_threshold": "",
        "tolerance_pct": "25",
        "benchmark_value": "",
        "benchmark_source": "",
        "benchmark_year": "",
        "active": "on",
    }
    data.update(changes)
    return data


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def champions(csc, police):
    return make_indicator("N28", suppliers=[csc, police])


@pytest.fixture
def referrals(csc):
    return make_indicator(
        "N18",
        title="CIN plans open more than 12 months",
        unit=Unit.PERCENTAGE,
        numerator_label="Open more than 12 months",
        denominator_label="Open neglect CIN plans",
        polarity=Polarity.LOWER,
        objective=Objective.RESPOND,
        target=Decimal("25"),
        red_threshold=Decimal("35"),
        suppliers=[csc],
    )


# --- the list ------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["csc_lead", "member", "scrutineer", "analyst", "no_agency_user"])
def test_every_signed_in_person_can_read_the_catalogue(client, request, persona, champions, referrals):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("dataset:indicator_list"))

    assert response.status_code == 200
    text = page(response)
    assert "Neglect champions in post" in text and "CIN plans open more than 12 months" in text
    assert "CSC, Police" in text  # suppliers by short name
    assert "Target 25 (red above 35)" in text
    assert "Lower is better" in text and "Percentage" in text


def test_the_list_is_grouped_by_objective_in_the_strategys_order(client, member, champions, referrals):
    client.force_login(member)

    text = page(client.get(reverse("dataset:indicator_list")))

    main = text[text.index("<main") : text.index("</main>")]  # the session warning's dialog has its own heading
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", main)
    assert headings == ["Recognise", "Respond"]
    assert text.index(">N28<") < text.index(">Respond</h2>") < text.index(">N18<")


def test_the_list_filters_by_objective_and_hides_retired_indicators_unless_asked(client, member, champions, referrals):
    retired = make_indicator("N99", title="An old measure", active=False)
    client.force_login(member)
    url = reverse("dataset:indicator_list")

    assert retired.title not in page(client.get(url))
    assert retired.title in page(client.get(url, {"retired": "on"}))
    respond_only = page(client.get(url, {"objective": "respond"}))
    assert "CIN plans open more than 12 months" in respond_only and "Neglect champions" not in respond_only


def test_only_the_analyst_is_offered_the_edit_links(client, csc_lead, analyst, champions):
    client.force_login(csc_lead)
    assert reverse("dataset:indicator_create") not in page(client.get(reverse("dataset:indicator_list")))
    client.force_login(analyst)
    text = page(client.get(reverse("dataset:indicator_list")))
    assert (
        reverse("dataset:indicator_create") in text and reverse("dataset:indicator_edit", args=[champions.pk]) in text
    )


def test_someone_not_signed_in_is_sent_to_sign_in(client, champions):
    response = client.get(reverse("dataset:indicator_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- create and edit -----------------------------------------------------------------------------
def test_the_analyst_adds_an_indicator_with_its_suppliers(client, analyst, csc, police):
    client.force_login(analyst)

    response = client.post(reverse("dataset:indicator_create"), form_data(code="n40", suppliers=[csc.pk, police.pk]))

    assert response.status_code == 302
    indicator = Indicator.objects.get(code="N40")  # codes are kept in capitals
    assert set(indicator.suppliers.all()) == {csc, police}
    assert indicator.objective == Objective.RESPOND and indicator.active
    first = indicator.history.earliest()
    assert first.history_user == analyst and first.history_source == HistorySource.FORM
    assert {row.agency for row in indicator.history.latest().suppliers.all()} == {csc, police}
    followed = client.get(response.url)
    assert "N40 Children seen alone at neglect visits added" in page(followed)


def test_a_ratio_without_labels_shows_the_error_summary_and_saves_nothing(client, analyst, csc):
    client.force_login(analyst)

    response = client.post(
        reverse("dataset:indicator_create"),
        form_data(unit="percentage", title="Typed title is kept", suppliers=[csc.pk]),
    )

    assert response.status_code == 400
    text = page(response)
    assert "There is a problem" in text
    assert 'href="#id_numerator_label"' in text and 'href="#id_denominator_label"' in text
    assert "needs both a numerator and a denominator label" in text
    assert 'value="Typed title is kept"' in text
    assert not Indicator.objects.exists()


def test_a_duplicate_code_is_refused_with_a_clear_message(client, analyst, csc, champions):
    client.force_login(analyst)

    response = client.post(reverse("dataset:indicator_create"), form_data(code="n28", suppliers=[csc.pk]))

    assert response.status_code == 400
    assert "N28 is already the code of “Neglect champions in post”" in page(response)
    assert Indicator.objects.count() == 1


def test_an_indicator_needs_at_least_one_supplier(client, analyst):
    client.force_login(analyst)

    response = client.post(reverse("dataset:indicator_create"), form_data())

    assert response.status_code == 400
    assert 'href="#id_suppliers_0"' in page(response)
    assert not Indicator.objects.exists()


def test_the_analyst_edits_an_indicator_and_the_change_is_recorded(client, analyst, csc, police, champions):
    client.force_login(analyst)
    url = reverse("dataset:indicator_edit", args=[champions.pk])
    assert 'value="Neglect champions in post"' in page(client.get(url))
    before = champions.history.count()

    response = client.post(
        url,
        form_data(code="N28", title="Neglect champions trained and in post", suppliers=[csc.pk], objective="recognise"),
    )

    assert response.status_code == 302
    champions.refresh_from_db()
    assert champions.title == "Neglect champions trained and in post"
    assert list(champions.suppliers.all()) == [csc]
    assert champions.history.count() == before + 1
    latest = champions.history.latest()
    assert latest.history_user == analyst and latest.history_source == HistorySource.FORM


def test_saving_an_unchanged_indicator_records_nothing(client, analyst, csc, police, champions):
    client.force_login(analyst)
    before = champions.history.count()

    data = form_data(code="N28", title=champions.title, definition=champions.definition, objective="recognise")
    data.update(suppliers=[csc.pk, police.pk], tolerance_pct="25.0")
    response = client.post(reverse("dataset:indicator_edit", args=[champions.pk]), data)

    assert response.status_code == 302
    assert champions.history.count() == before


def test_an_invalid_edit_keeps_what_was_typed_and_changes_nothing(client, analyst, csc, champions):
    client.force_login(analyst)

    response = client.post(
        reverse("dataset:indicator_edit", args=[champions.pk]),
        form_data(code="N28", title="New title", target="10", red_threshold="20", suppliers=[csc.pk]),
    )

    assert response.status_code == 400
    text = page(response)
    assert "There is a problem" in text and "red threshold must be below the target" in text
    assert 'value="New title"' in text
    assert "Edit indicator N28" in text
    champions.refresh_from_db()
    assert champions.title == "Neglect champions in post"


def test_the_analyst_retires_and_restores_an_indicator(client, analyst, champions):
    client.force_login(analyst)
    url = reverse("dataset:indicator_retire", args=[champions.pk])

    response = client.post(url, follow=True)
    champions.refresh_from_db()
    assert not champions.active
    assert "retired: its data is kept" in page(response)
    assert champions.history.latest().history_change_reason == "Retired"

    response = client.post(url, follow=True)
    champions.refresh_from_db()
    assert champions.active
    assert "restored" in page(response)


def test_a_second_retire_click_does_not_restore_it(client, analyst, champions):
    client.force_login(analyst)
    url = reverse("dataset:indicator_retire", args=[champions.pk])

    client.post(url, {"active": "false"})
    client.post(url, {"active": "false"})

    champions.refresh_from_db()
    assert not champions.active


def test_retire_does_not_answer_a_get(client, analyst, champions):
    client.force_login(analyst)
    assert client.get(reverse("dataset:indicator_retire", args=[champions.pk])).status_code == 405
    champions.refresh_from_db()
    assert champions.active


@pytest.mark.parametrize("persona", ["csc_lead", "police_lead", "member", "scrutineer", "no_agency_user"])
def test_no_one_but_the_analyst_can_change_the_catalogue(client, request, persona, csc, champions):
    client.force_login(request.getfixturevalue(persona))
    create = reverse("dataset:indicator_create")
    edit = reverse("dataset:indicator_edit", args=[champions.pk])
    retire = reverse("dataset:indicator_retire", args=[champions.pk])

    assert client.get(create).status_code == 404
    assert client.post(create, form_data(suppliers=[csc.pk])).status_code == 404
    assert client.get(edit).status_code == 404
    assert client.post(edit, form_data(code="N28", title="Changed", suppliers=[csc.pk])).status_code == 404
    assert client.post(retire).status_code == 404

    assert Indicator.objects.count() == 1
    champions.refresh_from_db()
    assert champions.title == "Neglect champions in post" and champions.active
    assert champions.history.count() == 2  # created, then its suppliers set: nothing since


def test_editing_an_indicator_that_does_not_exist_is_a_404(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("dataset:indicator_edit", args=[999])).status_code == 404
