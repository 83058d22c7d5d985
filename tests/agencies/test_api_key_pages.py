"""The analyst's API key pages (issue 16 item 2): the list, making a key shown once, revoking one; for the analyst and
administrators only."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies import api_keys
from agencies.models import ApiKey, ApiKeyKind, User

LIST = reverse("agencies:api_keys")
NEW = reverse("agencies:api_key_create")


def form_token(client) -> str:
    page = client.get(NEW).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def agency_key_data(client, csc, **changes) -> dict:
    data = {
        "form_token": form_token(client),
        "name": "Mosaic quarterly extract",
        "kind": ApiKeyKind.AGENCY,
        "agency": csc.pk,
        "holder": "",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }
    return {**data, **changes}


def secret_on(page: str) -> str | None:
    found = re.search(r'id="api-key-secret" value="([^"]+)"', page)
    return found.group(1) if found else None


def events(path, kind: str) -> list[dict]:
    if not path.exists():
        return []
    return [r for r in map(json.loads, path.read_text().splitlines()) if r["event"] == kind]


def make_key(analyst, *, kind=ApiKeyKind.AGENCY, agency=None, holder=None, name="A key", days=30) -> ApiKey:
    return api_keys.key_create(
        acting_user=analyst,
        name=name,
        kind=kind,
        agency=agency,
        holder=holder,
        expires_on=timezone.localdate() + timedelta(days=days),
    ).key


# --- making a key -----------------------------------------------------------------------------------------------------
def test_a_new_key_is_shown_once_and_only_its_digest_is_kept(client, analyst, csc, access_log_file):
    client.force_login(analyst)
    response = client.post(NEW, agency_key_data(client, csc))
    key = ApiKey.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("agencies:api_key_made", args=[key.pk])

    shown = client.get(response["Location"])
    page = shown.content.decode()
    secret = secret_on(page)
    assert secret and secret.startswith(f"np_{key.prefix}_")
    assert "no-store" in shown["Cache-Control"]
    assert "Copy it now: it will not be shown again" in page
    assert f"Authorization: Bearer {secret}" in page
    assert f'curl -H "Authorization: Bearer {secret}" http://testserver/api/v1/me/' in page
    assert 'data-copy="api-key-secret" hidden>Copy' in page  # shown by portal.js; without it, select and copy
    assert "<script>" not in page.split("</head>")[1]
    assert "Acts as a lead of Children&#x27;s Social Care" in page

    # Only a digest is stored: not in the key's row, its history, its account, or the session after showing.
    key.refresh_from_db()
    assert key.digest == ApiKey.digest_of(secret) and secret not in key.digest and key.matches(secret)
    assert not any(secret in str(row) for row in ApiKey.objects.values_list())
    assert not any(secret in str(row) for row in ApiKey.history.values_list())
    assert key.account.is_api_account and key.account.agency == csc and not key.account.has_usable_password()
    assert secret not in json.dumps(dict(client.session.items()), default=str)

    made = events(access_log_file, "api_key_created")
    assert made[0]["object"] == "agencies.apikey" and made[0]["object_id"] == key.pk and made[0]["user"] == "analyst"
    assert secret not in access_log_file.read_text()


def test_a_reload_of_the_made_page_does_not_show_the_key_again(client, analyst, csc):
    client.force_login(analyst)
    made = client.post(NEW, agency_key_data(client, csc))["Location"]
    assert secret_on(client.get(made).content.decode())
    again = client.get(made)
    page = again.content.decode()
    assert again.status_code == 200 and secret_on(page) is None
    assert "This key was shown once and cannot be shown again. If it was not copied, revoke it and make another." in (
        " ".join(page.split())
    )
    assert "no-store" in again["Cache-Control"]


def test_a_reader_key_is_read_only_and_held_by_a_partnership_reader(client, analyst, member):
    member.first_name, member.last_name = "Morgan", "Blake"
    member.save()
    client.force_login(analyst)
    data = agency_key_data(client, member, kind=ApiKeyKind.READER, holder=member.pk, name="BI team")
    data["agency"] = ""
    client.post(NEW, data)
    key = ApiKey.objects.get()
    assert key.kind == ApiKeyKind.READER and key.holder == member and key.agency is None
    assert "Read-only, held by Morgan Blake" in client.get(LIST).content.decode()


def test_the_other_kinds_choice_is_ignored(client, analyst, csc, member):
    client.force_login(analyst)
    client.post(NEW, agency_key_data(client, csc, holder=member.pk))
    client.post(NEW, agency_key_data(client, csc, holder="someone who left"))
    reader = agency_key_data(client, csc, kind=ApiKeyKind.READER, holder=member.pk, agency="999999")
    client.post(NEW, reader)
    agency_keys = ApiKey.objects.filter(kind=ApiKeyKind.AGENCY)
    assert agency_keys.count() == 2 and all(k.agency == csc and k.holder is None for k in agency_keys)
    assert ApiKey.objects.get(kind=ApiKeyKind.READER).agency is None


def test_the_form_offers_active_agencies_and_readers_and_a_default_expiry(client, analyst, csc, police, member):
    police.active = False
    police.save()
    client.force_login(analyst)
    page = client.get(NEW).content.decode()
    default = timezone.localdate() + timedelta(days=api_keys.DEFAULT_LIFE_DAYS)
    assert f'value="{default.isoformat()}"' in page
    assert "Children&#x27;s Social Care" in page and "Sussex Police" not in page
    assert f'<option value="{member.pk}">' in page and f'<option value="{analyst.pk}">' in page
    assert 'type="radio"' in page and page.count("<select") == 2
    assert "(optional)" not in page  # each select is needed by one kind of key: neither is optional


# --- what is wrong, field by field -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name for the key, such as the system that uses it"),
        ({"name": "x" * 81}, "name", "Name must be 80 characters or fewer"),
        ({"kind": ""}, "kind", "Choose what the key is for: an agency&#x27;s system or a partnership reader"),
        ({"agency": ""}, "agency", "Choose the agency whose system will use this key"),
        ({"kind": "reader", "holder": ""}, "holder", "Choose the partnership reader who will hold this key"),
        ({"expires_on": ""}, "expires_on", "Enter the expiry date"),
        ({"expires_on": "31-02-2021x"}, "expires_on", "Expiry date must be a real date"),
        ({"expires_on": "2000-01-01"}, "expires_on", "The expiry date must be today or later"),
    ],
)
def test_each_field_says_what_is_missing(client, analyst, csc, changes, field, message):
    client.force_login(analyst)
    response = client.post(NEW, agency_key_data(client, csc, **changes))
    page = response.content.decode()
    assert response.status_code == 400 and not ApiKey.objects.exists()
    summary = page.split('data-testid="error-summary"')[1].split("</div>")[0]
    anchor = f"id_{field}_0" if field == "kind" else f"id_{field}"
    assert f'href="#{anchor}"' in summary and message in summary
    assert "<title>Error: " in page


def test_an_expiry_more_than_the_longest_life_away_is_refused(client, analyst, csc):
    client.force_login(analyst)
    too_far = timezone.localdate() + timedelta(days=api_keys.LONGEST_LIFE_DAYS + 1)
    latest = timezone.localdate() + timedelta(days=api_keys.LONGEST_LIFE_DAYS)
    response = client.post(NEW, agency_key_data(client, csc, expires_on=too_far.isoformat()))
    assert response.status_code == 400 and not ApiKey.objects.exists()
    assert f"A key can last at most {api_keys.LONGEST_LIFE_DAYS} days" in response.content.decode()
    assert f"on or before {latest:%-d %B %Y}" in response.content.decode()
    assert client.post(NEW, agency_key_data(client, csc, expires_on=latest.isoformat())).status_code == 302


def test_a_refusal_of_the_service_is_shown_against_its_field(client, analyst, csc, monkeypatch):
    client.force_login(analyst)

    def refuse(**kwargs):
        raise api_keys.KeyRefused("Choose the active agency whose system will use this key.")

    monkeypatch.setattr(api_keys, "key_create", refuse)
    data = agency_key_data(client, csc)
    response = client.post(NEW, data)
    assert response.status_code == 400
    summary = response.content.decode().split('data-testid="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_agency"' in summary and "Choose the active agency whose system will use this key" in summary
    monkeypatch.undo()
    assert client.post(NEW, data).status_code == 302  # the token was not used up by the refusal
    assert ApiKey.objects.count() == 1


def test_a_form_without_its_token_is_refused_with_a_fresh_one(client, analyst, csc):
    client.force_login(analyst)
    response = client.post(NEW, agency_key_data(client, csc, form_token=""))
    assert response.status_code == 400 and not ApiKey.objects.exists()
    page = response.content.decode()
    assert "This form was not sent whole" in page
    assert re.search(r'name="form_token" value="[\w-]{43}"', page)


# --- a double submit --------------------------------------------------------------------------------------------------
def test_the_same_form_sent_twice_makes_one_key_and_lands_on_it(client, analyst, csc):
    client.force_login(analyst)
    data = agency_key_data(client, csc)
    first = client.post(NEW, data)
    second = client.post(NEW, data)
    key = ApiKey.objects.get()
    made = reverse("agencies:api_key_made", args=[key.pk])
    assert first["Location"] == made and second["Location"] == made
    assert secret_on(client.get(made).content.decode())  # the secret is still shown, once
    assert client.post(NEW, data)["Location"] == made
    assert ApiKey.objects.count() == 1 and User.accounts.filter(is_api_account=True).count() == 1


def test_a_second_submit_arriving_while_the_first_makes_the_key_waits_for_it(client, analyst, csc, monkeypatch):
    """The cache's claim: the second request sees the first's claim and its key, not a key of its own."""
    from django.core.cache import cache

    from agencies import key_views

    client.force_login(analyst)
    data = agency_key_data(client, csc)
    key = make_key(analyst, agency=csc)
    cache.set(key_views.CLAIM.format(user=analyst.pk, token=data["form_token"]), key.pk)
    response = client.post(NEW, data)
    assert response["Location"] == reverse("agencies:api_key_made", args=[key.pk])
    assert ApiKey.objects.count() == 1


def test_forms_opened_twice_make_two_keys(client, analyst, csc):
    client.force_login(analyst)
    client.post(NEW, agency_key_data(client, csc))
    client.post(NEW, agency_key_data(client, csc, name="Second system"))
    assert ApiKey.objects.count() == 2


# --- revoking ---------------------------------------------------------------------------------------------------------
def test_revoke_asks_first_then_stops_the_key_and_a_second_post_is_harmless(client, analyst, csc, access_log_file):
    key = make_key(analyst, agency=csc, name="Mosaic")
    url = reverse("agencies:api_key_revoke", args=[key.pk])
    client.force_login(analyst)
    confirm = client.get(url).content.decode()
    assert "stops working at once" in confirm and "Revoke the key" in confirm
    key.refresh_from_db()
    assert key.revoked_at is None

    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "“Mosaic” has been revoked. It stopped working at once." in response.content.decode()
    key.refresh_from_db()
    revoked_at = key.revoked_at
    assert revoked_at is not None and key.revoked_by == analyst and not User.accounts.get(pk=key.account_id).is_active

    again = client.post(url, follow=True)
    assert again.status_code == 200 and "was already revoked" in again.content.decode()
    key.refresh_from_db()
    assert key.revoked_at == revoked_at
    assert len(events(access_log_file, "api_key_revoked")) == 1
    assert events(access_log_file, "api_key_revoked")[0]["object_id"] == key.pk
    assert "already revoked" in client.get(url).content.decode()


# --- the list ---------------------------------------------------------------------------------------------------------
def test_the_list_says_each_keys_state(client, analyst, admin_user, csc, member, scrutineer):
    active = make_key(analyst, agency=csc, name="Live one")
    expired = make_key(analyst, agency=csc, name="Old one")
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    revoked = make_key(analyst, kind=ApiKeyKind.READER, holder=member, name="Revoked one")
    api_keys.key_revoke(key=revoked, acting_user=admin_user)
    left = make_key(analyst, kind=ApiKeyKind.READER, holder=scrutineer, name="Leaver's")
    User.objects.filter(pk=scrutineer.pk).update(is_active=False)
    ApiKey.objects.filter(pk=active.pk).update(last_used_at=timezone.now())

    client.force_login(analyst)
    page = client.get(LIST).content.decode()

    def row(key):
        return " ".join(page.split(f'data-testid="key-{key.pk}"')[1].split("</tr>")[0].split())

    today = f"{timezone.localdate():%-d %b %Y}"
    assert "Active" in row(active) and "Revoke" in row(active) and "Never" not in row(active)
    assert f"{today} by {analyst.display_name}" in row(active)
    assert "Expired" in row(expired) and "Revoke" not in row(expired) and "Never" in row(expired)
    assert f"Revoked on {timezone.localdate():%-d %B %Y} by {admin_user.display_name}" in row(revoked)
    assert "Holder left" in row(left)
    assert 'href="/api/docs/"' in page and "Create an API key" in page
    assert "<caption" in page and 'class="table-scroll"' in page


def test_the_list_costs_the_same_queries_for_many_keys(client, analyst, csc, member, django_assert_max_num_queries):
    for n in range(6):
        make_key(analyst, agency=csc, name=f"Agency {n}")
        make_key(analyst, kind=ApiKeyKind.READER, holder=member, name=f"Reader {n}")
    client.force_login(analyst)
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200


def test_the_breadcrumbs_go_home_then_to_the_keys(client, analyst, csc):
    key = make_key(analyst, agency=csc)
    client.force_login(analyst)
    trail = client.get(reverse("agencies:api_key_revoke", args=[key.pk])).content.decode()
    crumbs = trail.split('data-testid="breadcrumbs"')[1].split("</nav>")[0]
    assert ">Home<" in crumbs and f'href="{LIST}">API keys<' in crumbs and "Agencies" not in crumbs
    top = client.get(LIST).content.decode().split('data-testid="breadcrumbs"')[1].split("</nav>")[0]
    assert ">Home<" in top and "Agencies" not in top and 'aria-current="page">API keys<' in top


# --- who may --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["csc_lead", "member", "scrutineer", "no_agency_user"])
def test_only_the_analyst_and_administrators_see_the_pages(client, request, persona, analyst, csc):
    key = make_key(analyst, agency=csc)
    client.force_login(request.getfixturevalue(persona))
    for name in ("agencies:api_key_made", "agencies:api_key_revoke"):
        assert client.get(reverse(name, args=[key.pk])).status_code == 404
    assert client.get(LIST).status_code == 404
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, {"name": "x", "kind": "agency", "agency": csc.pk}).status_code == 404
    assert client.post(reverse("agencies:api_key_revoke", args=[key.pk])).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None and ApiKey.objects.count() == 1


def test_signed_out_people_are_sent_to_sign_in(client, analyst, csc):
    key = make_key(analyst, agency=csc)
    for url in (
        LIST,
        NEW,
        reverse("agencies:api_key_made", args=[key.pk]),
        reverse("agencies:api_key_revoke", args=[key.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["analyst", "admin_user"])
def test_the_analyst_and_administrators_manage_keys(client, request, persona, csc):
    person = request.getfixturevalue(persona)
    client.force_login(person)
    assert client.get(LIST).status_code == 200
    assert client.post(NEW, agency_key_data(client, csc)).status_code == 302
    key = ApiKey.objects.get()
    assert key.created_by == person
    assert client.post(reverse("agencies:api_key_revoke", args=[key.pk])).status_code == 302


def test_the_pages_are_linked_from_the_homes_and_the_agencies_list(client, analyst, admin_user, csc_lead, member):
    for person, linked in ((analyst, True), (admin_user, True), (csc_lead, False), (member, False)):
        client.force_login(person)
        home = client.get(reverse("home")).content.decode()
        agencies = client.get(reverse("agencies:list")).content.decode()
        assert (f'href="{LIST}"' in home) is linked, person
        assert (f'href="{LIST}"' in agencies) is linked, person


def test_the_access_log_page_filters_by_the_key_events(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("agencies:access_log")).content.decode()
    for event in ("api_key_created", "api_key_revoked", "api_request"):
        assert f'value="{event}"' in page


def test_a_second_submit_that_outwaits_the_first_is_sent_to_the_list(client, analyst, csc, monkeypatch):
    from django.core.cache import cache

    from agencies import key_views

    monkeypatch.setattr(key_views, "WAIT_FOR_FIRST", 0.2)
    client.force_login(analyst)
    data = agency_key_data(client, csc)
    cache.set(key_views.CLAIM.format(user=analyst.pk, token=data["form_token"]), key_views.MAKING)
    response = client.post(NEW, data, follow=True)
    assert response.redirect_chain[-1][0] == LIST and not ApiKey.objects.exists()
    assert "That key was made by the form you sent first" in response.content.decode()


def test_the_access_log_page_names_an_api_request_by_its_key(client, admin_user, analyst, csc):
    from django.test import Client as Plain

    made = api_keys.key_create(
        acting_user=analyst, name="Mosaic extract", kind=ApiKeyKind.AGENCY, agency=csc, expires_on=timezone.localdate()
    )
    Plain().get("/api/v1/me/", headers={"Authorization": f"Bearer {made.secret}"})
    client.force_login(admin_user)
    page = client.get(reverse("agencies:access_log"), {"event": "api_request"}).content.decode()
    assert "Mosaic extract (API key)" in page and made.key.account.username not in page
