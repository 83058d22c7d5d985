"""The agencies' commentary travels with their figures: on the indicator page, the cell page, the trend chart's
points and the dataset table, scoped as the contributions are, and never as markup."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dataset.build import services as dataset_services
from dataset.build.figures import IndicatorInfo, SpcPoint, SpcResult
from dataset.reading import selectors
from dataset.reading.charts import trend_chart
from dataset.returns.services import return_accept, return_submit
from tests.dataset.conftest import fill

CSC_SAID = "Impact chronology drive during lockdown: 1,256 chronologies reviewed in one week."
CSC_COUNT_SAID = "<script>alert(1)</script> <b onmouseover=alert(2)>champions</b>"
POLICE_SAID = "Two neglect champions left the force in March."


def page_chart(response, name: str) -> dict:
    """The chart's figure as the page carries it, in its json_script element (trend or contribution)."""
    page = response.content.decode()
    found = re.search(rf'<script id="{name}-chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert found, f"no {name} chart on the page"
    return json.loads(found.group(1))


@pytest.fixture
def snapshot(csc_return, police_return, csc_lead, police_lead, analyst):
    for ret, user, figures in (
        (
            csc_return,
            csc_lead,
            {
                "N18": {"numerator": "150", "denominator": "420", "commentary": CSC_SAID},
                "N28": {"value": "24", "commentary": CSC_COUNT_SAID},
            },
        ),
        (police_return, police_lead, {"N28": {"value": "3", "commentary": POLICE_SAID}}),
    ):
        fill(ret, user, **figures)
        ret.refresh_from_db()
        ret = return_submit(signed_off=True, ret=ret, acting_user=user, seen_version=ret.version)
        return_accept(ret=ret, acting_user=analyst)
    built = dataset_services.dataset_build(trigger="test")
    dataset_services.snapshot_publish(snapshot=built, acting_user=analyst)
    return built


def unwrapped(text: str) -> str:
    """Hover text as one line: long commentary is wrapped with plotly's <br>."""
    return text.replace("<br>", " ")


def hover_texts(figure: dict) -> str:
    return unwrapped(json.dumps([t.get("hovertext") for t in figure["data"]]))


def indicator(client, snapshot, code: str):
    response = client.get(reverse("dataset:indicator", args=[code]) + f"?snapshot={snapshot.pk}")
    assert response.status_code == 200
    return response


def cell(client, snapshot, code: str) -> str:
    url = reverse("dataset:dataset_cell", args=[snapshot.pk, code, snapshot.latest_quarter])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("reader", ["analyst", "member"])
def test_cscs_commentary_shows_on_the_indicator_page_the_cell_page_and_the_chart_point(
    client, snapshot, reader, request
):
    client.force_login(request.getfixturevalue(reader))
    response = indicator(client, snapshot, "N18")
    page = response.content.decode()
    section = page.split('data-testid="commentary"')[1].split("</section>")[0]
    assert "What the agencies said" in page
    assert "Children&#x27;s Social Care" in section and CSC_SAID in section
    assert "2020-21 Q1" in section
    trend = page_chart(response, "trend")
    partnership = next(t for t in trend["data"] if t["name"] == "Partnership")
    assert any(CSC_SAID in unwrapped(text) for text in partnership["hovertext"])
    assert [a["text"] for a in trend["layout"]["annotations"]] == ["1"]
    assert CSC_SAID in cell(client, snapshot, "N18")


def test_the_police_lead_sees_only_polices_commentary(client, snapshot, police_lead):
    client.force_login(police_lead)
    response = indicator(client, snapshot, "N28")
    page = response.content.decode()
    assert POLICE_SAID in page
    assert "champions</b>" not in page and "champions&lt;/b&gt;" not in page
    hover = hover_texts(page_chart(response, "trend"))
    assert "Two neglect champions left" in hover and "champions&lt;/b&gt;" not in hover
    on_cell = cell(client, snapshot, "N28")
    assert POLICE_SAID in on_cell and "champions&lt;/b&gt;" not in on_cell
    table = client.get(reverse("dataset:dataset")).content.decode()
    assert "1 comment<span" in table and "2 comments" not in table
    # Nothing of CSC's for an indicator only CSC supplies.
    assert CSC_SAID not in indicator(client, snapshot, "N18").content.decode()


def test_commentary_is_text_on_the_page_and_in_the_chart_json_never_markup(client, snapshot, analyst):
    client.force_login(analyst)
    response = indicator(client, snapshot, "N28")
    page = response.content.decode()
    assert "<script>alert(1)" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    hover = hover_texts(page_chart(response, "trend"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hover and "&lt;b onmouseover=alert(2)&gt;" in hover
    assert "<script" not in hover and "<b onmouseover" not in hover
    on_cell = cell(client, snapshot, "N28")
    assert "<b onmouseover" not in on_cell and "&lt;b onmouseover=alert(2)&gt;champions&lt;/b&gt;" in on_cell


def test_a_dataset_cell_with_commentary_links_to_it_with_a_name_that_says_what(client, snapshot, analyst):
    client.force_login(analyst)
    page = client.get(reverse("dataset:dataset")).content.decode()
    url = reverse("dataset:dataset_cell", args=[snapshot.pk, "N28", snapshot.latest_quarter])
    assert (
        f'href="{url}">2 comments<span class="visually-hidden"> from the agencies on N28 in 2020-21 Q1</span></a>'
        in page
    )


def test_export_data_carries_each_agencys_commentary_for_the_pack(snapshot):
    data = selectors.export_data(snapshot)
    quarter = snapshot.latest_quarter
    assert data["commentary"][("N28", quarter)] == {"CSC": CSC_COUNT_SAID, "Police": POLICE_SAID}
    assert data["commentary"][("N18", quarter)] == {"CSC": CSC_SAID}


# --- the chart alone -----------------------------------------------------------------------------------------------
QUARTERS = list(range(8080, 8084))  # 2020-21 Q1 to Q4


def chart(notes, spc=None) -> dict:
    info = IndicatorInfo(code="N09", title="Chronologies", unit="count", polarity="higher", objective="recognise")
    values = {q: Decimal(100 + i) for i, q in enumerate(QUARTERS)}
    return trend_chart(info=info, quarters=QUARTERS, values=values, partial=set(), spc=spc, notes=notes)


def test_long_commentary_is_shortened_in_the_hover_and_each_quarter_gets_a_numbered_marker_in_list_order():
    notes = {8083: [("Children's Social Care", "word " * 100)], 8081: [("Police", "Short.")]}
    figure = chart(notes)
    hover = next(t for t in figure["data"] if t["name"] == "Partnership")["hovertext"]
    assert "Note 1, what the agencies said:" in hover[3] and "…" in hover[3]
    assert len(hover[3].replace("<br>", " ")) < 320
    assert "Note 2, what the agencies said:<br>Police: Short." in hover[1]
    assert "Note" not in hover[0]
    markers = {(a["x"], a["text"]) for a in figure["layout"]["annotations"]}
    assert markers == {("2020-21 Q4", "1"), ("2020-21 Q2", "2")}


def test_a_special_cause_point_carries_the_commentary_in_its_own_hover():
    spc = SpcResult(
        code="N09",
        enough_data=True,
        message="",
        mean=Decimal(101),
        upper=Decimal(102),
        lower=Decimal(100),
        points=(SpcPoint(8083, Decimal(103), ("outside_limits",), "improvement"),),
    )
    figure = chart({8083: [("Children's Social Care", CSC_SAID)]}, spc)
    improvement = next(t for t in figure["data"] if t["name"] == "Improvement")
    hover = unwrapped(improvement["hovertext"][0])
    assert CSC_SAID in hover and "Children&#x27;s Social Care" in hover
    marker = figure["layout"]["annotations"][0]
    assert marker["ay"] > 0  # below the point: the "Improvement" label is above it


def test_charts_and_table_built_once_for_a_partnership_reader_are_never_shown_to_a_lead(
    client, snapshot, analyst, police_lead
):
    """The indicator page keeps a snapshot's charts and contributions table: by who may see which agencies."""
    client.force_login(analyst)
    first = indicator(client, snapshot, "N28")
    assert CSC_COUNT_SAID[:8] not in first.content.decode()  # escaped, but there
    assert "Children&#x27;s Social Care" in first.content.decode().split('data-testid="indicator-table"')[1]
    client.force_login(police_lead)
    page = indicator(client, snapshot, "N28")
    contributions_table = page.content.decode().split("accepted figure by quarter")[1]
    assert "Police" in contributions_table and "Children&#x27;s Social Care" not in contributions_table
    assert "champions&lt;/b&gt;" not in hover_texts(page_chart(page, "trend"))
    assert "champions&lt;/b&gt;" not in json.dumps(page_chart(page, "contribution"))
    client.force_login(analyst)
    again = indicator(client, snapshot, "N28")
    assert page_chart(again, "trend") == page_chart(first, "trend")
    assert page_chart(again, "contribution") == page_chart(first, "contribution")


def test_each_dataset_cell_links_to_its_own_page(client, snapshot, analyst):
    client.force_login(analyst)
    response = client.get(reverse("dataset:dataset") + f"?snapshot={snapshot.pk}")
    cells = [(line.info.code, c) for group in response.context["groups"] for line in group.lines for c in line.cells]
    assert cells
    page = response.content.decode()
    for code, c in cells:
        assert c.url == reverse("dataset:dataset_cell", args=[snapshot.pk, code, c.quarter])
        assert f'href="{c.url}"' in page


def test_the_dataset_tables_kept_for_the_analyst_are_not_shown_to_a_lead(client, snapshot, analyst, police_lead):
    client.force_login(analyst)
    assert "2 comments" in client.get(reverse("dataset:dataset")).content.decode()
    client.force_login(police_lead)
    table = client.get(reverse("dataset:dataset")).content.decode()
    assert "1 comment<span" in table and "2 comments" not in table
    client.force_login(analyst)
    assert "2 comments" in client.get(reverse("dataset:dataset")).content.decode()
