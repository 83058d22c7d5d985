"""The streamed exports publish exactly the cells the exports published before they streamed.

`golden/` holds every cell of the demo partnership's CSV and workbook downloads (the analyst's and a lead's) and
of the pure exports of test_exports' figures, as the code wrote them before the exports streamed (commit 9d9e5d3).
Disclosure control, the formula-safe cells and the rows each reader gets must not have moved by one cell. To
record them again after a deliberate change of what an export publishes: EXPORT_GOLDEN_WRITE=1 and say why.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.demo import seed_partnership
from agencies.models import User
from dataset import demo as dataset_demo
from dataset.catalogue.loader import load_demo_catalogue
from dataset.models import DatasetSnapshot, Indicator, ReportingPeriod, Return, ReturnValue
from dataset.reading import exports
from tests.dataset.reading import test_exports, test_queries

GOLDEN = Path(__file__).parent / "golden"
WRITE = os.environ.get("EXPORT_GOLDEN_WRITE") == "1"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_cells(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_cells(content: bytes) -> dict[str, list[list[object]]]:
    """Every sheet's rows as values, trailing empty cells and rows dropped; text that starts like a formula is
    marked with how it was stored, so a formula-safe cell that became a formula would differ."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheets = {}
    for ws in workbook.worksheets:
        rows = []
        for row in ws.iter_rows():
            values: list[object] = []
            for cell in row:
                value = cell.value
                if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
                    value = [value, cell.data_type]
                elif isinstance(value, float) and value == int(value):
                    value = int(value)
                values.append(value)
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        while rows and not rows[-1]:
            rows.pop()
        sheets[ws.title] = rows
    return {"sheets": list(sheets), **sheets}


NUMBERS = exports.THEME_COLUMNS.index("Numbers")


def numbers_in_any_order(cells: object) -> object:
    """A theme's numbers ("label: text; ...") are a JSON object in the database, whose keys PostgreSQL's jsonb keeps
    in its own order (shortest first) and SQLite as written: the golden files hold SQLite's. The labels and texts
    must match; their order is the database's."""
    if not isinstance(cells, dict) or exports.THEMES_SHEET not in cells:
        return cells
    rows = [list(row) for row in cells[exports.THEMES_SHEET]]
    for row in rows[1:]:
        if len(row) > NUMBERS and isinstance(row[NUMBERS], str):
            row[NUMBERS] = "; ".join(sorted(row[NUMBERS].split("; ")))
    return {**cells, exports.THEMES_SHEET: rows}


def check(name: str, cells: object) -> None:
    path = GOLDEN / f"{name}.json"
    if WRITE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(cells, indent=0, default=str) + "\n")
    expected = json.loads(path.read_text())
    actual = json.loads(json.dumps(cells, default=str))
    assert numbers_in_any_order(actual) == numbers_in_any_order(expected), name


@pytest.fixture
def demo_snapshot(db) -> DatasetSnapshot:
    seed_partnership()
    load_demo_catalogue()
    dataset_demo.seed_returns(today=date(2020, 9, 1))
    snapshot = dataset_demo.seed_snapshot()
    # The files say when the dataset was built: the same moment every run, so the cells can be compared.
    DatasetSnapshot.objects.filter(pk=snapshot.pk).update(built_at=datetime(2020, 9, 1, 9, 0, tzinfo=UTC))
    return snapshot


@pytest.mark.parametrize("username", ["analyst", "csc.lead"])
def test_the_streamed_downloads_publish_the_cells_they_did_before(client, demo_snapshot, username):
    client.force_login(User.objects.get(username=username))
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("dataset:dataset_export", args=[demo_snapshot.pk, fmt]))
        assert response.status_code == 200
        content = body(response)
        check(f"demo-{username}.{fmt}", csv_cells(content) if fmt == "csv" else xlsx_cells(content))
    response = client.get(reverse("dataset:indicator_data", args=["N18"]))
    assert response.status_code == 200
    check(f"demo-{username}-N18.csv", csv_cells(body(response)))


def test_the_pure_exports_publish_the_cells_they_did_before():
    data, themes = test_exports.build()
    workbook = exports.export_xlsx(
        snapshot_label="Dataset as at 3 August 2020",
        built_at="3 August 2020 09:15",
        themes=themes,
        agencies=test_exports.AGENCIES,
        **data,
    )
    check("pure.xlsx", xlsx_cells(workbook))
    check("pure.csv", csv_cells(exports.export_csv(agencies=test_exports.AGENCIES, **data)))


@pytest.mark.parametrize("what", ["csv", "xlsx", "indicator"])
def test_a_download_streams_in_the_same_queries_at_two_sizes(client, analyst, what):
    """Counted while the body is read, since a streamed download reads the agencies' figures as it is sent."""
    counts = []
    for size in ((2, 2, 3), (5, 7, 9)):
        for model in (ReturnValue, Return, DatasetSnapshot, Indicator, ReportingPeriod):
            model.objects.all().delete()
        snapshot = test_queries.build(*size)
        client.force_login(analyst)
        url = {
            "csv": reverse("dataset:dataset_export", args=[snapshot.pk, "csv"]),
            "xlsx": reverse("dataset:dataset_export", args=[snapshot.pk, "xlsx"]),
            "indicator": reverse("dataset:indicator_data", args=["T01"]),
        }[what]
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            assert response.status_code == 200 and response.streaming
            content = body(response)
        assert content
        counts.append(len(captured))
    assert counts[0] == counts[1]
