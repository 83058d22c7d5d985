"""How a value is marked wherever it appears (pages, exports, packs): a partial quarter and a year-to-date figure.
Pure: plain data in, words out.

A partial quarter is one in which an agency expected to supply the figure has no accepted value, so the partnership
value is short of someone: readers are told who, and it is never called a rise or a fall. A year-to-date figure
adds up from April and starts again each Q1: readers are told so, and its target is the pro-rata one for the
quarter, as its RAG rating is (dataset.build.aggregate.pro_rata).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from dataset.build.aggregate import pro_rata
from dataset.build.figures import IndicatorInfo, quarter_of
from dataset.catalogue.numbers import format_value

NOT_COMPARED_PARTIAL = "Not compared: partial quarter"
NOT_ASSESSED_PARTIAL = "Not assessed: partial quarter"
YEAR_TO_DATE = "Year to date"
YEAR_TO_DATE_SPC = "Not by SPC: year to date, compared with the same quarter a year earlier"
# GSS shorthand for a figure that comes with a caveat; the footnote (PARTIAL_FOOTNOTE) says which one.
PARTIAL_MARK = "p"
PARTIAL_FOOTNOTE = (
    "p: partial quarter. At least one agency expected to supply the figure has no accepted value (or marked it not "
    "available), so the partnership value is short of it. It is not compared with other quarters as a rise or a "
    "fall, and SPC does not assess it."
)
YEAR_TO_DATE_NOTE = (
    "Year to date: the figure adds up from April and starts again each Q1. It is compared with the same quarter of "
    "earlier years, and rated against the year's target pro rata (a quarter of it by Q1, half by Q2, three "
    "quarters by Q3, all of it by Q4), not by statistical process control."
)


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def partial_note(
    *,
    contributors: Iterable[str],
    expected: Iterable[str],
    not_available: Iterable[str] = (),
    agencies: Mapping[str, str] | None = None,
) -> str:
    """ "Partial: 2 of 3 agencies; Sussex Police not yet accepted" for a partial value, "" for a whole one.

    Takes the lists a PartnershipValue or a DatasetValue carries (agency short names); `agencies` names them.
    """
    names = agencies or {}
    expected = list(dict.fromkeys(expected))
    given = set(contributors)
    refused = set(not_available)
    missing = [a for a in expected if a not in given]
    if not missing:
        return ""
    parts = [f"Partial: {len(expected) - len(missing)} of {len(expected)} agencies"]
    late = [names.get(a, a) for a in missing if a not in refused]
    unavailable = [names.get(a, a) for a in missing if a in refused]
    if late:
        parts.append(f"{_join(late)} not yet accepted")
    if unavailable:
        parts.append(f"{_join(unavailable)} marked it not available")
    return "; ".join(parts)


def _threshold(unit: str, value: Decimal) -> str:
    """Targets are round numbers: "25%", not "25.0%"; a pro-rata one keeps the places it needs ("12.5%")."""
    text = format_value(unit, value)
    return text.replace(".0", "", 1) if value == value.to_integral_value() else text


def target_text(info: IndicatorInfo, quarter: int | None = None) -> str:
    """The target that applies in `quarter`: "Target 80%", or for a year-to-date indicator the pro-rata one,
    "Target 25% by Q1 (100% by the year end)". "" when the indicator has no target."""
    if info.target is None:
        return ""
    whole = _threshold(info.unit, info.target)
    if not info.year_to_date or quarter is None:
        return f"Target {whole}" + (" by the year end" if info.year_to_date else "")
    number = quarter_of(quarter).number
    if number == 4:
        return f"Target {whole} by Q4 (the year end)"
    target, _ = pro_rata(info, quarter)
    assert target is not None
    return f"Target {_threshold(info.unit, target)} by Q{number} ({whole} by the year end)"
