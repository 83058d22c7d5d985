"""dataset.uploads.spreadsheets alone: templates written, files read, bad files refused with where and why."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from dataset.uploads import spreadsheets
from dataset.uploads.spreadsheets import Expected, TemplateInfo, TemplateRow

INFO = TemplateInfo("CSC", "Children's Social Care", "2020-21 Q1", return_id=7, version=3, downloaded_at="1 May 2020")
ROWS = [
    TemplateRow(
        "N18",
        "Neglect CIN plans open more than 12 months",
        "percentage",
        numerator="150",
        denominator="1,420",
        previous="35.7%",
        year_earlier="30.0%",
        definition="Share of open neglect CIN plans.",
    ),
    TemplateRow("N28", "Neglect champions in post", "count", value="24", commentary="Two new"),
    TemplateRow("N33", "Confidence change", "mean", allow_negative=True, numerator="-3.5", denominator="10"),
    TemplateRow("N35", "Children who say things improved", "percentage", not_available_reason="system_change"),
]
EXPECTED = Expected(
    agency_short_name="CSC",
    quarter_label="2020-21 Q1",
    units={"N18": "percentage", "N28": "count", "N33": "mean", "N35": "percentage"},
    known_codes=frozenset({"N18", "N28", "N33", "N35", "N05"}),
)


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def save(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_of(ws, code: str) -> int:
    return next(cell.row for cell in ws["A"] if cell.value == code)


def column_of(ws, name: str) -> str:
    return next(cell.column_letter for cell in ws[1] if cell.value == name)


def messages(parsed) -> str:
    return "\n".join(p.message for p in parsed.problems)


# --- the XLSX template ------------------------------------------------------------------------------------------
def test_the_xlsx_template_has_the_columns_in_order_and_one_row_per_indicator():
    ws = workbook(spreadsheets.write_xlsx(INFO, ROWS))["Return"]
    assert [c.value for c in ws[1]] == [*spreadsheets.INPUT_COLUMNS, *spreadsheets.REFERENCE_COLUMNS]
    assert [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)] == ["N18", "N28", "N33", "N35"]
    n18 = [c.value for c in ws[2]]
    assert n18[:8] == ["N18", "Neglect CIN plans open more than 12 months", "Percentage", 150, 1420, None, None, None]
    assert n18[8:] == ["35.7%", "30.0%", "Share of open neglect CIN plans."]
    assert ws["D4"].value == -3.5 and ws["E4"].value == 10
    assert ws["G5"].value == "System change"  # the reason's label, as the drop-down lists it


def test_the_xlsx_template_keeps_text_that_does_not_parse_as_text():
    rows = [TemplateRow("N28", "Champions", "count", value="about 20")]
    ws = workbook(spreadsheets.write_xlsx(INFO, rows))["Return"]
    assert (ws["F2"].value, ws["F2"].data_type) == ("about 20", "s")


def test_the_xlsx_template_validates_cells_by_unit():
    ws = workbook(spreadsheets.write_xlsx(INFO, ROWS))["Return"]
    rules = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            for row in ws[cell_range.coord] if ":" in cell_range.coord else [[ws[cell_range.coord]]]:
                for cell in row:
                    rules[cell.coordinate] = (dv.type, dv.operator, dv.formula1)
    assert rules["D2"] == rules["E2"] == rules["F3"] == rules["E4"] == ("whole", "greaterThanOrEqual", "0")
    assert rules["D4"][0] == "decimal" and rules["D4"][1] == "between"  # a mean's total that may be negative
    assert rules["G2"][0] == "list"
    assert rules["G2"][2] == '"Not collected,System change,Operational pressure,Other"'
    assert "D3" not in rules  # a count has no numerator


def test_a_non_negative_means_total_must_be_at_least_zero():
    rows = [TemplateRow("N20", "Mean duration", "mean", numerator="700", denominator="3")]
    ws = workbook(spreadsheets.write_xlsx(INFO, rows))["Return"]
    dv = next(dv for dv in ws.data_validations.dataValidation if "D2" in dv.sqref)
    assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")


def test_the_xlsx_template_is_protected_with_only_input_cells_unlocked():
    wb = workbook(spreadsheets.write_xlsx(INFO, ROWS))
    ws = wb["Return"]
    assert ws.protection.sheet is True and not ws.protection.password
    assert ws.freeze_panes == "B2"
    unlocked = {c.coordinate for row in ws.iter_rows(min_row=2) for c in row if not c.protection.locked}
    assert {"D2", "E2", "G2", "H2", "F3", "G3", "H3"} <= unlocked
    assert not unlocked & {"A2", "B2", "C2", "I2", "J2", "K2", "D3", "A1", "D1"}
    assert ws.column_dimensions["H"].width >= 40 and ws.column_dimensions["A"].width >= 10


def test_the_xlsx_template_says_whose_it_is_in_properties_and_on_the_about_sheet():
    wb = workbook(spreadsheets.write_xlsx(INFO, ROWS))
    custom = {p.name: p.value for p in wb.custom_doc_props.props}
    assert custom == {"agency": "CSC", "quarter": "2020-21 Q1", "return_id": 7, "version": 3}
    assert wb.properties.title == "CSC 2020-21 Q1 return"
    assert "agency=CSC" in wb.properties.keywords and "return=7" in wb.properties.keywords
    about = {r[0]: r[1] for r in wb["About this file"].iter_rows(values_only=True) if r[0]}
    assert about["Agency (short name)"] == "CSC"
    assert about["Quarter"] == "2020-21 Q1"
    assert about["Return id"] == 7 and about["Version downloaded"] == 3
    assert any("Type figures, not formulas" in str(text) for text in about)


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+44 1234", "-1+2", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_text_a_spreadsheet_would_run_is_written_as_text(text):
    rows = [TemplateRow("N28", "Champions", "count", value="3", commentary=text)]
    ws = workbook(spreadsheets.write_xlsx(INFO, rows))["Return"]
    assert ws["H2"].data_type == "s"
    # XML turns a carriage return into a line feed; what matters is that the cell is text, not a formula.
    assert ws["H2"].value.replace("\n", "\r") == text.replace("\n", "\r")


def test_the_file_name_follows_the_pattern():
    assert spreadsheets.template_file_name("CSC", "2020-21 Q1", "xlsx") == "CSC_2020-21_Q1_return.xlsx"
    assert spreadsheets.template_file_name("A & B", "2020-21 Q4", "csv") == "A-B_2020-21_Q4_return.csv"


# --- the CSV template -------------------------------------------------------------------------------------------
def test_the_csv_template_has_the_first_eight_columns_and_guards_formulas():
    rows = [*ROWS, TemplateRow("N28", "Champions", "count", value="3", commentary='=HYPERLINK("http://x","y")')]
    content = spreadsheets.write_csv(rows)
    assert content.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert records[0] == list(spreadsheets.INPUT_COLUMNS)
    assert records[1] == ["N18", "Neglect CIN plans open more than 12 months", "Percentage", "150", "1420", "", "", ""]
    assert records[3][3] == "-3.5"  # a negative figure is a number, not text to guard
    assert records[4][6] == "System change"
    assert records[5][7] == '\'=HYPERLINK("http://x","y")'


# --- reading files ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_template_reads_back_as_its_rows(kind):
    content = spreadsheets.write_xlsx(INFO, ROWS) if kind == "xlsx" else spreadsheets.write_csv(ROWS)
    parsed = spreadsheets.read_upload(content, f"CSC_2020-21_Q1_return.{kind}", EXPECTED)
    assert parsed.ok and not parsed.fatal and parsed.kind == kind
    by_code = {row.code: (row.row, row.fields) for row in parsed.rows}
    assert by_code["N18"] == (
        2,
        {"numerator": "150", "denominator": "1420", "not_available_reason": "", "commentary": ""},
    )
    assert by_code["N28"] == (3, {"value": "24", "not_available_reason": "", "commentary": "Two new"})
    assert by_code["N33"][1]["numerator"] == "-3.5"
    assert by_code["N35"][1]["not_available_reason"] == "system_change"


def test_numbers_become_plain_text_without_a_trailing_point_zero():
    wb = workbook(spreadsheets.write_xlsx(INFO, ROWS))
    ws = wb["Return"]
    ws["D2"], ws["E2"] = 12.0, 400
    ws["D4"], ws["F3"] = 0.125, "1,234"
    parsed = spreadsheets.read_upload(save(wb), "x.xlsx", EXPECTED)
    by_code = {row.code: row.fields for row in parsed.rows}
    assert (by_code["N18"]["numerator"], by_code["N18"]["denominator"]) == ("12", "400")
    assert by_code["N33"]["numerator"] == "0.125"
    assert by_code["N28"]["value"] == "1,234"  # text that is a figure is left for validation, as the form does


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Not collected", "not_collected"),
        ("SYSTEM CHANGE", "system_change"),
        ("operational_pressure", "operational_pressure"),
        (" other ", "other"),
        ("Ran out of time", "Ran out of time"),
        ("", ""),
    ],
)
def test_reasons_are_read_by_label_or_key_and_unknown_ones_pass_through(typed, key):
    header = ",".join(spreadsheets.INPUT_COLUMNS)
    content = f"{header}\r\nN28,,,,,,{typed},x\r\n"
    parsed = spreadsheets.read_upload(content.encode(), "x.csv", EXPECTED)
    assert parsed.rows[0].fields["not_available_reason"] == key


def test_the_columns_may_come_in_any_order_and_blank_rows_are_skipped():
    content = (
        "commentary,value,indicator_code,not_available_reason,denominator,numerator,unit,indicator_title\n"
        ",,,,,,,\n"
        "Hello,7,n28,,,,,\n"
    )
    parsed = spreadsheets.read_upload(content.encode(), "x.csv", EXPECTED)
    assert [(r.row, r.code, r.fields) for r in parsed.rows] == [
        (3, "N28", {"value": "7", "not_available_reason": "", "commentary": "Hello"})
    ]


def test_a_quote_is_stripped_only_where_the_template_added_it():
    content = (
        "indicator_code,indicator_title,unit,numerator,denominator,value,not_available_reason,commentary\n"
        "N28,,,,,'-4,,'=1+1\n"
        "N18,,,1,2,,,'quoted'\n"
    )
    parsed = spreadsheets.read_upload(content.encode(), "x.csv", EXPECTED)
    assert parsed.rows[0].fields["value"] == "-4" and parsed.rows[0].fields["commentary"] == "=1+1"
    assert parsed.rows[1].fields["commentary"] == "'quoted'"


def test_a_formula_is_named_by_its_cell():
    wb = workbook(spreadsheets.write_xlsx(INFO, ROWS))
    wb["Return"]["D2"] = "=B5*2"
    parsed = spreadsheets.read_upload(save(wb), "x.xlsx", EXPECTED)
    assert "cell D2 holds a formula (=B5*2); type the value instead" in messages(parsed)
    problem = parsed.problems[0]
    assert (problem.row, problem.column, problem.cell, problem.code) == (2, "numerator", "D2", "N18")
    assert not parsed.fatal


@pytest.mark.parametrize(
    ("value", "what"),
    [("about 20", "holds text (\u201cabout 20\u201d)"), (True, "holds TRUE or FALSE"), ("12%", "holds text")],
)
def test_text_in_a_number_cell_is_named_by_its_cell(value, what):
    wb = workbook(spreadsheets.write_xlsx(INFO, ROWS))
    wb["Return"]["F3"] = value
    parsed = spreadsheets.read_upload(save(wb), "x.xlsx", EXPECTED)
    assert f"Row 3: cell F3 (N28 value) {what}" in messages(parsed)
    assert parsed.problems[0].cell == "F3"


def test_a_date_in_a_number_cell_is_named():
    from datetime import datetime

    wb = workbook(spreadsheets.write_xlsx(INFO, ROWS))
    wb["Return"]["F3"] = datetime(2020, 5, 1)
    parsed = spreadsheets.read_upload(save(wb), "x.xlsx", EXPECTED)
    assert "cell F3 (N28 value) holds a date" in messages(parsed)


def test_codes_unknown_duplicated_or_not_supplied_are_each_named():
    content = (
        "indicator_code,indicator_title,unit,numerator,denominator,value,not_available_reason,commentary\n"
        "N28,,,,,1,,\n"
        "N99,,,,,2,,\n"
        "N05,,,,,3,,\n"
        "n28,,,,,4,,\n"
        ",,,,,5,,\n"
    )
    parsed = spreadsheets.read_upload(content.encode(), "x.csv", EXPECTED)
    text = messages(parsed)
    assert "Row 3, cell A3: \u201cN99\u201d is not an indicator code" in text
    assert "Row 4, cell A4: \u201cN05\u201d is not one of the indicators CSC supplies" in text
    assert "Row 5, cell A5: N28 appears again (first in row 2)" in text
    assert "Row 6 has figures but no indicator code in cell A6" in text
    assert [r.code for r in parsed.rows] == ["N28"]


def test_missing_and_renamed_columns_are_named():
    content = "indicator_code,indicator_title,unit,numerators,denominator,value,commentary\nN28,,,,,1,\n"
    parsed = spreadsheets.read_upload(content.encode(), "x.csv", EXPECTED)
    assert parsed.fatal
    text = messages(parsed)
    assert "missing the columns \u201cnumerator\u201d and \u201cnot_available_reason\u201d" in text
    assert "it has \u201cnumerators\u201d instead" in text


def test_more_than_a_thousand_rows_is_refused():
    header = ",".join(spreadsheets.INPUT_COLUMNS)
    content = header + "\n" + "N28,,,,,1,,\n" * 1001
    parsed = spreadsheets.read_upload(content.encode(), "x.csv", EXPECTED)
    assert parsed.fatal and "more than 1,000 rows" in messages(parsed)


def test_semicolon_separated_csv_is_explained():
    content = ";".join(spreadsheets.INPUT_COLUMNS) + "\nN28;;;;;1;;\n"
    parsed = spreadsheets.read_upload(content.encode(), "x.csv", EXPECTED)
    assert "separated by semicolons or tabs" in messages(parsed)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"%PDF-1.4\x00\x01\x02binary", "is not a spreadsheet this portal can read"),
        ("caf\u00e9".encode("latin-1") + b",x\n", "is not a spreadsheet this portal can read"),
        (spreadsheets.OLE2_MAGIC + b"\x00" * 600, "password-protected, or an old .xls file: save it as .xlsx without"),
        (b"PK\x03\x04not really a zip", "is damaged"),
        (b"a" * (2 * 1024 * 1024 + 1), "the limit is 2 MB"),
    ],
)
def test_files_that_are_not_readable_spreadsheets_are_refused_whatever_their_name(content, message):
    parsed = spreadsheets.read_upload(content, "return.xlsx", EXPECTED)
    assert parsed.fatal and message in messages(parsed)


def test_a_zip_that_is_not_a_workbook_is_not_a_spreadsheet():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    parsed = spreadsheets.read_upload(out.getvalue(), "return.xlsx", EXPECTED)
    assert parsed.fatal and "not an Excel workbook" in messages(parsed)


def test_a_damaged_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<not-xml")
        z.writestr("xl/workbook.xml", "<not-xml")
    parsed = spreadsheets.read_upload(out.getvalue(), "return.xlsx", EXPECTED)
    assert parsed.fatal and "damaged" in messages(parsed)


def bomb(members: dict[str, int], count: int = 0) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        for name, size in members.items():
            z.writestr(name, b"\0" * size)
        for n in range(count):
            z.writestr(f"xl/media/{n}.bin", b"x")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bomb({"xl/worksheets/sheet1.xml": 60 * 1024 * 1024}), "would expand to 60 MB"),
        (bomb({"xl/worksheets/sheet1.xml": 20 * 1024 * 1024}), "expands more than 100 times"),
        (bomb({}, count=201), "has 203 parts inside it"),
    ],
)
def test_a_zip_bomb_is_refused_before_anything_is_decompressed(monkeypatch, content, message):
    def never(*args, **kwargs):
        raise AssertionError("the zip was opened")

    monkeypatch.setattr(spreadsheets, "load_workbook", never)
    monkeypatch.setattr(openpyxl, "load_workbook", never)
    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    assert len(content) < spreadsheets.MAX_BYTES
    parsed = spreadsheets.read_upload(content, "return.xlsx", EXPECTED)
    assert parsed.fatal and message in messages(parsed)


@pytest.mark.parametrize(
    ("info", "file_name", "message"),
    [
        (TemplateInfo("Police", "Sussex Police", "2020-21 Q1", 9, 1), "x.xlsx", "This file is for Police 2020-21 Q1"),
        (TemplateInfo("CSC", "CSC", "2019-20 Q4", 9, 1), "x.xlsx", "This file is for CSC 2019-20 Q4"),
        (None, "Police_2020-21_Q1_return.csv", "This file is for Police 2020-21 Q1"),
        (None, "CSC_2019-20_Q4_return (1).csv", "This file is for CSC 2019-20 Q4"),
    ],
)
def test_a_file_for_another_agency_or_quarter_is_refused(info, file_name, message):
    content = spreadsheets.write_xlsx(info, ROWS) if info else spreadsheets.write_csv(ROWS)
    parsed = spreadsheets.read_upload(content, file_name, EXPECTED)
    assert parsed.fatal
    assert message + ", but this is CSC's 2020-21 Q1 return" in messages(parsed)


def test_the_about_sheet_identifies_the_file_when_properties_are_lost():
    wb = workbook(spreadsheets.write_xlsx(TemplateInfo("Police", "Sussex Police", "2020-21 Q1", 9, 1), ROWS))
    wb.custom_doc_props.props.clear()
    parsed = spreadsheets.read_upload(save(wb), "x.xlsx", EXPECTED)
    assert "This file is for Police 2020-21 Q1" in messages(parsed)


def test_a_csv_under_any_other_name_is_not_checked_by_name():
    parsed = spreadsheets.read_upload(spreadsheets.write_csv(ROWS), "my figures.csv", EXPECTED)
    assert parsed.ok
