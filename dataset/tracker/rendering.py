"""The tracker's body rows written in Python: each agency's row exactly as the template wrote it.

A large partnership's tracker is 40 agencies x 8 quarters: 320 cells of a badge, a link and the counts in words,
~45,000 template variable lookups a page, which were most of its rendering. Each row is written here with the same
markup, every value escaped as template autoescaping escapes it (html.escape, what django.utils.html.escape runs;
anything already safe HTML kept as it is).

tests/dataset/tracker/test_rendering.py renders the same rows through the template this replaced and compares.
"""

from __future__ import annotations

from django.utils.html import conditional_escape as _e  # as a template's {{ value }} is escaped
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from .selectors import Tracker, TrackerRow


def _row(row: TrackerRow, slugs: dict[int, str]) -> str:
    name = _e(row.agency.name)
    short = _e(row.agency.short_name)
    out = [
        f'\n          <tr>\n            <th scope="row"><a href="{_e(row.agency.get_absolute_url())}">{name}</a></th>\n'
        "            "
    ]
    for cell in row.cells:
        fact = cell.fact
        badge = f'<span class="badge status-{_e(fact.css)}">{_e(fact.label)}</span>\n'
        if cell.url:
            label = _e(cell.period.label)
            badge = (
                f'<a href="{_e(cell.url)}" class="text-decoration-none">{badge}'
                f'<span class="visually-hidden"> – open the {name} {label} return</span></a>'
            )
        overdue = f' <span class="small">({_e(fact.underlying)})</span>' if fact.overdue else ""
        out.append(
            f'\n              <td data-testid="cell-{short}-{slugs[cell.period.pk]}">\n'
            f"                {badge}{overdue}\n"
            f'                <div class="small mt-1">{_e(fact.counts.words)}</div>\n              </td>\n            '
        )
    out.append("\n          </tr>\n        ")
    return "".join(out)


def body_rows(tracker: Tracker) -> SafeString:
    """Every agency's <tr>, as `{% for row in tracker.rows %}` in templates/dataset/tracker.html wrote them."""
    slugs = {period.pk: _e(slugify(period.label)) for period in tracker.periods}
    html = "".join(_row(row, slugs) for row in tracker.rows)
    return mark_safe(html)  # noqa: S308 - built only from literals and _e()-escaped values, in this module  # nosec B308, B703
