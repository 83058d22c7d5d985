"""Exports follow the screens: an agency lead's files hold the partnership's figures and their own agency's rows,
never another agency's; partnership readers' files hold every agency's. All files publish the same cells."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from dataset.build import services as dataset_services
from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import Indicator, Polarity, ReportingPeriod, Return, ReturnValue, Unit
from dataset.reading import exports
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective

CSC_NAME, POLICE_NAME = "Children's Social Care", "Sussex Police"


@pytest.fixture
def snapshot(csc, police, analyst):
    """Two quarters of a count (S01) and a percentage (S02), both supplied by CSC and Police, published.
    CSC's 3 in the latest quarter is c, so Police's count goes too: the lead's file must not lose that."""
    count = Indicator.objects.create(
        code="S01",
        title="Referrals with neglect as the primary need",
        definition="A count.",
        unit=Unit.COUNT,
        polarity=Polarity.NEITHER,
        objective=Objective.RECOGNISE,
    )
    share = Indicator.objects.create(
        code="S02",
        title="Re-referrals within 12 months",
        definition="A share.",
        unit=Unit.PERCENTAGE,
        numerator_label="Re-referrals",
        denominator_label="Referrals",
        polarity=Polarity.LOWER,
        objective=Objective.RESPOND,
    )
    for indicator in (count, share):
        indicator.suppliers.add(csc, police)
    figures = {  # per quarter: agency -> (S01, S02 numerator, S02 denominator)
        Quarter(2020, 1): {csc: ("12", "20", "40"), police: ("30", "9", "30")},
        Quarter(2020, 2): {csc: ("3", "21", "40"), police: ("31", "10", "30")},
    }
    for quarter, by_agency in figures.items():
        opens, due, locks = default_dates(quarter)
        period = ReportingPeriod.objects.create(
            year=quarter.year, quarter=quarter.number, opens_on=opens, due_on=due, locks_on=locks
        )
        for agency, (n, numerator, denominator) in by_agency.items():
            ret = Return.objects.create(agency=agency, period=period, status=State.ACCEPTED)
            ReturnValue.objects.create(ret=ret, indicator=count, value=n)
            ReturnValue.objects.create(ret=ret, indicator=share, numerator=numerator, denominator=denominator)
    built = dataset_services.dataset_build(trigger="export scope")
    return dataset_services.snapshot_publish(snapshot=built, acting_user=analyst)


def download(client, user, url: str):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def data_rows(content: bytes) -> list[dict[str, object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content))[exports.DATA_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def xlsx_url(snapshot) -> str:
    return reverse("dataset:dataset_export", args=[snapshot.pk, "xlsx"])


@pytest.mark.parametrize(
    ("lead", "own", "other"), [("csc_lead", CSC_NAME, POLICE_NAME), ("police_lead", POLICE_NAME, CSC_NAME)]
)
def test_a_leads_workbook_holds_the_partnership_and_only_their_own_agencys_rows(
    client, request, snapshot, lead, own, other
):
    rows = data_rows(download(client, request.getfixturevalue(lead), xlsx_url(snapshot)))
    assert {row["agency"] for row in rows} == {exports.PARTNERSHIP, own}
    assert len([row for row in rows if row["agency"] == own]) == 2 * 2  # two indicators, two quarters
    data_sheet_text = "\n".join(str(value) for row in rows for value in row.values())
    assert other not in data_sheet_text


@pytest.mark.parametrize("reader", ["analyst", "member", "scrutineer"])
def test_partnership_readers_workbooks_hold_every_agencys_rows(client, request, snapshot, reader):
    rows = data_rows(download(client, request.getfixturevalue(reader), xlsx_url(snapshot)))
    assert {row["agency"] for row in rows} == {exports.PARTNERSHIP, CSC_NAME, POLICE_NAME}


def test_a_leads_workbook_publishes_the_same_cells_as_the_analysts(client, snapshot, csc_lead, analyst):
    """Disclosure is decided on every agency's figures, so leaving Police's rows out changes no published cell:
    CSC's small count is c in both files, and so is the figure that protects it."""
    lead = data_rows(download(client, csc_lead, xlsx_url(snapshot)))
    everything = data_rows(download(client, analyst, xlsx_url(snapshot)))
    assert lead == [row for row in everything if row["agency"] in (exports.PARTNERSHIP, CSC_NAME)]
    latest = {
        row["agency"]: row["value"]
        for row in everything
        if (row["indicator_code"], row["period"]) == ("S01", "2020-21 Q2")
    }
    assert latest[CSC_NAME] == "c" and "c" in (latest[POLICE_NAME], latest[exports.PARTNERSHIP])


def test_no_sheet_of_a_leads_workbook_names_another_agency_but_the_notes_list_of_suppliers(client, snapshot, csc_lead):
    # The Notes sheet says which agencies supply each indicator, as the indicator page does; nothing else may.
    workbook = openpyxl.load_workbook(io.BytesIO(download(client, csc_lead, xlsx_url(snapshot))))
    naming = [
        (ws.title, cell.coordinate)
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and POLICE_NAME in cell.value
    ]
    assert naming and {title for title, _ in naming} == {exports.NOTES_SHEET}


@pytest.mark.parametrize("lead", ["csc_lead", "police_lead"])
def test_a_leads_csv_holds_only_partnership_rows_the_same_as_the_analysts(client, request, snapshot, analyst, lead):
    url = reverse("dataset:dataset_export", args=[snapshot.pk, "csv"])
    theirs = download(client, request.getfixturevalue(lead), url)
    assert theirs == download(client, analyst, url)
    rows = list(csv.reader(io.StringIO(theirs.decode("utf-8-sig"))))
    assert rows[0] == list(exports.CSV_COLUMNS) and "agency" not in rows[0]
    assert len(rows) == 1 + 2 * 2
    assert CSC_NAME not in theirs.decode() and POLICE_NAME not in theirs.decode()


@pytest.mark.parametrize("lead", ["csc_lead", "police_lead"])
def test_the_indicator_pages_csv_is_the_same_for_a_lead_and_the_analyst(client, request, snapshot, analyst, lead):
    url = reverse("dataset:indicator_data", args=["S01"])
    theirs = download(client, request.getfixturevalue(lead), url)
    assert theirs == download(client, analyst, url)
    rows = list(csv.reader(io.StringIO(theirs.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["S01", "S01"]
    assert CSC_NAME not in theirs.decode() and POLICE_NAME not in theirs.decode()
