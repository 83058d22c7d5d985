"""dataset.reading.exports alone: the workbook and CSV read back, every figure through disclosure, text formula-safe."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from dataset.build.figures import Comparison, IndicatorInfo, PartnershipValue, SpcPoint, SpcResult, Theme, quarter_label
from dataset.catalogue.periods import Quarter
from dataset.reading import exports

AGENCIES = {"CSC": "Children's Social Care", "POL": "Sussex Police", "EDU": "Education"}
FIRST = Quarter(2019, 1).index
QUARTERS = [FIRST + i for i in range(6)]  # 2019-20 Q1 .. 2020-21 Q2
LATEST = QUARTERS[-1]
FORMULA_TITLE = "=1+2 referrals (looks like a formula)"

INDICATORS = [
    IndicatorInfo(
        "N01",
        "Referrals with neglect as the primary need",
        "count",
        "neither",
        "recognise",
        definition="Referrals to children's social care where neglect is the primary need.",
        suppliers=("CSC", "POL", "EDU"),
    ),
    IndicatorInfo(
        "N02",
        FORMULA_TITLE,
        "percentage",
        "lower",
        "respond",
        numerator_label="Re-referrals",
        denominator_label="Referrals",
        target=Decimal(20),
        suppliers=("CSC", "POL"),
    ),
    IndicatorInfo(
        "N03",
        "Child protection plans with initial category neglect",
        "percentage",
        "neither",
        "quantify",
        benchmark_value=Decimal("50.5"),
        benchmark_source="England, children in need statistics",
        benchmark_year="2019-20",
        suppliers=("CSC",),
    ),
    IndicatorInfo("N04", "Mean days to first visit", "mean", "lower", "evaluate", suppliers=("CSC",)),
]

# Agency counts (N01) and numerators (the ratios) per quarter; None is missing.
N01 = [
    {"CSC": 10, "POL": 12, "EDU": 9},
    {"CSC": 3, "POL": 20, "EDU": 8},  # CSC is small: EDU (first of the others by name, not by size) goes too
    {"CSC": 4, "POL": 0, "EDU": 0},  # the total is small
    {"CSC": 7, "POL": 9, "EDU": 10},
    {"CSC": 10, "POL": 10, "EDU": 10},
    {"CSC": 12, "POL": 14, "EDU": None},  # Education marked it not available
]
N02 = [({"CSC": 20, "POL": 10}, 60)] * 4 + [({"CSC": 3, "POL": 0}, 40), ({"CSC": 8, "POL": 10}, 60)]


def _ratio(code: str, quarter: int, parts: dict[str, int | None], denominator: int, scale: int = 100):
    numerator = sum(n for n in parts.values() if n is not None)
    value = Decimal(numerator) * scale / denominator
    return PartnershipValue(
        code,
        quarter,
        value,
        numerator=Decimal(numerator),
        denominator=Decimal(denominator),
        contributors=tuple(a for a, n in parts.items() if n is not None),
        expected=tuple(parts),
    )


def build():
    values: dict[tuple[str, int], PartnershipValue] = {}
    contributions: dict[tuple[str, int], dict[str, Decimal | None]] = {}
    for quarter, parts in zip(QUARTERS, N01, strict=True):
        values[("N01", quarter)] = PartnershipValue(
            "N01",
            quarter,
            Decimal(sum(n for n in parts.values() if n is not None)),
            contributors=tuple(a for a, n in parts.items() if n is not None),
            expected=tuple(parts),
            not_available=tuple(a for a, n in parts.items() if n is None),
        )
        contributions[("N01", quarter)] = {a: None if n is None else Decimal(n) for a, n in parts.items()}
    for quarter, (parts, denominator) in zip(QUARTERS, N02, strict=True):
        values[("N02", quarter)] = _ratio("N02", quarter, parts, denominator)
        contributions[("N02", quarter)] = {a: Decimal(n) for a, n in parts.items()}
    for quarter in QUARTERS:
        values[("N03", quarter)] = _ratio("N03", quarter, {"CSC": 7}, 200)  # 3.5%: a small percentage is fine
        contributions[("N03", quarter)] = {"CSC": Decimal(7)}
        values[("N04", quarter)] = _ratio("N04", quarter, {"CSC": 120}, 3, scale=1)  # 3 children: suppressed
        contributions[("N04", quarter)] = {"CSC": Decimal(120)}
    comparisons = {
        ("N01", LATEST): Comparison("N01", LATEST, direction="up", rag=""),
        ("N02", LATEST): Comparison("N02", LATEST, direction="improving", rag="green"),
        ("N03", LATEST): Comparison("N03", LATEST, direction="steady"),
    }
    spc = {
        "N01": SpcResult(
            "N01",
            enough_data=True,
            message="",
            mean=Decimal(20),
            points=tuple(
                SpcPoint(q, values[("N01", q)].value, rules=("shift",) if q == LATEST else (), assessment="")
                for q in QUARTERS
            ),
        ),
        "N02": SpcResult("N02", enough_data=False, message="Not enough data: 6 quarters; 12 are needed."),
    }
    themes = [
        Theme("N03", "sustained_rise", 3, '=HYPERLINK("http://x") rose', "-Why?", {"2020-21 Q2": "3.5%"}),
        Theme(
            "N01", "special_cause", 2, "N01 shows special-cause variation: a shift.", "What changed?", {"Mean": "20"}
        ),
        Theme("", "data_gap", 3, "No accepted figures yet from Education.", "When?", {"Education": "1 indicator"}),
    ]
    return {
        "indicators": INDICATORS,
        "quarters": QUARTERS,
        "values": values,
        "contributions": contributions,
        "comparisons": comparisons,
        "spc": spc,
    }, themes


@pytest.fixture(scope="module")
def workbook():
    data, themes = build()
    content = exports.export_xlsx(
        snapshot_label="Dataset as at 3 August 2020",
        built_at="3 August 2020 09:15",
        themes=themes,
        agencies=AGENCIES,
        **data,
    )
    return openpyxl.load_workbook(io.BytesIO(content))


@pytest.fixture(scope="module")
def csv_rows():
    data, _ = build()
    text = exports.export_csv(**data).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def header_row(ws, first: str) -> int:
    return next(row[0].row for row in ws.iter_rows() if row[0].value == first)


def records(ws) -> list[dict[str, object]]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def data_row(workbook, code: str, quarter: int, agency: str) -> dict[str, object]:
    label = quarter_label(quarter)
    return next(
        r
        for r in records(workbook[exports.DATA_SHEET])
        if (r["indicator_code"], r["period"], r["agency"]) == (code, label, agency)
    )


def is_small(value: object) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float | Decimal):
        return 1 <= value <= 5
    try:
        return 1 <= Decimal(str(value).replace(",", "")) <= 5
    except ArithmeticError:
        return False


def test_it_writes_four_sheets_with_their_headers(workbook):
    assert workbook.sheetnames == ["Dataset", "Data", "Themes", "Notes"]
    data = workbook["Data"]
    assert [c.value for c in data[1]] == list(exports.DATA_COLUMNS)
    assert [c.value for c in workbook["Themes"][1]] == list(exports.THEME_COLUMNS)
    dataset = workbook["Dataset"]
    header = [c.value for c in dataset[header_row(dataset, "Code")]]
    assert header == [
        "Code",
        "Indicator",
        "Unit",
        *(quarter_label(q) for q in QUARTERS[-5:]),
        "Direction of travel",
        "RAG",
        "SPC",
        "Benchmark",
        "Completeness (2020-21 Q2)",
        "Partial quarters",
    ]
    notes = workbook["Notes"]
    assert [c.value for c in notes[header_row(notes, "Code")]] == list(exports.DEFINITION_COLUMNS)
    for ws, row in ((data, 1), (dataset, header_row(dataset, "Code")), (workbook["Themes"], 1)):
        assert all(c.font.bold for c in ws[row] if c.value is not None)
        assert ws.freeze_panes is not None
        assert ws.column_dimensions["A"].customWidth


def test_no_cell_anywhere_holds_a_count_from_1_to_5(workbook):
    """Every cell of every sheet: 1-5 is allowed only as a percentage, rate or mean, never as a count."""
    data = workbook["Data"]
    names = [c.value for c in data[1]]
    for row in data.iter_rows(min_row=2, values_only=True):
        record = dict(zip(names, row, strict=True))
        counts = ["numerator", "denominator"] + (["value"] if record["unit"] == "count" else [])
        for name, value in record.items():
            if name in counts or isinstance(value, int | float):
                assert not is_small(value) or (name == "value" and record["unit"] != "count"), record
    dataset = workbook["Dataset"]
    top = header_row(dataset, "Code")
    quarter_columns = range(4, 9)
    for row in dataset.iter_rows(min_row=top + 1):
        unit = row[2].value
        for cell in row:
            if isinstance(cell.value, int | float) and is_small(cell.value):
                assert cell.column in quarter_columns and unit != "Count", cell.coordinate
    for name in ("Themes", "Notes"):
        for row in workbook[name].iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, int | float) and is_small(cell.value)), (name, cell.coordinate)
    # the small percentage is still there: 3.5% is not a count
    assert data_row(workbook, "N03", LATEST, "Partnership")["value"] == pytest.approx(3.5)


def test_the_data_sheet_suppresses_a_small_agency_and_one_more(workbook):
    quarter = QUARTERS[1]
    assert data_row(workbook, "N01", quarter, "Children's Social Care")["value"] == "c"
    assert data_row(workbook, "N01", quarter, "Education")["value"] == "c"
    assert data_row(workbook, "N01", quarter, "Sussex Police")["value"] == 20
    assert data_row(workbook, "N01", quarter, "Partnership")["value"] == 31


def test_a_small_total_suppresses_its_value_rag_spc_and_two_agencies(workbook):
    quarter = QUARTERS[2]
    row = data_row(workbook, "N01", quarter, "Partnership")
    assert (row["value"], row["numerator"], row["denominator"], row["rag"], row["spc"]) == ("c", "z", "z", "c", "c")
    agencies = [data_row(workbook, "N01", quarter, name)["value"] for name in AGENCIES.values()]
    assert agencies.count("c") >= 2
    assert 0 in agencies


def test_a_ratio_with_a_small_numerator_is_suppressed_and_its_denominator_shown(workbook):
    row = data_row(workbook, "N02", QUARTERS[4], "Partnership")
    assert (row["value"], row["numerator"], row["denominator"]) == ("c", "c", 40)
    assert data_row(workbook, "N02", QUARTERS[4], "Children's Social Care")["numerator"] == "c"
    mean = data_row(workbook, "N04", LATEST, "Partnership")
    assert (mean["value"], mean["numerator"], mean["denominator"]) == ("c", 120, "c")
    shown = data_row(workbook, "N02", LATEST, "Partnership")
    assert (shown["value"], shown["numerator"], shown["denominator"]) == (pytest.approx(30.0), 18, 60)


def test_agency_rows_say_whether_they_are_in_the_value(workbook):
    row = data_row(workbook, "N01", LATEST, "Education")
    assert (row["value"], row["completeness"], row["rag"]) == (":", "Not available", "z")
    assert data_row(workbook, "N01", LATEST, "Partnership")["completeness"] == "2 of 3 agencies"
    ratio_agency = data_row(workbook, "N03", LATEST, "Children's Social Care")
    assert (ratio_agency["value"], ratio_agency["numerator"], ratio_agency["denominator"]) == ("z", 7, "z")


def test_the_dataset_sheet_reads_like_the_web_page(workbook):
    ws = workbook["Dataset"]
    assert "Dataset as at 3 August 2020" in ws["A1"].value
    assert "3 August 2020 09:15" in ws["A2"].value
    column = {c.value: c.column for c in ws[header_row(ws, "Code")]}
    rows = {r[0].value: r for r in ws.iter_rows(min_row=header_row(ws, "Code") + 1)}
    headings = [key for key in rows if key and key.split(":")[0] in ("Recognise", "Respond", "Quantify", "Evaluate")]
    assert [h.split(":")[0] for h in headings] == ["Recognise", "Respond", "Quantify", "Evaluate"]
    n01 = rows["N01"]
    assert n01[column["2020-21 Q2"] - 1].value == 26
    assert n01[column["2019-20 Q3"] - 1].value == "c"
    assert n01[column["Completeness (2020-21 Q2)"] - 1].value == "2 of 3 agencies"
    assert n01[column["RAG"] - 1].value == "No target"
    # Education marked its 2020-21 Q2 figure not available: the quarter is partial, so SPC does not assess it
    assert n01[column["SPC"] - 1].value == "Not assessed: partial quarter"
    assert "2019-20 Q1" not in column  # only the latest five quarters
    n02 = rows["N02"]
    # the previous quarter is c, so the direction would bracket it
    assert n02[column["Direction of travel"] - 1].value == "c"
    assert n02[column["RAG"] - 1].value == "Green"
    n03 = rows["N03"]
    assert n03[column["2020-21 Q2"] - 1].value == pytest.approx(3.5)
    assert n03[column["2020-21 Q2"] - 1].number_format == '#,##0.0"%"'
    assert n03[column["Benchmark"] - 1].value == "50.5% (England, children in need statistics, 2019-20)"
    assert n03[column["Direction of travel"] - 1].value == "No significant change"


def test_a_theme_sentence_that_looks_like_a_formula_stays_text(workbook):
    ws = workbook["Themes"]
    cell = ws["E2"]
    assert cell.value.startswith("=HYPERLINK")
    assert cell.data_type == "s"
    assert ws["F2"].value == "-Why?" and ws["F2"].data_type == "s"
    assert ws["B2"].value == "High"
    assert ws["A2"].value == "Sustained rise"


def test_a_theme_about_an_indicator_with_a_suppressed_figure_is_withheld(workbook):
    ws = workbook["Themes"]
    assert ws["C3"].value == "N01"
    assert ws["E3"].value == exports.WITHHELD_TEXT
    assert ws["G3"].value == "c"
    assert ws["E4"].value == "No accepted figures yet from Education."


def test_every_formula_looking_text_cell_is_a_string(workbook):
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.data_type == "s", (ws.title, cell.coordinate)


def test_the_notes_explain_the_symbols_and_define_each_indicator(workbook):
    ws = workbook["Notes"]
    text = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert {"c", ":", "z"} <= set(text)
    assert any("Secondary suppression" in t for t in text)
    assert "Children's Social Care, Sussex Police, Education" in text
    assert FORMULA_TITLE in text


def test_the_csv_has_exactly_the_columns_and_guards_formulas(csv_rows):
    assert csv_rows[0] == list(exports.CSV_COLUMNS)
    assert csv_rows[0] == [
        "indicator_code",
        "indicator_title",
        "period",
        "value",
        "numerator",
        "denominator",
        "unit",
        "rag",
        "spc",
        "completeness",
        "partial",
        "partial_note",
    ]
    n02 = [r for r in csv_rows[1:] if r[0] == "N02"]
    assert {r[1] for r in n02} == {"'" + FORMULA_TITLE}
    assert len(csv_rows) == 1 + len(INDICATORS) * len(QUARTERS)


def test_the_csv_publishes_the_same_totals_as_the_workbook(csv_rows, workbook):
    by_key = {(r[0], r[2]): dict(zip(csv_rows[0], r, strict=True)) for r in csv_rows[1:]}
    assert by_key[("N01", "2019-20 Q3")]["value"] == "c"
    assert by_key[("N01", "2020-21 Q2")]["value"] == "26"
    assert by_key[("N03", "2020-21 Q2")]["value"] == "3.5"
    small = by_key[("N02", quarter_label(QUARTERS[4]))]
    assert (small["value"], small["numerator"], small["denominator"], small["rag"]) == ("c", "c", "40", "c")
    for record in by_key.values():
        counts = ["numerator", "denominator"] + (["value"] if record["unit"] == "count" else [])
        assert not any(is_small(record[name]) for name in counts), record
    for (code, period), record in by_key.items():
        sheet = next(
            r
            for r in records(workbook["Data"])
            if (r["indicator_code"], r["period"], r["agency"]) == (code, period, "Partnership")
        )
        assert record["value"] in ("c", ":", "z") or Decimal(record["value"]) == Decimal(str(sheet["value"]))
        assert (record["value"] == "c") == (sheet["value"] == "c")


def test_two_agencies_that_give_each_other_away_suppress_the_total_in_both_files():
    info = IndicatorInfo("N09", "Tiny", "count", "neither", "recognise", suppliers=("CSC", "POL"))
    value = PartnershipValue("N09", LATEST, Decimal(10), contributors=("CSC", "POL"), expected=("CSC", "POL"))
    data = {
        "indicators": [info],
        "quarters": [LATEST],
        "values": {("N09", LATEST): value},
        "contributions": {("N09", LATEST): {"CSC": Decimal(5), "POL": Decimal(5)}},
        "comparisons": {},
        "spc": {},
    }
    rows = list(csv.reader(io.StringIO(exports.export_csv(**data).decode("utf-8-sig"))))
    assert rows[1][3] == "c"
    wb = openpyxl.load_workbook(
        io.BytesIO(exports.export_xlsx(snapshot_label="s", built_at="b", themes=[], agencies=AGENCIES, **data))
    )
    assert {r["value"] for r in records(wb["Data"])} == {"c"}
