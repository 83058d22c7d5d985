"""No lost work on the idle timeout (issue 14 item 4, WCAG 2.2.1), with the session shortened for the test:
the warning shows with focus in it, "Stay signed in" extends the session, and a session that ends mid-edit
gives the typing back after signing in again, to the same person only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.browser.conftest import screenshot, sign_in, sign_in_from_here
from tests.browser.test_dashboard import serious_violations
from tests.browser.test_return_flow import police_quarter  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

KEPT = "sessionStorage.getItem('portal:unsent-form')"
TYPED = "Typed when the session ran out: two champions left in May."


def start_return(page) -> None:
    sign_in(page, "police.lead")
    page.get_by_role("link", name="Returns").first.click()
    page.get_by_role("button", name="Start the 2020-21 Q1 return").click()
    page.wait_for_url(re.compile(r"/returns/\d+/edit/$"))


def session_row(page) -> Session:
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    return Session.objects.get(session_key=key)


def test_the_warning_shows_with_focus_and_stay_signed_in_extends_the_session(page, police_quarter, settings):  # noqa: F811
    # A short session is warned for its second half: here the warning comes after 20 s and leaves 20 s to act
    # (time for the accessibility check on a busy machine).
    settings.SESSION_COOKIE_AGE = 40
    start_return(page)
    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    dialog.wait_for(timeout=30_000)
    assert page.evaluate("document.activeElement.textContent") == "Stay signed in"
    assert re.search(r"signed out in \d+ seconds", dialog.inner_text())
    assert serious_violations(page) == []
    screenshot(page, "session-timeout-warning")
    before = session_row(page).expire_date
    page.get_by_role("button", name="Stay signed in").click()
    dialog.wait_for(state="hidden")
    assert session_row(page).expire_date > before + timedelta(seconds=3)

    # Another tab's use keeps this one quiet: when it loads a page, this tab's warning closes.
    dialog.wait_for(timeout=30_000)
    other = page.context.new_page()
    other.goto(page.url)
    dialog.wait_for(state="hidden", timeout=3_000)
    other.close()


def test_a_session_that_ends_on_the_page_gives_the_typing_back_after_signing_in(page, police_quarter, settings):  # noqa: F811
    settings.SESSION_COOKIE_AGE = 9
    start_return(page)
    edit_url = page.url
    page.locator("#id_N28-commentary").fill(TYPED)
    page.get_by_role("dialog", name="You have been signed out").wait_for(timeout=15_000)
    assert page.evaluate("document.activeElement.textContent") == "Sign in again"
    page.get_by_role("link", name="Sign in again").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert "your changes have not been saved" in page.get_by_test_id("unsent-form-notice").inner_text()
    settings.SESSION_COOKIE_AGE = 600
    sign_in_from_here(page, "police.lead")
    assert page.url == edit_url
    assert page.locator("#id_N28-commentary").input_value() == TYPED
    assert "What you typed has been put back" in page.get_by_role("alert").first.inner_text()
    screenshot(page, "session-timeout-restored")


def test_a_form_posted_after_the_session_ended_is_put_back_after_signing_in(page, police_quarter, settings):  # noqa: F811
    # The tab's timers did not run (a laptop asleep): the session ends on the server, then Save draft is pressed.
    settings.SESSION_COOKIE_AGE = 600
    start_return(page)
    edit_url = page.url
    page.locator("#id_N28-value").fill("7")
    page.locator("#id_N28-commentary").fill(TYPED)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    notice = page.get_by_test_id("unsent-form-notice").inner_text()
    assert "signed out because nothing happened for 10 minutes" in notice
    sign_in_from_here(page, "police.lead")
    assert page.url == edit_url
    assert page.locator("#id_N28-commentary").input_value() == TYPED
    assert page.locator("#id_N28-value").input_value() == "7"
    assert "What you typed has been put back" in page.get_by_role("alert").first.inner_text()
    # Put back, not saved: the person saves it themselves, and then it is stored.
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    assert page.locator("#id_N28-commentary").input_value() == TYPED
    assert page.evaluate(KEPT) is None


def test_what_one_person_typed_is_never_given_to_someone_else(page, police_quarter, settings):  # noqa: F811
    settings.SESSION_COOKIE_AGE = 600
    start_return(page)
    page.locator("#id_N28-commentary").fill(TYPED)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    sign_in_from_here(page, "analyst")
    assert TYPED not in page.content()
    # The first portal page the analyst sees drops what the Police lead typed (the edit page itself is a 404 to
    # them, and Django's plain 404 runs no script).
    page.goto("/")
    assert page.evaluate(KEPT) is None


def test_a_form_refused_for_its_security_token_is_put_back_from_the_refusal_page(page, police_quarter, settings):  # noqa: F811
    # The page was open so long that its form's security token no longer matches (here: the token cookie is gone).
    settings.SESSION_COOKIE_AGE = 600
    start_return(page)
    edit_url = page.url
    page.locator("#id_N28-commentary").fill(TYPED)
    page.context.clear_cookies(name="csrftoken")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("heading", name="Your form could not be sent").wait_for()
    assert serious_violations(page) == []
    back = page.get_by_role("link", name="go back to the form")
    assert back.is_visible()
    back.click()
    page.wait_for_url(edit_url)
    assert page.locator("#id_N28-commentary").input_value() == TYPED
    assert "Your form could not be sent" in page.get_by_role("alert").first.inner_text()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    assert page.evaluate(KEPT) is None
