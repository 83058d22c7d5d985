"""Attachments are recognised by their content: real PDF, DOCX and XLSX files in, anything else out."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scrutiny import attachments
from scrutiny.models import EvidenceItem
from tests.scrutiny.conftest import PDF, office_zip


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "Confidence"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def kind(data: bytes) -> str:
    return attachments.check(io.BytesIO(data))


def test_real_tiny_files_are_accepted():
    assert kind(PDF) == "pdf"
    assert kind(office_zip("word/document.xml")) == "docx"
    assert kind(xlsx_bytes()) == "xlsx"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"MZ\x90\x00" + b"\x00" * 200, "program"),
        (b"<html><script>alert(1)</script></html>", "not a PDF"),
        (office_zip("content.xml"), "not a Word or Excel"),
        (b"PK\x03\x04 not really a zip", "damaged"),
        (b"", "empty"),
    ],
)
def test_anything_else_is_refused_whatever_its_name(data, words):
    with pytest.raises(attachments.AttachmentRefused, match=words):
        kind(data)


def test_a_zip_bomb_is_refused_from_its_directory():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (5 * 1024 * 1024))
    with pytest.raises(attachments.AttachmentRefused, match="expands"):
        kind(buffer.getvalue())


def test_over_10_mb_is_refused():
    with pytest.raises(attachments.AttachmentRefused, match="at most 10 MB"):
        kind(PDF + b"0" * (10 * 1024 * 1024))


def evidence_data(**extra) -> dict:
    return {
        "source": "voice_practitioners",
        "title": "Practitioner survey",
        "gathered_on": "2020-06-01",
        "agency": "",
        "summary": "Most felt confident.",
        "quotes": "",
        "heard_count": "40",
        "heard_who": "practitioners",
        **extra,
    }


def test_a_renamed_program_is_refused_on_the_page(client, scrutineer):
    client.force_login(scrutineer)
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 500, content_type="application/pdf")
    response = client.post(reverse("scrutiny:evidence_create"), evidence_data(upload=exe))
    assert response.status_code == 400
    assert "The file is a program, whatever its name says" in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_an_oversized_file_is_refused_on_the_page(client, scrutineer):
    client.force_login(scrutineer)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    response = client.post(reverse("scrutiny:evidence_create"), evidence_data(upload=big))
    assert response.status_code == 400
    assert "at most 10 MB" in response.content.decode()
    assert not EvidenceItem.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("notes.pdf", PDF, "pdf"),
        ("notes.docx", office_zip("word/document.xml"), "docx"),
        ("Scores.XLSX", None, "xlsx"),  # the extension in any case
    ],
)
def test_a_real_file_is_stored_privately_and_served_as_a_download(client, analyst, member, name, data, expected):
    data = data if data is not None else xlsx_bytes()
    client.force_login(analyst)
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    assert client.post(reverse("scrutiny:evidence_create"), evidence_data(upload=upload)).status_code == 302
    item = EvidenceItem.objects.get()
    assert item.attachment_type == expected
    assert "/static/" not in item.attachment.path and name not in item.attachment.name
    client.force_login(member)
    response = client.get(reverse("scrutiny:evidence_attachment", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == attachments.CONTENT_TYPES[expected]
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == data


def test_an_item_without_an_attachment_has_nothing_to_download(client, scrutineer, evidence):
    EvidenceItem.objects.filter(pk=evidence.pk).update(attachment="", attachment_type="")
    client.force_login(scrutineer)
    assert client.get(reverse("scrutiny:evidence_attachment", args=[evidence.pk])).status_code == 404


# --- hostile files: polyglots and disguises (issue 15) ---------------------------------------------------------------
def _zip_with(entries: dict[str, bytes], *, prefix: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for entry, content in entries.items():
            archive.writestr(entry, content)
    return prefix + buffer.getvalue()


HOSTILE = {
    "a PDF whose first KB is a web page": PDF[:9] + b"<html><body><script>alert(document.cookie)</script>" + PDF[9:],
    "a PDF with a script tag": b"%PDF-1.4\n%<SCRIPT src=//evil.example/x.js></SCRIPT>\n" + PDF[9:],
    "a PDF that is also a ZIP": PDF + _zip_with({"index.html": b"<html><script>alert(1)</script></html>"}),
    "a ZIP with a PDF header": _zip_with(
        {"%PDF-1.4 pretend.txt": b"x", "[Content_Types].xml": b"<Types/>", "word/document.xml": b"<d/>"}
    ),
    "a workbook declared macro-enabled": office_zip(
        "xl/workbook.xml", content_type="application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    ),
    "a Word document whose content types do not name it": office_zip("word/document.xml", content_type="text/html"),
}


@pytest.mark.parametrize("what", list(HOSTILE))
def test_polyglots_and_disguised_documents_are_refused(what):
    with pytest.raises(attachments.AttachmentRefused):
        kind(HOSTILE[what])


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", office_zip("word/document.xml")),  # a Word document called a PDF
        ("scores.docx", xlsx_bytes()),
        ("notes.xlsx", PDF),
        ("scores.bin", xlsx_bytes()),
        ("report", PDF),
        ("report.pdf.html", PDF),
    ],
)
def test_a_file_whose_name_and_content_disagree_is_refused(name, data):
    with pytest.raises(attachments.AttachmentRefused, match="is called a"):
        attachments.check(io.BytesIO(data), name=name)


def test_a_disguised_file_is_refused_on_the_page_with_the_reason(client, scrutineer):
    client.force_login(scrutineer)
    upload = SimpleUploadedFile("minutes.pdf", office_zip("word/document.xml"), content_type="application/pdf")
    response = client.post(reverse("scrutiny:evidence_create"), evidence_data(upload=upload))
    assert response.status_code == 400
    assert "is called a .pdf file but its content is a DOCX document" in response.content.decode()
    assert not EvidenceItem.objects.exists()
    polyglot = SimpleUploadedFile("report.pdf", HOSTILE["a PDF that is also a ZIP"], content_type="application/pdf")
    response = client.post(reverse("scrutiny:evidence_create"), evidence_data(upload=polyglot))
    assert response.status_code == 400 and "two kinds of file at once" in response.content.decode()
