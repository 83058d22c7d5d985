from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import CHROMIUM, require

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
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


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
