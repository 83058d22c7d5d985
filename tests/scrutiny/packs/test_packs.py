"""The evidence pack built from the demo: a ZIP whose manifest matches its files, a PDF that reads as the
event's pack (each outcome, N18 at 35.7%), a workbook and CSVs under disclosure control."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from actionplans.demo import seed_action_plans
from agencies.demo import seed_partnership
from agencies.models import User
from dataset import demo as dataset_demo
from dataset.catalogue.loader import load_demo_catalogue
from dataset.reading import exports
from scrutiny.demo import seed_scrutiny
from scrutiny.models import EvidencePack, PackStatus, ScrutinyEvent
from scrutiny.packs import files as packs
from scrutiny.packs import services as pack_services

COUNT_COLUMNS = {
    packs.RAG_SHEET: ("Red", "Amber", "Green", "Blue", "Total"),
    packs.AUDIT_SHEET: ("Outstanding", "Good", "Requires improvement", "Inadequate", "Cases"),
    packs.EVIDENCE_SHEET: ("How many were heard",),
}


@pytest.fixture
def demo_event(db):
    today = timezone.localdate()
    seed_partnership()
    load_demo_catalogue()
    dataset_demo.seed_returns(today=today)
    seed_action_plans(today=today)
    dataset_demo.seed_snapshot()
    return ScrutinyEvent.objects.get(pk=seed_scrutiny(today=today)["event"])


@pytest.fixture
def built(demo_event):
    scrutineer = User.objects.get(username="scrutineer")
    pack = EvidencePack.objects.create(
        event=demo_event, version=1, snapshot=demo_event.snapshot, requested_by=scrutineer
    )
    pack = pack_services.pack_build(pack_id=pack.pk)
    assert pack.status == PackStatus.COMPLETE, pack.error
    pack.refresh_from_db()
    return pack


def stored_bytes(pack, which: str = "zip") -> bytes:
    with pack_services.pack_file(pack, which) as handle:
        return handle.read()


def files_of(pack) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(stored_bytes(pack))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def check_manifest(built, demo_event):
    files = files_of(built)
    manifest = json.loads(files.pop(packs.MANIFEST))
    assert set(files) == {"evidence-pack.pdf", "evidence-pack.xlsx", "dataset.csv", "evidence.csv", "audit-grades.csv"}
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(files)
    for name, content in files.items():
        assert listed[name]["size"] == len(content)
        assert listed[name]["sha256"] == hashlib.sha256(content).hexdigest()
    assert manifest["snapshot_id"] == demo_event.snapshot_id and manifest["data_as_at"]
    assert manifest["version"] == 1 and manifest["event"]["title"] == "September 2020 scrutiny event"
    assert manifest["built_by"] and manifest["built_at"]
    zipped = stored_bytes(built)
    assert built.sha256 == hashlib.sha256(zipped).hexdigest() and built.size == len(zipped)
    # The PDF beside the ZIP is the very file the manifest lists.
    pdf = stored_bytes(built, "pdf")
    assert pdf == files["evidence-pack.pdf"]
    assert built.pdf_sha256 == listed["evidence-pack.pdf"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert built.pdf_size == len(pdf)


def check_pdf(built, demo_event):
    reader = PdfReader(io.BytesIO(files_of(built)["evidence-pack.pdf"]))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for outcome in demo_event.outcomes.all():
        assert " ".join(outcome.title.split()) in text
    assert "35.7%" in text
    assert "Emerging themes, ranked" in text and "Appendix C: disclosure control" in text
    assert "MAA-2020-07-01" in text or "Findings" in text
    # A two-page summary first, then the detail.
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    summary = " ".join(pages[:2])
    assert "Key messages" in pages[0] and "Data as at" in pages[0] and "Held on 24 September 2020" in pages[0]
    for objective in ("Recognise", "Respond", "Quantify", "Evaluate"):
        assert objective in summary
    assert "The audit: headline findings" in summary and "Voice of children and young people" in summary
    assert "Evidence gaps" in summary
    assert pages[2].startswith("Contents") and "Outcome 1:" not in summary
    assert "All values withheld (c) under disclosure control" in text  # N19: every value is c
    assert "(partial)" in text  # N07's last quarter: an agency missing


def check_workbook(built):
    wb = load_workbook(io.BytesIO(files_of(built)["evidence-pack.xlsx"]))
    assert {"Dataset", "Data", packs.RAG_SHEET, packs.AUDIT_SHEET, packs.EVIDENCE_SHEET} <= set(wb.sheetnames)
    checked = 0
    for sheet, columns in COUNT_COLUMNS.items():
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        assert ws.max_row > 1, f"{sheet} is empty"
        for name in columns:
            index = header.index(name)
            for row in ws.iter_rows(min_row=2):
                value = row[index].value
                checked += 1
                assert not (isinstance(value, int | float) and 0 < value < 6), f"{sheet} {name}: {value}"
    data = wb["Data"]
    header = [c.value for c in data[1]]
    unit, value_col = header.index("unit"), header.index("value")
    for row in data.iter_rows(min_row=2):
        cells = [row[header.index("numerator")].value, row[header.index("denominator")].value]
        if row[unit].value == "count":
            cells.append(row[value_col].value)
        for value in cells:
            checked += 1
            assert not (isinstance(value, int | float) and 0 < value < 6), f"Data row {row[0].row}: {value}"
    assert checked > 100


def check_text_files(built):
    files = files_of(built)
    for name in ("evidence.csv", "audit-grades.csv", "dataset.csv"):
        rows = list(csv.reader(io.StringIO(files[name].decode("utf-8-sig"))))
        assert len(rows) > 1, name
        for row in rows:
            for text in row:
                assert not text.startswith(("=", "+", "@")), (name, text)
    grades = list(csv.DictReader(io.StringIO(files["audit-grades.csv"].decode("utf-8-sig"))))
    for row in grades:
        for grade in ("Outstanding", "Good", "Requires improvement", "Inadequate"):
            assert row[grade] == "c" or not 0 < int(row[grade]) < 6


def check_rebuild_leaves_it_alone(built):
    sha = built.sha256
    again = pack_services.pack_build(pack_id=built.pk)
    assert again.status == PackStatus.COMPLETE and again.sha256 == sha


def check_no_formulas(built):
    wb = load_workbook(io.BytesIO(files_of(built)["evidence-pack.xlsx"]))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)


def test_the_demo_events_pack_holds_every_file_checked_and_under_disclosure_control(built, demo_event):
    """One build (the demo takes a while to seed), every property of it."""
    check_manifest(built, demo_event)
    check_pdf(built, demo_event)
    check_workbook(built)
    check_no_formulas(built)
    check_text_files(built)
    check_rebuild_leaves_it_alone(built)


def test_a_large_partnerships_pack_workbook_holds_the_partnership_rows_and_says_where_the_agencies_are(
    built, demo_event, monkeypatch
):
    """Above WORKBOOK_AGENCY_FIGURES agency figures the workbook leaves the agencies' rows out (writing millions of
    cells was most of a large pack's time), says so on the Notes sheet, and its totals are the same as before."""
    whole = load_workbook(io.BytesIO(files_of(built)["evidence-pack.xlsx"]))
    monkeypatch.setattr(packs, "WORKBOOK_AGENCY_FIGURES", 0)
    scrutineer = User.objects.get(username="scrutineer")
    pack = EvidencePack.objects.create(
        event=demo_event, version=2, snapshot=demo_event.snapshot, requested_by=scrutineer
    )
    pack = pack_services.pack_build(pack_id=pack.pk)
    assert pack.status == PackStatus.COMPLETE, pack.error
    wb = load_workbook(io.BytesIO(files_of(pack)["evidence-pack.xlsx"]))
    data = wb["Data"]
    header = [c.value for c in data[1]]
    agencies = {row[header.index("agency")].value for row in data.iter_rows(min_row=2)}
    assert agencies == {exports.PARTNERSHIP}
    whole_agencies = {row[header.index("agency")].value for row in whole["Data"].iter_rows(min_row=2)}
    assert len(whole_agencies) > 3  # the demo's own pack holds every agency's rows
    notes = [c.value for row in wb["Notes"].iter_rows(max_row=3) for c in row if c.value]
    assert any("agencies' own" in str(text) and "XLSX download" in str(text) for text in notes)
    assert [[c.value for c in row] for row in wb["Dataset"].iter_rows()] == [
        [c.value for c in row] for row in whole["Dataset"].iter_rows()
    ]
    partnership_rows = [
        [c.value for c in row]
        for row in whole["Data"].iter_rows(min_row=2)
        if row[header.index("agency")].value == exports.PARTNERSHIP
    ]
    assert [[c.value for c in row] for row in data.iter_rows(min_row=2)] == partnership_rows
