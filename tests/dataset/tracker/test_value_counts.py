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


# --- the counts kept between pages: never served for figures they were not made from ---------------------------
def _cached(ret) -> tuple[int, int]:
    links = selectors.supplier_links()
    facts = selectors.return_facts(period_ids=[ret.period_id], links=links)
    return facts[(ret.agency_id, ret.period_id)][1].counted


def test_kept_counts_are_the_databases_and_are_not_counted_again(csc_return, csc_lead):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fill(csc_return, csc_lead, N18=("150", "420"), N28={"not_available_reason": "other"})
    assert _cached(csc_return) == selectors.value_counts(period_ids=[csc_return.period_id])[csc_return.pk] == (1, 1)
    with CaptureQueriesContext(connection) as again:
        assert _cached(csc_return) == (1, 1)
    assert not any("dataset_returnvalue" in q["sql"] for q in again.captured_queries)


def test_a_saved_change_is_counted_at_once(csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("150", "420"))
    assert _cached(csc_return) == (1, 0)
    fill(csc_return, csc_lead, N28="0", N18=("150", ""))
    assert _cached(csc_return) == (1, 0)  # N18 lost its denominator, N28 is now present
    fill(csc_return, csc_lead, N18={"numerator": "", "not_available_reason": "system_change"}, N28="")
    assert _cached(csc_return) == (0, 1)


def test_a_change_of_who_supplies_what_is_counted_at_once(csc_return, csc_lead, n18, n28):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    assert _cached(csc_return) == (2, 0)
    n28.suppliers.remove(csc_return.agency)  # no longer expected of CSC: its stored value does not count
    assert _cached(csc_return) == (1, 0)
    n28.suppliers.add(csc_return.agency)
    n18.active = False
    n18.save()
    assert _cached(csc_return) == (1, 0)


def test_a_change_of_unit_is_counted_at_once(csc_return, csc_lead, n28):
    from dataset.models import Unit

    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    assert _cached(csc_return) == (2, 0)
    n28.unit = Unit.PERCENTAGE  # now a ratio: a single figure is not enough
    n28.save()
    assert _cached(csc_return) == (1, 0) == selectors.value_counts(period_ids=[csc_return.period_id])[csc_return.pk]


def test_an_indicator_replaced_under_the_same_code_is_counted_at_once(csc_return, csc_lead, n28):
    from tests.dataset.tracker.test_pages import count_indicator

    fill(csc_return, csc_lead, N18=("150", "420"), N28="24")
    assert _cached(csc_return) == (2, 0)
    n28.code, n28.active = "N28-old", False
    n28.save()
    count_indicator("N28", csc_return.agency)  # a new indicator under the old one's code
    assert _cached(csc_return) == (1, 0)  # the old N28's value is not the new one's
