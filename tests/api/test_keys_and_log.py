"""Keys (issue 16, items 2 and 5): shown once and kept hashed, expiring and revocable, acting through an account
that is never a person; per-key rate limits; every request in the access log with the key's name; the contract."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from agencies import api_keys
from agencies.models import ApiKey, Role, User
from notifications import services as notifications

from .conftest import Api, fill, make_key


def test_only_the_digest_is_kept(csc_key):
    key = ApiKey.objects.get(pk=csc_key.key.pk)
    assert csc_key.secret.startswith(f"np_{key.prefix}_") and len(csc_key.secret) > 50
    assert csc_key.secret not in json.dumps(list(ApiKey.objects.values()), default=str)
    assert key.matches(csc_key.secret) and not key.matches(csc_key.secret + "x")
    assert key.history.first().__dict__.get("digest") is None  # the history does not keep it either


def test_the_keys_account_is_a_lead_of_its_agency_but_not_a_person(csc_key, csc, csc_lead, client):
    account = csc_key.key.account
    assert (account.role, account.agency, account.is_api_account) == (Role.AGENCY_LEAD, csc, True)
    assert not account.has_usable_password()
    assert account not in User.objects.all()  # no people list, reminder or notification finds it
    assert list(User.objects.filter(agency=csc)) == [csc_lead]
    assert notifications._leads(csc) == [csc_lead]  # the leads told of their returns: people only
    response = client.post("/accounts/login/", {"username": account.username, "password": ""})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_submission_by_api_tells_the_people_not_the_key(csc_key, csc_return, csc_lead, analyst, mailoutbox):
    from notifications.models import Notification

    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    csc_return.refresh_from_db()
    api = Api(csc_key.secret)
    response = api.post(
        f"/api/v1/returns/{csc_return.pk}/submit/",
        {"signed_off": True, "signed_off_by": "Jo Bloggs"},
        {"If-Match": f'"{csc_return.pk}.{csc_return.version}"'},
    )
    assert response.status_code == 200
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert "analyst" in told and csc_key.key.account.username not in told


def test_last_used_is_written_at_most_once_a_minute(csc_key):
    api = Api(csc_key.secret)
    assert api.get("/api/v1/me/").status_code == 200
    first = ApiKey.objects.get(pk=csc_key.key.pk).last_used_at
    assert first is not None
    api.get("/api/v1/me/")
    assert ApiKey.objects.get(pk=csc_key.key.pk).last_used_at == first
    ApiKey.objects.filter(pk=csc_key.key.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get("/api/v1/me/")
    assert ApiKey.objects.get(pk=csc_key.key.pk).last_used_at > first - timedelta(minutes=2)


@pytest.mark.parametrize(
    "state,words",
    [("revoked", "was revoked"), ("expired", "has expired"), ("holder left", "no longer has an account")],
)
def test_a_key_that_stopped_says_why(analyst, csc, member, state, words):
    made = make_key(analyst, agency=csc) if state != "holder left" else make_key(analyst, holder=member)
    if state == "revoked":
        api_keys.key_revoke(key=made.key, acting_user=analyst)
        api_keys.key_revoke(key=made.key, acting_user=analyst)  # twice: harmless
    elif state == "expired":
        ApiKey.objects.filter(pk=made.key.pk).update(expires_at=timezone.now())
    else:
        User.objects.filter(pk=member.pk).update(is_active=False)
    response = Api(made.secret).get("/api/v1/me/")
    assert response.status_code == 401 and words in response.json()["detail"]


def test_key_rules(analyst, csc, member, csc_lead, admin_user):
    today = timezone.localdate()
    with pytest.raises(api_keys.KeyRefused, match="Only the partnership analyst"):
        api_keys.key_create(acting_user=csc_lead, name="x", kind="agency", agency=csc, expires_on=today)
    with pytest.raises(api_keys.KeyRefused, match="within a year"):
        api_keys.key_create(
            acting_user=analyst, name="x", kind="agency", agency=csc, expires_on=today + timedelta(days=400)
        )
    with pytest.raises(api_keys.KeyRefused, match="today or later"):
        api_keys.key_create(acting_user=analyst, name="x", kind="agency", agency=csc, expires_on=today - timedelta(1))
    with pytest.raises(api_keys.KeyRefused, match="partnership reader who will hold"):
        api_keys.key_create(acting_user=analyst, name="x", kind="reader", holder=csc_lead, expires_on=today)
    with pytest.raises(api_keys.KeyRefused, match="Enter a name"):
        api_keys.key_create(acting_user=analyst, name="  ", kind="agency", agency=csc, expires_on=today)
    made = api_keys.key_create(acting_user=admin_user, name="ok", kind="reader", holder=member, expires_on=today)
    assert made.key.account.role == Role.MEMBER and made.key.read_only
    assert made.key.state() == "active"  # works through the day it expires on


def test_the_command_prints_the_key_once(analyst, csc, capsys):
    call_command("api_key", "create", "--agency", "CSC", "--name", "Mosaic", "--quiet")
    secret = capsys.readouterr().out.strip()
    assert Api(secret).get("/api/v1/me/").json()["agency"]["short_name"] == "CSC"
    call_command("api_key", "list")
    assert "Mosaic\tCSC\tactive" in capsys.readouterr().out


def test_rate_limit_per_key_with_retry_after(settings, csc_key, police_key):
    settings.API_RATE_PER_KEY = "3/min"
    api = Api(csc_key.secret)
    assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get("/api/v1/me/")
    assert refused.status_code == 429 and refused["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert f"Wait {refused['Retry-After']} seconds" in refused.json()["detail"]
    assert Api(police_key.secret).get("/api/v1/me/").status_code == 200  # another key has its own allowance


def test_rate_limit_without_a_key_by_address(settings, db):
    settings.API_RATE_WITHOUT_KEY = "2/min"
    api = Api("np_abc_guess")
    assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [401, 401, 429]


def test_every_request_is_in_the_access_log_with_the_keys_name(csc_key, caplog):
    caplog.set_level("INFO", logger="neglect_portal.access")
    Api(csc_key.secret).get("/api/v1/quarters/")
    Api("np_abc_def").get("/api/v1/quarters/")
    Api().get("/api/v1/quarters/")
    lines = [json.loads(r.getMessage()) for r in caplog.records if '"api_request"' in r.getMessage()]
    assert [(x["api_key"], x["status"], x["outcome"]) for x in lines] == [
        ("Mosaic extract", 200, "ok"),
        ("", 401, "refused"),
        ("", 401, "refused"),
    ]
    assert lines[0]["path"] == "/api/v1/quarters/" and lines[0]["user"] == csc_key.key.account.username
    assert lines[1]["key_refusal"] == "unknown"


def test_the_schema_and_docs_are_served_from_here(client, db):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert schema.status_code == 200
    spec = json.loads(schema.content) if schema["Content-Type"].startswith("application/json") else None
    if spec is None:
        import yaml

        spec = yaml.safe_load(schema.content)
    assert spec["openapi"].startswith("3.") and "/api/v1/returns/{id}/values/" in spec["paths"]
    put = spec["paths"]["/api/v1/returns/{id}/values/"]["put"]
    assert {"412", "422", "428", "429"} <= set(put["responses"])
    assert "application/problem+json" in put["responses"]["412"]["content"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "http://" not in html and "https://" not in html  # every asset from our own static files: no CDN
    assert "<style" not in html and 'lang="en"' in html
