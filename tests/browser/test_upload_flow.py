"""A return by spreadsheet, as Education's lead meets it: download the template, fill it, upload, check, confirm."""

from __future__ import annotations

import re
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from agencies.demo import seed_partnership
from agencies.models import Agency
from dataset.catalogue.loader import load_demo_catalogue
from dataset.models import HistorySource, Indicator, ReportingPeriod, Return, ReturnValue
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def education(transactional_db):
    seed_partnership()
    load_demo_catalogue()
    today = timezone.localdate()
    ReportingPeriod.objects.create(
        year=2020,
        quarter=1,
        opens_on=today - timedelta(days=20),
        due_on=today + timedelta(days=10),
        locks_on=today + timedelta(days=40),
    )
    return Agency.objects.get(short_name="EDU")


def test_education_lead_fills_the_template_uploads_it_checks_the_changes_and_confirms(page, education, tmp_path):
    codes = list(Indicator.objects.filter(suppliers=education, active=True).order_by("code"))
    assert codes, "the demo catalogue has indicators for Education"
    sign_in(page, "education.lead")
    page.get_by_role("link", name="Returns").first.click()
    page.get_by_role("button", name="Start the 2020-21 Q1 return").click()
    page.wait_for_url(re.compile(r"/returns/\d+/edit/$"))

    with page.expect_download() as info:
        page.get_by_test_id("spreadsheet-links").get_by_role("link", name="Excel (.xlsx)").click()
    download = info.value
    assert download.suggested_filename == "EDU_2020-21_Q1_return.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    wb = openpyxl.load_workbook(path)
    ws = wb["Return"]
    columns = {cell.value: cell.column for cell in ws[1]}
    figures: dict[str, tuple[str, ...]] = {}
    for n, cell in enumerate(ws["A"][1:], start=1):
        indicator = next(i for i in codes if i.code == cell.value)
        if indicator.is_ratio:
            figures[indicator.code] = (str(10 * n), str(40 + 10 * n))
            ws.cell(row=cell.row, column=columns["numerator"], value=10 * n)
            ws.cell(row=cell.row, column=columns["denominator"], value=40 + 10 * n)
        else:
            figures[indicator.code] = (str(5 * n),)
            ws.cell(row=cell.row, column=columns["value"], value=5 * n)
    ws.cell(row=2, column=columns["commentary"], value="From the schools census")
    wb.save(path)
    assert set(figures) == {i.code for i in codes}

    page.get_by_role("link", name="Upload a spreadsheet").click()
    page.get_by_label("Spreadsheet file (.xlsx or .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/returns/\d+/upload/\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "2020-21 Q1 return: check the upload"
    counts = page.get_by_test_id("upload-counts").inner_text()
    assert f"{len(codes)} rows change, 0 rows are unchanged" in counts
    table = page.get_by_role("table").first
    for code, values in figures.items():
        row = table.locator(f"tr[data-code='{code}']")
        assert row.get_attribute("data-changed") == "yes"
        for value in values:
            assert row.locator("mark", has_text=re.compile(rf"^{value}$")).count() == 1
    ret = Return.objects.get(agency=education, period__year=2020)
    assert all(not v.numerator and not v.value for v in ReturnValue.objects.filter(ret=ret))  # nothing saved yet
    screenshot(page, "upload-preview")

    page.get_by_role("button", name="Confirm and save these figures").click()
    page.wait_for_url(re.compile(r"/returns/\d+/edit/$"))
    assert "Saved" in page.get_by_role("status").first.inner_text()
    for code, values in figures.items():
        if len(values) == 2:
            assert page.locator(f"#id_{code}-numerator").input_value() == values[0]
            assert page.locator(f"#id_{code}-denominator").input_value() == values[1]
        else:
            assert page.locator(f"#id_{code}-value").input_value() == values[0]
    first = codes[0].code
    assert page.locator(f"#id_{first}-commentary").input_value() == "From the schools census"

    saved = {v.indicator.code: v for v in ReturnValue.objects.filter(ret=ret).select_related("indicator")}
    for code, values in figures.items():
        stored = (saved[code].numerator, saved[code].denominator) if len(values) == 2 else (saved[code].value,)
        assert stored == values
    assert ret.history.latest("history_date").history_source == HistorySource.UPLOAD
