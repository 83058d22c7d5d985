"""The return page and a saved draft cost the same however many earlier quarters the agency has returned."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import ReportingPeriod, Return, ReturnValue
from dataset.returns import selectors, validation
from neglect_portal.lifecycle import State


def accepted_quarters(ret: Return, how_many: int) -> None:
    """Accepted returns of `ret`'s agency for the `how_many` quarters before it (those not there yet), N28 = 10 + n
    where n counts back from the previous quarter (n = 0)."""
    quarter = ret.period.as_quarter
    for n in range(how_many):
        quarter = quarter.previous()
        opens, due, locks = default_dates(quarter)
        period, _ = ReportingPeriod.objects.get_or_create(
            year=quarter.year, quarter=quarter.number, defaults={"opens_on": opens, "due_on": due, "locks_on": locks}
        )
        earlier, made = Return.objects.get_or_create(
            agency=ret.agency, period=period, defaults={"status": State.ACCEPTED}
        )
        if made:
            for indicator in selectors.expected_indicators(agency=ret.agency):
                if indicator.is_ratio:
                    ReturnValue.objects.create(ret=earlier, indicator=indicator, numerator="150", denominator="420")
                else:
                    ReturnValue.objects.create(ret=earlier, indicator=indicator, value=str(10 + n))


def edit_and_save(client, ret: Return, value: str) -> tuple[int, int, str]:
    """(queries of the edit page, queries of saving one changed value, the page the save redirects to)."""
    url = reverse("dataset:return_edit", args=[ret.pk])
    with CaptureQueriesContext(connection) as page:
        assert client.get(url).status_code == 200
    ret.refresh_from_db()
    with CaptureQueriesContext(connection) as save:
        response = client.post(url, {"seen_version": ret.version, "N28-value": value})
    assert response.status_code == 303 and response["Location"] == url
    saved = client.get(url).content.decode()
    assert "Draft saved." in saved
    return len(page.captured_queries), len(save.captured_queries), saved


def test_the_edit_page_and_a_save_do_not_grow_with_earlier_quarters(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    accepted_quarters(csc_return, 3)
    few_page, few_save, _ = edit_and_save(client, csc_return, "11")
    accepted_quarters(csc_return, 12)
    many_page, many_save, saved = edit_and_save(client, csc_return, "12")
    assert (many_page, many_save) == (few_page, few_save)
    assert "Previous quarter: <strong>10</strong>" in saved and "Same quarter last year: <strong>13</strong>" in saved


def test_history_is_read_from_the_last_twelve_quarters_only(csc_return, n28):
    accepted_quarters(csc_return, validation.HISTORY_QUARTERS + 4)
    series = selectors.accepted_history(ret=csc_return, indicators=[n28])["N28"]
    latest = csc_return.period.as_quarter.previous()
    assert sorted(series) == [latest.index - n for n in reversed(range(validation.HISTORY_QUARTERS))]
    assert series[latest.index] == 10 and series[Quarter(latest.year - 1, latest.number).index] == 14


def test_a_save_builds_its_form_from_the_same_indicators_the_page_shows(csc_return):
    # The save reads only the indicators (return_page_indicators), the page reads them with the values: the two
    # must agree, retired indicators that still have a value here included, or a save would drop a row's inputs.
    shown = selectors.return_page_values(ret=csc_return)[1]
    assert selectors.return_page_indicators(ret=csc_return) == shown
    retired = shown[0]
    retired.active = False
    retired.save()
    after = selectors.return_page_values(ret=csc_return)[1]
    assert retired in after and selectors.return_page_indicators(ret=csc_return) == after


# --- the history kept between pages: never served for figures it was not read from ---------------------------
def test_kept_history_is_not_read_again(csc_return, n28):
    accepted_quarters(csc_return, 4)
    first = selectors.accepted_history(ret=csc_return, indicators=[n28])
    with CaptureQueriesContext(connection) as again:
        assert selectors.accepted_history(ret=csc_return, indicators=[n28]) == first
    assert not any("dataset_returnvalue" in q["sql"] for q in again.captured_queries)


def test_an_accepted_return_reopened_and_corrected_is_read_afresh(csc_return, csc_lead, analyst, n28):
    from dataset.returns import services

    accepted_quarters(csc_return, 4)
    previous = csc_return.period.as_quarter.previous()
    assert selectors.accepted_history(ret=csc_return, indicators=[n28])["N28"][previous.index] == 10
    earlier = Return.objects.get(agency=csc_return.agency, period__year=previous.year, period__quarter=previous.number)
    earlier = services.return_reopen(ret=earlier, acting_user=analyst, reason="N28 was wrong")
    assert previous.index not in selectors.accepted_history(ret=csc_return, indicators=[n28])["N28"]  # not accepted
    services.return_save_values(
        ret=earlier, acting_user=csc_lead, seen_version=earlier.version, inputs={"N28": {"value": "11"}}
    )
    earlier.refresh_from_db()
    services.return_submit(signed_off=True, ret=earlier, acting_user=csc_lead, seen_version=earlier.version)
    services.return_accept(ret=earlier, acting_user=analyst)
    assert selectors.accepted_history(ret=csc_return, indicators=[n28])["N28"][previous.index] == 11


def test_a_change_of_unit_is_read_afresh(csc_return, n28):
    from dataset.models import Unit

    accepted_quarters(csc_return, 2)
    assert selectors.accepted_history(ret=csc_return, indicators=[n28])["N28"]
    n28.unit = Unit.PERCENTAGE  # its stored single figures are no longer a value
    n28.save()
    assert "N28" not in selectors.accepted_history(ret=csc_return, indicators=[n28])
