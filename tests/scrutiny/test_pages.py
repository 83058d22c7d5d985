"""The scrutiny pages: what they show, what they save (with its history), and the page rules (one h1, a
unique title, labelled fields, captions, no inline script)."""

from __future__ import annotations

import re

from django.urls import reverse

from scrutiny.models import Audit, ImpactOutcome, TrainingSession


def test_the_framework_lists_outcomes_with_questions_sources_and_links(client, member, outcome):
    client.force_login(member)
    body = client.get(reverse("scrutiny:outcome_list")).content.decode()
    assert "Neglect is recognised early" in body
    assert "Do they act on it?" in body
    assert "Multi-agency audit" in body and "Voice of practitioners" in body
    assert "Add an outcome" not in body


def test_an_outcome_is_added_and_edited_with_checkboxes_and_history(client, scrutineer):
    client.force_login(scrutineer)
    page = client.get(reverse("scrutiny:outcome_create")).content.decode()
    assert re.search(r'type="checkbox"[^>]*name="expected_sources" value="voice_children"', page)
    data = {"title": "Families get help early", "key_questions": "Is help offered?", "position": "2"}
    response = client.post(reverse("scrutiny:outcome_create"), {**data, "expected_sources": ["data", "observation"]})
    assert response.status_code == 302
    outcome = ImpactOutcome.objects.get()
    assert outcome.expected_sources == ["data", "observation"]
    response = client.post(
        reverse("scrutiny:outcome_edit", args=[outcome.pk]),
        {**data, "title": "Help comes early", "expected_sources": ["audit"]},
    )
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.title == "Help comes early" and outcome.expected_sources == ["audit"]
    records = list(outcome.history.order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "~"]
    response = client.post(reverse("scrutiny:outcome_edit", args=[outcome.pk]), data)
    assert response.status_code == 400
    assert "Choose at least one evidence source" in response.content.decode()
    assert all(r.history_user == scrutineer and r.history_source == "form" for r in records)


def test_an_outcome_needs_its_questions(client, analyst):
    client.force_login(analyst)
    response = client.post(reverse("scrutiny:outcome_create"), {"title": "No questions", "position": "0"})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not ImpactOutcome.objects.exists()


def test_an_audit_is_added_and_opens_on_its_page(client, analyst, period, csc):
    client.force_login(analyst)
    response = client.post(
        reverse("scrutiny:audit_create"),
        {"title": "Autumn audit", "period": period.pk, "scope": "Six cases.", "auditor_agencies": [csc.pk]},
    )
    audit = Audit.objects.get()
    assert response["Location"] == audit.get_absolute_url()
    assert audit.created_by == analyst and list(audit.auditor_agencies.all()) == [csc]
    body = client.get(audit.get_absolute_url()).content.decode()
    assert "No cases yet, so no summary." in body and "Add a case" in body


def test_evidence_is_filtered_by_source(client, member, evidence, scrutineer):
    client.force_login(member)
    url = reverse("scrutiny:evidence_list")
    assert "Young people&#x27;s group, June" in client.get(url, {"source": "voice_children"}).content.decode()
    filtered = client.get(url, {"source": "audit"}).content.decode()
    assert "Young people" not in filtered and "No evidence from this source yet." in filtered
    assert "Young people" in client.get(url, {"source": "nonsense"}).content.decode()


def test_editing_evidence_keeps_its_attachment_unless_a_new_one_comes(client, scrutineer, evidence, outcome):
    client.force_login(scrutineer)
    stored = evidence.attachment.name
    response = client.post(
        reverse("scrutiny:evidence_edit", args=[evidence.pk]),
        {
            "source": "voice_children",
            "title": "Young people's group, June (revised)",
            "gathered_on": "2020-06-12",
            "summary": "Revised.",
            "outcomes": [outcome.pk],
        },
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.attachment.name == stored and evidence.attachment_type == "pdf"
    assert evidence.history.latest().history_user == scrutineer


def test_training_shows_the_change(client, member, training):
    client.force_login(member)
    body = client.get(reverse("scrutiny:training_list")).content.decode()
    assert "+2.75" in body and "4.50 / 10" in body


def test_a_mean_off_the_scale_is_refused(client, scrutineer):
    client.force_login(scrutineer)
    data = {
        "title": "GCP2",
        "held_on": "2020-05-01",
        "scale_max": "5",
        "respondents": "10",
        "mean_before": "3",
        "mean_after": "7",
    }
    response = client.post(reverse("scrutiny:training_create"), data)
    assert response.status_code == 400
    assert "Mean confidence after must be between 1 and 5" in response.content.decode()
    assert not TrainingSession.objects.exists()
    response = client.post(reverse("scrutiny:training_create"), {**data, "mean_after": "4.5"})
    assert response.status_code == 302
    assert TrainingSession.objects.get().change == 1.5


def test_every_page_keeps_the_page_rules(client, scrutineer, outcome, audit, case, evidence, training):
    client.force_login(scrutineer)
    pages = [
        reverse("scrutiny:outcome_list"),
        reverse("scrutiny:outcome_create"),
        reverse("scrutiny:outcome_edit", args=[outcome.pk]),
        reverse("scrutiny:audit_list"),
        reverse("scrutiny:audit_create"),
        reverse("scrutiny:audit_detail", args=[audit.pk]),
        reverse("scrutiny:case_create", args=[audit.pk]),
        reverse("scrutiny:case_edit", args=[case.pk]),
        reverse("scrutiny:evidence_list"),
        reverse("scrutiny:evidence_create"),
        reverse("scrutiny:evidence_edit", args=[evidence.pk]),
        reverse("scrutiny:training_list"),
        reverse("scrutiny:training_create"),
    ]
    titles = set()
    for url in pages:
        body = client.get(url).content.decode()
        assert body.count("<h1") == 1, url
        title = re.search(r"<title>(.*?)</title>", body, re.S).group(1).strip()
        titles.add(title)
        main = body.split("<main", 1)[-1]
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", main), url
        assert not re.search(r"\son[a-z]+=", main), url  # no inline event handlers
        for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', main):
            if 'type="hidden"' in main.split(f'id="{field_id}"')[0].rsplit("<", 1)[-1]:
                continue
            assert f'for="{field_id}"' in main, (url, field_id)
        if "<table" in main:
            assert main.count("<caption") == main.count("<table"), url
    assert len(titles) == len(pages)


def test_an_invalid_form_shows_the_error_summary(client, scrutineer):
    client.force_login(scrutineer)
    body = client.post(reverse("scrutiny:evidence_create"), {}).content.decode()
    assert 'class="error-summary"' in body
    assert 'href="#id_title"' in body
