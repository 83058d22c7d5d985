"""Spreadsheets onto a return as people use them: download, fill, upload, check the dry run, confirm."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dataset.models import HistorySource, Indicator, ReturnValue, Unit, Upload
from dataset.returns import services, validation
from dataset.uploads import services as upload_services
from dataset.uploads import spreadsheets
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from tests.dataset.conftest import fill
from tests.factories import UserFactory
from tests.pages import assert_accessible_outline, outline

XLSX_NAME = "CSC_2020-21_Q1_return.xlsx"
CSV_NAME = "CSC_2020-21_Q1_return.csv"
HYPERLINK = '=HYPERLINK("http://x","y")'


# --- helpers ----------------------------------------------------------------------------------------------------
def url(name, ret, upload=None):
    return reverse(f"dataset:{name}", args=[ret.pk] if upload is None else [ret.pk, upload.pk])


def download(client, ret, kind="xlsx"):
    response = client.get(url(f"return_template_{kind}", ret))
    assert response.status_code == 200
    return response


def fill_xlsx(content: bytes, rows: dict[str, dict[str, object]]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb["Return"]
    columns = {cell.value: cell.column for cell in ws[1]}
    for cell in ws["A"][1:]:
        for name, value in rows.get(cell.value, {}).items():
            ws.cell(row=cell.row, column=columns[name], value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def fill_csv(content: bytes, rows: dict[str, dict[str, object]]) -> bytes:
    records = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header = records[0]
    for record in records[1:]:
        for name, value in rows.get(record[0], {}).items():
            record[header.index(name)] = str(value)
    out = io.StringIO()
    csv.writer(out).writerows(records)
    return out.getvalue().encode("utf-8")


def fill_file(content: bytes, kind: str, rows) -> bytes:
    return fill_xlsx(content, rows) if kind == "xlsx" else fill_csv(content, rows)


def post_file(client, ret, content: bytes, name: str):
    return client.post(url("return_upload", ret), {"file": SimpleUploadedFile(name, content)})


def text(response) -> str:
    return html.unescape(response.content.decode())


def after(page: str, row: int, name: str) -> str:
    """The preview's "after Confirm" line for one cell, as read aloud: "Label: 150 (changed)"."""
    match = re.search(rf'id="row-{row}-{name}"[^>]*>(.*?)</li>', page, re.S)
    assert match, (row, name)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def values(ret) -> dict[str, tuple[str, str, str, str, str]]:
    return {
        v.indicator.code: (v.numerator, v.denominator, v.value, v.not_available_reason, v.commentary)
        for v in ReturnValue.objects.filter(ret=ret).select_related("indicator")
    }


def snapshot():
    return (
        list(ReturnValue.objects.order_by("pk").values_list("numerator", "denominator", "value", "commentary")),
        list(ReturnValue.history.order_by("pk").values_list("history_id", flat=True)),
        Upload.objects.filter(applied_at__isnull=False).count(),
    )


def upload_and_confirm(client, ret, content, name):
    """Upload; when a preview follows, try to confirm too. Returns every page the person saw, as text."""
    response = post_file(client, ret, content, name)
    pages = [text(response)]
    if response.status_code == 302:
        pages.append(text(client.get(response["Location"])))
        upload = Upload.objects.latest("pk")
        confirm = client.post(url("upload_confirm", ret, upload))
        assert confirm.status_code == 400
        pages.append(text(confirm))
    else:
        assert response.status_code == 400
    return "\n".join(pages)


