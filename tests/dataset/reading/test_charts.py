"""The plotly figures, alone: what each chart shows, how it marks special causes and partial quarters
without relying on colour, and that text from data cannot become markup."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from django.template.loader import render_to_string

from dataset.build.figures import IndicatorInfo, SpcPoint, SpcResult
from dataset.reading.charts import chart_payload, contribution_chart, trend_chart

D = Decimal
QUARTERS = list(range(8080, 8092))  # 2020-21 Q1 to 2022-23 Q4
LABELS = ["2020-21 Q1", "2020-21 Q2", "2020-21 Q3", "2020-21 Q4"]
XSS_AGENCY = "<b onmouseover=alert(1)>x</b>"


def info(**changes) -> IndicatorInfo:
    fields = {
        "code": "N18",
        "title": "CP plans with initial category neglect",
        "unit": "percentage",
        "polarity": "higher",
        "objective": "quantify",
    }
    return IndicatorInfo(**(fields | changes))


def values() -> dict[int, Decimal | None]:
    return {q: D(40) + D(i % 4) for i, q in enumerate(QUARTERS)}


def spc(**changes) -> SpcResult:
    fields = {
        "code": "N18",
        "enough_data": True,
        "message": "",
        "mean": D("41.5"),
        "upper": D("45.2"),
        "lower": D("37.8"),
        "points": (
            SpcPoint(8081, D(41), ("outside_limits",), "improvement"),
            SpcPoint(8086, D(42), ("shift",), "concern"),
            SpcPoint(8089, D(41), ("trend",), "neutral"),
        ),
    }
    return SpcResult(**(fields | changes))


def traces(figure: dict) -> dict[str, dict]:
    return {t["name"]: t for t in figure["data"]}


def test_trend_chart_draws_one_point_per_quarter_labelled_by_quarter():
    figure = trend_chart(info=info(), quarters=QUARTERS, values=values(), partial=set(), spc=None)
    value = traces(figure)["Partnership"]
    assert value["x"][:4] == LABELS
    assert len(value["x"]) == len(value["y"]) == len(QUARTERS)
    assert value["y"][:3] == [40.0, 41.0, 42.0]
    assert value["mode"] == "lines+markers"
    assert value["hovertext"][0] == "2020-21 Q1: 40.0%"
    assert figure["layout"]["yaxis"]["title"]["text"] == "Percentage (%)"
    assert figure["layout"]["title"]["text"] == "N18: CP plans with initial category neglect"


def test_trend_chart_leaves_a_gap_for_a_missing_quarter():
    series = values() | {8083: None}
    figure = trend_chart(info=info(), quarters=QUARTERS, values=series, partial=set(), spc=None)
    assert traces(figure)["Partnership"]["y"][3] is None


def test_trend_chart_draws_target_benchmark_and_process_limits_when_given():
    figure = trend_chart(
        info=info(target=D(60), benchmark_value=D("50.5"), benchmark_source="England, CIN", benchmark_year="2019-20"),
        quarters=QUARTERS,
        values=values(),
        partial=set(),
        spc=spc(),
    )
    by_name = traces(figure)
    assert by_name["Target"]["line"]["dash"] == "dash"
    assert set(by_name["Target"]["y"]) == {60.0}
    benchmark = by_name["National benchmark, 2019-20"]
    assert benchmark["line"]["dash"] == "dot"
    assert benchmark["hovertext"] == "National benchmark, 2019-20: 50.5% (England, CIN)"
    assert set(benchmark["y"]) == {50.5}
    assert set(by_name["Mean"]["y"]) == {41.5}
    assert set(by_name["Upper process limit"]["y"]) == {45.2}
    assert set(by_name["Lower process limit"]["y"]) == {37.8}


def test_a_run_of_special_cause_points_is_labelled_once_so_labels_do_not_overlap():
    run = tuple(SpcPoint(q, D(46), ("shift",), "concern") for q in (8082, 8083, 8084, 8087, 8088))
    figure = trend_chart(info=info(), quarters=QUARTERS, values=values(), partial=set(), spc=spc(points=run))
    concern = traces(figure)["Concern"]
    assert concern["x"] == ["2020-21 Q3", "2020-21 Q4", "2021-22 Q1", "2021-22 Q4", "2022-23 Q1"]
    assert concern["text"] == ["Concern", "", "", "Concern", ""]
    assert all("Concern" in hover for hover in concern["hovertext"])  # every point still says what it is


def test_trend_chart_leaves_out_lines_it_has_no_figures_for():
    for process in (None, spc(enough_data=False, mean=None, upper=None, lower=None, points=())):
        figure = trend_chart(info=info(), quarters=QUARTERS, values=values(), partial=set(), spc=process)
        assert list(traces(figure)) == ["Partnership"]


def test_trend_chart_marks_special_causes_by_shape_and_label_not_colour_alone():
    figure = trend_chart(info=info(), quarters=QUARTERS, values=values(), partial=set(), spc=spc())
    by_name = traces(figure)
    improvement, concern, neutral = by_name["Improvement"], by_name["Concern"], by_name["Special cause"]
    assert improvement["x"] == ["2020-21 Q2"]
    assert concern["x"] == ["2021-22 Q3"]
    symbols = {improvement["marker"]["symbol"], concern["marker"]["symbol"], neutral["marker"]["symbol"]}
    assert len(symbols) == 3
    assert improvement["mode"] == concern["mode"] == "markers+text"
    assert improvement["text"] == ["Improvement"]
    assert concern["text"] == ["Concern"]
    assert improvement["marker"]["color"] != concern["marker"]["color"]
    assert "outside the process limits" in improvement["hovertext"][0]


def test_trend_chart_marks_partial_quarters_with_a_hollow_circle_and_a_legend_entry():
    figure = trend_chart(info=info(), quarters=QUARTERS, values=values(), partial={8082}, spc=None)
    by_name = traces(figure)
    assert by_name["Partnership"]["marker"]["symbol"][:3] == ["circle", "circle", "circle-open"]
    assert "partial" in by_name["Partnership"]["hovertext"][2]
    partial = by_name["Partial: an agency missing"]
    assert partial["x"] == ["2020-21 Q3"]
    assert partial["marker"]["symbol"] == "circle-open"


def test_trend_chart_config_keeps_plotly_offline():
    figure = trend_chart(info=info(unit="count"), quarters=QUARTERS, values=values(), partial=set(), spc=None)
    assert figure["config"]["displaylogo"] is False
    assert figure["config"]["responsive"] is True
    assert not figure["config"]["showLink"] and not figure["config"]["showSendToCloud"]
    assert "template" not in figure["layout"]
    assert "mapbox" not in json.dumps(figure)
    assert figure["layout"]["yaxis"]["title"]["text"] == "Count"


def contributions(unit: str) -> dict:
    if unit == "count":
        return {
            ("CSC", 8080): (None, None, D(12)),
            ("CSC", 8081): (None, None, D(14)),
            ("POL", 8080): (None, None, D(3)),
            ("POL", 8081): (None, None, D(0)),
        }
    return {
        ("CSC", 8080): (D(9), D(20), None),
        ("CSC", 8081): (D(10), D(20), None),
        ("POL", 8080): (D(1), D(4), None),
        ("POL", 8081): (D(3), D(4), None),
    }


AGENCIES = {"CSC": "Children's Social Care", "POL": "Police", "EDU": "Education"}


def test_contribution_chart_stacks_each_agencys_count():
    figure = contribution_chart(
        info=info(unit="count"),
        quarters=QUARTERS[:2],
        agencies=AGENCIES,
        contributions=contributions("count"),
        partnership={8080: D(15), 8081: D(14)},
    )
    assert figure["layout"]["barmode"] == "stack"
    by_name = traces(figure)
    assert "Education" not in by_name  # supplied nothing: nothing to draw
    assert by_name["Children&#x27;s Social Care"]["type"] == "bar"
    assert by_name["Police"]["y"] == [3.0, 0.0]
    patterns = {by_name[n]["marker"]["pattern"]["shape"] for n in ("Children&#x27;s Social Care", "Police")}
    assert len(patterns) == 2
    assert by_name["Partnership total"]["y"] == [15.0, 14.0]


def test_contribution_chart_draws_each_agencys_percentage_with_its_own_symbol_beside_the_partnership():
    figure = contribution_chart(
        info=info(),
        quarters=QUARTERS[:2],
        agencies=AGENCIES,
        contributions=contributions("percentage"),
        partnership={8080: D("41.7"), 8081: D("54.2")},
    )
    assert "barmode" not in figure["layout"]
    by_name = traces(figure)
    csc, police, partnership = by_name["Children&#x27;s Social Care"], by_name["Police"], by_name["Partnership"]
    assert csc["type"] == police["type"] == "scatter"
    assert csc["y"] == [45.0, 50.0]
    assert police["y"] == [25.0, 75.0]
    assert csc["marker"]["symbol"] != police["marker"]["symbol"]
    assert partnership["line"]["color"] == "#000000"
    assert partnership["line"]["width"] > csc["line"]["width"]
    assert partnership["y"] == [41.7, 54.2]
    assert "9 of 20" in csc["hovertext"][0]


def test_text_from_data_is_escaped_so_plotly_cannot_render_it_as_markup():
    hostile = info(title="<script>alert(1)</script>", benchmark_value=D(50), benchmark_source="<i>CIN</i>")
    trend = trend_chart(info=hostile, quarters=QUARTERS, values=values(), partial=set(), spc=None)
    contribution = contribution_chart(
        info=hostile,
        quarters=QUARTERS[:2],
        agencies={"CSC": XSS_AGENCY},
        contributions=contributions("percentage"),
        partnership={},
    )
    text = json.dumps([trend, contribution])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b onmouseover=alert(1)&gt;x&lt;/b&gt;" in text
    assert "&lt;i&gt;CIN&lt;/i&gt;" in text
    assert "<script" not in text
    assert "<b onmouseover" not in text
    assert "<i>" not in text


def test_chart_payload_has_only_what_newplot_needs():
    figure = trend_chart(info=info(), quarters=QUARTERS, values=values(), partial=set(), spc=None)
    payload = chart_payload(figure | {"frames": [], "extra": "x"})
    assert set(payload) == {"data", "layout", "config"}
    assert json.loads(json.dumps(payload)) == payload


def _xss_contribution_chart() -> dict:
    """A contribution chart whose title and agency name carry markup."""
    return contribution_chart(
        info=info(title="<script>alert(1)</script>"),
        quarters=QUARTERS[:2],
        agencies={"CSC": XSS_AGENCY},
        contributions=contributions("percentage"),
        partnership={},
    )


def test_chart_include_renders_the_figure_as_json_data_and_no_executable_script():
    figure = _xss_contribution_chart()
    html = render_to_string(
        "dataset/_chart.html",
        {"chart_id": "contribution-chart", "figure": chart_payload(figure), "title": "Each agency's <figure>"},
    )
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts == ['<script id="contribution-chart-data" type="application/json">']
    assert 'data-chart="contribution-chart-data"' in html
    assert "<figure" in html and 'role="img"' not in html  # the toolbar's buttons cannot sit inside an image
    assert "<figcaption" in html
    assert "Each agency&#x27;s &lt;figure&gt;. The same numbers are in the table below" in html
    assert "<noscript>" in html
    # json_script escapes <, > and & once more on top of the chart's own escaping.
    assert "\\u0026lt;b onmouseover=alert(1)\\u0026gt;" in html
    assert "<b onmouseover" not in html
    assert "alert(1)</script>" not in html
    data = re.search(r'<script id="contribution-chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert json.loads(data.group(1))["data"][0]["name"] == "&lt;b onmouseover=alert(1)&gt;x&lt;/b&gt;"


def test_a_kept_chart_script_is_what_the_include_writes_from_the_figure():
    from django.utils.html import json_script

    figure = _xss_contribution_chart()
    payload = chart_payload(figure)
    context = {"chart_id": "contribution-chart", "title": "Each agency's <figure>"}
    from_figure = render_to_string("dataset/_chart.html", {**context, "figure": payload})
    kept = json_script(payload, "contribution-chart-data")  # as the indicator page keeps it
    assert render_to_string("dataset/_chart.html", {**context, "script": kept}) == from_figure
    assert str(kept) in from_figure and "alert(1)</script>" not in kept


def test_a_year_to_date_target_line_climbs_to_the_target_within_each_year():
    info = IndicatorInfo(
        code="N27",
        title="Trained against plan",
        unit="percentage",
        polarity="higher",
        objective="recognise",
        target=Decimal(100),
        accumulation="year_to_date",
    )
    quarters = list(range(2019 * 4, 2019 * 4 + 5))  # 2019-20 Q1 to 2020-21 Q1
    values = {q: Decimal(20) for q in quarters}
    figure = trend_chart(info=info, quarters=quarters, values=values, partial=set(), spc=None)
    (target,) = [trace for trace in figure["data"] if trace.get("name", "").startswith("Target")]
    assert target["y"] == [25, 50, 75, 100, 25]
