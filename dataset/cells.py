"""Spreadsheet cells that leave the app, made safe: text a spreadsheet would run as a formula stays text.

Every workbook and CSV the app writes (return templates, dataset exports, evidence packs) writes its cells here.
A cell starting with `= + - @`, a tab or a carriage return is written as text in an XLSX and with a leading
apostrophe in a CSV. Pure apart from openpyxl's cell objects: no ORM, no request.
"""

from __future__ import annotations

from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def is_dangerous(text: str) -> bool:
    return text.startswith(DANGEROUS_FIRST)


def set_cell(cell, value: object) -> None:
    """Write a value; text that a spreadsheet would run as a formula is written as text."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        if is_dangerous(value):
            # openpyxl makes any str starting with "=" a formula; this keeps it a string, and quotePrefix keeps
            # it text when someone edits the cell in Excel.
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value


def csv_text(value: object) -> str:
    if isinstance(value, str):
        return "'" + value if is_dangerous(value) else value
    if isinstance(value, Decimal):
        return format(value, "f")  # never "1E-7", which is not a figure a person types
    return str(value)
