"""The access table (issue 16, item 6): every endpoint for every kind of caller.

A key acts exactly as the person it stands for: an agency key as a lead of its agency (its returns, read and written;
another agency's are 404, as on the pages), a reader key as a partnership reader (accepted returns and the dataset,
read only: writes are 403), and a revoked, expired, malformed or missing key gets 401 everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies import api_keys
from dataset.build import services as dataset_services
from dataset.models import Return
from neglect_portal.lifecycle import State

from .conftest import Api, fill, make_key

PROBLEM = "application/problem+json"


@pytest.fixture
def world(csc_return, police_return, analyst):
    """CSC's draft return filled so it can be submitted; Police's accepted; a published dataset."""
    fill(csc_return, csc_return.updated_by, N18=("150", "420"), N28="24")
    fill(police_return, police_return.updated_by, N28="11")
    Return.objects.filter(pk=police_return.pk).update(status=State.ACCEPTED)
    built = dataset_services.dataset_build(trigger="api access table")
    dataset_services.snapshot_publish(snapshot=built, acting_user=analyst)
    return {"csc": Return.objects.get(pk=csc_return.pk), "police": Return.objects.get(pk=police_return.pk)}


def _etag(ret: Return) -> dict:
    return {"If-Match": f'"{ret.pk}.{ret.version}"'}


# (name, method, url, body, whose return)
ENDPOINTS = [
    ("me", "GET", "/api/v1/me/", None, None),
    ("indicators", "GET", "/api/v1/indicators/", None, None),
    ("indicator", "GET", "/api/v1/indicators/N28/", None, None),
    ("quarters", "GET", "/api/v1/quarters/", None, None),
    ("returns", "GET", "/api/v1/returns/", None, None),
    ("start", "POST", "/api/v1/returns/", {"period": "2020-21 Q1"}, None),
    ("csc detail", "GET", "/api/v1/returns/{csc}/", None, "csc"),
    ("csc values", "GET", "/api/v1/returns/{csc}/values/", None, "csc"),
    ("csc dry run", "PUT", "/api/v1/returns/{csc}/values/?dry_run=true", {"values": {"N28": {"value": 25}}}, "csc"),
    ("csc save", "PUT", "/api/v1/returns/{csc}/values/", {"values": {"N28": {"value": 25}}}, "csc"),
    ("csc submit", "POST", "/api/v1/returns/{csc}/submit/", {"signed_off": True, "signed_off_by": "Jo"}, "csc"),
    ("csc history", "GET", "/api/v1/returns/{csc}/history/", None, "csc"),
    ("police detail", "GET", "/api/v1/returns/{police}/", None, "police"),
    ("police values", "GET", "/api/v1/returns/{police}/values/", None, "police"),
    ("police history", "GET", "/api/v1/returns/{police}/history/", None, "police"),
    ("dataset", "GET", "/api/v1/dataset/", None, None),
]

# What each caller gets. CSC's return is a draft (leads and the analyst only); Police's is accepted (readers too).
EXPECTED = {
    # its return for the quarter exists: found, not started twice; Police's return is not its to read
    "csc lead": {"start": 200, "police detail": 404, "police values": 404, "police history": 404},
    "police lead": {
        "start": 200,
        "csc detail": 404,
        "csc values": 404,
        "csc dry run": 404,
        "csc save": 404,
        "csc submit": 404,
        "csc history": 404,
        # Police's own return is accepted: readable, not changeable
    },
    "reader": {
        "start": 403,
        "csc detail": 404,  # a draft: partnership readers see accepted returns only
        "csc values": 404,
        "csc history": 404,
        "csc dry run": 403,
        "csc save": 403,
        "csc submit": 403,
    },
}
NO_ACCESS = ("revoked", "expired", "holder left", "malformed", "unknown", "none")


def _caller(name, *, analyst, csc, police, member, csc_key, police_key, reader_key) -> Api:
    if name == "csc lead":
        return Api(csc_key.secret)
    if name == "police lead":
        return Api(police_key.secret)
    if name == "reader":
        return Api(reader_key.secret)
    if name == "revoked":
        made = make_key(analyst, agency=csc, name="Old")
        api_keys.key_revoke(key=made.key, acting_user=analyst)
        return Api(made.secret)
    if name == "expired":
        made = make_key(analyst, agency=csc, name="Expired")
        type(made.key).objects.filter(pk=made.key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        return Api(made.secret)
    if name == "holder left":
        made = make_key(analyst, holder=member, name="Left")
        member.is_active = False
        member.save()
        return Api(made.secret)
    if name == "malformed":
        return Api("not-a-key")
    if name == "unknown":
        prefix, secret = csc_key.key.prefix, csc_key.secret
        return Api(f"np_{prefix}_{'x' * 43}" if secret else "")
    return Api()


@pytest.mark.parametrize("caller", ["csc lead", "police lead", "reader", *NO_ACCESS])
@pytest.mark.parametrize("name,method,url,body,whose", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_access_table(
    caller, name, method, url, body, whose, world, analyst, csc, police, member, csc_key, police_key, reader_key
):
    api = _caller(
        caller,
        analyst=analyst,
        csc=csc,
        police=police,
        member=member,
        csc_key=csc_key,
        police_key=police_key,
        reader_key=reader_key,
    )
    ret = world.get(whose) if whose else None
    address = url.format(csc=world["csc"].pk, police=world["police"].pk)
    headers = _etag(ret) if ret is not None and method != "GET" else {}
    response = api.get(address) if method == "GET" else api.send(method, address, body, headers)
    expected = 401 if caller in NO_ACCESS else EXPECTED[caller].get(name, 200)
    assert response.status_code == expected, (caller, name, response.content[:300])
    if expected >= 400:
        assert response["Content-Type"] == PROBLEM
        problem = response.json()
        assert problem["status"] == expected and problem["title"] and problem["detail"]
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_lead_key_lists_only_its_own_agencys_returns(world, csc_api, police_api, reader_api):
    def agencies(api):
        return {r["agency"]["short_name"] for r in api.get("/api/v1/returns/").json()["results"]}

    assert agencies(csc_api) == {"CSC"}
    assert agencies(police_api) == {"Police"}
    assert agencies(reader_api) == {"Police"}  # readers: accepted returns of every agency; CSC's is a draft


def test_another_agencys_return_is_logged_as_a_refusal_naming_the_key(world, police_api, caplog):
    caplog.set_level("INFO", logger="neglect_portal.access")
    response = police_api.get(f"/api/v1/returns/{world['csc'].pk}/values/")
    assert response.status_code == 404
    refusals = [r.getMessage() for r in caplog.records if '"event": "refused"' in r.getMessage()]
    assert len(refusals) == 1
    assert '"api_key": "Police records"' in refusals[0]
    assert f'"object_id": {world["csc"].pk}' in refusals[0]
