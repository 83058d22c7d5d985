"""The edit page's indicator rows written in Python: each row's fieldset exactly as the template wrote it.

A large return has 150 rows of 5-6 inputs; rendering each row through the template engine (a fieldset and an
include per input, ~23,000 template nodes a page) was most of the page's time, and format_html for each piece still
a fifth of it. Each row is written here instead, with the same markup: the legend, the history hint, each input's
label and its messages (aria-describedby points at them), and the computed value. Every value is escaped by _e
as template autoescaping escapes it (HTML already safe kept, anything else through html.escape, which is what
django.utils.html.escape runs); the inputs come written and escaped by ReturnValuesForm.widget_html.

tests/dataset/returns/test_rendering.py renders the same rows through the template this replaced and compares.
"""

from __future__ import annotations

from django.utils.html import conditional_escape as _e  # as a template's {{ value }} is escaped
from django.utils.safestring import SafeString, mark_safe

from dataset.catalogue import numbers

from .forms import FigureInput
from .selectors import Row

_COMPUTED_LABELS = {"percentage": "Percentage", "rate_per_10k": "Rate per 10,000"}


def _safe(html: str) -> SafeString:
    return mark_safe(html)  # noqa: S308 - built only from literals and _e()-escaped values, in this module  # nosec B308, B703


def _figure(value, unit: str) -> str:
    # As the `figure` template filter shows it.
    return "–" if value is None else numbers.format_value(unit, value)


def _problem(problem) -> str:
    # GOV.UK style: what to do, no rule code (codes are on the rules page); "Error:" is for screen readers.
    if problem.kind == "error":
        css, title = "text-danger", '<span class="visually-hidden">Error: </span>'
    elif problem.explained:
        css, title = "text-success-emphasis", "<strong>Query (explained):</strong> "
    else:
        css, title = "text-warning-emphasis", "<strong>Query:</strong> "
    return f'\n        <p class="small mb-1 {css}">\n          {title}{_e(problem.field_message)}\n        </p>'


def _field(f: FigureInput) -> str:
    """One input with its label and its own messages, as dataset/_figure_field.html writes it."""
    out = (
        f'<div class="{_e(f.css or "col-sm-4")}">\n  <label class="form-label small fw-semibold" for="{_e(f.auto_id)}">'
        f"{_e(f.label)}</label>\n  {_e(f.widget)}"
    )
    if f.problems or f.errors:
        errors = "".join(
            f'<p class="text-danger small mb-1"><span class="visually-hidden">Error: </span>{_e(error)}</p>'
            for error in f.errors
        )
        problems = "".join(_problem(p) for p in f.problems)
        out += f'\n    <div id="{_e(f.html_name)}-problems" class="field-problems">\n      {errors}{problems}'
        out += "\n    </div>"
    return out + "\n</div>"


def _saved_now(row: Row) -> str:
    """What is stored now for a row someone else changed, in the words the conflict notice uses."""
    value = row.value
    if value is not None and value.not_available_reason:
        return f"not available ({value.get_not_available_reason_display()})"
    if row.indicator.is_ratio:
        return f"{getattr(value, 'numerator', '') or 'blank'} / {getattr(value, 'denominator', '') or 'blank'}"
    return getattr(value, "value", "") or "blank"


def row_fieldset(row: Row, *, conflict=None) -> SafeString:
    """The whole fieldset of one indicator row of the edit page. Call after the view set the row's inputs."""
    indicator = row.indicator
    code, unit = _e(indicator.code), indicator.unit
    changed = conflict is not None and indicator.code in conflict.changed_codes
    out = [
        f'<fieldset class="indicator-row card mb-3{" border-danger border-3" if changed else ""}" id="ind-{code}"\n'
        f'                data-unit="{_e(unit)}">\n        <div class="card-body">\n          <legend class="h6 mb-1">'
        f'<span class="badge text-bg-secondary me-1">{code}</span>{_e(indicator.title)}</legend>\n          '
    ]
    if changed:
        out.append(
            f'\n            <p class="text-danger fw-semibold small mb-1">Changed by {_e(conflict.changed_by)} since '
            f"you opened this page. Saved now:\n              {_e(_saved_now(row))}.\n"
            "              Your figures are below.</p>\n          "
        )
    out.append(
        f'\n          <details class="small mb-2"><summary>Definition</summary>{_e(indicator.definition)}</details>\n'
        '          <p class="small text-body-secondary mb-2">\n'
        f"            Previous quarter: <strong>{_e(_figure(row.previous, unit))}</strong> ·\n"
        f"            Same quarter last year: <strong>{_e(_figure(row.year_earlier, unit))}</strong>\n"
        '          </p>\n          <div class="row g-3">\n            '
    )
    out += [_field(f) for f in row.figure_inputs]
    if indicator.is_ratio:
        out.append(
            '\n              <div class="col-sm-4">\n                <span class="form-label small fw-semibold '
            f'd-block">{_COMPUTED_LABELS.get(unit, "Mean")}</span>\n                <output class="fs-5" '
            f'data-computed for="id_{code}-numerator id_{code}-denominator" aria-live="polite">'
            f"{_e(_figure(row.current, unit))}</output>\n              </div>\n            "
        )
    out += [_field(f) for f in row.other_inputs]
    out.append("\n          </div>\n        </div>\n      </fieldset>")
    return _safe("".join(out))
