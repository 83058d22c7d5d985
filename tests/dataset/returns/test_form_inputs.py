"""The edit page writes its inputs without Django's widget templates: each must be exactly what they would write."""

from __future__ import annotations

import datetime

from dataset.returns.forms import ReturnValuesForm, field_name
from dataset.returns.selectors import expected_indicators


def _same_as_django(form: ReturnValuesForm) -> int:
    compared = 0
    for name in form.fields:
        if name == "seen_version":
            continue
        assert form.widget_html(name) == str(form[name]), name
        compared += 1
    return compared


def test_unbound_inputs_match_django_widgets(csc_return):
    indicators = list(expected_indicators(agency=csc_return.agency))
    initial = {"seen_version": 1}
    for indicator in indicators:
        initial[field_name(indicator.code, "numerator")] = "12"
        initial[field_name(indicator.code, "value")] = 7
        initial[field_name(indicator.code, "not_available_reason")] = "not_collected"
        initial[field_name(indicator.code, "expected_on")] = datetime.date(2027, 1, 31)
        initial[field_name(indicator.code, "commentary")] = 'A <b>"quoted"</b> & line\nsecond'
    form = ReturnValuesForm(initial=initial, indicators=indicators)
    assert _same_as_django(form) == 9  # a ratio (N18) and a count (N28)


def test_bound_inputs_with_errors_and_problems_match_django_widgets(csc_return, n18, n28):
    indicators = [n18, n28]
    data = {
        "seen_version": "3",
        field_name(n18.code, "numerator"): '"><script>',
        field_name(n18.code, "denominator"): "",
        field_name(n18.code, "expected_on"): "not a date",
        field_name(n28.code, "value"): "4",
        field_name(n28.code, "not_available_reason"): "other",
        field_name(n28.code, "commentary"): "x" * 4001,
    }
    form = ReturnValuesForm(data, indicators=indicators)
    assert not form.is_valid()

    class Problem:  # what mark_problems reads from a validation problem
        def __init__(self, indicator, field):
            self.indicator, self.field = indicator, field

    form.mark_problems([Problem(n18.code, "numerator"), Problem(n28.code, "value")])
    assert 'aria-invalid="true"' in form.widget_html(field_name(n18.code, "expected_on"))
    assert "&lt;script&gt;" in form.widget_html(field_name(n18.code, "numerator"))
    assert _same_as_django(form) == 9


def test_a_field_marked_in_one_form_is_unmarked_in_the_next(csc_return, n18, n28):
    # The forms share their fields' widgets until one is marked: marking must never reach another form's inputs.
    from dataset.returns import validation

    problem = validation.Problem("V03", "N18", "numerator", "N18: the numerator is larger.", True, "error")
    marked = ReturnValuesForm(indicators=[n18, n28])
    marked.mark_problems([problem])
    assert 'aria-describedby="N18-numerator-problems"' in marked.widget_html("N18-numerator")
    fresh = ReturnValuesForm(indicators=[n18, n28])
    for name in ("N18-numerator", "N18-denominator", "N28-value"):
        assert "is-invalid" not in fresh.widget_html(name) and "aria-describedby" not in fresh.widget_html(name)
    assert "is-invalid" not in marked.widget_html("N18-denominator")
