"""The idle-timeout warning's endpoint: it refreshes a live session and says how long is left; nothing else."""

from __future__ import annotations

from django.urls import reverse


def test_stay_signed_in_refreshes_the_session_and_says_how_long_it_has(client, csc_lead, settings):
    settings.SESSION_COOKIE_AGE = 300
    client.force_login(csc_lead)
    response = client.post(reverse("session_extend"))
    assert response.status_code == 200
    assert response.json() == {"seconds": 300}
    assert "no-cache" in response["Cache-Control"]
    assert client.session.get_expiry_age() == 300


def test_it_is_post_only(client, csc_lead):
    client.force_login(csc_lead)
    assert client.get(reverse("session_extend")).status_code == 405


def test_a_session_that_has_ended_is_sent_to_sign_in_not_extended(client):
    response = client.post(reverse("session_extend"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_signed_in_pages_carry_the_warning_with_the_time_left_and_sign_in_does_not(client, csc_lead, settings):
    settings.SESSION_COOKIE_AGE = 600
    assert 'id="session-timeout"' not in client.get(reverse("login")).content.decode()
    client.force_login(csc_lead)
    page = client.get(reverse("dataset:return_list")).content.decode()
    assert 'data-session-seconds="600"' in page and f'data-user="{csc_lead.pk}"' in page
    assert 'aria-labelledby="session-timeout-title"' in page and ">Stay signed in</button>" in page
