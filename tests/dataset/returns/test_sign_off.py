"""The sign-off before a return is submitted (DfE COLLECT pattern): required, in GOV.UK words, named in history."""

from __future__ import annotations

import re

from django.urls import reverse

from dataset.models import ReturnValue
from dataset.returns import services
from neglect_portal.lifecycle import State
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
