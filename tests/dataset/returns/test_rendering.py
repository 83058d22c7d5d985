"""The edit page writes each indicator row in Python (dataset.returns.rendering): the markup must be what the
template it replaced wrote, so labels, messages, aria-describedby targets and the error summary's links stay."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from dataset.models import Indicator, NotAvailableReason, Polarity, ReturnValue, Unit
from dataset.returns import rendering, selectors, services
from dataset.returns.forms import ReturnValuesForm, field_name
from neglect_portal.strategy import Objective
from tests.dataset.conftest import fill
from tests.dataset.returns.test_queries import accepted_quarters

# The row as templates/dataset/return_edit.html wrote it before rendering.py, kept beside this test as the reference.
OLD_ROW = (Path(__file__).parent / "old_return_row.html").read_text()


def _normal(html: str) -> str:
    """Whitespace runs as one space and none between tags: what the two renderings may differ by, and no more."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def _rows(ret, form, *, overrides=None, conflict=None):
    """Each row as the view prepares it, with (the old template's rendering, rendering.py's)."""
    groups, problems = selectors.return_rows(ret=ret, overrides=overrides)
    form.mark_problems(problems)
    template = engines["django"].from_string(OLD_ROW)
    out = []
    for group in groups:
        for row in group.rows:
            row.figure_inputs, row.other_inputs = form.row_inputs(row.indicator, row.by_field)
            old = template.render({"row": row, "conflict": conflict})
            out.append((row, old, rendering.row_fieldset(row, conflict=conflict)))
    return out, problems


@pytest.fixture
def tricky(csc):
    """Indicators whose words need escaping, in the two units the others do not cover."""
    made = []
    for code, title, definition, unit, labels, objective in (
        (
            "N40",
            'Re-referrals <within> 12 months & "again"',
            "Per 10,000 children <under 18> & their 'families'.",
            Unit.RATE_PER_10K,
            ("Re-referrals <b>", 'Children "0-17"'),
            Objective.QUANTIFY,
        ),
        (
            "N41",
            "Mean days to first visit",
            "Days from referral.",
            Unit.MEAN,
            ("Total days", "Visits"),
            Objective.EVALUATE,
        ),
    ):
        indicator = Indicator.objects.create(
            code=code,
            title=title,
            definition=definition,
            unit=unit,
            numerator_label=labels[0],
            denominator_label=labels[1],
            polarity=Polarity.LOWER,
            objective=objective,
        )
        indicator.suppliers.add(csc)
        made.append(indicator)
    return made


def test_a_row_with_stored_values_history_and_queries_is_written_as_the_template_wrote_it(csc_return, csc_lead, tricky):
    accepted_quarters(csc_return, 5)  # previous quarter and the same quarter last year have figures
    fill(
        csc_return,
        csc_lead,
        N18={"numerator": "3", "denominator": "8", "commentary": "A small <team>"},  # Q03, explained
        N28={
            "value": "",
            "not_available_reason": NotAvailableReason.NOT_COLLECTED,
            "expected_on": date(2027, 1, 31),
            "commentary": 'Waiting on the <system> & "migration"\nsecond line',
        },
        N40=("12", "40000"),
        N41=("900", "30"),
    )
    csc_return.refresh_from_db()
    read = selectors.return_page_values(ret=csc_return)
    initial = {"seen_version": csc_return.version}
    for indicator in read[1]:
        value = read[0].get(indicator.pk)
        for name in ("numerator", "denominator", "value", "not_available_reason", "expected_on", "commentary"):
            if value is not None:
                initial[field_name(indicator.code, name)] = getattr(value, name)
    rows, problems = _rows(csc_return, ReturnValuesForm(initial=initial, indicators=read[1]))
    assert len(rows) == 4 and problems
    # N18's small denominator is queried and explained; N40's fall from its history is queried, unexplained.
    assert any(
        "Query (explained):</strong> Confirm in the commentary that the denominator of 8 is right" in new
        for _, _, new in rows
    )
    assert any("text-warning-emphasis" in new for _, _, new in rows)
    assert any("Previous quarter: <strong>10</strong>" in new for _, _, new in rows)
    assert any("&lt;system&gt; &amp; &quot;migration&quot;" in new for _, _, new in rows)
    for row, old, new in rows:
        assert _normal(new) == _normal(old), row.indicator.code


def test_a_refused_save_with_errors_and_a_conflict_is_written_as_the_template_wrote_it(csc_return, csc_lead, tricky):
    fill(csc_return, csc_lead, N18=("150", "420"), N28={"value": "", "not_available_reason": "other"}, N41=("5", ""))
    data = {
        "seen_version": "1",
        "N18-numerator": '500"><script>',
        "N18-denominator": "420",
        "N18-expected_on": "not a date",
        "N28-value": "2.5",
        "N28-commentary": "x" * 4001,
        "N40-numerator": "-3",
        "N40-denominator": "0",
        "N41-not_available_reason": NotAvailableReason.NOT_COLLECTED,
        "N41-commentary": "Explained: the <new> system",
    }
    form = ReturnValuesForm(data, indicators=selectors.return_page_indicators(ret=csc_return))
    assert not form.is_valid()
    conflict = services.Conflict(
        changed_by='Pat <O\'Neil> & "co"',
        changed_at=timezone.now(),
        changed_codes=frozenset({"N18", "N28", "N40"}),
        current_version=2,
    )
    rows, problems = _rows(csc_return, form, overrides=form.typed(), conflict=conflict)
    assert [p for p in problems if p.blocking] and form.errors
    by_code = {row.indicator.code: new for row, _, new in rows}
    assert "border-danger" in by_code["N18"] and "border-danger" not in by_code["N41"]
    assert "Saved now:\n              150 / 420." in by_code["N18"]
    assert "not available (" in by_code["N28"] and "blank / blank" in by_code["N40"]
    assert 'aria-describedby="N18-numerator-problems"' in by_code["N18"]
    assert 'id="N18-expected_on-problems"' in by_code["N18"] and "Pat &lt;O&#x27;Neil&gt;" in by_code["N18"]
    for row, old, new in rows:
        assert _normal(new) == _normal(old), row.indicator.code


def test_every_message_an_input_points_at_and_every_summary_link_is_on_the_page(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    response = client.post(
        reverse("dataset:return_submit", args=[csc_return.pk]),
        {
            "seen_version": 1,
            "N18-numerator": "500",
            "N18-denominator": "420",
            "N28-value": "2.5",
            "N28-commentary": "",
            "sign_off": "on",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in page
    described = set(re.findall(r'aria-describedby="([^"]+)"', page))
    linked = set(re.findall(r'<a href="#(id_[^"]+)"', page))
    assert {"N18-numerator-problems", "N28-value-problems"} <= described and "id_N18-numerator" in linked
    for target in described | linked:
        assert f'id="{target}"' in page, target
    labelled = set(re.findall(r'<label class="form-label small fw-semibold" for="([^"]+)"', page))
    inputs = set(re.findall(r'<(?:input|select|textarea)[^>]* id="(id_N[^"]+)"', page))
    assert inputs and inputs == labelled


def test_a_stored_value_row_keeps_decimal_history_figures(csc_return, n18):
    # The computed value of a ratio is shown with its unit, as the template's `figure` filter wrote it.
    ReturnValue.objects.filter(ret=csc_return).delete()
    row = selectors.Row(indicator=n18, value=None, current=Decimal("35.714"), previous=Decimal("40"))
    html = rendering.row_fieldset(row)
    assert ">35.7%</output>" in html and "Previous quarter: <strong>40.0%</strong>" in html
