"""Hostile spreadsheets (issue 15 item 6): a sheet claiming a million rows is refused in well under a second, before
its rows are read; and a file is parsed once, at upload, never again on its preview or Confirm."""

from __future__ import annotations

import io
import random
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dataset.models import ReturnValue, Upload
from dataset.uploads import services as upload_services
from dataset.uploads import spreadsheets
from dataset.uploads.spreadsheets import Expected

EXPECTED = Expected(agency_short_name="CSC", quarter_label="2020-21 Q1", units={"N28": "count"})
SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TOO_BIG = "The sheet is too big to be a return"


def header_workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = spreadsheets.DATA_SHEET
    for i, name in enumerate(spreadsheets.INPUT_COLUMNS, start=1):
        ws.cell(row=1, column=i, value=name)
    return wb


def save(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_sheet_xml(content: bytes, sheet_xml: bytes) -> bytes:
    """The workbook with its data sheet's XML replaced: a hand-made sheet inside a real workbook's zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, sheet_xml if item.filename == SHEET else src.read(item.filename))
    return out.getvalue()


def sheet_xml(rows: str, dimension: str | None) -> bytes:
    head = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for i, name in enumerate(spreadsheets.INPUT_COLUMNS)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{dim}<sheetData>'
        f'<row r="1">{head}</row>{rows}</sheetData></worksheet>'
    ).encode()


def refused_quickly(content: bytes) -> str:
    start = time.perf_counter()
    parsed = spreadsheets.read_upload(content, "CSC_2020-21_Q1_return.xlsx", EXPECTED)
    took = time.perf_counter() - start
    assert parsed.fatal and not parsed.rows
    assert took < 1.0, f"took {took:.2f} s"
    return parsed.problems[0].message


def test_an_8_kb_file_with_a_cell_in_row_1048576_is_refused_at_once():
    wb = header_workbook()
    wb.active["A1048576"] = "N28"
    content = save(wb)
    assert len(content) < 8 * 1024
    message = refused_quickly(content)
    assert message.startswith(TOO_BIG) and "row 1,048,576" in message and "5,000 rows and 100 columns" in message


def test_a_hand_made_zip_declaring_a_huge_sheet_is_refused_before_a_row_is_read(monkeypatch):
    content = with_sheet_xml(save(header_workbook()), sheet_xml("", "A1:XFD2000000"))

    def never(*args, **kwargs):
        raise AssertionError("a row was read")

    monkeypatch.setattr(spreadsheets, "_xlsx_text", never)
    message = refused_quickly(content)
    assert message.startswith(TOO_BIG) and "row 2,000,000" in message


def test_a_sheet_that_declares_little_but_holds_more_stops_at_the_cap():
    # 20,000 empty rows (of random heights, so they do not compress like a bomb) under a dimension claiming three.
    rng = random.Random(15)
    rows = "".join(f'<row r="{n}" ht="{rng.randrange(10**6)}" customHeight="1"/>' for n in range(2, 20_002))
    content = with_sheet_xml(save(header_workbook()), sheet_xml(rows, "A1:H3"))
    assert len(content) < spreadsheets.MAX_BYTES
    message = refused_quickly(content)
    assert message.startswith(TOO_BIG) and "row 5,001" in message


def test_two_million_rows_of_empty_cells_are_refused_in_under_a_second():
    rows = "".join(f'<row r="{n}"><c r="A{n}"/></row>' for n in range(2, 2_000_002))
    content = with_sheet_xml(save(header_workbook()), sheet_xml(rows, None))
    message = refused_quickly(content)
    assert "the limit is" in message  # whichever guard meets it first: the file's size, its expansion, the sheet's


def test_a_sheet_with_blank_rows_inside_the_cap_is_read():
    wb = header_workbook()
    ws = wb.active
    ws["A4000"], ws["F4000"] = "N28", 24
    parsed = spreadsheets.read_upload(save(wb), "CSC_2020-21_Q1_return.xlsx", EXPECTED)
    assert not parsed.fatal and [(r.row, r.code, r.fields["value"]) for r in parsed.rows] == [(4000, "N28", "24")]


def test_a_sheet_too_wide_is_refused():
    wb = header_workbook()
    wb.active.cell(row=2, column=200, value="note")
    message = refused_quickly(save(wb))
    assert "column 200" in message


def test_the_upload_page_refuses_a_sheet_claiming_a_million_rows(client, csc_return, csc_lead):
    wb = header_workbook()
    wb.active["A1048576"] = "N28"
    client.force_login(csc_lead)
    page = reverse("dataset:return_upload", args=[csc_return.pk])
    assert client.get(page).status_code == 200  # the upload page itself, so templates are loaded before the clock
    start = time.perf_counter()
    response = client.post(
        page,
        {"file": SimpleUploadedFile("CSC_2020-21_Q1_return.xlsx", save(wb))},
    )
    assert time.perf_counter() - start < 1.0
    assert response.status_code == 400
    assert TOO_BIG in response.content.decode() and not Upload.objects.exists()


# --- parsed once --------------------------------------------------------------------------------------------------
def filled_template(ret) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(upload_services.template_xlsx(ret=ret)[1]))
    ws = wb[spreadsheets.DATA_SHEET]
    columns = {cell.value: cell.column for cell in ws[1]}
    row = next(cell.row for cell in ws["A"] if cell.value == "N28")
    ws.cell(row=row, column=columns["value"], value=31)
    return save(wb)


def test_a_file_is_parsed_at_upload_and_never_again_for_its_preview_or_confirm(
    client, csc_return, csc_lead, monkeypatch
):
    client.force_login(csc_lead)
    calls: list[str] = []
    real = spreadsheets.read_upload

    def counting(*args, **kwargs):
        calls.append("parse")
        return real(*args, **kwargs)

    monkeypatch.setattr(spreadsheets, "read_upload", counting)
    response = client.post(
        reverse("dataset:return_upload", args=[csc_return.pk]),
        {"file": SimpleUploadedFile("CSC_2020-21_Q1_return.xlsx", filled_template(csc_return))},
    )
    assert response.status_code == 302 and calls == ["parse"]
    upload = Upload.objects.get()
    assert upload.parsed["kind"] == "xlsx" and any(r["code"] == "N28" for r in upload.parsed["rows"])

    def never(*args, **kwargs):
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(spreadsheets, "read_upload", never)
    for _ in range(3):
        preview = client.get(response["Location"])
        assert preview.status_code == 200
        assert re.search(r"Count:\s*31", re.sub(r"<[^>]+>", " ", preview.content.decode()))
    confirm = client.post(reverse("dataset:upload_confirm", args=[csc_return.pk, upload.pk]))
    assert confirm.status_code == 302
    assert ReturnValue.objects.get(ret=csc_return, indicator__code="N28").value == "31"


def test_an_older_upload_without_a_kept_read_is_read_once_and_kept(client, csc_return, csc_lead, monkeypatch):
    client.force_login(csc_lead)
    client.post(
        reverse("dataset:return_upload", args=[csc_return.pk]),
        {"file": SimpleUploadedFile("CSC_2020-21_Q1_return.xlsx", filled_template(csc_return))},
    )
    upload = Upload.objects.get()
    Upload.objects.filter(pk=upload.pk).update(parsed=None)
    calls: list[str] = []
    real = spreadsheets.read_upload
    monkeypatch.setattr(spreadsheets, "read_upload", lambda *a, **k: calls.append("parse") or real(*a, **k))
    url = reverse("dataset:upload_preview", args=[csc_return.pk, upload.pk])
    assert client.get(url).status_code == 200 and client.get(url).status_code == 200
    assert calls == ["parse"]
    upload.refresh_from_db()
    assert upload.parsed is not None


@pytest.mark.parametrize("fatal", [False, True])
def test_a_read_survives_the_round_trip_through_json(fatal):
    parsed = spreadsheets.Parsed(
        kind="csv",
        rows=(spreadsheets.UploadRow(row=2, code="N28", fields={"value": "4", "commentary": "x"}),),
        problems=(spreadsheets.FileProblem("bad", row=2, column="value", cell="F2", code="N28"),),
        fatal=fatal,
        meta={"quarter": "2020-21 Q1"},
    )
    assert spreadsheets.parsed_from_json(spreadsheets.parsed_to_json(parsed)) == parsed
