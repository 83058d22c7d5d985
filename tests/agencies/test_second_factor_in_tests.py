"""The test client's sign-in gives the second factor for every other test (tests/conftest.py), so their pages are
reached as by a person who gave their code."""

from __future__ import annotations

from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY


def test_force_login_of_a_person_who_must_have_one_reaches_pages(client, analyst):
    client.force_login(analyst)
    assert client.session[DEVICE_ID_SESSION_KEY].startswith("otp_totp.totpdevice/")
    assert client.get(reverse("agencies:list")).status_code == 200


def test_a_lead_is_signed_in_without_a_device(client, csc_lead):
    client.force_login(csc_lead)
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(reverse("home")).status_code == 200
