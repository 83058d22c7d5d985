"""The analyst sets up an authenticator app (the key read from the page, the code computed as the app would),
saves the recovery codes, signs out, signs in with a code, and then with a recovery code (issue 15 item 5)."""

from __future__ import annotations

import re
from base64 import b32decode
from pathlib import Path

import pytest
from django_otp.oath import totp

from tests.browser.conftest import screenshot, sign_out
from tests.browser.test_dashboard import serious_violations

pytestmark = pytest.mark.browser


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    return f"{totp(b32decode(secret + '=' * (-len(secret) % 8)), drift=steps_ahead):06d}"


def password_step(page, next_path: str = "") -> None:
    page.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("demo-pass-2020")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_the_analyst_sets_up_a_second_factor_and_signs_in_with_a_code_and_a_recovery_code(page, demo):
    password_step(page, "/agencies/")
    assert "/accounts/two-factor/set-up/" in page.url
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    assert page.get_by_role("search").count() == 0  # no menu or search before the second factor
    assert serious_violations(page) == []
    screenshot(page, "second-factor-set-up")
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, "second-factor-set-up-320")
    page.set_viewport_size({"width": 1920, "height": 900})

    # A wrong code first: the error summary, focused, linking to the field.
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Confirm and continue").click()
    summary = page.locator("[data-error-summary]")
    assert "The code is not right" in summary.inner_text()
    assert page.title().startswith("Error: ")

    secret = page.get_by_test_id("secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(app_code(secret))
    page.get_by_role("button", name="Confirm and continue").click()
    page.get_by_role("heading", name="Save your recovery codes").wait_for()
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    assert "Save these somewhere safe" in page.content()
    assert serious_violations(page) == []
    screenshot(page, "second-factor-recovery-codes")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the codes as a text file").click()
    assert codes[0] in Path(download.value.path()).read_text()
    page.get_by_role("button", name="I have saved my codes, continue").click()
    page.wait_for_url(re.compile(r"/agencies/$"))  # where they were going when they signed in

    sign_out(page)
    password_step(page)
    assert "/accounts/two-factor/code/" in page.url
    assert page.get_by_label("Code").get_attribute("autocomplete") == "one-time-code"
    assert page.get_by_label("Code").get_attribute("inputmode") == "numeric"
    assert serious_violations(page) == []
    screenshot(page, "second-factor-code")
    # The set-up used this 30-second step's code; the app shows the next one soon, and the portal allows one step.
    page.get_by_label("Code").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    assert page.get_by_role("search").count() == 1

    sign_out(page)
    password_step(page)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("alert").filter(has_text="You signed in with a recovery code").wait_for()
    assert "You have 9 left" in page.content()
