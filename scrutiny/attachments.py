"""Evidence attachments: PDF, DOCX or XLSX only, recognised by their content, never by their name.

A PDF starts with `%PDF-`. A DOCX or XLSX is a ZIP holding `word/document.xml` or `xl/workbook.xml` and a
`[Content_Types].xml` that declares that part as a Word document or an Excel workbook (not a macro-enabled one);
the ZIP's directory (entry count, sizes, compression ratios) is checked before any of it is trusted. Anything else
(a renamed program, a ZIP bomb, an HTML page called report.pdf) is refused.

Polyglots, files that are two kinds at once, are refused too (issue 15): a PDF with HTML or script in its first
kilobyte (a browser sniffing it would run it), a PDF that is also a ZIP, a ZIP with a PDF header inside its first
kilobyte (PDF readers look for one there), and a file whose name says one kind while its content is another.
"""

from __future__ import annotations

import zipfile
from typing import IO

MAX_BYTES = 10 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_ZIP_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
# What [Content_Types].xml must say the main part is: a macro-enabled document (docm, xlsm) declares another type.
_MAIN_TYPES = {
    "docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
MAX_CONTENT_TYPES = 256 * 1024  # a real one is a few KB
SNIFF_BYTES = 1024  # browsers sniff HTML, and PDF readers find `%PDF-`, within the first kilobyte
_HTML_MARKERS = (b"<html", b"<script", b"<!doctype html", b"<body", b"<iframe", b"<svg", b"<object", b"<embed")

ONLY = "Attach a PDF, Word (.docx) or Excel (.xlsx) file"


class AttachmentRefused(ValueError):
    """Why the file cannot be attached, in words for the person who chose it."""


def check(file: IO[bytes], *, size: int | None = None, name: str = "") -> str:
    """The kind of `file` ("pdf", "docx" or "xlsx") from its content, or AttachmentRefused. With `name`, its
    extension must name the same kind."""
    kind = _content_kind(file, size=size)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if name and extension != kind:
        said = f".{extension} file" if extension else "file without an extension"
        raise AttachmentRefused(
            f"The file is called a {said} but its content is a {kind.upper()} document. "
            f"Attach it with its own extension (.{kind})."
        )
    return kind


def _content_kind(file: IO[bytes], *, size: int | None) -> str:
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    if size == 0:
        raise AttachmentRefused("The file is empty. " + ONLY + ".")
    if size > MAX_BYTES:
        raise AttachmentRefused(f"The file is {size / 1024 / 1024:.1f} MB: attachments can be at most 10 MB.")
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        _refuse_pdf_polyglot(file, head)
        return "pdf"
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        raise AttachmentRefused(f"The file is a program, whatever its name says. {ONLY}.")
    if head.startswith(b"PK\x03\x04"):
        if b"%PDF-" in head:
            raise AttachmentRefused(POLYGLOT)
        return _office_kind(file)
    raise AttachmentRefused(f"The file is not a PDF, Word or Excel document, whatever its name says. {ONLY}.")


POLYGLOT = f"The file is two kinds of file at once, which is a way to hide a web page or a program. {ONLY}."


def _refuse_pdf_polyglot(file: IO[bytes], head: bytes) -> None:
    lowered = head.lower()
    if any(marker in lowered for marker in _HTML_MARKERS):
        raise AttachmentRefused(POLYGLOT)
    try:
        also_zip = zipfile.is_zipfile(file)
    finally:
        file.seek(0)
    if also_zip:
        raise AttachmentRefused(POLYGLOT)


def _office_kind(file: IO[bytes]) -> str:
    not_office = f"The file is a ZIP archive but not a Word or Excel document. {ONLY}."
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise AttachmentRefused(not_office)
            total = 0
            for entry in entries:
                total += entry.file_size
                if entry.file_size > MAX_ZIP_UNCOMPRESSED or (
                    entry.compress_size and entry.file_size / entry.compress_size > MAX_ZIP_RATIO
                ):
                    raise AttachmentRefused("The file expands to far more than its size: it cannot be attached.")
            if total > MAX_ZIP_UNCOMPRESSED:
                raise AttachmentRefused("The file expands to far more than its size: it cannot be attached.")
            names = {entry.filename for entry in entries}
            declared = b""
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as part:
                    declared = part.read(MAX_CONTENT_TYPES)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise AttachmentRefused(f"The file is damaged or not a real document. {ONLY}.") from error
    finally:
        file.seek(0)
    if declared:
        for kind, part in _ZIP_PARTS.items():
            if part in names and _MAIN_TYPES[kind] in declared:
                return kind
    raise AttachmentRefused(not_office)
