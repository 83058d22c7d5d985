"""The second factor: who must give one, set-up with a real TOTP code, recovery codes, wrong codes and the lock,
removal, resets by the analyst and administrators, the admin behind it, and the access log of each event."""

from __future__ import annotations

import json
import logging
import re
from base64 import b32encode
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import checks
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Role
from agencies.twofactor import policy
from tests.conftest import PASSWORD, second_factor_device
from tests.factories import UserFactory

pytestmark = pytest.mark.second_factor_unverified

HOME = reverse("home")
VERIFY = reverse("two_factor:verify")
SETUP = reverse("two_factor:setup")


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the person's app shows now (or `steps_ahead` 30-second steps later)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def sign_in(client, user, *, next_url: str = "") -> object:
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def secret_on_page(html: str) -> str:
    return re.search(r'data-testid="secret"[^>]*>([A-Z2-7 ]+)<', html).group(1).replace(" ", "")


@pytest.fixture
def access_log(caplog):
    caplog.set_level(logging.INFO, logger="neglect_portal.access")

    def events() -> list[dict]:
        return [json.loads(r.getMessage()) for r in caplog.records if r.name == "neglect_portal.access"]

    return events


def otp_events(access_log) -> list[tuple[str, str]]:
    return [(e["event"], e["outcome"]) for e in access_log() if e["event"].startswith("otp_")]


# --- who must give one ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "staff", "leads_setting", "must"),
    [
        (Role.ANALYST, False, False, True),
        (Role.MEMBER, False, False, True),
        (Role.SCRUTINEER, False, False, True),
        (Role.ADMIN, True, False, True),
        (Role.AGENCY_LEAD, True, False, True),  # staff, whatever the role
        (Role.AGENCY_LEAD, False, False, False),
        (Role.AGENCY_LEAD, False, True, True),
    ],
)
def test_the_rule_by_role_and_setting(db, settings, role, staff, leads_setting, must):
    settings.OTP_REQUIRED_FOR_LEADS = leads_setting
    user = UserFactory(role=role, agency=None, is_staff=staff)
    assert policy.must_have_second_factor(user) is must


@pytest.mark.parametrize(
    ("debug", "skip", "must"), [(True, True, False), (False, True, True), (True, False, True), (False, False, True)]
)
def test_demo_people_skip_it_only_while_debug_is_on(db, settings, debug, skip, must):
    settings.DEBUG, settings.OTP_DEMO_SKIP = debug, skip
    demo_analyst = UserFactory(username="analyst", role=Role.ANALYST, agency=None)
    other_analyst = UserFactory(username="second.analyst", role=Role.ANALYST, agency=None)
    assert policy.must_have_second_factor(demo_analyst) is must
    assert policy.must_have_second_factor(other_analyst) is True  # only the demo's own people


def test_with_debug_off_the_demo_skip_is_refused_at_sign_in(db, client, settings):
    settings.DEBUG, settings.OTP_DEMO_SKIP = False, True
    user = UserFactory(username="analyst", role=Role.ANALYST, agency=None)
    response = sign_in(client, user)
    assert client.get(response["Location"])["Location"].startswith(SETUP)


def test_a_deploy_check_warns_that_the_demo_skip_is_ignored_with_debug_off(settings):
    settings.DEBUG, settings.OTP_DEMO_SKIP = False, True
    ids = [m.id for m in checks.run_checks(include_deployment_checks=True)]
    assert "agencies.W001" in ids
    settings.OTP_DEMO_SKIP = False
    assert "agencies.W001" not in [m.id for m in checks.run_checks(include_deployment_checks=True)]


def test_with_debug_on_the_demo_people_sign_in_as_before(db, client, settings):
    settings.DEBUG, settings.OTP_DEMO_SKIP = True, True
    user = UserFactory(username="analyst", role=Role.ANALYST, agency=None)
    sign_in(client, user)
    assert client.get(HOME).status_code == 200
    assert "The demo lets its people sign in without one" in client.get(reverse("two_factor:settings")).content.decode()


