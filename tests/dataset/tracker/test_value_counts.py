"""The tracker counts each return's values in the database: exactly as completeness.value_state counts them."""

from __future__ import annotations

import pytest

from dataset.models import ReturnValue
from dataset.tracker import completeness, selectors
from tests.dataset.conftest import fill


def _python_counts(ret) -> completeness.Counts:
    expected = next(e.indicators for e in selectors.expected_agencies() if e.agency.pk == ret.agency_id)
    values = {
        v.indicator.code: completeness.Figures(v.numerator, v.denominator, v.value, v.not_available_reason)
        for v in ret.values.select_related("indicator")
    }
    return completeness.count_values(expected, values)


@pytest.mark.parametrize(
    "figures",
    [
        {"N18": ("150", "420"), "N28": "24"},  # both present
        {"N18": ("150", ""), "N28": "0"},  # half a ratio is missing; zero is a value
        {"N18": {"numerator": "1", "denominator": "2", "not_available_reason": "other"}, "N28": ""},  # reason wins
        {"N18": {"not_available_reason": "system_change"}, "N28": {"not_available_reason": "other"}},
    ],
)
def test_database_counts_match_counting_each_value(csc_return, csc_lead, figures):
    fill(csc_return, csc_lead, **figures)
    counts = _python_counts(csc_return)
    present, not_available = selectors.value_counts(period_ids=[csc_return.period_id])[csc_return.pk]
    assert (present, not_available) == (counts.present, counts.not_available)
    facts = selectors.return_facts(period_ids=[csc_return.period_id])[(csc_return.agency_id, csc_return.period_id)][1]
    expected = next(e.indicators for e in selectors.expected_agencies() if e.agency.pk == csc_return.agency_id)
    cell = completeness.cell(
        expected=expected, ret=facts, due_on=csc_return.period.due_on, today=csc_return.period.opens_on
    )
    assert cell.counts == counts


def test_a_retired_indicators_value_is_not_counted(csc_return, csc_lead, n18):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    before = selectors.value_counts(period_ids=[csc_return.period_id])[csc_return.pk]
    n18.active = False
    n18.save()
    assert ReturnValue.objects.filter(ret=csc_return, indicator=n18).exists()
    after = selectors.value_counts(period_ids=[csc_return.period_id])[csc_return.pk]
    assert before == (2, 0) and after == (1, 0)
    assert _python_counts(csc_return).present == 1
