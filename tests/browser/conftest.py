from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import CHROMIUM, require, second_factor_device

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make there are
# ordinary synchronous ones, so Django's async-safety guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    require(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # A desktop wide enough for every role's whole menu (the analyst's collapses behind a button below 1800 px; the
    # header, small-screen and public-page tests set their own widths).
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1920, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def demo(transactional_db, settings):
    call_command("seed_demo", "--force", verbosity=0)


def sign_in(page, username: str, password: str = "demo-pass-2020") -> None:
    """Sign in as a person does: the password, then the code from their app if they have or must have one."""
    page.goto("/accounts/login/")
    sign_in_from_here(page, username, password)


def sign_in_from_here(page, username: str, password: str = "demo-pass-2020") -> None:
    """On a sign-in page (e.g. after the session ran out): the password, then the second factor."""
    from agencies.models import User
    from agencies.twofactor.policy import must_have_second_factor

    user = User.objects.filter(username=username).first()
    if user is not None and must_have_second_factor(user):
        second_factor_device(user)  # as if they set up their app before this test
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if "/accounts/two-factor/code/" in page.url:
        give_code(page, user)


def give_code(page, user) -> None:
    """Type the code the person's app shows now into the code step."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    # A test may sign the same person in twice within one 30-second step; a real app would show the next code.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    page.get_by_label("Code").fill(f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def open_account(page) -> None:
    """Open the header's account disclosure (who is signed in, Change password, Sign out) as a person does: below
    the width the whole menu needs, it is behind the menu button first."""
    toggler = page.get_by_role("button", name="Menu")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#main-nav.collapse.show").wait_for()
    if page.get_by_test_id("account").get_attribute("open") is None:
        page.get_by_test_id("account-button").click()


def sign_out(page) -> None:
    open_account(page)
    page.get_by_role("button", name="Sign out").click()


def screenshot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
