"""Sign-in and abuse (issue 15 item 6): lockouts keyed on the real client behind the trusted proxy, throttled password
reset, no caching of signed-in pages, and caps on request bodies."""

from __future__ import annotations

import json
import logging
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from agencies.password_reset import wait_words
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
PROXY = "10.0.0.2"  # the TLS proxy, as the app sees it
CLIENT_A = "203.0.113.7"
CLIENT_B = "198.51.100.23"


def sign_in(client, username: str, password: str, *, via_proxy_for: str | None = None, spoof: str = ""):
    """A sign-in as the proxy passes it on: the proxy appends the address it was reached from to whatever
    X-Forwarded-For the client sent."""
    chain = ", ".join(x for x in (spoof, via_proxy_for) if x)
    extra = {"REMOTE_ADDR": PROXY if via_proxy_for else CLIENT_A}
    if chain:
        extra["HTTP_X_FORWARDED_FOR"] = chain
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_behind_the_proxy_five_failures_lock_that_client_only(client, csc_lead, one_proxy):
    for _ in range(4):
        assert sign_in(client, "csc.lead", "wrong", via_proxy_for=CLIENT_A).status_code == 200
    assert sign_in(client, "csc.lead", "wrong", via_proxy_for=CLIENT_A).status_code == 429
    assert sign_in(client, "csc.lead", PASSWORD, via_proxy_for=CLIENT_A).status_code == 429
    # Another person behind the same proxy, same username, signs in: the lock is on A, not on the proxy.
    assert sign_in(client, "csc.lead", PASSWORD, via_proxy_for=CLIENT_B).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}


def test_behind_the_proxy_a_forged_forwarded_for_does_not_dodge_the_lock(client, csc_lead, one_proxy):
    for n in range(5):
        sign_in(client, "csc.lead", "wrong", via_proxy_for=CLIENT_A, spoof=f"192.0.2.{n}")
    assert sign_in(client, "csc.lead", PASSWORD, via_proxy_for=CLIENT_A, spoof="192.0.2.99").status_code == 429


def test_with_no_trusted_proxy_forwarded_for_is_ignored(client, csc_lead, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        client.post(
            LOGIN,
            {"username": "csc.lead", "password": "wrong"},
            REMOTE_ADDR=CLIENT_A,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    locked = client.post(
        LOGIN, {"username": "csc.lead", "password": PASSWORD}, REMOTE_ADDR=CLIENT_A, HTTP_X_FORWARDED_FOR=CLIENT_B
    )
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}


def test_failures_and_the_lockout_are_in_the_access_log(client, csc_lead, one_proxy, caplog):
    with caplog.at_level(logging.INFO, logger="neglect_portal.access"):
        for _ in range(5):
            sign_in(client, "csc.lead", "wrong", via_proxy_for=CLIENT_A)
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "neglect_portal.access"]
    failed = [e for e in events if e["event"] == "sign_in_failed"]
    locked = [e for e in events if e["event"] == "locked_out"]
    assert len(failed) == 5 and {e["ip"] for e in failed} == {CLIENT_A}
    assert {e["username"] for e in failed} == {"csc.lead"}
    assert all("wrong" not in json.dumps(e) for e in events)  # never the password typed
    assert len(locked) == 1 and locked[0]["ip"] == CLIENT_A and locked[0]["outcome"] == "refused"


# --- password reset ------------------------------------------------------------------------------------------------
def reset(client, email: str, ip: str = CLIENT_A):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_is_throttled_per_email_address(client, csc_lead, settings):
    settings.PASSWORD_RESET_RATE_PER_EMAIL = "3/h"
    for n in range(3):
        assert reset(client, csc_lead.email, ip=f"192.0.2.{n}").status_code == 302
    refused = reset(client, csc_lead.email.upper(), ip="192.0.2.50")
    assert refused.status_code == 429
    assert "Too many password reset emails have been requested for this email address. Wait an hour" in (
        refused.content.decode()
    )
    assert len(mail.outbox) == 3
    # Another address from the same device is not held up.
    assert reset(client, "someone@example.org", ip="192.0.2.50").status_code == 302


def test_password_reset_is_throttled_per_client_address(client, csc_lead, settings):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = "4/h"
    for n in range(4):
        assert reset(client, f"person{n}@example.org").status_code == 302
    refused = reset(client, csc_lead.email)
    assert refused.status_code == 429 and "from this device" in refused.content.decode()
    assert mail.outbox == []
    assert reset(client, csc_lead.email, ip=CLIENT_B).status_code == 302 and len(mail.outbox) == 1


