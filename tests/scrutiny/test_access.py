"""Every scrutiny URL x persona, GET and POST. Partnership readers read; the scrutineer and the analyst
edit; members' POSTs, agency leads, the unlinked account and the site admin are 404, and the database
does not change."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.scrutiny.conftest import PDF, db_state

PERSONAS = ["csc_lead", "police_lead", "analyst", "member", "scrutineer", "admin_user", "no_agency_user"]
READERS = {"analyst", "member", "scrutineer"}
EDITORS = {"analyst", "scrutineer"}

READ_PAGES = {"outcome_list", "audit_list", "audit_detail", "evidence_list", "evidence_attachment", "training_list"}


def urls(outcome, audit, case, evidence) -> dict[str, str]:
    return {
        "outcome_list": reverse("scrutiny:outcome_list"),
        "outcome_create": reverse("scrutiny:outcome_create"),
        "outcome_edit": reverse("scrutiny:outcome_edit", args=[outcome.pk]),
        "audit_list": reverse("scrutiny:audit_list"),
        "audit_create": reverse("scrutiny:audit_create"),
        "audit_detail": reverse("scrutiny:audit_detail", args=[audit.pk]),
        "case_create": reverse("scrutiny:case_create", args=[audit.pk]),
        "case_edit": reverse("scrutiny:case_edit", args=[case.pk]),
        "evidence_list": reverse("scrutiny:evidence_list"),
        "evidence_create": reverse("scrutiny:evidence_create"),
        "evidence_edit": reverse("scrutiny:evidence_edit", args=[evidence.pk]),
        "evidence_attachment": reverse("scrutiny:evidence_attachment", args=[evidence.pk]),
        "training_list": reverse("scrutiny:training_list"),
        "training_create": reverse("scrutiny:training_create"),
    }


def expected_get(persona: str, name: str) -> int:
    if persona in EDITORS:
        return 200
    if persona == "member":
        return 200 if name in READ_PAGES else 404  # the form pages are for editors only
    return 404


def hijack(period, csc) -> dict:
    """Valid data for every form: a POST that got through would change the database."""
    return {
        "title": "Hijacked",
        "key_questions": "Hijacked?",
        "expected_sources": ["audit"],
        "position": "0",
        "period": str(period.pk),
        "scope": "Hijacked",
        "case_reference": "MAA-HIJACK",
        "agency": str(csc.pk),
        "grade_identification": "inadequate",
        "grade_history": "inadequate",
        "grade_impact": "inadequate",
        "grade_actions": "inadequate",
        "findings": "Hijacked",
        "source": "data",
        "gathered_on": "2020-01-01",
        "summary": "Hijacked",
        "held_on": "2020-01-01",
        "scale_max": "10",
        "respondents": "5",
        "mean_before": "2",
        "mean_after": "9",
        "upload": SimpleUploadedFile("hijack.pdf", PDF, content_type="application/pdf"),
    }


@pytest.fixture
def everything(outcome, audit, case, evidence, training):
    return urls(outcome, audit, case, evidence)


@pytest.mark.parametrize("persona", PERSONAS)
def test_get_by_persona(client, request, everything, persona):
    client.force_login(request.getfixturevalue(persona))
    before = db_state()
    for name, url in everything.items():
        assert client.get(url).status_code == expected_get(persona, name), name
    assert db_state() == before


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in EDITORS])
def test_nobody_but_the_editors_can_post(client, request, everything, period, csc, persona):
    client.force_login(request.getfixturevalue(persona))
    before = db_state()
    for name, url in everything.items():
        assert client.post(url, hijack(period, csc)).status_code == 404, name
    assert db_state() == before


@pytest.mark.parametrize("persona", sorted(EDITORS))
def test_the_editors_posts_change_things(client, request, everything, period, csc, persona):
    client.force_login(request.getfixturevalue(persona))
    for name in (
        "outcome_create",
        "outcome_edit",
        "audit_create",
        "case_create",
        "case_edit",
        "evidence_create",
        "evidence_edit",
        "training_create",
    ):
        data = hijack(period, csc)
        if name == "case_edit":
            data["case_reference"] = "MAA-HIJACK-2"  # MAA-HIJACK was just added to the same audit
        response = client.post(everything[name], data)
        assert response.status_code == 302, (name, response.content.decode()[:3000])


def test_signed_out_visitors_are_sent_to_sign_in(client, everything):
    for url in everything.values():
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