# --- round trip -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_filled_template_round_trips_through_the_dry_run_and_confirm(client, csc_return, csc_lead, kind):
    fill(csc_return, csc_lead, N28={"value": "20", "commentary": "Before the upload"})
    client.force_login(csc_lead)
    template = download(client, csc_return, kind)
    name = f"CSC_2020-21_Q1_return.{kind}"
    assert template["Content-Disposition"] == f'attachment; filename="{name}"'
    filled = fill_file(
        template.content,
        kind,
        {"N18": {"numerator": 150, "denominator": 420}, "N28": {"value": 24, "commentary": "Two new champions"}},
    )
    response = post_file(client, csc_return, filled, name)
    assert response.status_code == 302
    upload = Upload.objects.get(ret=csc_return)
    assert response["Location"] == url("upload_preview", csc_return, upload)
    assert values(csc_return)["N18"] == ("", "", "", "", "")  # the dry run saves nothing

    preview = client.get(response["Location"])
    assert preview.status_code == 200
    page = text(preview)
    assert "2 rows change, 0 rows are unchanged" in page
    assert after(page, 2, "numerator") == "Open more than 12 months: 150 (changed)"
    assert after(page, 2, "denominator") == "Open neglect CIN plans: 420 (changed)"
    assert after(page, 2, "commentary") == "Commentary: blank"
    assert after(page, 3, "commentary") == "Commentary: Two new champions (changed)"
    assert "Before the upload" in page  # the value before, beside it
    assert "35.7%" in page  # the percentage after Confirm
    assert "Confirm and save these figures" in page

    confirm = client.post(url("upload_confirm", csc_return, upload))
    assert confirm.status_code == 302 and confirm["Location"] == url("return_edit", csc_return)
    assert f"Saved 2 figure(s) from \u201c{name}\u201d" in text(client.get(confirm["Location"]))
    assert values(csc_return) == {
        "N18": ("150", "420", "", "", ""),
        "N28": ("", "", "24", "", "Two new champions"),
    }
    upload.refresh_from_db()
    assert upload.applied_at is not None and upload.seen_version == 2
    csc_return.refresh_from_db()
    assert csc_return.version == 3
    latest = csc_return.history.latest("history_date")
    assert (latest.history_source, latest.history_change_reason) == (HistorySource.UPLOAD, f"upload: {name}")
    for code in ("N18", "N28"):
        record = ReturnValue.history.filter(indicator__code=code).latest("history_id")
        assert (record.history_source, record.history_change_reason, record.history_user) == (
            HistorySource.UPLOAD,
            f"upload: {name}",
            csc_lead,
        )
    history = text(client.get(reverse("dataset:return_history", args=[csc_return.pk])))
    assert f"upload: {name}" in history


def test_the_preview_says_which_rows_are_unchanged(client, csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "1,420"), N28="24")
    client.force_login(csc_lead)
    template = download(client, csc_return).content
    response = post_file(client, csc_return, fill_xlsx(template, {"N28": {"value": 25}}), XLSX_NAME)
    page = text(client.get(response["Location"]))
    assert "1 row changes, 1 row is unchanged" in page
    assert 'data-code="N18" data-changed="no"' in page  # "1,420" saved and 1420 in the file are the same figure
    assert 'data-code="N28" data-changed="yes"' in page
    upload = Upload.objects.get()
    client.post(url("upload_confirm", csc_return, upload))
    assert values(csc_return)["N18"] == ("150", "1,420", "", "", "")  # left exactly as typed
    assert values(csc_return)["N28"][2] == "25"


def test_a_blank_row_leaves_the_saved_figures_alone(client, csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "420"))
    client.force_login(csc_lead)
    template = download(client, csc_return, "csv").content
    blank = fill_csv(template, {"N18": {"numerator": "", "denominator": ""}, "N28": {"value": "3"}})
    response = post_file(client, csc_return, blank, CSV_NAME)
    page = text(client.get(response["Location"]))
    assert "Blank in the file: left as saved" in page
    client.post(url("upload_confirm", csc_return, Upload.objects.get()))
    assert values(csc_return)["N18"][:2] == ("150", "420")
    assert values(csc_return)["N28"][2] == "3"


# --- bad files ---------------------------------------------------------------------------------------------------
@pytest.fixture
def n05(police, db):
    indicator = Indicator.objects.create(
        code="N05", title="Police notifications", definition="x", unit=Unit.COUNT, objective=Objective.RECOGNISE
    )
    indicator.suppliers.add(police)
    return indicator


