"""The Working Group's dashboard and indicator pages."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dataset.build import services as dataset_services
from dataset.build.figures import IndicatorInfo
from dataset.models import DatasetSnapshot, DatasetValue, Indicator, ReportingPeriod, Return, ReturnValue
from dataset.reading.selectors import objective_panels
from tests.dataset.reading.test_queries import build


def info(code: str, objective: str, polarity: str = "higher") -> IndicatorInfo:
    return IndicatorInfo(code=code, title=code, unit="count", polarity=polarity, objective=objective)


def test_it_counts_improving_worsening_steady_and_off_target_per_objective():
    indicators = {
        "A": info("A", "recognise"),
        "B": info("B", "recognise"),
        "C": info("C", "recognise", "lower"),
        "D": info("D", "respond", "neither"),
        "E": info("E", "respond"),
        "F": info("F", "evaluate"),
    }
    latest = {
        "A": DatasetValue(code="A", quarter=1, direction="improving", rag="green"),
        "B": DatasetValue(code="B", quarter=1, direction="worsening", rag="red"),
        "C": DatasetValue(code="C", quarter=1, direction="worsening", rag="amber"),
        "D": DatasetValue(code="D", quarter=1, direction="up"),
        "E": DatasetValue(code="E", quarter=1, direction="steady", rag="amber"),
        "F": DatasetValue(code="F", quarter=1, direction="", partial=True),
    }
    panels = {p.objective: p for p in objective_panels(indicators=indicators, latest=latest)}
    recognise, respond, evaluate = panels["recognise"], panels["respond"], panels["evaluate"]
    assert (recognise.counts["improving"], recognise.counts["worsening"], recognise.counts["steady"]) == (1, 2, 0)
    assert (recognise.off_target, recognise.counts["red"], recognise.counts["amber"]) == (2, 1, 1)
    assert (respond.counts["steady"], respond.counts["changed"], respond.off_target) == (1, 1, 1)
    assert (evaluate.counts["not_compared"], evaluate.off_target) == (1, 0)
    assert "quantify" not in panels


def test_the_dashboard_is_one_click_from_home_for_partnership_readers(client, member, analyst, csc_lead):
    build(2, 2, 3)
    snapshot = DatasetSnapshot.objects.get()
    dataset_services.snapshot_publish(snapshot=snapshot, acting_user=analyst)
    for user in (member, analyst):
        client.force_login(user)
        page = client.get(reverse("dashboard")).content.decode()
        assert "<h1>Partnership dashboard</h1>" in page and "The Partnership Neglect Dataset as at" in page
    client.force_login(csc_lead)
    assert client.get(reverse("dashboard")).status_code == 404


def test_the_dashboard_leads_with_key_messages_and_objectives_and_keeps_the_rows_one_click_away(
    client, member, analyst
):
    build(2, 2, 3)
    dataset_services.snapshot_publish(snapshot=DatasetSnapshot.objects.get(), acting_user=analyst)
    client.force_login(member)
    page = client.get(reverse("dashboard")).content.decode()
    order = [page.index(f'id="{name}-title"') for name in ("themes", "objectives", "indicators")]
    assert order == sorted(order)
    rows = page[page.index('data-testid="indicator-rows"') :]
    assert rows.split(">", 1)[0].strip() == 'data-testid="indicator-rows"'  # closed: no "open"
    assert "<summary>" in rows and "<tbody>" in rows
    filtered = client.get(reverse("dashboard"), {"objective": "recognise"}).content.decode()
    assert 'data-testid="indicator-rows" open>' in filtered  # what the reader filtered for is shown


def _sizes(client, analyst, url_for) -> tuple[int, int]:
    counts = []
    for size in ((2, 2, 3), (5, 7, 14)):
        for model in (ReturnValue, Return, DatasetSnapshot, Indicator, ReportingPeriod):
            model.objects.all().delete()
        build(*size)
        client.force_login(analyst)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url_for())
        assert response.status_code == 200
        counts.append(len(captured))
    return counts[0], counts[1]


@pytest.mark.parametrize("page", ["dashboard", "indicator", "indicator_csv"])
def test_the_query_count_is_the_same_at_two_sizes(client, analyst, page):
    urls = {
        "dashboard": lambda: reverse("dashboard"),
        "indicator": lambda: reverse("dataset:indicator", args=["T00"]),
        "indicator_csv": lambda: reverse("dataset:indicator_data", args=["T01"]),
    }
    small, large = _sizes(client, analyst, urls[page])
    assert small == large


def test_an_agency_name_with_markup_is_text_in_the_chart_json_and_the_page(client, analyst):
    from agencies.models import Agency

    hostile = "<b onmouseover=alert(1)>x</b>"
    build(2, 2, 3)
    Agency.objects.filter(short_name="A1").update(name=hostile)
    dataset_services.dataset_build(trigger="rename", force=True)
    client.force_login(analyst)
    page = client.get(reverse("dataset:indicator", args=["T01"])).content.decode()
    assert hostile not in page
    assert "&lt;b onmouseover=alert(1)&gt;x&lt;/b&gt;" in page  # the table beside the chart, as text
    data = re.search(r'<script id="contribution-chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert data, "the contribution chart's JSON is in the page"
    figure = json.dumps(json.loads(data.group(1)))
    assert "<b onmouseover" not in figure  # plotly would render it as markup
    assert "&lt;b onmouseover=alert(1)&gt;x&lt;/b&gt;" in figure


def test_an_agency_lead_sees_their_own_figures_beside_the_partnerships_and_their_return(client, analyst):
    from agencies.models import Agency
    from tests.factories import UserFactory

    snapshot = build(2, 2, 3)
    dataset_services.snapshot_publish(snapshot=snapshot, acting_user=analyst)
    lead = UserFactory(username="a1.lead", agency=Agency.objects.get(short_name="A1"))
    client.force_login(lead)
    response = client.get(reverse("dataset:agency_view"))
    page = response.content.decode()
    assert response.status_code == 200
    latest = response.context["lines"][0]["cells"][-1]
    # T00 is a percentage; in the third quarter A0 has 12/40 and A1 13/40: A1's 32.5% beside (12+13)/80.
    assert (latest["own"], latest["partnership"]) == ("32.5%", "31.3%")
    assert "Status:" in page and "Due" in page
    client.force_login(analyst)
    assert client.get(reverse("dataset:agency_view")).status_code == 404
