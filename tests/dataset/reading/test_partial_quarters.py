"""Partial quarters are marked wherever their value appears and never called a rise or a fall; year-to-date
indicators say so beside their values, show the year-to-date message instead of SPC words and a pro-rata target."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from dataset.build import services as dataset_services
from dataset.build.figures import Comparison, IndicatorInfo, PartnershipValue, SpcResult
from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import Accumulation, Indicator, Polarity, ReportingPeriod, Return, ReturnValue, Unit
from dataset.reading import exports, marks
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from tests.factories import AgencyFactory

D = Decimal
AGENCIES = {"CSC": "Children's Social Care", "Police": "Sussex Police", "EDU": "Education"}
Q1 = Quarter(2020, 1).index
YTD_MESSAGE = "A year-to-date figure: compared with the same quarter of earlier years."

TRAINED = IndicatorInfo(
    "Y01",
    "Practitioners trained against plan",
    "percentage",
    "higher",
    "recognise",
    numerator_label="Trained",
    denominator_label="Planned",
    target=D(100),
    red_threshold=D(60),
    suppliers=("CSC",),
    accumulation="year_to_date",
)
REFERRALS = IndicatorInfo("C01", "Neglect referrals", "count", "neither", "recognise", suppliers=tuple(AGENCIES))


# --- the words, alone --------------------------------------------------------------------------------------------
def test_the_mark_says_how_many_agencies_are_in_and_which_are_missing():
    note = marks.partial_note(contributors=("CSC", "EDU"), expected=("CSC", "EDU", "Police"), agencies=AGENCIES)
    assert note == "Partial: 2 of 3 agencies; Sussex Police not yet accepted"


def test_an_agency_that_marked_its_figure_not_available_is_named_as_such():
    note = marks.partial_note(
        contributors=("CSC",), expected=("CSC", "EDU", "Police"), not_available=("EDU",), agencies=AGENCIES
    )
    assert note == "Partial: 1 of 3 agencies; Sussex Police not yet accepted; Education marked it not available"


def test_a_whole_value_has_no_mark():
    assert marks.partial_note(contributors=("CSC", "Police"), expected=("Police", "CSC"), agencies=AGENCIES) == ""


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "Target 25% by Q1 (100% by the year end)"),
        (2, "Target 50% by Q2 (100% by the year end)"),
        (3, "Target 75% by Q3 (100% by the year end)"),
        (4, "Target 100% by Q4 (the year end)"),
    ],
)
def test_the_target_shown_for_a_year_to_date_indicator_is_the_pro_rata_one(number, text):
    assert marks.target_text(TRAINED, Quarter(2020, number).index) == text


def test_the_target_shown_for_a_quarterly_indicator_is_its_own():
    quarterly = IndicatorInfo("N01", "t", "percentage", "higher", "respond", target=D("12.5"))
    assert marks.target_text(quarterly, Q1) == "Target 12.5%"
    assert marks.target_text(REFERRALS, Q1) == ""


# --- exports, alone --------------------------------------------------------------------------------------------
def export_data(*, comparable: bool = False) -> dict:
    """C01 in 2020-21 Q1 is missing Sussex Police and Education marked it not available; the quarter before is
    whole. Y01, year to date, is whole: 24% by Q1."""
    values = {
        ("C01", Q1 - 1): PartnershipValue("C01", Q1 - 1, D(30), contributors=tuple(AGENCIES), expected=tuple(AGENCIES)),
        ("C01", Q1): PartnershipValue(
            "C01", Q1, D(12), contributors=("CSC",), expected=tuple(AGENCIES), not_available=("EDU",)
        ),
        ("Y01", Q1): PartnershipValue(
            "Y01", Q1, D(24), numerator=D(192), denominator=D(800), contributors=("CSC",), expected=("CSC",)
        ),
    }
    contributions = {
        ("C01", Q1 - 1): {"CSC": D(10), "Police": D(10), "EDU": D(10)},
        ("C01", Q1): {"CSC": D(12), "EDU": None},
        ("Y01", Q1): {"CSC": D(192)},
    }
    comparisons = {
        # what a stale or hand-made comparison might say: the export must still not call it a fall
        ("C01", Q1): Comparison("C01", Q1, change_previous=D("-60.0"), direction="down", comparable=comparable),
        ("Y01", Q1): Comparison("Y01", Q1, change_year=D("1.0"), direction="steady", rag="amber"),
    }
    spc = {"Y01": SpcResult("Y01", enough_data=False, message=YTD_MESSAGE, method="year_to_date")}
    return {
        "indicators": [REFERRALS, TRAINED],
        "quarters": [Q1 - 1, Q1],
        "values": values,
        "contributions": contributions,
        "comparisons": comparisons,
        "spc": spc,
    }


def csv_records(**data) -> dict[tuple[str, str], dict[str, str]]:
    rows = list(csv.reader(io.StringIO(exports.export_csv(agencies=AGENCIES, **data).decode("utf-8-sig"))))
    return {(r[0], r[2]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}


def workbook(**data):
    content = exports.export_xlsx(snapshot_label="s", built_at="b", themes=[], agencies=AGENCIES, **data)
    return openpyxl.load_workbook(io.BytesIO(content))


def dataset_row(wb, code: str) -> dict[str, openpyxl.cell.Cell]:
    ws = wb[exports.DATASET_SHEET]
    header = next(r for r in ws.iter_rows() if r[0].value == "Code")
    row = next(r for r in ws.iter_rows(min_row=header[0].row + 1) if r[0].value == code)
    return {h.value: cell for h, cell in zip(header, row, strict=False)}


def test_the_csv_flags_a_partial_quarter_and_names_who_is_missing():
    rows = csv_records(**export_data())
    partial = rows[("C01", "2020-21 Q1")]
    assert partial["value"] == "12"  # the figure is still given
    assert partial["partial"] == "yes"
    assert partial["partial_note"] == (
        "Partial: 1 of 3 agencies; Sussex Police not yet accepted; Education marked it not available"
    )
    whole = rows[("C01", "2019-20 Q4")]
    assert (whole["partial"], whole["partial_note"]) == ("no", "")


def test_the_workbook_marks_a_partial_figure_with_p_keeps_it_a_number_and_says_who_is_missing():
    wb = workbook(**export_data())
    row = dataset_row(wb, "C01")
    cell = row["2020-21 Q1"]
    assert cell.value == 12 and cell.number_format.endswith('" p"')
    assert not row["2019-20 Q4"].number_format.endswith('" p"')
    assert row["Partial quarters"].value == (
        "2020-21 Q1: Partial: 1 of 3 agencies; Sussex Police not yet accepted; Education marked it not available"
    )
    notes = [c.value for r in wb[exports.NOTES_SHEET].iter_rows() for c in r if isinstance(c.value, str)]
    assert marks.PARTIAL_MARK in notes and marks.PARTIAL_FOOTNOTE in notes
    sheet = list(wb[exports.DATA_SHEET].iter_rows(values_only=True))
    by_agency = {(r[0], r[2], r[3]): dict(zip(sheet[0], r, strict=True)) for r in sheet[1:]}
    assert by_agency[("C01", "2020-21 Q1", "Partnership")]["partial"] == "yes"
    assert by_agency[("C01", "2020-21 Q1", "Sussex Police")]["partial"] == "z"


@pytest.mark.parametrize("comparable", [False, True])
def test_a_partial_quarter_is_never_called_a_rise_or_a_fall_in_the_workbook(comparable):
    row = dataset_row(workbook(**export_data(comparable=comparable)), "C01")
    assert row["Direction of travel"].value == marks.NOT_COMPARED_PARTIAL
    assert row["SPC"].value != "Common cause variation"


def test_the_published_figures_carry_the_partial_flag_for_the_pack():
    data = export_data()
    figures = exports.PublishedFigures(data["indicators"], data["values"], data["contributions"], AGENCIES)
    assert figures.get("C01", Q1).partial
    assert figures.get("C01", Q1).partial_note.startswith("Partial: 1 of 3 agencies")
    assert not figures.get("C01", Q1 - 1).partial and figures.get("C01", Q1 - 1).partial_note == ""


def test_a_year_to_date_indicator_in_the_workbook_says_so_and_gives_the_pro_rata_target():
    data = export_data()
    row = dataset_row(workbook(**data), "Y01")
    assert row["Unit"].value == "Percentage, year to date"
    assert row["SPC"].value == YTD_MESSAGE
    assert row["RAG"].value == "Amber (Target 25% by Q1 (100% by the year end))"
    assert csv_records(**data)[("Y01", "2020-21 Q1")]["spc"] == YTD_MESSAGE


# --- the pages --------------------------------------------------------------------------------------------------
@pytest.fixture
def snapshot(db, analyst):
    """Five quarters, 2019-20 Q1 to 2020-21 Q1. Y01 (year to date, CSC alone) climbs through 2019-20 and starts again
    in April; C01 (a count from CSC and Police) is whole until 2020-21 Q1, which Police has not yet returned."""
    csc = AgencyFactory(name="Children's Social Care", short_name="CSC")
    police = AgencyFactory(name="Sussex Police", short_name="Police")
    trained = Indicator.objects.create(
        code="Y01",
        title="Practitioners trained against plan",
        definition="Trained so far this year against the plan.",
        unit=Unit.PERCENTAGE,
        numerator_label="Trained",
        denominator_label="Planned",
        polarity=Polarity.HIGHER,
        objective=Objective.RECOGNISE,
        target=D(100),
        red_threshold=D(60),
        accumulation=Accumulation.YEAR_TO_DATE,
    )
    trained.suppliers.add(csc)
    referrals = Indicator.objects.create(
        code="C01",
        title="Neglect referrals",
        definition="Referrals.",
        unit=Unit.COUNT,
        polarity=Polarity.NEITHER,
        objective=Objective.RECOGNISE,
    )
    referrals.suppliers.add(csc, police)
    trained_by_quarter = ["160", "360", "560", "760", "200"]  # of 800: 20%, 45%, 70%, 95%, then 25% in Q1
    quarter = Quarter(2019, 1)
    for i, trained_so_far in enumerate(trained_by_quarter):
        opens, due, locks = default_dates(quarter)
        period = ReportingPeriod.objects.create(
            year=quarter.year, quarter=quarter.number, opens_on=opens, due_on=due, locks_on=locks
        )
        ret = Return.objects.create(agency=csc, period=period, status=State.ACCEPTED)
        ReturnValue.objects.create(ret=ret, indicator=trained, numerator=trained_so_far, denominator="800")
        ReturnValue.objects.create(ret=ret, indicator=referrals, value="20")
        if i < len(trained_by_quarter) - 1:
            ret = Return.objects.create(agency=police, period=period, status=State.ACCEPTED)
            ReturnValue.objects.create(ret=ret, indicator=referrals, value="40")
        quarter = quarter.next()
    built = dataset_services.dataset_build(trigger="test")
    return dataset_services.snapshot_publish(snapshot=built, acting_user=analyst)


def test_the_build_rates_a_year_to_date_q1_against_last_years_q1_and_the_pro_rata_target(snapshot):
    q1 = snapshot.values.get(code="Y01", quarter=Q1)
    assert q1.direction == "improving"  # 25% against 20% a year earlier, not against 95% in Q4
    assert q1.change_previous is None
    assert q1.rag == "green"  # 25% by Q1 meets a quarter of the year's 100%
    assert snapshot.spc.get(code="Y01").method == "year_to_date"
    partial = snapshot.values.get(code="C01", quarter=Q1)
    assert partial.partial and not partial.comparable and partial.direction == ""


def row_of(html: str, code: str) -> str:
    start = html.index(f'data-code="{code}"')
    return html[start : html.index("</tr>", start)]


def test_the_dataset_page_marks_year_to_date_and_partial_quarters(client, member, snapshot):
    client.force_login(member)
    html = client.get(reverse("dataset:dataset")).content.decode()
    trained = row_of(html, "Y01")
    assert marks.YEAR_TO_DATE in trained
    assert "Target 25% by Q1 (100% by the year end)" in trained
    assert "A year-to-date figure" in trained  # the SPC column: the year-to-date message, not SPC words
    assert "Not enough data" not in trained and "Common cause" not in trained
    referrals = row_of(html, "C01")
    assert "Partial: 1 of 2 agencies; Sussex Police not yet accepted" in referrals
    assert marks.NOT_COMPARED_PARTIAL in referrals
    assert "Down" not in referrals and "▼" not in referrals
    assert marks.YEAR_TO_DATE not in referrals


def test_the_indicator_page_gives_the_pro_rata_target_and_the_change_on_the_year(client, member, snapshot):
    client.force_login(member)
    html = client.get(reverse("dataset:indicator", args=["Y01"]) + f"?snapshot={snapshot.pk}").content.decode()
    assert marks.YEAR_TO_DATE in html
    q1 = html[html.index('data-quarter="2020-21 Q1"><th') :]
    q1 = q1[: q1.index("</tr>")]
    assert "+5.0 pp on 2019-20 Q1" in q1
    assert "Target 25% by Q1 (100% by the year end)" in q1
    assert marks.YEAR_TO_DATE_SPC in q1


def test_the_indicator_page_does_not_call_a_partial_quarter_a_fall(client, member, snapshot):
    client.force_login(member)
    html = client.get(reverse("dataset:indicator", args=["C01"]) + f"?snapshot={snapshot.pk}").content.decode()
    q1 = html[html.index('data-quarter="2020-21 Q1"><th') :]
    q1 = q1[: q1.index("</tr>")]
    assert marks.NOT_COMPARED_PARTIAL in q1
    assert "-66.7%" not in q1  # 20 against 60: a fall made by Police not having returned yet
    assert "Partial: 1 of 2 agencies; Sussex Police not yet accepted" in q1


def test_the_cell_page_says_who_is_missing(client, member, snapshot):
    client.force_login(member)
    html = client.get(reverse("dataset:dataset_cell", args=[snapshot.pk, "C01", Q1])).content.decode()
    assert "Partial: 1 of 2 agencies; Sussex Police not yet accepted" in html
    ytd = client.get(reverse("dataset:dataset_cell", args=[snapshot.pk, "Y01", Q1])).content.decode()
    assert marks.YEAR_TO_DATE in ytd and "Target 25% by Q1 (100% by the year end)" in ytd


def test_the_dashboard_marks_a_partial_quarter_and_does_not_count_it_as_moving(client, member, snapshot):
    client.force_login(member)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Partial: 1 of 2 agencies; Sussex Police not yet accepted" in html
    assert marks.NOT_COMPARED_PARTIAL in html


def test_the_csv_download_names_the_missing_agency(client, member, snapshot):
    client.force_login(member)
    body = client.get(reverse("dataset:dataset_export", args=[snapshot.pk, "csv"])).getvalue().decode("utf-8-sig")
    rows = {(r["indicator_code"], r["period"]): r for r in csv.DictReader(io.StringIO(body))}
    assert rows[("C01", "2020-21 Q1")]["partial"] == "yes"
    assert rows[("C01", "2020-21 Q1")]["partial_note"] == "Partial: 1 of 2 agencies; Sussex Police not yet accepted"
    assert rows[("Y01", "2020-21 Q1")]["partial"] == "no"
