"""The completeness tracker: who sees it, what it says, and that its cost does not grow with the partnership."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Sector
from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import Indicator, Polarity, Reminder, ReminderKind, ReportingPeriod, Return, ReturnValue, Unit
from dataset.returns import services
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from tests.dataset.conftest import fill
from tests.factories import AgencyFactory, UserFactory
from tests.pages import outline

LONDON = ZoneInfo("Europe/London")
TRACKER = reverse("dataset:tracker")


def on(day: date, hour: int = 12) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=LONDON), tick=False)


def make_period(year: int, number: int) -> ReportingPeriod:
    opens_on, due_on, locks_on = default_dates(Quarter(year, number))
    return ReportingPeriod.objects.create(
        year=year, quarter=number, opens_on=opens_on, due_on=due_on, locks_on=locks_on
    )


def count_indicator(code: str, *suppliers) -> Indicator:
    indicator = Indicator.objects.create(
        code=code,
        title=f"Indicator {code}",
        definition="A count.",
        unit=Unit.COUNT,
        polarity=Polarity.NEITHER,
        objective=Objective.QUANTIFY,
    )
    indicator.suppliers.add(*suppliers)
    return indicator


def cell_text(response, agency_short: str, label: str) -> str:
    """The words in one cell as seen (the link's screen-reader text left out), whitespace collapsed."""
    slug = label.lower().replace(" ", "-")
    match = re.search(rf'data-testid="cell-{agency_short}-{slug}">(.*?)</td>', response.content.decode(), re.S)
    assert match, f"no cell for {agency_short} {label}"
    seen = re.sub(r'<span class="visually-hidden">.*?</span>', " ", match.group(1), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", seen).split())


def footer(response) -> str:
    match = re.search(r"<tfoot>(.*?)</tfoot>", response.content.decode(), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.fixture
def q1(db):
    """2020-21 Q1: opens 1 July 2020, due 28 July 2020, locks 27 August 2020."""
    period = make_period(2020, 1)
    assert (period.opens_on, period.due_on) == (date(2020, 7, 1), date(2020, 7, 28))
    return period


@pytest.fixture
def early_help(db):
    return AgencyFactory(name="Early Help", short_name="EH", sector=Sector.EARLY_HELP)


@pytest.fixture
def partnership(q1, csc_lead, police_lead, n18, n28, early_help):
    """CSC supplies N18 (a percentage), N28 and N30; Police N28; Early Help N28. On 20 July CSC saves a draft with
    one value present, one not available and one missing; Police submits on time; Early Help does nothing."""
    count_indicator("N30", csc_lead.agency)
    n28.suppliers.add(early_help)
    with on(date(2020, 7, 20)):
        csc = services.return_start(agency=csc_lead.agency, period=q1, acting_user=csc_lead)
        fill(csc, csc_lead, N18=("150", "420"), N28={"not_available_reason": "system_change"}, N30="")
        police = services.return_start(agency=police_lead.agency, period=q1, acting_user=police_lead)
        fill(police, police_lead, N28="24")
        police.refresh_from_db()
        services.return_submit(signed_off=True, ret=police, acting_user=police_lead, seen_version=police.version)
    return {"csc": csc, "police": police}


# --- who sees it ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["analyst", "member", "scrutineer"])
def test_partnership_readers_see_the_tracker(client, request, persona, partnership):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(TRACKER).status_code == 200


@pytest.mark.parametrize("persona", ["csc_lead", "police_lead", "no_agency_user", "admin_user"])
def test_there_is_no_tracker_for_anyone_else(client, request, persona, partnership):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(TRACKER).status_code == 404


def test_members_may_open_only_accepted_returns_from_it(client, member, analyst, partnership):
    police = partnership["police"]
    client.force_login(member)
    assert police.get_absolute_url() not in client.get(TRACKER).content.decode()
    client.force_login(analyst)
    assert police.get_absolute_url() in client.get(TRACKER).content.decode()
    services.return_accept(ret=police, acting_user=analyst)
    client.force_login(member)
    assert police.get_absolute_url() in client.get(TRACKER).content.decode()


# --- what it says ---------------------------------------------------------------------------------------
def test_each_cell_says_the_status_in_words_and_colour_and_what_is_present(client, analyst, partnership):
    client.force_login(analyst)
    with on(date(2020, 7, 21)):
        page = client.get(TRACKER)
    assert cell_text(page, "CSC", "2020-21 Q1").startswith("Draft 1 of 3 present, 1 not available, 1 missing")
    assert cell_text(page, "Police", "2020-21 Q1").startswith("Submitted 1 of 1 present")
    assert cell_text(page, "EH", "2020-21 Q1") == "Not started 0 of 1 present, 1 missing"
    html = page.content.decode()
    for css in ("status-draft", "status-submitted", "status-not_started"):
        assert css in html
    assert "Overdue" not in footer(page)
    # A week before the due date there is no on-time rate yet: 1 of 3 agencies has submitted so far. 2 of 5 expected
    # values present (CSC 1 of 3, Police 1, EH 0).
    assert "Due in 7 days (28 July 2020): 1 of 3 submitted so far" in footer(page)
    assert "on time" not in footer(page)
    assert "2 of 5 values present (40%)" in footer(page)


def test_the_on_time_rate_appears_only_once_the_due_date_has_passed(client, analyst, partnership):
    for day, words in (
        (date(2020, 7, 20), "Due in 8 days (28 July 2020): 1 of 3 submitted so far"),  # the day Police submitted
        (date(2020, 7, 27), "Due tomorrow (28 July 2020): 1 of 3 submitted so far"),
        (date(2020, 7, 28), "Due today (28 July 2020): 1 of 3 submitted so far"),
        (date(2020, 7, 29), "1 of 3 on time (33%)"),  # over all three expected agencies, not those that submitted
    ):
        with on(day):
            client.force_login(analyst)
            page = client.get(TRACKER)
        assert words in footer(page), day
        assert ("on time" in footer(page)) is (day > date(2020, 7, 28))


def test_overdue_appears_after_the_due_date_with_the_state_underneath(client, analyst, partnership):
    client.force_login(analyst)
    with on(date(2020, 7, 28)):
        page = client.get(TRACKER)
    assert "Overdue" not in cell_text(page, "CSC", "2020-21 Q1")
    with on(date(2020, 7, 29)):
        client.force_login(analyst)
        page = client.get(TRACKER)
    assert cell_text(page, "CSC", "2020-21 Q1").startswith("Overdue (draft)")
    assert cell_text(page, "EH", "2020-21 Q1").startswith("Overdue (not started)")
    assert cell_text(page, "Police", "2020-21 Q1").startswith("Submitted")
    assert 'class="badge status-overdue"' in page.content.decode()


def test_on_time_counts_the_first_submission_and_a_late_one_does_not(client, analyst, partnership, csc_lead):
    police = partnership["police"]
    with on(date(2020, 7, 30)):
        # Police's on-time return is sent back and resubmitted late: it was still first submitted on time.
        police = services.return_send_back(ret=police, acting_user=analyst, reason="Check N28")
        police = services.return_submit(
            signed_off=True, ret=police, acting_user=police.submitted_by, seen_version=police.version
        )
        csc = partnership["csc"]
        fill(csc, csc_lead, N28={"value": "7", "not_available_reason": ""}, N30="3")
        csc.refresh_from_db()
        services.return_submit(signed_off=True, ret=csc, acting_user=csc_lead, seen_version=csc.version)
        client.force_login(analyst)
        page = client.get(TRACKER)
    assert police.submitted_at.date() == date(2020, 7, 30)
    assert "1 of 3 on time (33%)" in footer(page)
    assert "4 of 5 values present (80%)" in footer(page)
    assert cell_text(page, "CSC", "2020-21 Q1").startswith("Submitted 3 of 3 present")


def test_the_page_is_an_accessible_table(client, analyst, partnership):
    client.force_login(analyst)
    with on(date(2020, 7, 21)):
        page = client.get(TRACKER)
    parsed = outline(page)
    assert parsed.headings.count(1) == 1
    assert parsed.tables == 1 and parsed.captions == 1
    assert set(parsed.fields) <= parsed.labelled
    html = page.content.decode()
    assert '<th scope="col">2020-21 Q1' in html
    assert '<th scope="row"><a href="' in html
    assert html.count('scope="row"') == 3 + 2  # three agencies, two totals


# --- which quarters ------------------------------------------------------------------------------------
@pytest.fixture
def ten_quarters(db):
    quarter, made = Quarter(2018, 1), []
    for _ in range(10):
        made.append(make_period(quarter.year, quarter.number))
        quarter = quarter.next()
    return made  # 2018-19 Q1 .. 2020-21 Q2


def _columns(page) -> list[str]:
    return re.findall(r'<th scope="col">(\d{4}-\d{2} Q\d)', page.content.decode())


def test_it_shows_the_last_eight_opened_quarters_latest_first_by_default(client, analyst, ten_quarters, n28):
    client.force_login(analyst)
    with on(date(2020, 8, 1)):  # 2020-21 Q2 has not opened yet
        page = client.get(TRACKER)
    assert _columns(page) == [p.label for p in reversed(ten_quarters[1:9])]  # 2020-21 Q1 back to 2018-19 Q2


def test_a_range_of_quarters_can_be_chosen_in_the_url(client, analyst, ten_quarters, n28):
    client.force_login(analyst)
    with on(date(2020, 8, 1)):
        page = client.get(TRACKER, {"from": "2019-20 Q3", "to": "2018-19 Q1"})  # either order
        assert _columns(page) == [p.label for p in reversed(ten_quarters[:7])]  # 2019-20 Q3 back to 2018-19 Q1
        page = client.get(TRACKER, {"from": "2020-21 Q1"})
        assert _columns(page) == ["2020-21 Q1"]
        page = client.get(TRACKER, {"from": "1999-00 Q1"})
    assert "There is no quarter 1999-00 Q1" in page.content.decode()
    assert len(_columns(page)) == 8


# --- cost --------------------------------------------------------------------------------------------
def _grow_partnership(agencies: int, quarters: int) -> None:
    """Agencies that each supply two indicators, and quarters in which each has a submitted return with values."""
    have = set(Return.objects.values_list("agency_id", "period_id"))
    quarter = Quarter(2019, 1)
    for _ in range(quarters):
        if not ReportingPeriod.objects.filter(year=quarter.year, quarter=quarter.number).exists():
            make_period(quarter.year, quarter.number)
        quarter = quarter.next()
    a, b = Indicator.objects.get(code="Q1"), Indicator.objects.get(code="Q2")
    start = a.suppliers.count()
    for n in range(start, start + agencies):
        agency = AgencyFactory(name=f"Agency {n}", short_name=f"A{n}")
        UserFactory(username=f"lead{n}", agency=agency)
        a.suppliers.add(agency)
        b.suppliers.add(agency)
    for agency in a.suppliers.all():
        for period in ReportingPeriod.objects.all():
            if (agency.pk, period.pk) in have:
                continue
            ret = Return.objects.create(agency=agency, period=period, status=State.SUBMITTED)
            ReturnValue.objects.create(ret=ret, indicator=a, value="4")
            ReturnValue.objects.create(ret=ret, indicator=b, not_available_reason="other")


def test_the_number_of_queries_does_not_grow_with_agencies_or_quarters(client, analyst, db):
    count_indicator("Q1")
    count_indicator("Q2")
    client.force_login(analyst)
    with on(date(2021, 1, 15)):
        _grow_partnership(agencies=2, quarters=2)
        with CaptureQueriesContext(connection) as small:
            assert client.get(TRACKER).status_code == 200
        _grow_partnership(agencies=4, quarters=6)
        with CaptureQueriesContext(connection) as large:
            page = client.get(TRACKER)
    assert len(_columns(page)) == 6 and page.content.decode().count("1 of 2 present, 1 not available") == 36
    assert len(large.captured_queries) == len(small.captured_queries), [q["sql"] for q in large.captured_queries]


def test_the_chase_list_costs_the_same_however_many_agencies_and_reminders(client, analyst, db):
    indicator = count_indicator("Q1")
    client.force_login(analyst)

    def grow(agencies: int, reminders: int) -> None:
        period = ReportingPeriod.objects.get()
        for n in range(indicator.suppliers.count(), indicator.suppliers.count() + agencies):
            agency = AgencyFactory(name=f"Agency {n}", short_name=f"A{n}")
            UserFactory(username=f"lead{n}", agency=agency)
            indicator.suppliers.add(agency)
            for day in range(reminders):
                Reminder.objects.create(
                    kind=ReminderKind.MANUAL, agency=agency, period=period, occasion=date(2020, 7, 1 + day)
                )

    with on(date(2020, 7, 20)):
        make_period(2020, 1)
        grow(agencies=2, reminders=1)
        with CaptureQueriesContext(connection) as small:
            assert client.get(reverse("dataset:chase_list")).status_code == 200
        grow(agencies=6, reminders=5)
        with CaptureQueriesContext(connection) as large:
            page = client.get(reverse("dataset:chase_list")).content.decode()
    assert page.count("Agency ") >= 8
    assert len(large.captured_queries) == len(small.captured_queries), [q["sql"] for q in large.captured_queries]
