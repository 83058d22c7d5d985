"""SPC phases on the indicator page: the analyst records and removes process changes (and nobody else may), the build's
suggested phase is offered and never applied, and the chart and the table beside it show each phase's limits."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dataset.build import services as dataset_services
from dataset.build.figures import IndicatorInfo, SpcPhase, SpcPoint, SpcResult, quarter_label
from dataset.catalogue import services as catalogue_services
from dataset.catalogue.periods import Quarter
from dataset.models import BuildRequest, DatasetSpc, Indicator, ProcessChange, ReportingPeriod
from dataset.reading.charts import trend_chart
from tests.dataset.reading.test_queries import build

D = Decimal
CODE = "T00"  # a percentage rising every quarter: a trend, and a shift above the mean that persists


def period(year: int, number: int) -> ReportingPeriod:
    return ReportingPeriod.objects.get(year=year, quarter=number)


def add_url(code: str = CODE) -> str:
    return reverse("dataset:process_change_add", args=[code])


def remove_url(change: ProcessChange) -> str:
    return reverse("dataset:process_change_remove", args=[change.indicator.code, change.pk])


def page_url(code: str = CODE) -> str:
    return reverse("dataset:indicator", args=[code])


def trend_figure(page: str) -> dict:
    found = re.search(r'<script id="trend-chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the trend chart's JSON is in the page"
    return json.loads(found.group(1))


@pytest.fixture
def snapshot(db, analyst):
    built = build(2, 1, 16)  # 2018-19 Q1 to 2021-22 Q4
    dataset_services.snapshot_publish(snapshot=built, acting_user=analyst)
    return built


# --- recording and removing --------------------------------------------------------------------------------------
def test_the_analyst_records_a_process_change_and_a_rebuild_is_asked_for(client, analyst, snapshot):
    client.force_login(analyst)
    response = client.post(add_url(), {"period": period(2019, 1).pk, "reason": "  Neglect Strategy launched "})
    assert response.status_code == 302 and response["Location"].endswith(page_url() + "#process-changes")
    change = ProcessChange.objects.get()
    assert (change.indicator.code, change.period.label, change.reason) == (
        CODE,
        "2019-20 Q1",
        "Neglect Strategy launched",
    )
    assert change.recorded_by == analyst
    record = change.history.get()
    assert (record.history_user, record.history_change_reason) == (
        analyst,
        "Process change recorded: Neglect Strategy launched",
    )
    request = BuildRequest.objects.get()
    assert request.pending and f"process change recorded for {CODE} from 2019-20 Q1" in request.reasons
    page = client.get(page_url()).content.decode()
    assert "Neglect Strategy launched" in page and "2019-20 Q1" in page


def test_a_second_change_in_the_same_quarter_is_refused_with_a_clear_message(client, analyst, snapshot):
    catalogue_services.process_change_record(
        indicator=Indicator.objects.get(code=CODE),
        period=period(2019, 1),
        reason="Neglect Strategy launched",
        acting_user=analyst,
    )
    client.force_login(analyst)
    response = client.post(add_url(), {"period": period(2019, 1).pk, "reason": "Something else"})
    assert response.status_code == 400
    assert f"{CODE} already has a process change from 2019-20 Q1" in response.content.decode()
    assert ProcessChange.objects.count() == 1


@pytest.mark.parametrize(("reason", "words"), [("", "Say what changed"), ("x" * 201, "at most 200 characters")])
def test_a_change_needs_a_short_reason(client, analyst, snapshot, reason, words):
    client.force_login(analyst)
    response = client.post(add_url(), {"period": period(2019, 1).pk, "reason": reason})
    assert response.status_code == 400 and words in response.content.decode()
    assert not ProcessChange.objects.exists()


def test_the_service_refuses_a_duplicate_quarter_and_a_blank_reason(analyst, snapshot):
    indicator = Indicator.objects.get(code=CODE)
    catalogue_services.process_change_record(
        indicator=indicator, period=period(2019, 1), reason="Neglect Strategy launched", acting_user=analyst
    )
    with pytest.raises(ValidationError) as duplicate:
        catalogue_services.process_change_record(
            indicator=indicator, period=period(2019, 1), reason="Again", acting_user=analyst
        )
    assert "Remove it first" in duplicate.value.message_dict["period"][0]
    with pytest.raises(ValidationError):
        catalogue_services.process_change_record(
            indicator=indicator, period=period(2019, 2), reason=" ", acting_user=analyst
        )
    assert ProcessChange.objects.count() == 1


def test_the_analyst_removes_a_process_change_and_its_history_keeps_it(client, analyst, snapshot):
    change = catalogue_services.process_change_record(
        indicator=Indicator.objects.get(code=CODE),
        period=period(2019, 1),
        reason="Neglect Strategy launched",
        acting_user=analyst,
    )
    client.force_login(analyst)
    assert client.post(remove_url(change)).status_code == 302
    assert not ProcessChange.objects.exists()
    removed = ProcessChange.history.filter(id=change.pk).order_by("history_date").last()
    assert (removed.history_type, removed.history_user, removed.history_change_reason) == (
        "-",
        analyst,
        "Process change removed",
    )
    assert "process change removed" in BuildRequest.objects.get().reasons
    assert client.post(remove_url(change)).status_code == 404  # already gone


@pytest.mark.parametrize("persona", ["member", "scrutineer", "csc_lead", "no_agency_user"])
def test_only_the_analyst_may_record_or_remove_a_change_and_others_see_the_list(
    client, request, analyst, snapshot, persona
):
    change = catalogue_services.process_change_record(
        indicator=Indicator.objects.get(code=CODE),
        period=period(2019, 1),
        reason="Neglect Strategy launched",
        acting_user=analyst,
    )
    client.force_login(request.getfixturevalue(persona))
    assert client.post(add_url(), {"period": period(2019, 2).pk, "reason": "Mine"}).status_code == 404
    assert client.post(remove_url(change)).status_code == 404
    assert list(ProcessChange.objects.values_list("reason", flat=True)) == ["Neglect Strategy launched"]
    response = client.get(page_url() + f"?snapshot={snapshot.pk}")
    if response.status_code == 200:  # those who read the dataset see the list, read-only
        page = response.content.decode()
        assert "Neglect Strategy launched" in page
        assert 'data-testid="process-change-form"' not in page and "/remove/" not in page
        assert 'data-testid="phase-suggestion"' not in page


# --- the build's suggestion ----------------------------------------------------------------------------------------
def test_the_build_suggests_a_phase_the_analyst_can_prefill_and_nothing_is_applied(client, analyst, snapshot):
    reading = DatasetSpc.objects.get(snapshot=snapshot, code=CODE)
    assert reading.suggested_start is not None
    since = quarter_label(reading.suggested_start)
    assert f"in a row above the mean since {since}" in reading.suggestion
    client.force_login(analyst)
    page = client.get(page_url()).content.decode()
    assert 'data-testid="phase-suggestion"' in page and reading.suggestion in page
    prefilled = client.get(page_url() + f"?snapshot={snapshot.pk}&suggested=1")
    form = prefilled.context["change_form"]
    quarter = Quarter.parse(since)
    assert form.initial["period"] == period(quarter.year, quarter.number)
    assert form.initial["reason"] == f"Shift since {since}"
    assert not ProcessChange.objects.exists()  # suggested, never applied
    assert len(DatasetSpc.objects.get(snapshot=snapshot, code=CODE).phases) == 1


# --- each phase on the chart and in the table ------------------------------------------------------------------------
def test_the_chart_and_the_table_show_each_phases_mean_and_limits(client, analyst, snapshot):
    catalogue_services.process_change_record(
        indicator=Indicator.objects.get(code=CODE),
        period=period(2019, 1),
        reason="Neglect Strategy launched",
        acting_user=analyst,
    )
    rebuilt = dataset_services.dataset_build(trigger="process change")
    phases = DatasetSpc.objects.get(snapshot=rebuilt, code=CODE).phases
    # 2018-19 is four quarters, too few for limits; from 2019-20 Q1 there are twelve.
    assert [(p["start"], p["enough_data"], p["reason"]) for p in phases] == [
        (2018 * 4, False, ""),
        (2019 * 4, True, "Neglect Strategy launched"),
    ]
    client.force_login(analyst)
    response = client.get(page_url() + f"?snapshot={rebuilt.pk}")
    page = response.content.decode()
    figure = trend_figure(page)
    means = [t for t in figure["data"] if t["name"] == "Mean"]
    assert len(means) == 1 and means[0]["x"][0] == "2019-20 Q1" and len(means[0]["x"]) == 12
    assert [s["line"]["dash"] for s in figure["layout"]["shapes"]] == ["dot"]
    assert any("Neglect Strategy launched" in a["text"] for a in figure["layout"]["annotations"])
    rows = {row.label: row for row in response.context["rows"]}
    assert rows["2018-19 Q2"].phase_mean == ""  # a phase too short for limits
    assert rows["2019-20 Q1"].phase_start == "New phase from 2019-20 Q1: Neglect Strategy launched"
    mean = D(phases[1]["mean"])
    assert rows["2021-22 Q4"].phase_mean == f"{mean:.1f}%"
    assert f"{mean:.1f}%" in means[0]["hovertext"]  # the same number in the chart and the table
    assert "Lower process limit</th>" in page and "Phase</th>" in page


def chart_info() -> IndicatorInfo:
    return IndicatorInfo(code="N09", title="Impact chronologies", unit="count", polarity="higher", objective="respond")


def test_the_trend_chart_draws_each_phase_over_its_own_quarters_with_one_legend_entry_each():
    quarters = list(range(8080, 8106))
    values = {q: D(10 + (q % 2)) for q in quarters}
    spc = SpcResult(
        code="N09",
        enough_data=False,
        message="",
        points=tuple(SpcPoint(q, v) for q, v in values.items()),
        phases=(
            SpcPhase(8080, 8091, "", True, D("10.5"), D(13), D(8)),
            SpcPhase(8092, 8103, "Neglect Strategy launched", True, D("10.5"), D(12), D(9)),
            SpcPhase(8104, 8105, "COVID-19 lockdown", False),
        ),
    )
    figure = trend_chart(info=chart_info(), quarters=quarters, values=values, partial=set(), spc=spc)
    lines = [t for t in figure["data"] if t["name"] in ("Mean", "Upper process limit", "Lower process limit")]
    assert len(lines) == 6  # three lines for each of the two phases with limits; none for the short one
    uppers = [t for t in lines if t["name"] == "Upper process limit"]
    assert [(t["x"][0], t["x"][-1], t["y"][0]) for t in uppers] == [
        ("2020-21 Q1", "2022-23 Q4", 13.0),
        ("2023-24 Q1", "2025-26 Q4", 12.0),
    ]
    assert [t.get("showlegend", True) for t in uppers] == [True, False]
    assert len({t["legendgroup"] for t in lines}) == 3
    # Both changes are marked where they start, between the quarter before and the first of the phase.
    assert [s["x0"] for s in figure["layout"]["shapes"]] == [11.5, 23.5]
    assert [a["text"] for a in figure["layout"]["annotations"]] == [
        "From 2023-24 Q1: Neglect Strategy launched",
        "From 2026-27 Q1: COVID-19 lockdown",
    ]
