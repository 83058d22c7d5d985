"""The dashboard's indicator rows written in Python: each row exactly as the template wrote it.

A large partnership's dashboard lists 150 indicators, each row with two includes (the year-to-date badge, the partial
mark) and a URL tag: through the template engine they were most of the page's rendering. Each row is written here
with the same markup, every value escaped as template autoescaping escapes it (html.escape, what
django.utils.html.escape runs; anything already safe HTML kept as it is).

tests/dataset/reading/test_rendering.py renders the same rows through the template this replaced and compares.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape as _e  # as a template's {{ value }} is escaped
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from .selectors import IndicatorSummary


def _year_to_date(glossary: str) -> str:
    """dataset/_year_to_date.html for a year-to-date indicator."""
    inner = f'<a class="link-dark" href="{_e(glossary)}#year-to-date">Year to date</a>' if glossary else "Year to date"
    return (
        '<span class="badge text-bg-light border fw-normal ms-1" data-testid="year-to-date" '
        f'title="Adds up from April and starts again each Q1">{inner}</span>'
    )


def _partial_mark(note: str) -> str:
    """dataset/_partial_mark.html."""
    if not note:
        return ""
    return f'<span class="d-block small text-body-secondary partial-note" data-testid="partial-note">{_e(note)}</span>'


def _row(s: IndicatorSummary, snapshot_pk: int, glossary: str) -> str:
    info = s.info
    url = reverse("dataset:indicator", args=[info.code])
    ytd = _year_to_date(glossary) if info.year_to_date else ""
    direction = ""
    if s.direction_symbol:
        direction = (
            f'<span aria-hidden="true" class="direction-{_e(s.latest.direction)}">{_e(s.direction_symbol)}</span> '
        )
    rag = s.latest.rag if s.latest is not None else ""
    if rag:
        badge = f'<span class="badge rag-{_e(rag)}">{_e(capfirst(rag))}</span>'
    else:
        badge = '<span class="text-body-secondary">No target</span>'
    return (
        "\n            <tr>\n"
        f'              <th scope="row" class="fw-normal"><a href="{_e(url)}?snapshot={_e(snapshot_pk)}">'
        f"<strong>{_e(info.code)}</strong> {_e(info.title)}</a>{ytd}</th>\n"
        f'              <td class="text-end">{_e(s.text)}{_partial_mark(s.partial_note)}</td>\n'
        f"              <td>{direction}{_e(s.direction_words)}</td>\n"
        f"              <td>{badge}</td>\n"
        "            </tr>\n          "
    )


def dashboard_rows(indicators: Iterable[IndicatorSummary], *, snapshot_pk: int) -> SafeString:
    """One objective's indicator rows, as `{% for s in panel.indicators %}` in templates/home/dashboard.html wrote
    them."""
    try:
        glossary = reverse("dataset:glossary")
    except NoReverseMatch:  # as {% url ... as glossary %} leaves it empty
        glossary = ""
    html = "".join(_row(s, snapshot_pk, glossary) for s in indicators)
    return mark_safe(html)  # noqa: S308 - built only from literals and _e()-escaped values, in this module  # nosec B308, B703
