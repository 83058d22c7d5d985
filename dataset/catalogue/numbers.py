"""How an indicator's figures are read and written, by unit. Pure: plain text and Decimals in and out.

Every part of the dataset app that reads a typed figure or shows a computed one comes here, so a return's form,
its spreadsheet, the build and every page and export agree on what "1,256", "35.7%" and "42.8 per 10,000" mean.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

UNIT_LABELS: dict[str, str] = {
    "count": "Count",
    "percentage": "Percentage",
    "rate_per_10k": "Rate per 10,000 children",
    "mean": "Mean",
}
UNITS: tuple[str, ...] = ("count", "percentage", "rate_per_10k", "mean")


# Fields each unit reads, in the order a person fills them in; fields a unit does not use are ignored, so a
# spreadsheet with a stray figure in an unused column is not an error.
FIELDS_BY_UNIT: dict[str, tuple[str, ...]] = {
    "count": ("value",),
    "percentage": ("numerator", "denominator"),
    "rate_per_10k": ("numerator", "denominator"),
    "mean": ("numerator", "denominator"),
}


# Digits with optional correctly grouped thousands separators and an optional fraction. ASCII only: Decimal would
# otherwise accept "1_000" and non-Latin digits, neither of which a person means as a figure in this return.
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?", re.ASCII)

# No real figure in a return is this long; the cap keeps Decimal arithmetic far from its exponent limits.
_MAX_NUMBER_LENGTH = 60


def parse_number(text: str) -> Decimal | None:
    """The figure in text, or None when blank; ValueError for anything that is not a plain finite number."""
    stripped = text.strip()
    if not stripped:
        return None
    if len(stripped) > _MAX_NUMBER_LENGTH:
        raise ValueError(f"too long to be a figure: {stripped[:20]!r}...")
    if not _NUMBER.fullmatch(stripped) or not any(ch.isdigit() for ch in stripped):
        raise ValueError(f"not a number: {stripped!r}")
    try:
        number = Decimal(stripped.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern already rules these out
        raise ValueError(f"not a number: {stripped!r}") from exc
    # "-0" is zero; keep the sign out of messages and comparisons.
    return abs(number) if number == 0 else number


def format_value(unit: str, value: Decimal) -> str:
    """A computed value as people read it: "35.7%", "1,256", "42.8 per 10,000", "12.3"."""
    return with_unit(unit, round_text(value, decimal_places(unit, value)))


def decimal_places(unit: str, value: Decimal) -> int:
    if unit == "count":
        return 0
    # One decimal place, but more when a small non-zero value would otherwise be shown as zero.
    places = 1
    while value and abs(value) < Decimal(1).scaleb(-places) and places < 6:
        places += 1
    return places


def round_text(value: Decimal, places: int, rounding: str = ROUND_HALF_UP) -> str:
    with localcontext() as ctx:
        ctx.rounding = rounding
        text = f"{value:,.{places}f}"
    # Rounding a small negative value to zero gives "-0.0"; show it as zero.
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        text = text[1:]
    return text


def with_unit(unit: str, text: str) -> str:
    if unit == "percentage":
        return f"{text}%"
    if unit == "rate_per_10k":
        return f"{text} per 10,000"
    return text


def counted(count: int, noun: str, plural: str = "") -> str:
    """`1 problem`, `2 problems`, `0 problems`: never "problem(s)"."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