# --- enforcement -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["analyst", "member", "scrutineer", "admin_user"])
def test_a_person_who_must_have_one_and_has_none_is_sent_to_set_it_up(client, persona, request):
    user = request.getfixturevalue(persona)
    sign_in(client, user)
    for url in [HOME, reverse("agencies:list"), reverse("two_factor:settings"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(SETUP), url


def test_a_lead_without_one_is_not_asked_unless_the_setting_requires_it(client, settings, csc_lead):
    sign_in(client, csc_lead)
    assert client.get(HOME).status_code == 200
    settings.OTP_REQUIRED_FOR_LEADS = True
    client.post(reverse("logout"))
    sign_in(client, csc_lead)
    assert client.get(HOME)["Location"].startswith(SETUP)


def test_a_lead_who_set_one_up_is_asked_for_the_code(client, csc_lead):
    second_factor_device(csc_lead)
    sign_in(client, csc_lead)
    assert client.get(HOME)["Location"].startswith(VERIFY)


def test_the_pages_before_the_code_are_open_and_show_only_sign_out(client, analyst):
    second_factor_device(analyst)
    sign_in(client, analyst)
    for url in [VERIFY, reverse("help"), reverse("privacy"), reverse("healthz"), reverse("login")]:
        assert client.get(url).status_code in (200, 503), url
    page = client.get(VERIFY).content.decode()
    assert "Sign out" in page
    assert 'id="header-search"' not in page  # no menu or search before the code
    assert client.post(reverse("logout")).status_code == 302


# --- set-up -----------------------------------------------------------------------------------------------------
def test_set_up_with_a_real_code_then_ten_recovery_codes_once(client, analyst, access_log):
    response = sign_in(client, analyst, next_url=reverse("agencies:list"))
    response = client.get(response["Location"])  # the page asked for, then the set-up with it as next
    assert response["Location"].startswith(SETUP)
    assert parse_qs(urlparse(response["Location"]).query)["next"] == [reverse("agencies:list")]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "<svg" in html and 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    secret = secret_on_page(html)
    device = TOTPDevice.objects.get(user=analyst, confirmed=False)
    assert secret == b32encode(device.bin_key).decode().rstrip("=")

    response = client.post(SETUP, {"code": code_for(device), "next": reverse("agencies:list")})
    assert response["Location"].startswith(reverse("two_factor:recovery_codes"))
    codes_page = client.get(response["Location"])
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", codes_page.content.decode())
    assert len(codes) == 10
    assert "Save these somewhere safe" in codes_page.content.decode()
    download = client.get(reverse("two_factor:recovery_codes_download"))
    assert download["Content-Disposition"].startswith("attachment")
    assert all(code in download.content.decode() for code in codes)
    assert "no-store" in codes_page["Cache-Control"] or "no-cache" in codes_page["Cache-Control"]

    done = client.post(reverse("two_factor:recovery_codes"), {"next": reverse("agencies:list")})
    assert done["Location"] == reverse("agencies:list")
    assert client.get(reverse("agencies:list")).status_code == 200
    # Shown once: the codes page and the download are gone.
    assert client.get(reverse("two_factor:recovery_codes")).status_code == 302
    assert client.get(reverse("two_factor:recovery_codes_download")).status_code == 404
    assert TOTPDevice.objects.get(user=analyst).confirmed
    assert ("otp_setup", "ok") in otp_events(access_log)


def test_a_wrong_set_up_code_says_what_to_do_and_keeps_the_same_secret(client, analyst):
    sign_in(client, analyst)
    first = secret_on_page(client.get(SETUP).content.decode())
    response = client.post(SETUP, {"code": "000000"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "The code is not right" in html and "4 more times" in html
    assert secret_on_page(html) == first
    response = client.post(SETUP, {"code": ""})
    assert "Enter the 6-digit code your authenticator app shows" in response.content.decode()


# --- signing in with a code -------------------------------------------------------------------------------------
def test_the_code_step_then_the_page_asked_for(client, analyst, access_log):
    device = second_factor_device(analyst)
    target = reverse("agencies:list") + "?x=1"
    response = sign_in(client, analyst, next_url=target)
    response = client.get(response["Location"])
    assert response["Location"] == f"{VERIFY}?next=%2Fagencies%2F%3Fx%3D1"
    response = client.post(VERIFY, {"code": code_for(device), "next": target})
    assert response["Location"] == target
    assert client.get(target).status_code == 200
    assert ("otp_verified", "ok") in otp_events(access_log)


def test_a_code_is_not_accepted_twice(client, analyst):
    device = second_factor_device(analyst)
    code = code_for(device)
    sign_in(client, analyst)
    assert client.post(VERIFY, {"code": code})["Location"] == HOME
    client.post(reverse("logout"))
    sign_in(client, analyst)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200 and "The code is not right" in response.content.decode()


def test_an_unsafe_next_goes_home(client, analyst):
    device = second_factor_device(analyst)
    sign_in(client, analyst)
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == HOME


def test_wrong_codes_say_so_and_five_lock_the_step_for_15_minutes(client, analyst, access_log, settings):
    device = second_factor_device(analyst)
    sign_in(client, analyst)
    for left in (4, 3, 2, 1):
        html = client.post(VERIFY, {"code": "123456" if left % 2 else "notacode"}).content.decode()
        assert f"You can try {left} more time" in html
    locked = client.post(VERIFY, {"code": "654321"})
    assert locked.status_code == 429
    assert "5 wrong codes" in locked.content.decode() and "Try again in 15 minutes" in locked.content.decode()
    # Even the right code is refused while locked, and signing in again does not unlock it.
    client.post(reverse("logout"))
    sign_in(client, analyst)
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 429
    assert client.get(HOME)["Location"].startswith(VERIFY)
    events = otp_events(access_log)
    assert events.count(("otp_failed", "refused")) == 5 and ("otp_failed", "locked") in events
    # After 15 minutes the step opens again, and one slip does not lock it at once.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(minutes=16))
    assert "You can try 4 more times" in client.post(VERIFY, {"code": "111111"}).content.decode()
    assert client.post(VERIFY, {"code": code_for(device, steps_ahead=1)})["Location"] == HOME


def test_a_recovery_code_works_once(client, analyst, access_log):
    from agencies.twofactor.services import recovery_codes_new

    second_factor_device(analyst)
    codes = recovery_codes_new(user=analyst)
    sign_in(client, analyst)
    response = client.post(VERIFY, {"code": codes[0].upper()[:4] + " " + codes[0].upper()[4:]}, follow=True)
    assert response.redirect_chain[0][0] == HOME
    assert "You have 9 left" in response.content.decode()
    assert StaticToken.objects.filter(device__user=analyst).count() == 9
    client.post(reverse("logout"))
    sign_in(client, analyst)
    again = client.post(VERIFY, {"code": codes[0]})
    assert "The code is not right" in again.content.decode()
    assert ("otp_recovery_used", "ok") in otp_events(access_log)


# --- settings: remove, new codes ------------------------------------------------------------------------------
def verified(client, user) -> TOTPDevice:
    device = second_factor_device(user)
    sign_in(client, user)
    assert client.post(VERIFY, {"code": code_for(device)})["Location"] == HOME
    return device


def test_removing_needs_a_code(client, csc_lead, access_log):
    device = verified(client, csc_lead)
    refused = client.post(reverse("two_factor:remove"), {"code": "000000"})
    assert refused.status_code == 400 and "The code is not right" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=csc_lead).exists()
    response = client.post(reverse("two_factor:remove"), {"code": code_for(device, steps_ahead=1)})
    assert response["Location"] == reverse("two_factor:settings")
    assert not TOTPDevice.objects.filter(user=csc_lead).exists()
    assert not StaticDevice.objects.filter(user=csc_lead).exists()
    assert client.get(HOME).status_code == 200  # optional for a lead: carries on without
    assert ("otp_removed", "ok") in otp_events(access_log)


def test_new_recovery_codes_replace_the_old(client, analyst):
    from agencies.twofactor.services import recovery_codes_new

    verified(client, analyst)
    old = recovery_codes_new(user=analyst)
    response = client.post(reverse("two_factor:recovery_codes_renew"))
    page = client.get(response["Location"]).content.decode()
    new = re.findall(r"<li>([a-z2-7]{8})</li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=analyst).values_list("token", flat=True)) == set(new)


# --- resets by the analyst and administrators -----------------------------------------------------------------
def test_the_analyst_resets_a_persons_second_factor_with_a_reason(client, analyst, member, access_log):
    second_factor_device(member)
    verified(client, analyst)
    assert member.display_name in client.get(reverse("two_factor:people")).content.decode()
    url = reverse("two_factor:reset", args=[member.pk])
    assert "Enter the reason" in client.post(url, {"reason": ""}).content.decode()
    response = client.post(url, {"reason": "lost phone, confirmed by call"})
    assert response["Location"] == reverse("two_factor:people")
    assert not TOTPDevice.objects.filter(user=member).exists()
    history = member.history.latest()
    assert history.history_user == analyst and "lost phone" in history.history_change_reason
    event = next(e for e in access_log() if e["event"] == "otp_reset_by_admin")
    assert event["person"] == member.username and event["user"] == analyst.username


def test_the_analyst_cannot_reset_an_administrator_and_others_cannot_reset_anyone(client, analyst, admin_user, member):
    second_factor_device(admin_user)
    verified(client, analyst)
    assert client.post(reverse("two_factor:reset", args=[admin_user.pk]), {"reason": "x"}).status_code == 404
    assert TOTPDevice.objects.filter(user=admin_user).exists()
    client.post(reverse("logout"))
    verified(client, member)
    assert client.get(reverse("two_factor:people")).status_code == 404
    assert client.post(reverse("two_factor:reset", args=[analyst.pk]), {"reason": "x"}).status_code == 404


# --- the admin ---------------------------------------------------------------------------------------------------
def test_the_admin_is_behind_the_second_factor(client, admin_user, member):
    device = second_factor_device(admin_user)
    sign_in(client, admin_user)
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    assert client.get(reverse("admin:agencies_user_changelist"))["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200
    # The admin's action resets a person's second factor too.
    second_factor_device(member)
    response = client.post(
        reverse("admin:agencies_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [member.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()


def test_signing_in_through_the_admin_form_still_needs_the_code(client, admin_user):
    second_factor_device(admin_user)
    client.post(reverse("admin:login"), {"username": admin_user.username, "password": PASSWORD})
    assert client.get("/admin/")["Location"].startswith(VERIFY)
