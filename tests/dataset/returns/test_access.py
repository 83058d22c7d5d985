"""Every return URL x every persona, GET and POST: out of scope is 404 and the database does not change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dataset.models import Return, ReturnValue
from dataset.returns import services
from neglect_portal.lifecycle import State
from tests.dataset.conftest import fill

URLS = [
    "return_detail",
    "return_edit",
    "return_submit",
    "return_history",
    "return_accept",
    "return_send_back",
    "return_reopen",
]
PERSONAS = ["csc_lead", "police_lead", "analyst", "member", "scrutineer", "admin_user", "no_agency_user"]


def snapshot():
    return (
        list(Return.objects.order_by("pk").values_list("status", "version", "revision", "status_reason")),
        list(ReturnValue.objects.order_by("pk").values_list("numerator", "denominator", "value", "commentary")),
    )


def expected_get(persona: str, name: str, status: str) -> int:
    readable = persona in {"csc_lead", "analyst"} or (persona in {"member", "scrutineer"} and status == "accepted")
    if name in {"return_detail", "return_history"}:
        return 200 if readable else 404
    if name == "return_edit":
        return 200 if persona == "csc_lead" else 404
    return 405  # POST-only, for any id at all: a GET reveals nothing


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", URLS)
@pytest.mark.parametrize("status", ["draft", "accepted"])
def test_get_by_persona(client, request, csc_return, csc_lead, analyst, persona, name, status):
    if status == "accepted":
        fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
        csc_return.refresh_from_db()
        ret = services.return_submit(
            signed_off=True, ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version
        )
        services.return_accept(ret=ret, acting_user=analyst)
    client.force_login(request.getfixturevalue(persona))
    before = snapshot()
    response = client.get(reverse(f"dataset:{name}", args=[csc_return.pk]))
    assert response.status_code == expected_get(persona, name, status)
    assert snapshot() == before


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "csc_lead"])
@pytest.mark.parametrize("name", ["return_edit", "return_submit"])
def test_nobody_but_the_agency_can_post_figures(client, request, csc_return, persona, name):
    client.force_login(request.getfixturevalue(persona))
    before = snapshot()
    response = client.post(
        reverse(f"dataset:{name}", args=[csc_return.pk]),
        {"seen_version": csc_return.version, "N28-value": "99", "N28-commentary": "hack"},
    )
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "analyst"])
@pytest.mark.parametrize("name", ["return_accept", "return_send_back", "return_reopen"])
def test_nobody_but_the_analyst_can_review(client, request, csc_return, csc_lead, persona, name):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    csc_return.refresh_from_db()
    services.return_submit(signed_off=True, ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version)
    client.force_login(request.getfixturevalue(persona))
    before = snapshot()
    response = client.post(reverse(f"dataset:{name}", args=[csc_return.pk]), {"reason": "x"})
    assert response.status_code == 404
    assert snapshot() == before


def test_forms_ignore_agency_status_and_version_fields_in_the_request(client, csc_return, csc_lead, police):
    client.force_login(csc_lead)
    client.post(
        reverse("dataset:return_edit", args=[csc_return.pk]),
        {
            "seen_version": csc_return.version,
            "N28-value": "24",
            "agency": police.pk,
            "status": "accepted",
            "version": 99,
            "reviewed_by": 1,
        },
    )
    csc_return.refresh_from_db()
    assert (csc_return.agency, csc_return.status, csc_return.version) == (csc_lead.agency, State.DRAFT, 2)


def test_the_review_queue_is_the_analysts_alone(client, csc_lead, member, analyst, csc_return):
    for user, code in ((csc_lead, 404), (member, 404), (analyst, 200)):
        client.force_login(user)
        assert client.get(reverse("review_queue")).status_code == code
        assert client.post(reverse("review_accept_many"), {"returns": [csc_return.pk]}).status_code in (
            {code} if code == 404 else {400, 302}
        )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["return_detail", "return_history"])
def test_read_pages_do_not_answer_a_post(client, request, csc_return, persona, name):
    client.force_login(request.getfixturevalue(persona))
    before = snapshot()
    assert client.post(reverse(f"dataset:{name}", args=[csc_return.pk]), {"N28-value": "9"}).status_code == 405
    assert snapshot() == before