def xlsx_template(ret) -> bytes:
    return upload_services.template_xlsx(ret=ret)[1]


def csv_template(ret) -> bytes:
    return upload_services.template_csv(ret=ret)[1]


def _rows(n: int) -> bytes:
    return (",".join(spreadsheets.INPUT_COLUMNS) + "\n" + "N28,,,,,1,,\n" * n).encode()


def _big(ret) -> bytes:
    return csv_template(ret) + b"N28,,,,,1,," + b"x" * (2 * 1024 * 1024) + b"\n"


def _bomb(ret) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


BAD_FILES = {
    "not a spreadsheet": (lambda ret: b"%PDF-1.7\x00\x00binary", "return.xlsx", "is not a spreadsheet"),
    "not utf-8": (lambda ret: "caf\u00e9,x".encode("latin-1"), "return.csv", "save it again as \u201cCSV UTF-8"),
    "password-protected": (
        lambda ret: spreadsheets.OLE2_MAGIC + b"\0" * 1024,
        XLSX_NAME,
        "is password-protected, or an old .xls file: save it as .xlsx without a password",
    ),
    "corrupt": (lambda ret: xlsx_template(ret)[:3000], XLSX_NAME, "is damaged and cannot be opened"),
    "over 2 MB": (_big, CSV_NAME, "the limit is 2 MB"),
    "too many rows": (lambda ret: _rows(1001), "x.csv", "more than 1,000 rows of data"),
    "renamed column": (
        lambda ret: csv_template(ret).replace(b",numerator,", b",numerators,"),
        CSV_NAME,
        "missing the column \u201cnumerator\u201d; it has \u201cnumerators\u201d instead",
    ),
    "unknown code": (
        lambda ret: fill_csv(csv_template(ret), {"N28": {"indicator_code": "N99", "value": "1"}}),
        CSV_NAME,
        "Row 3, cell A3: \u201cN99\u201d is not an indicator code",
    ),
    "duplicate code": (
        lambda ret: csv_template(ret) + b"N28,,,,,5,,\r\n",
        CSV_NAME,
        "Row 4, cell A4: N28 appears again (first in row 3)",
    ),
    "code not supplied": (
        lambda ret: csv_template(ret) + b"N05,,,,,5,,\r\n",
        CSV_NAME,
        "\u201cN05\u201d is not one of the indicators CSC supplies",
    ),
    "formula": (
        lambda ret: fill_xlsx(xlsx_template(ret), {"N18": {"numerator": "=B5*2", "denominator": 10}}),
        XLSX_NAME,
        "cell D2 holds a formula (=B5*2); type the value instead",
    ),
    "text in a number cell": (
        lambda ret: fill_xlsx(xlsx_template(ret), {"N28": {"value": "about 20"}}),
        XLSX_NAME,
        "cell F3 (N28 value) holds text (\u201cabout 20\u201d) where a number is expected",
    ),
    "another agency": (
        lambda ret: spreadsheets.write_xlsx(
            spreadsheets.TemplateInfo("Police", "Sussex Police", "2020-21 Q1", 99, 1), []
        ),
        XLSX_NAME,
        "This file is for Police 2020-21 Q1, but this is CSC's 2020-21 Q1 return",
    ),
    "another quarter": (csv_template, "CSC_2019-20_Q4_return.csv", "This file is for CSC 2019-20 Q4"),
    "zip bomb": (_bomb, XLSX_NAME, "would expand to 60 MB when opened"),
    "empty": (lambda ret: b"", XLSX_NAME, "The file is empty"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_with_what_and_where_and_nothing_is_saved(client, csc_return, csc_lead, n05, case):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    build, name, message = BAD_FILES[case]
    content = build(csc_return)
    client.force_login(csc_lead)
    before = snapshot()
    pages = upload_and_confirm(client, csc_return, content, name)
    assert message in pages
    assert snapshot() == before


def test_an_oversized_file_is_not_stored(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    response = post_file(client, csc_return, _big(csc_return), CSV_NAME)
    assert response.status_code == 400
    page = text(response)
    assert 'href="#id_file"' in page and "the limit is 2 MB" in page
    assert not Upload.objects.exists()
    assert_accessible_outline("upload (refused)", outline(response))


def test_a_zip_bomb_is_refused_without_being_expanded(client, csc_return, csc_lead, monkeypatch):
    content = _bomb(csc_return)

    def never(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open the bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    monkeypatch.setattr(spreadsheets, "load_workbook", never)
    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    client.force_login(csc_lead)
    response = post_file(client, csc_return, content, XLSX_NAME)
    assert response.status_code == 400
    assert "would expand to 60 MB when opened; the limit is 50 MB" in text(response)
    assert not Upload.objects.exists()


def test_errors_in_the_figures_stop_confirm_but_queries_do_not(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    template = download(client, csc_return, "csv").content
    wrong = fill_csv(template, {"N18": {"numerator": "500", "denominator": "420"}, "N28": {"value": "3"}})
    response = post_file(client, csc_return, wrong, CSV_NAME)
    page = text(client.get(response["Location"]))
    assert "Row 2, N18 Neglect CIN plans open more than 12 months: the numerator" in page
    assert 'href="#row-2-numerator"' in page and 'id="row-2-numerator"' in page
    assert "Confirm and save these figures" not in page
    refused = client.post(url("upload_confirm", csc_return, Upload.objects.get()))
    assert refused.status_code == 400 and "The figures have 1 error listed below" in text(refused)
    assert values(csc_return)["N28"][2] == ""

    small = fill_csv(template, {"N18": {"numerator": "1", "denominator": "4"}, "N28": {"value": "3"}})
    response = post_file(client, csc_return, small, CSV_NAME)
    page = text(client.get(response["Location"]))
    assert "Query:" in page and "Query Q03" not in page and "Confirm and save these figures" in page
    upload = Upload.objects.latest("pk")
    assert client.post(url("upload_confirm", csc_return, upload)).status_code == 302
    assert values(csc_return)["N18"][:2] == ("1", "4")


def test_the_pages_have_an_accessible_outline(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    form = client.get(url("return_upload", csc_return))
    assert form.status_code == 200
    assert_accessible_outline("upload", outline(form))
    page = text(form)
    assert '<label class="form-label fw-semibold" for="id_file">' in page
    assert "2 MB" in page and "1,000 rows" in page and "not_available_reason" in page
    template = download(client, csc_return, "csv").content
    response = post_file(client, csc_return, fill_csv(template, {"N28": {"value": "x"}}), CSV_NAME)
    preview = client.get(response["Location"])
    assert_accessible_outline("preview", outline(preview))
    assert 'href="#row-3-value"' in text(preview)


def test_the_edit_page_links_to_the_templates_and_the_upload(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    page = client.get(url("return_edit", csc_return)).content.decode()
    for name in ("return_template_xlsx", "return_template_csv", "return_upload"):
        assert f'href="{url(name, csc_return)}"' in page
    assert ">Upload a spreadsheet</a>" in page


# --- formula safety ---------------------------------------------------------------------------------------------
def test_a_formula_like_commentary_downloads_as_text_and_uploads_back_as_typed(client, csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "420"), N28={"value": "24", "commentary": HYPERLINK})
    client.force_login(csc_lead)
    wb = openpyxl.load_workbook(io.BytesIO(download(client, csc_return, "xlsx").content))
    cell = wb["Return"]["H3"]
    assert (cell.value, cell.data_type) == (HYPERLINK, "s")
    raw = download(client, csc_return, "csv").content
    assert b"'=HYPERLINK" in raw
    records = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert records[2][7] == "'" + HYPERLINK

    fill(csc_return, csc_lead, N28={"commentary": "cleared"})
    response = post_file(client, csc_return, raw, CSV_NAME)
    client.post(url("upload_confirm", csc_return, Upload.objects.get()))
    assert values(csc_return)["N28"][4] == HYPERLINK
    assert response.status_code == 302


# --- conflicts and repeats ----------------------------------------------------------------------------------------
def test_a_confirm_after_someone_else_saved_is_a_conflict_and_applies_nothing(client, csc_return, csc_lead, csc):
    colleague = UserFactory(username="csc.deputy", first_name="Dee", last_name="Puty", agency=csc)
    client.force_login(csc_lead)
    template = download(client, csc_return, "csv").content
    filled = fill_csv(template, {"N18": {"numerator": "150", "denominator": "420"}, "N28": {"value": "24"}})
    response = post_file(client, csc_return, filled, CSV_NAME)
    assert "Confirm and save these figures" in text(client.get(response["Location"]))
    fill(csc_return, colleague, N28="31")

    stale = text(client.get(response["Location"]))
    assert "changed since you uploaded the file" in stale and "Confirm and save these figures" not in stale
    confirm = client.post(url("upload_confirm", csc_return, Upload.objects.get()))
    assert confirm.status_code == 409
    page = text(confirm)
    assert "Dee Puty changed this return" in page and "Nothing from the file has been saved" in page
    assert "Changed since your upload: N28" in page
    assert values(csc_return) == {"N18": ("", "", "", "", ""), "N28": ("", "", "31", "", "")}
    assert Upload.objects.get().applied_at is None


def test_a_second_confirm_does_nothing_and_says_so(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    template = download(client, csc_return, "csv").content
    post_file(client, csc_return, fill_csv(template, {"N28": {"value": "24"}}), CSV_NAME)
    upload = Upload.objects.get()
    assert client.post(url("upload_confirm", csc_return, upload)).status_code == 302
    csc_return.refresh_from_db()
    version = csc_return.version
    history = ReturnValue.history.count()
    again = client.post(url("upload_confirm", csc_return, upload), follow=True)
    assert "was already applied to this return" in text(again) and "Nothing more was changed" in text(again)
    csc_return.refresh_from_db()
    assert (csc_return.version, ReturnValue.history.count()) == (version, history)


def test_a_submitted_return_cannot_be_uploaded_onto(client, csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    client.force_login(csc_lead)
    template = download(client, csc_return, "csv").content
    post_file(client, csc_return, fill_csv(template, {"N28": {"value": "25"}}), CSV_NAME)
    upload = Upload.objects.get()
    csc_return.refresh_from_db()
    services.return_submit(signed_off=True, ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version)
    before = snapshot()
    refused = client.post(url("upload_confirm", csc_return, upload), follow=True)
    assert "was submitted" in text(refused)
    again = client.post(url("return_upload", csc_return), {"file": SimpleUploadedFile(CSV_NAME, template)}, follow=True)
    assert "was submitted" in text(again)
    assert "was submitted" in text(client.get(url("return_template_xlsx", csc_return), follow=True))
    assert snapshot() == before and Upload.objects.count() == 1
    csc_return.refresh_from_db()
    assert csc_return.status == State.SUBMITTED


# --- one set of rules --------------------------------------------------------------------------------------------
def test_a_rule_change_changes_the_form_and_the_upload_alike(client, csc_return, csc_lead, monkeypatch):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    client.force_login(csc_lead)
    template = download(client, csc_return, "csv").content
    post_file(client, csc_return, template, CSV_NAME)
    preview_url = url("upload_preview", csc_return, Upload.objects.get())
    small = "the percentage is of only 420"  # the full message, in the upload's preview
    short = "Confirm in the commentary that the denominator of 420 is right"  # the field's, on the form

    assert short not in text(client.get(url("return_edit", csc_return)))
    assert small not in text(client.get(preview_url))

    monkeypatch.setattr(validation, "_SMALL_DENOMINATOR", 1000)
    assert short in text(client.get(url("return_edit", csc_return)))
    preview = text(client.get(preview_url))
    assert f"Row 2, N18 Neglect CIN plans open more than 12 months: {small}" in preview
