from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def sign_in(client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def test_every_page_needs_sign_in_except_sign_in_reset_and_healthz(client, db):
    for url in ("/", reverse("agencies:list"), reverse("agencies:detail", args=[1]), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN), url
    for url in (LOGIN, reverse("password_reset"), reverse("password_reset_done"), "/healthz"):
        assert client.get(url).status_code == 200, url


def test_it_says_clearly_when_the_password_is_wrong(client, csc_lead):
    response = sign_in(client, "csc.lead", "wrong-password")
    assert response.status_code == 200
    assert "The username or password is not right" in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_signs_in_and_lands_on_the_leads_task_list(client, csc_lead):
    response = sign_in(client, "csc.lead", PASSWORD)
    assert response.status_code == 302
    landing = client.get(response["Location"], follow=True)
    assert landing.request["PATH_INFO"] == reverse("home")
    assert "<h1>Children&#x27;s Social Care: what to do next</h1>" in landing.content.decode()


def test_it_locks_the_account_on_this_device_after_five_failures(client, csc_lead):
    for _ in range(4):
        assert sign_in(client, "csc.lead", "wrong").status_code == 200
    locked = sign_in(client, "csc.lead", "wrong")
    assert locked.status_code == 429
    assert "locked for 15 minutes" in locked.content.decode()
    # Even the right password is refused while locked...
    assert sign_in(client, "csc.lead", PASSWORD).status_code == 429
    # ...another account from the same address is not locked (username + IP, not IP alone)...
    assert sign_in(client, "someone.else", "wrong").status_code == 200
    # ...and after 15 minutes the right password works again.
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert sign_in(client, "csc.lead", PASSWORD).status_code == 302


def test_a_session_ends_after_thirty_minutes_idle(client, csc_lead):
    assert sign_in(client, "csc.lead", PASSWORD).status_code == 302
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=25)):
        assert client.get(reverse("agencies:list")).status_code == 200  # activity keeps it alive
    with time_machine.travel(start + timedelta(minutes=50)):
        assert client.get(reverse("agencies:list")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=50 + 31)):
        response = client.get(reverse("agencies:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


def test_the_session_cookie_ends_when_the_browser_closes(client, csc_lead):
    response = sign_in(client, "csc.lead", PASSWORD)
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]


def test_sign_out_is_by_post_only(client, csc_lead):
    client.force_login(csc_lead)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_by_email(client, csc_lead):
    response = client.post(reverse("password_reset"), {"email": csc_lead.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your neglect portal password"
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line).strip()
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert done.status_code == 302
    csc_lead.refresh_from_db()
    assert csc_lead.check_password("a-new-long-passphrase")


def test_password_reset_does_not_reveal_whether_an_address_exists(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/password_reset/"])
def test_auth_pages_send_a_csp_without_inline_scripts(client, db, url):
    csp = client.get(url)["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
