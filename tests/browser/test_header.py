"""The header at every common width, for each role: one row, or collapsed behind a menu button; nothing past the
edge of the screen; Sign out in reach; unread notifications counted on the button while the menu is hidden."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

PERSONAS = ("analyst", "police.lead", "member", "scrutineer", "admin")
WIDTHS = (320, 768, 1024, 1280, 1440, 1920)
# From these widths each role's whole menu shows in one row (the analyst's eleven items need about 1,520 px):
# a lead's at a 1280 px laptop, a reader's at 1440.
IN_A_ROW_FROM = {"analyst": 1920, "police.lead": 1280, "member": 1440, "scrutineer": 1440, "admin": 1024}

HEADER = """() => {
  const nav = document.querySelector('nav.navbar');
  const parts = [...document.querySelectorAll('#main-nav > *, #main-nav .nav-item')].filter(el => el.offsetParent);
  const boxes = parts.map(el => el.getBoundingClientRect());
  const links = [...document.querySelectorAll('#main-nav .nav-item')].filter(el => el.offsetParent)
    .map(el => el.getBoundingClientRect().top);
  return {
    height: nav.getBoundingClientRect().height,
    right: Math.max(0, ...boxes.map(b => b.right)),
    page: document.documentElement.scrollWidth,
    linkRows: new Set(links.map(top => Math.round(top / 4))).size,
    rows: new Set(boxes.map(b => Math.round((b.top + b.bottom) / 2 / 40))).size,
  };
}"""


@pytest.mark.django_db(transaction=True)
def test_the_header_is_one_row_or_collapsed_and_never_clips(browser, live_server, demo):
    for username in PERSONAS:
        context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, username)
        page.goto("/notifications/")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            toggler = page.get_by_test_id("menu-button")
            where = (username, width)
            assert toggler.is_hidden() == (width >= IN_A_ROW_FROM[username]), where
            account = page.get_by_test_id("account-button")
            sign_out = page.get_by_role("button", name="Sign out")
            if toggler.is_visible():
                assert account.is_hidden(), where
                assert page.evaluate(HEADER)["height"] < 80, where  # the brand and the button, one row
                toggler.click()
                page.locator("#main-nav.collapse.show").wait_for()  # opened, not still opening
                shown = page.evaluate(HEADER)
                assert shown["right"] <= width and shown["page"] <= width, (where, shown)
            else:
                shown = page.evaluate(HEADER)
                assert shown["linkRows"] == 1 and shown["height"] < 90, (where, shown)  # the menu does not wrap
                assert shown["right"] <= width and shown["page"] <= width, (where, shown)
            # Sign out is one click away in the account disclosure, inside the screen; Escape closes it again.
            assert account.is_visible() and sign_out.is_hidden(), where
            account.click()
            box = sign_out.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (where, box)
            page.keyboard.press("Escape")
            sign_out.wait_for(state="hidden")
            assert page.evaluate("document.activeElement.dataset.testid") == "account-button", where
            if toggler.is_visible():
                toggler.click()
                account.wait_for(state="hidden")
            if width in (320, 1440):
                screenshot(page, f"header-{username.replace('.', '-')}-{width}")
        context.close()


@pytest.mark.django_db(transaction=True)
def test_the_menu_button_counts_unread_notifications_while_the_menu_is_hidden(browser, live_server, demo):
    from agencies.models import User
    from notifications.models import Kind, Notification

    analyst = User.objects.get(username="analyst")
    Notification.objects.filter(recipient=analyst).update(read_at=None)
    for n in range(2 - Notification.objects.filter(recipient=analyst).count()):
        Notification.objects.create(recipient=analyst, kind=Kind.SUBMITTED, subject=f"Return {n}", text="Submitted.")
    unread = Notification.objects.filter(recipient=analyst, read_at__isnull=True, in_app=True).count()
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 320, "height": 800})
    page = context.new_page()
    sign_in(page, "analyst")
    button = page.get_by_role("button", name=f"Menu, {unread} unread notifications")
    assert button.is_visible()
    assert page.get_by_test_id("menu-unread").inner_text() == str(unread)
    page.set_viewport_size({"width": 1920, "height": 900})  # the whole menu shows, with the count in it
    assert button.is_hidden() and page.get_by_test_id("notifications-link").is_visible()
    context.close()
