"""The sign-off before a return is submitted (DfE COLLECT pattern): required, in GOV.UK words, named in history."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.urls import reverse

from dataset.models import ReturnValue
from dataset.returns import services
from neglect_portal.lifecycle import State
from notifications.models import Notification
from tests.dataset.conftest import fill

FIGURES = {"N18-numerator": "150", "N18-denominator": "420", "N28-value": "24", "N28-commentary": ""}
MESSAGE = "Confirm that the figures are accurate and have been checked"


def submit(client, ret, **data):
    return client.post(reverse("dataset:return_submit", args=[ret.pk]), {"seen_version": ret.version, **data})


def test_unticked_sign_off_on_the_edit_page_keeps_the_draft_and_links_the_error(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    response = submit(client, csc_return, **FIGURES)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<a href="#id_sign_off">{MESSAGE}</a>' in page
    assert re.search(r'id="id_sign_off"[^>]*aria-invalid="true" aria-describedby="id_sign_off-error"', page)
    assert 'id="id_sign_off-error"' in page and "Error:</span> " + MESSAGE in page
    csc_return.refresh_from_db()
    assert csc_return.status == State.DRAFT
    # What was typed is saved even though the submission waits for the tick.
    assert ReturnValue.objects.get(ret=csc_return, indicator__code="N18").numerator == "150"


def test_unticked_sign_off_on_the_figures_page_is_refused_with_the_error(client, csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    csc_return.refresh_from_db()
    client.force_login(csc_lead)
    response = submit(client, csc_return)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and f'<a href="#id_sign_off">{MESSAGE}</a>' in page
    csc_return.refresh_from_db()
    assert csc_return.status == State.DRAFT


def test_a_ticked_sign_off_submits_and_history_names_the_signer(client, csc_return, csc_lead):
    csc_lead.first_name, csc_lead.last_name = "Sam", "Okafor"
    csc_lead.save()
    client.force_login(csc_lead)
    response = submit(client, csc_return, sign_off="on", **FIGURES)
    assert response.status_code == 302
    csc_return.refresh_from_db()
    assert csc_return.status == State.SUBMITTED
    record = csc_return.history.filter(status=State.SUBMITTED).get()
    assert record.history_change_reason == (
        f"Submitted and signed off by Sam Okafor: \u201c{services.SIGN_OFF_STATEMENT}.\u201d"
    )
    assert record.history_user == csc_lead
    history = client.get(reverse("dataset:return_history", args=[csc_return.pk])).content.decode()
    assert "signed off by Sam Okafor" in history


def test_the_edit_and_figures_pages_show_the_statement_with_a_label(client, csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    client.force_login(csc_lead)
    for name in ("return_edit", "return_detail"):
        page = client.get(reverse(f"dataset:{name}", args=[csc_return.pk])).content.decode()
        assert '<label class="form-check-label" for="id_sign_off">I confirm these figures are accurate' in page, name


# --- the service insists, whoever calls it ----------------------------------------------------------------------------
@pytest.mark.parametrize("signed_off", [False, None, "on", 1])
def test_the_service_refuses_a_submission_without_the_sign_off_and_changes_nothing(csc_return, csc_lead, signed_off):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    csc_return.refresh_from_db()
    before = (csc_return.version, csc_return.history.count(), Notification.objects.count())
    with pytest.raises(services.NotSignedOff) as refused:
        services.return_submit(
            ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version, signed_off=signed_off
        )
    assert "confirm that the figures are accurate and have been checked" in str(refused.value)
    csc_return.refresh_from_db()
    assert csc_return.status == State.DRAFT and csc_return.submitted_at is None
    assert (csc_return.version, csc_return.history.count(), Notification.objects.count()) == before


def test_the_service_cannot_be_called_without_saying_whether_it_was_signed_off(csc_return, csc_lead):
    with pytest.raises(TypeError):
        services.return_submit(ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version)


def test_a_signed_off_submission_records_the_signer_and_the_time(csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    csc_return.refresh_from_db()
    ret = services.return_submit(ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version, signed_off=True)
    record = ret.history.filter(status=State.SUBMITTED).get()
    assert record.history_user == csc_lead and record.history_change_reason == services.sign_off_note(csc_lead)
    assert abs(record.history_date - ret.submitted_at) < timedelta(seconds=5)


def test_the_page_shows_the_services_refusal_if_the_sign_off_is_lost_on_the_way(client, csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    client.force_login(csc_lead)
    with mock.patch.object(services, "return_submit", side_effect=services.NotSignedOff()):
        response = submit(client, csc_return, sign_off="on")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The return was not submitted: confirm that the figures are accurate" in page
    csc_return.refresh_from_db()
    assert csc_return.status == State.DRAFT


def test_every_caller_in_the_project_says_whether_the_lead_signed_off():
    """Pages, uploads, commands and the demo: every call of return_submit names `signed_off` (the service refuses
    without it). The demo writes its history directly and records the sign-off there (tests/dataset/test_demo.py)."""
    root = Path(__file__).resolve().parents[3]
    calls = []
    for path in root.glob("*/**/*.py"):
        if any(part in {".venv", "tests", "migrations", "node_modules"} for part in path.relative_to(root).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            func = getattr(node, "func", None)
            name = getattr(func, "attr", None) or getattr(func, "id", None)
            if isinstance(node, ast.Call) and name == "return_submit" and isinstance(func, ast.Attribute):
                calls.append((path.relative_to(root).as_posix(), {k.arg for k in node.keywords}))
    assert calls, "no caller found: the search is broken"
    assert [where for where, keywords in calls if "signed_off" not in keywords] == []
