"""The quarterly return as its people meet it: Police fills and submits, the analyst accepts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.demo import seed_partnership
from agencies.models import Agency, User
from dataset.catalogue.loader import load_demo_catalogue
from dataset.models import Indicator, ReportingPeriod, Return, ReturnValue
from neglect_portal.lifecycle import State
from tests.browser.conftest import screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser


@pytest.fixture
def police_quarter(transactional_db):
    seed_partnership()
    load_demo_catalogue()
    today = timezone.localdate()
    previous = ReportingPeriod.objects.create(
        year=2019,
        quarter=4,
        opens_on=today - timedelta(days=120),
        due_on=today - timedelta(days=90),
        locks_on=today - timedelta(days=60),
    )
    ReportingPeriod.objects.create(
        year=2020,
        quarter=1,
        opens_on=today - timedelta(days=20),
        due_on=today + timedelta(days=10),
        locks_on=today + timedelta(days=40),
    )
    police = Agency.objects.get(short_name="Police")
    last = Return.objects.create(agency=police, period=previous, status=State.ACCEPTED)
    for indicator in Indicator.objects.filter(suppliers=police):
        figures = {"numerator": "40", "denominator": "50"} if indicator.is_ratio else {"value": "10"}
        ReturnValue.objects.create(ret=last, indicator=indicator, **figures)
    return police


def test_police_lead_fixes_an_error_explains_a_query_submits_and_the_analyst_accepts(page, police_quarter):
    sign_in(page, "police.lead")
    page.get_by_role("link", name="Returns").first.click()
    page.get_by_role("button", name="Start the 2020-21 Q1 return").click()
    page.wait_for_url(re.compile(r"/returns/\d+/edit/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "2020-21 Q1 return: enter figures"

    codes = list(Indicator.objects.filter(suppliers=police_quarter).order_by("code").values_list("code", "unit"))
    for code, unit in codes:
        if unit == "count":
            page.locator(f"#id_{code}-value").fill("10")
        else:
            page.locator(f"#id_{code}-numerator").fill("41")
            page.locator(f"#id_{code}-denominator").fill("50")
    # A numerator above its denominator, and a count that doubles on last quarter (a query).
    page.locator("#id_N21-numerator").fill("60")
    page.locator("#id_N28-value").fill("20")
    page.get_by_role("button", name="Submit to the partnership analyst").click()

    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert "There is a problem" in summary.inner_text()
    assert "must be no more than invited (50)" in summary.inner_text()  # plain English, no rule code
    screenshot(page, "return-error-summary")
    summary.get_by_role("link", name=re.compile("N21.*no more than")).click()
    assert page.evaluate("document.activeElement.id") == "id_N21-numerator"
    page.locator("#id_N21-numerator").fill("45")
    page.locator("#id_N28-commentary").fill("Ten new champions trained in March.")
    page.get_by_label("I confirm these figures are accurate and have been checked.").check()
    page.get_by_role("button", name="Submit to the partnership analyst").click()
    page.wait_for_url(re.compile(r"/returns/\d+/$"))
    assert "submitted to the partnership analyst" in page.get_by_role("status").first.inner_text()
    ret = Return.objects.get(agency=police_quarter, period__year=2020)
    assert ret.status == State.SUBMITTED

    sign_out(page)
    sign_in(page, "analyst")
    page.goto("/review/")
    page.get_by_role("link", name="Sussex Police").click()
    assert "Ten new champions trained in March." in page.content()
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url(re.compile(r"/review/$"))
    ret.refresh_from_db()
    assert (ret.status, ret.reviewed_by) == (State.ACCEPTED, User.objects.get(username="analyst"))

    page.goto(f"/returns/{ret.pk}/history/")
    timeline = page.get_by_role("table").first.inner_text()
    assert "Submitted" in timeline and "Accepted" in timeline
    assert "Paul Okafor" in timeline and "Alex Turner" in timeline
    changes = page.get_by_role("table").nth(1).inner_text()
    assert re.search(r"N21 Attended or reported\s+60\s+45\s+Form", changes)
    screenshot(page, "return-history")
