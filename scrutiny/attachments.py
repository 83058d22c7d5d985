"""Evidence attachments: PDF, DOCX or XLSX only, recognised by their content, never by their name.

A PDF starts with `%PDF-`. A DOCX or XLSX is a ZIP holding `[Content_Types].xml` and `word/document.xml`
or `xl/workbook.xml`; the ZIP's directory (entry count, sizes, compression ratios) is checked before any
of it is trusted. Anything else (a renamed program, a ZIP bomb, an HTML page called report.pdf) is refused.
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

ONLY = "Attach a PDF, Word (.docx) or Excel (.xlsx) file"


class AttachmentRefused(ValueError):
    """Why the file cannot be attached, in words for the person who chose it."""


def check(file: IO[bytes], *, size: int | None = None) -> str:
    """The kind of `file` ("pdf", "docx" or "xlsx") from its content, or AttachmentRefused."""
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    if size == 0:
        raise AttachmentRefused("The file is empty. " + ONLY + ".")
    if size > MAX_BYTES:
        raise AttachmentRefused(f"The file is {size / 1024 / 1024:.1f} MB: attachments can be at most 10 MB.")
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        raise AttachmentRefused(f"The file is a program, whatever its name says. {ONLY}.")
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(file)
    raise AttachmentRefused(f"The file is not a PDF, Word or Excel document, whatever its name says. {ONLY}.")


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
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise AttachmentRefused(f"The file is damaged or not a real document. {ONLY}.") from error
    finally:
        file.seek(0)
    if "[Content_Types].xml" in names:
        for kind, part in _ZIP_PARTS.items():
            if part in names:
                return kind
    raise AttachmentRefused(not_office)
