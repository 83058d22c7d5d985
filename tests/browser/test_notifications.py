"""Notifications as people meet them: Police submits a return, its lead and the analyst find it in the header."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import timezone

from agencies.models import User
from dataset.models import Indicator, ReportingPeriod
from dataset.returns import services
from notifications import services as notification_services
from notifications.models import EMAIL_MAX_ATTEMPTS, Kind, Notification
from tests.browser.conftest import screenshot, sign_in, sign_out
from tests.browser.test_dashboard import serious_violations
from tests.browser.test_return_flow import police_quarter  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

WHAT = "the 2020-21 Q1 neglect return for Sussex Police"


@pytest.fixture
def police_draft(police_quarter):  # noqa: F811
    lead = User.objects.get(username="police.lead")
    period = ReportingPeriod.objects.get(year=2020, quarter=1)
    ret = services.return_start(agency=police_quarter, period=period, acting_user=lead)
    inputs = {
        i.code: {"numerator": "40", "denominator": "50"} if i.is_ratio else {"value": "10"}
        for i in Indicator.objects.filter(suppliers=police_quarter)
    }
    services.return_save_values(ret=ret, acting_user=lead, seen_version=ret.version, inputs=inputs)
    return ret


def test_a_submitted_return_reaches_the_lead_and_the_analyst(page, police_draft):
    sign_in(page, "police.lead")
    page.goto(f"/returns/{police_draft.pk}/edit/")
    page.get_by_label("I confirm these figures are accurate and have been checked.").check()
    page.get_by_role("button", name="Submit to the partnership analyst").click()
    page.wait_for_url(re.compile(r"/returns/\d+/$"))
    # what a screen reader hears: the count, and that it counts unread ones
    header = page.get_by_role("link", name="Notifications 1 unread", exact=True)
    assert header.get_attribute("data-testid") == "notifications-link"
    header.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Notifications"
    item = page.get_by_test_id("notifications").get_by_role("listitem")
    assert "Unread" in item.inner_text() and f"Received: {WHAT}" in item.inner_text()
    assert serious_violations(page) == []
    screenshot(page, "notifications-lead")
    page.get_by_role("link", name=f"Received: {WHAT}").click()
    page.wait_for_url(f"**/returns/{police_draft.pk}/")
    assert " ".join(page.get_by_test_id("notifications-link").inner_text().split()) == "Notifications"

    sign_out(page)
    sign_in(page, "analyst")
    page.get_by_test_id("notifications-link").click()
    assert f"To review: {WHAT}" in page.get_by_test_id("notifications").inner_text()
    assert "Paul Okafor submitted" in page.get_by_test_id("notifications").inner_text()
    page.get_by_role("button", name="Mark all as read").click()
    assert "1 notification marked as read." in page.get_by_role("status").first.inner_text()
    assert " ".join(page.get_by_test_id("notifications-link").inner_text().split()) == "Notifications"

    page.get_by_role("link", name="Choose which notifications you get").click()
    page.get_by_role("group", name="Submitted for review").get_by_label("By email").uncheck()
    page.get_by_role("button", name="Save settings").click()
    assert "saved" in page.get_by_role("status").first.inner_text()
    assert not page.get_by_role("group", name="Submitted for review").get_by_label("By email").is_checked()
    assert serious_violations(page) == []
    screenshot(page, "notification-settings")
    # and by email, once each, with the link to the return
    assert sorted(m.to[0] for m in mail.outbox if m.subject.endswith(WHAT)) == [
        "analyst@example.org",
        "police.lead@example.org",
    ]


def test_the_analyst_finds_an_email_that_could_not_be_sent_and_tries_it_again(page, police_quarter):  # noqa: F811
    lead = User.objects.get(username="police.lead")
    (note,) = notification_services.notify(
        kind=Kind.SENT_BACK, recipients=[lead], subject=f"Sent back for changes: {WHAT}", text="Check N28."
    )
    Notification.objects.filter(pk=note.pk).update(
        emailed_at=None,
        email_attempts=EMAIL_MAX_ATTEMPTS,
        email_failed_at=timezone.now(),
        email_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    mail.outbox.clear()
    sign_in(page, "analyst")
    page.get_by_test_id("email-tasks").get_by_role("link", name="1 email could not be sent", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Emails that could not be sent"
    card = page.get_by_test_id("failed-emails").get_by_role("listitem")
    assert "The portal could not reach the mail server." in card.inner_text() and "Paul Okafor" in card.inner_text()
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "failed-emails-320")
    retry = f"Try again sending the email to Paul Okafor: Sent back for changes: {WHAT}"
    page.get_by_role("button", name=retry).click()
    assert "The email to Paul Okafor is being sent again." in page.get_by_role("status").first.inner_text()
    assert "Every email has been sent." in page.content()
    assert [m.to for m in mail.outbox] == [["police.lead@example.org"]]
    # and the person it was for still has it in the portal
    sign_out(page)
    sign_in(page, "police.lead")
    page.goto("/notifications/")
    assert f"Sent back for changes: {WHAT}" in page.get_by_test_id("notifications").inner_text()