def test_a_throttled_reset_says_the_same_whether_or_not_the_address_has_an_account(client, csc_lead, settings):
    settings.PASSWORD_RESET_RATE_PER_EMAIL = "1/h"
    reset(client, csc_lead.email)
    reset(client, "nobody@example.org", ip=CLIENT_B)
    known = reset(client, csc_lead.email, ip="192.0.2.1")
    unknown = reset(client, "nobody@example.org", ip="192.0.2.2")
    assert known.status_code == unknown.status_code == 429

    def page(response, email: str) -> str:  # the page without its security tokens, which differ each time
        html = response.content.decode().replace(email, "X")
        return re.sub(r'(csrfmiddlewaretoken" value="|CSRFToken": ")[^"]+', "", html)

    assert page(known, csc_lead.email) == page(unknown, "nobody@example.org")


@pytest.mark.parametrize(
    ("rate", "words"), [("3/h", "an hour"), ("10/m", "a minute"), ("5/15m", "15 minutes"), ("2/d", "a day")]
)
def test_the_wait_is_said_in_words(rate, words):
    assert wait_words(rate) == words


# --- caching -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    ["/", "/agencies/", "/accounts/password_change/", "/notifications/", "/help/", "/search/?q=neglect", "/nope/"],
)
def test_every_page_to_a_signed_in_person_says_no_store(client, csc_lead, url):
    client.force_login(csc_lead)
    response = client.get(url)
    assert "no-store" in response["Cache-Control"], url
    assert response["Pragma"] == "no-cache"


def test_no_store_replaces_a_views_own_caching(client, analyst, rf):
    from django.http import HttpResponse

    from neglect_portal.middleware import NoStoreWhenSignedInMiddleware

    def view(request):
        return HttpResponse("x", headers={"Cache-Control": "public, max-age=3600"})

    request = rf.get("/")
    request.user = analyst
    assert NoStoreWhenSignedInMiddleware(view)(request)["Cache-Control"] == "no-store"


def test_signing_in_and_out_are_not_cached_either(client, csc_lead):
    signed_in = client.post(LOGIN, {"username": "csc.lead", "password": PASSWORD})
    assert signed_in.status_code == 302 and "no-store" in signed_in["Cache-Control"]
    signed_out = client.post(reverse("logout"))
    assert "no-store" in signed_out["Cache-Control"]


def test_a_public_page_to_someone_not_signed_in_is_left_alone(client, db):
    response = client.get("/help/")
    assert response.status_code == 200 and "Pragma" not in response


def test_static_files_stay_cacheable(client, csc_lead, settings):
    # whitenoise answers static files before the no-store middleware runs (finders on, as in the embedded run).
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client.force_login(csc_lead)
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200 and b"".join(response.streaming_content)
    assert "no-store" not in response.get("Cache-Control", "") and "Pragma" not in response


# --- request bodies ------------------------------------------------------------------------------------------------
def test_a_body_bigger_than_any_form_sends_is_refused_unread(client, scrutineer, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024
    client.force_login(scrutineer)
    body = b"x" * (1024 * 1024 + 1)
    response = client.generic("POST", "/scrutiny/", body, content_type="application/octet-stream")
    assert response.status_code == 413
    page = response.content.decode()
    assert "The file is too big" in page and "at most 1 MB" in page
    assert "Connection" not in response  # a hop-by-hop header: WSGI servers refuse the response (found in a browser)


def test_a_body_within_the_cap_goes_through(client, scrutineer, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024
    client.force_login(scrutineer)
    response = client.generic("POST", "/scrutiny/", b"x" * 1000, content_type="application/octet-stream")
    assert response.status_code != 413


def test_the_largest_return_form_fits_within_the_field_and_size_caps(settings):
    # 150 ratio indicators (the bench's catalogue, all with 5 fields), every commentary 4,000 non-ASCII characters.
    from urllib.parse import urlencode

    from dataset.models import Indicator, Unit
    from dataset.returns.forms import ReturnValuesForm

    indicators = [Indicator(code=f"X{n:03}", title="t", unit=Unit.PERCENTAGE) for n in range(150)]
    form = ReturnValuesForm(indicators=indicators)
    data = {"csrfmiddlewaretoken": "x" * 64}
    for name in form.fields:
        data[name] = "é" * 4000 if name.endswith("commentary") else "2020-10-31" if "expected" in name else "1234567"
    assert len(data) == 752
    assert len(data) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert len(urlencode(data).encode()) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
