from __future__ import annotations

import re

import pytest

from agencies.models import Agency
from tests.browser.conftest import open_account, screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_csc_lead_signs_in_lands_on_their_task_list_and_cannot_open_police(page, demo):
    sign_in(page, "csc.lead")
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Children's Social Care: what to do next"
    page.get_by_role("link", name="Your agency's page").click()
    page.wait_for_url(re.compile(r"/agencies/\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Children's Social Care"
    open_account(page)
    assert "Children's Social Care" in page.get_by_test_id("who").inner_text()
    assert "Agency lead" in page.get_by_test_id("who").inner_text()
    screenshot(page, "csc-lead-home")

    police = Agency.objects.get(name="Sussex Police")
    response = page.goto(f"/agencies/{police.pk}/")
    assert response.status == 404
    assert "Sussex Police" not in page.content()


def test_a_wrong_password_shows_the_error_summary_with_focus(page, demo):
    sign_in(page, "csc.lead", "not-the-password")
    summary = page.locator("[data-error-summary]")
    assert "The username or password is not right" in summary.inner_text()
    assert page.title().startswith("Error: Sign in")
    assert page.evaluate("document.activeElement.dataset.testid") == "error-summary"
    # A message about the whole form (not one field) is not a link (issue 14).
    assert summary.get_by_role("link").count() == 0
    screenshot(page, "sign-in-error")


def test_an_empty_sign_in_links_each_message_to_its_field(page, demo):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator("[data-error-summary]")
    assert page.evaluate("document.activeElement.dataset.testid") == "error-summary"
    summary.get_by_role("link", name="Enter the password").click()
    assert page.evaluate("document.activeElement.id") == "id_password"


def test_sign_out_ends_the_session(page, demo):
    sign_in(page, "member")
    sign_out(page)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert page.get_by_role("status").filter(has_text="You have signed out").count() == 1
    page.goto("/")
    assert "/accounts/login/" in page.url
