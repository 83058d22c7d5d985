"""Case references are pseudonyms: names and dates of birth are refused, with a message saying why."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scrutiny.forms import case_reference_problem
from scrutiny.models import CaseAudit

NAMES = ["Jane Smith", "Mary-Ann O'Neil", "Tom O'Brien-Jones", "case of Jane Smith", "Smith, Jane", "Ali Khan 07"]
DATES = [
    "12/03/2015",
    "2015-03-12",
    "12 March 2015",
    "12th Mar 2015",
    "March 12, 2015",
    "MAA 12.03.15",
    "dob 1-3-2015",
    "3/12/15",
]
PSEUDONYMS = ["MAA-2020-07", "MAA-01", "CSC/0423", "Case A", "Child B (sibling of C)", "NP-20-113", "A12345"]


@pytest.mark.parametrize("value", NAMES)
def test_it_refuses_names(value):
    assert "name" in case_reference_problem(value)


@pytest.mark.parametrize("value", DATES)
def test_it_refuses_dates_of_birth(value):
    assert "date of birth" in case_reference_problem(value)


@pytest.mark.parametrize("value", PSEUDONYMS)
def test_it_accepts_pseudonyms(value):
    assert case_reference_problem(value) is None


def case_data(reference: str, agency) -> dict[str, str]:
    return {
        "case_reference": reference,
        "agency": str(agency.pk),
        "grade_identification": "good",
        "grade_history": "good",
        "grade_impact": "good",
        "grade_actions": "inadequate",
        "findings": "Chronology not used.",
        "actions": "",
    }


def test_the_form_says_why_and_saves_nothing(client, scrutineer, audit, csc):
    client.force_login(scrutineer)
    url = reverse("scrutiny:case_create", args=[audit.pk])
    page = client.get(url)
    assert "Use a pseudonymous case reference: never a name or date of birth" in page.content.decode()
    before = CaseAudit.objects.count()
    for value in ("Jane Smith", "12/03/2015"):
        response = client.post(url, case_data(value, csc))
        assert response.status_code == 400
        body = response.content.decode()
        assert "There is a problem" in body
        assert "never a" in body
    assert CaseAudit.objects.count() == before


def test_a_pseudonym_is_saved_with_its_history(client, analyst, audit, csc):
    client.force_login(analyst)
    response = client.post(reverse("scrutiny:case_create", args=[audit.pk]), case_data("MAA-2020-09", csc))
    assert response.status_code == 302
    case = CaseAudit.objects.get(case_reference="MAA-2020-09")
    record = case.history.latest()
    assert record.history_user == analyst
    assert record.history_source == "form"


def test_a_duplicate_reference_in_the_same_audit_is_refused(client, scrutineer, audit, csc):
    client.force_login(scrutineer)
    response = client.post(reverse("scrutiny:case_create", args=[audit.pk]), case_data("MAA-01", csc))
    assert response.status_code == 400
    assert "already has a case" in response.content.decode()


def test_editing_a_case_checks_the_reference_too(client, scrutineer, case, csc):
    client.force_login(scrutineer)
    url = reverse("scrutiny:case_edit", args=[case.pk])
    assert client.post(url, case_data("Mary-Ann O'Neil", csc)).status_code == 400
    assert client.post(url, case_data("MAA-01", csc)).status_code == 302
    case.refresh_from_db()
    assert case.grade_actions == "inadequate"
