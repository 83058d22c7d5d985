"""Two pages editing the same action (two browser sessions of the Police lead): the first save stands, the second
is refused naming who saved and when, with what was typed still in the form and the first save's change taken in."""

from __future__ import annotations

import re
from datetime import date

import pytest

from actionplans import services
from agencies.demo import seed_partnership
from agencies.models import User
from neglect_portal.strategy import Objective
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def police_action(transactional_db):
    seed_partnership()
    lead = User.objects.get(username="police.lead")
    plan = services.plan_save(
        plan=None,
        agency=lead.agency,
        fields={"title": "Police neglect plan", "starts_on": date(2020, 4, 1), "ends_on": date(2022, 3, 31)},
        acting_user=lead,
    )
    return services.action_save(
        action=None,
        plan=plan,
        fields={
            "objective": Objective.RECOGNISE,
            "description": "Neglect briefing for response officers",
            "lead_officer": "Detective Inspector, MASH",
            "starts_on": date(2020, 4, 1),
            "due_on": date(2020, 12, 31),
            "success_measure": "More neglect referrals from response officers.",
        },
        indicators=None,
        acting_user=lead,
    )


def test_the_second_of_two_pages_saving_the_same_action_is_refused_with_who_and_when(
    browser, live_server, police_action
):
    url = f"/plans/actions/{police_action.pk}/edit/"
    pages = []
    for _ in range(2):
        context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, "police.lead")
        page.goto(url)
        pages.append(page)
    first, second = pages
    first.get_by_label("Lead officer").fill("Chief Inspector, Public Protection")
    first.get_by_role("button", name="Save changes").click()
    first.wait_for_url(re.compile(r"/plans/\d+/$"))
    assert "Action saved." in first.content()

    second.get_by_label("What will be done").fill("Neglect briefing for every response and neighbourhood officer")
    second.get_by_role("button", name="Save changes").click()
    alert = second.locator("#conflict")
    alert.wait_for()
    name = User.objects.get(username="police.lead").get_full_name()
    assert re.search(
        rf"{name} changed this action at \d\d:\d\d on \d+ \w+ \d{{4}}, after you opened it\.", alert.inner_text()
    )
    assert "Lead officer: Chief Inspector, Public Protection" in alert.inner_text()
    assert second.title().startswith("Error: ")
    # Nothing typed is lost, and the field this page left alone now shows the first page's save.
    assert second.get_by_label("What will be done").input_value() == (
        "Neglect briefing for every response and neighbourhood officer"
    )
    assert second.get_by_label("Lead officer").input_value() == "Chief Inspector, Public Protection"
    screenshot(second, "stale-action-1280")
    second.set_viewport_size({"width": 320, "height": 900})
    screenshot(second, "stale-action-320")
    police_action.refresh_from_db()
    assert police_action.lead_officer == "Chief Inspector, Public Protection"
    assert police_action.description == "Neglect briefing for response officers"  # the refused save wrote nothing

    second.get_by_role("button", name="Save changes").click()  # having checked, saving again keeps both edits
    second.wait_for_url(re.compile(r"/plans/\d+/$"))
    police_action.refresh_from_db()
    assert (police_action.lead_officer, police_action.description) == (
        "Chief Inspector, Public Protection",
        "Neglect briefing for every response and neighbourhood officer",
    )
    for page in pages:
        page.context.close()
