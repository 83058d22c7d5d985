"""Plotly figures for the dataset pages: plain data in, a JSON-able figure dict out.

Pure like aggregate.py and spc.py: no ORM, no request. A view builds a figure here, passes
`chart_payload(figure)` to `templates/dataset/_chart.html`, which writes it into a `json_script` element,
and `static/js/charts.js` draws it with the vendored plotly-basic.min.js (no CDN, no inline script). That is
plotly's basic bundle (scatter, bar and pie traces): a figure here uses scatter traces, shapes and annotations only.

Plotly renders a subset of HTML in titles, legend names, labels and hover text, so every piece of text
that comes from data (indicator titles, agency names, benchmark sources) is HTML-escaped here; plotly
turns the entities back into the characters they stand for, as text.

Colours are Okabe-Ito (safe for the common kinds of colour blindness), and nothing is told by colour
alone: special-cause points also differ in marker shape and carry a text label, agencies differ in
marker symbol (lines) or fill pattern (bars), and reference lines differ in dash style and name.
The same numbers are always in a table beside the chart (WCAG 2.2 AA).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence, Set
from decimal import Decimal
from html import escape
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from dataset.build.aggregate import pro_rata
from dataset.build.figures import SCALE, IndicatorInfo, SpcPhase, SpcPoint, SpcResult, quarter_label
from dataset.catalogue.numbers import format_value

# Okabe-Ito. Orange, sky blue and yellow are under 3:1 against white, so they mark nothing on their own
# and come last in the agency cycle.
BLACK = "#000000"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
ORANGE = "#E69F00"
SKY = "#56B4E9"
YELLOW = "#F0E442"
GREY = "#555555"
LABEL_TEXT = "#222222"  # text labels beside coloured markers: vermillion text would fail 4.5:1

AGENCY_COLOURS = (BLUE, VERMILLION, GREEN, PURPLE, GREY, ORANGE, SKY, YELLOW)
AGENCY_SYMBOLS = (
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "triangle-down",
    "cross",
    "x",
    "star",
    "pentagon",
    "hexagon",
)
AGENCY_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
AGENCY_PATTERNS = ("", "/", "\\", "x", ".", "-", "|", "+")

# How each kind of special-cause point is drawn: (legend and label text, marker symbol, colour, label position).
SPECIAL_CAUSE = {
    "improvement": ("Improvement", "triangle-up", BLUE, "top center"),
    "concern": ("Concern", "triangle-down", VERMILLION, "bottom center"),
    "neutral": ("Special cause", "square", GREY, "top center"),
}
RULE_TEXT = {
    "outside_limits": "outside the process limits",
    "shift": "a run of quarters on one side of the mean",
    "trend": "a run of quarters rising or falling",
    "two_of_three": "2 of 3 quarters close to a limit",
}
PARTIAL_NAME = "Partial: an agency missing"
NOTE_LENGTH = 200  # characters of each agency's commentary in hover text; the whole text is in the list
NOTE_WRAP = 60
NOTE_OFFSET = 34  # pixels between a point and its numbered commentary marker

# The page's own fonts (Bootstrap's system stack): nothing is fetched from elsewhere.
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
HEIGHT = 500  # pixels; the width follows the page
TITLE_HEIGHT = 44
CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "showLink": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showTips": False,
    "typesetMath": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def trend_chart(
    *,
    info: IndicatorInfo,
    quarters: Sequence[int],
    values: Mapping[int, Decimal | None],
    partial: Set[int],
    spc: SpcResult | None,
    notes: Mapping[int, Sequence[tuple[str, str]]] | None = None,
) -> dict:
    """The partnership's value by quarter, with its target, the national benchmark, the SPC mean and
    process limits (when there is enough data) and special-cause and partial quarters marked.

    `notes` maps a quarter to what the agencies said about it, as (agency name, commentary): it is in the hover
    text of that quarter's point, shortened, and the point gets a marker numbered 1, 2, ... in the mapping's
    order, which should be the order of the list of commentary shown with the chart (its text alternative)."""
    said = _said(notes or {})
    labels = [quarter_label(q) for q in quarters]
    ys = [values.get(q) for q in quarters]
    fig = _figure(info=info, title=f"{info.code}: {info.title}", labels=labels)

    fig.add_scatter(
        name="Partnership",
        x=labels,
        y=[_number(y) for y in ys],
        mode="lines+markers",
        line={"color": BLACK, "width": 2.5},
        marker={
            "color": BLACK,
            "size": 8,
            "symbol": ["circle-open" if q in partial else "circle" for q in quarters],
            "line": {"color": BLACK, "width": 2},
        },
        hovertext=[
            _hover(label, info.unit, y, "partial: an agency missing" if q in partial else "") + said.get(q, "")
            for label, q, y in zip(labels, quarters, ys, strict=True)
        ],
        hoverinfo="text",
    )
    _note_markers(fig, quarters, values, notes or {}, said, spc)
    shown_partial = [i for i, (q, y) in enumerate(zip(quarters, ys, strict=True)) if q in partial and y is not None]
    if shown_partial:
        # A legend entry of its own, so a hollow circle is explained and not told by fill alone.
        fig.add_scatter(
            name=PARTIAL_NAME,
            x=[labels[i] for i in shown_partial],
            y=[_number(ys[i]) for i in shown_partial],
            mode="markers",
            marker={"symbol": "circle-open", "size": 14, "color": BLACK, "line": {"width": 1.5}},
            hoverinfo="skip",
        )

    if info.target is not None and info.year_to_date:
        # A year-to-date figure is due to reach its target by Q4: the line climbs to it within each year.
        targets = [pro_rata(info, q)[0] for q in quarters]
        fig.add_scatter(
            name="Target (pro rata)",
            x=labels,
            y=[_number(t) for t in targets],
            mode="lines",
            line={"color": GREEN, "dash": "dash", "width": 2},
            hovertext=[
                f"Target by {label}: {format_value(info.unit, t)}" for label, t in zip(labels, targets, strict=True)
            ],
            hoverinfo="text",
        )
    elif info.target is not None:
        _reference_line(fig, labels, info.unit, info.target, name="Target", colour=GREEN, dash="dash")
    if info.benchmark_value is not None:
        # The year names it in the legend; the whole source is in its hover text. A long legend entry would
        # make plotly lay every entry out at its width, one to a row, squeezing the plot.
        name = f"National benchmark, {info.benchmark_year}" if info.benchmark_year else "National benchmark"
        _reference_line(
            fig,
            labels,
            info.unit,
            info.benchmark_value,
            name=name,
            colour=PURPLE,
            dash="dot",
            note=info.benchmark_source,
        )
    if spc is not None:
        _phase_lines(fig, quarters, info.unit, spc)
        # Points of an earlier phase may be special cause even when the latest phase is too short to judge.
        for assessment in SPECIAL_CAUSE:
            points = [p for p in spc.points if p.assessment == assessment]
            if points:
                _special_cause(fig, info.unit, assessment, points, said)

    return _payload(fig)


def contribution_chart(
    *,
    info: IndicatorInfo,
    quarters: Sequence[int],
    agencies: Mapping[str, str],
    contributions: Mapping[tuple[str, int], tuple[Decimal | None, Decimal | None, Decimal | None]],
    partnership: Mapping[int, Decimal | None],
) -> dict:
    """Each agency's part in the partnership's value: stacked bars of counts, or each agency's own
    percentage, rate or mean beside the partnership's. `agencies` maps short name to full name, in the
    order to show them; `contributions` maps (agency, quarter) to (numerator, denominator, value)."""
    labels = [quarter_label(q) for q in quarters]
    counts = info.unit == "count"
    fig = _figure(info=info, title=f"{info.code}: {info.title}, by agency", labels=labels)
    if counts:
        fig.update_layout(barmode="stack")

    shown = 0
    for short, full in agencies.items():
        figures = [contributions.get((short, q), (None, None, None)) for q in quarters]
        ys = [_agency_value(info.unit, figure) for figure in figures]
        if all(y is None for y in ys):
            continue  # it supplied nothing in these quarters: the table says why
        name = escape(full or short)
        hover = [
            _hover(label, info.unit, y, _fraction(info.unit, figure), who=full or short)
            for label, y, figure in zip(labels, ys, figures, strict=True)
        ]
        colour = AGENCY_COLOURS[shown % len(AGENCY_COLOURS)]
        if counts:
            fig.add_bar(
                name=name,
                x=labels,
                y=[_number(y) for y in ys],
                marker={
                    "color": colour,
                    "line": {"color": "#FFFFFF", "width": 1},
                    "pattern": {"shape": AGENCY_PATTERNS[shown % len(AGENCY_PATTERNS)], "fillmode": "overlay"},
                },
                hovertext=hover,
                hoverinfo="text",
            )
        else:
            fig.add_scatter(
                name=name,
                x=labels,
                y=[_number(y) for y in ys],
                mode="lines+markers",
                line={"color": colour, "width": 1.5, "dash": AGENCY_DASHES[shown % len(AGENCY_DASHES)]},
                marker={"symbol": AGENCY_SYMBOLS[shown % len(AGENCY_SYMBOLS)], "size": 9, "color": colour},
                hovertext=hover,
                hoverinfo="text",
            )
        shown += 1

    totals = [partnership.get(q) for q in quarters]
    fig.add_scatter(
        name="Partnership total" if counts else "Partnership",
        x=labels,
        y=[_number(y) for y in totals],
        mode="lines+markers",
        line={"color": BLACK, "width": 2 if counts else 4},
        marker={"symbol": "circle", "size": 8 if counts else 10, "color": BLACK},
        hovertext=[_hover(label, info.unit, y, who="Partnership") for label, y in zip(labels, totals, strict=True)],
        hoverinfo="text",
    )
    return _payload(fig)


def chart_payload(figure: dict) -> dict:
    """Only what Plotly.newPlot needs, for `json_script`: data, layout and config."""
    return {
        "data": figure.get("data", []),
        "layout": figure.get("layout", {}),
        "config": figure.get("config", dict(CONFIG)),
    }


def _figure(*, info: IndicatorInfo, title: str, labels: Sequence[str]) -> go.Figure:
    yaxis: dict[str, Any] = {
        "title": {"text": _axis_title(info)},
        "rangemode": "tozero",
        "gridcolor": "#DDDDDD",
        "zerolinecolor": "#999999",
        "tickformat": ",",
        "automargin": True,
    }
    if info.unit == "percentage":
        yaxis["ticksuffix"] = "%"
    return go.Figure(
        layout={
            "title": {
                "text": escape(title),
                "x": 0,
                "xanchor": "left",
                "yref": "container",
                "y": 1,
                "yanchor": "top",
                "pad": {"t": 12},
                "font": {"size": 16},
            },
            "font": {"family": FONT, "size": 13, "color": LABEL_TEXT},
            "paper_bgcolor": "#FFFFFF",
            "plot_bgcolor": "#FFFFFF",
            "height": HEIGHT,
            "margin": {"l": 70, "r": 20, "t": TITLE_HEIGHT + 10, "b": 20},
            "xaxis": {
                "title": {"text": "Quarter"},
                "type": "category",
                "categoryorder": "array",
                "categoryarray": list(labels),
                "linecolor": "#999999",
                "automargin": True,
            },
            "yaxis": yaxis,
            # Under the title, placed in the figure's own coordinates so that the plot starts below it however
            # many rows it wraps to. Below the plot it would cover the quarter labels: plotly does not add the
            # legend's height to theirs when it makes room.
            "legend": {
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "yref": "container",
                "y": 1 - TITLE_HEIGHT / HEIGHT,
                "yanchor": "top",
            },
            "hovermode": "closest",
            "hoverlabel": {"font": {"family": FONT}},
        },
        _validate=False,
    )


def _payload(fig: go.Figure) -> dict:
    # Through plotly's own serialiser so the result is plain JSON types; the default template is
    # dropped, as plotly.js has its own defaults and the page needs no extra kilobytes.
    figure = json.loads(pio.to_json(fig, validate=False, engine="json"))
    figure["layout"].pop("template", None)
    figure["config"] = dict(CONFIG)
    return figure


def _reference_line(
    fig: go.Figure,
    labels: Sequence[str],
    unit: str,
    value: Decimal,
    *,
    name: str,
    colour: str,
    dash: str,
    width: float = 2,
    note: str = "",
) -> None:
    """A horizontal line across every quarter, as a trace so that it has a legend entry and hover text."""
    text = f"{name}: {format_value(unit, value)}" + (f" ({note})" if note else "")
    fig.add_scatter(
        name=escape(name),
        x=list(labels),
        y=[_number(value)] * len(labels),
        mode="lines",
        line={"color": colour, "dash": dash, "width": width},
        hovertext=escape(text),
        hoverinfo="text",
    )


PHASE_LINES = (  # (SpcPhase field, legend name, dash, width)
    ("mean", "Mean", "solid", 1),
    ("upper", "Upper process limit", "dashdot", 2),
    ("lower", "Lower process limit", "dashdot", 2),
)


def _phases(spc: SpcResult, quarters: Sequence[int]) -> tuple[SpcPhase, ...]:
    if spc.phases:
        return spc.phases
    if not spc.enough_data or not quarters:
        return ()
    # A reading without phases (a snapshot built before phases existed) is one phase over the whole series.
    return (SpcPhase(quarters[0], quarters[-1], "", True, spc.mean, spc.upper, spc.lower),)


def _phase_lines(fig: go.Figure, quarters: Sequence[int], unit: str, spc: SpcResult) -> None:
    """Each phase's mean and process limits over that phase's quarters only (phases with enough data), one legend
    entry for each kind of line whatever the number of phases, and a dotted line with its reason where a recorded
    process change starts a phase."""
    labels = [quarter_label(q) for q in quarters]
    shown: set[str] = set()
    for phase in _phases(spc, quarters):
        span = [quarter_label(q) for q in quarters if phase.start <= q <= phase.end]
        if phase.reason and span and span[0] in labels:
            # Between the last quarter of the phase before and the first of this one (category positions).
            x = labels.index(span[0]) - 0.5
            line = {"color": GREY, "dash": "dot", "width": 1.5}
            fig.add_shape(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1, line=line)
            fig.add_annotation(
                x=x,
                xref="x",
                y=1,
                yref="paper",
                yanchor="top",
                xanchor="left",
                showarrow=False,
                text=escape(f"From {span[0]}: {phase.reason}"),
                font={"size": 11, "color": LABEL_TEXT},
                bgcolor="rgba(255, 255, 255, 0.85)",
            )
        if not phase.enough_data or not span:
            continue
        since = f" (since {quarter_label(phase.start)})" if phase.reason else ""
        for field_name, name, dash, width in PHASE_LINES:
            value = getattr(phase, field_name)
            if value is None:
                continue
            fig.add_scatter(
                name=name,
                legendgroup=name,
                showlegend=name not in shown,
                x=span,
                y=[_number(value)] * len(span),
                mode="lines",
                line={"color": GREY, "dash": dash, "width": width},
                hovertext=escape(f"{name}{since}: {format_value(unit, value)}"),
                hoverinfo="text",
            )
            shown.add(name)


def _special_cause(
    fig: go.Figure, unit: str, assessment: str, points: Sequence[SpcPoint], said: Mapping[int, str]
) -> None:
    label, symbol, colour, position = SPECIAL_CAUSE[assessment]
    fig.add_scatter(
        name=label,
        x=[quarter_label(p.quarter) for p in points],
        y=[_number(p.value) for p in points],
        mode="markers+text",
        marker={"symbol": symbol, "size": 14, "color": colour, "line": {"color": BLACK, "width": 1}},
        # Named once per run of neighbouring quarters: a label on every point of a run overlaps its neighbours'.
        text=[label if i == 0 or points[i - 1].quarter != p.quarter - 1 else "" for i, p in enumerate(points)],
        textposition=position,
        textfont={"color": LABEL_TEXT, "size": 12},
        cliponaxis=False,  # a label above the highest point stays whole
        hovertext=[
            _hover(
                quarter_label(p.quarter),
                unit,
                p.value,
                (f"{label}: " + "; ".join(RULE_TEXT.get(rule, rule) for rule in p.rules)) if p.rules else label,
            )
            + said.get(p.quarter, "")
            for p in points
        ],
        hoverinfo="text",
    )


def _axis_title(info: IndicatorInfo) -> str:
    if info.unit == "percentage":
        return "Percentage (%)"
    if info.unit == "rate_per_10k":
        return "Rate per 10,000 children"
    if info.unit == "count":
        return "Count"
    if info.numerator_label and info.denominator_label:
        return escape(f"Mean ({info.numerator_label} / {info.denominator_label})")
    return "Mean"


def _agency_value(unit: str, figure: tuple[Decimal | None, Decimal | None, Decimal | None]) -> Decimal | None:
    numerator, denominator, value = figure
    if value is not None or unit == "count":
        return value
    if numerator is None or not denominator:
        return None
    return numerator / denominator * SCALE[unit]


def _fraction(unit: str, figure: tuple[Decimal | None, Decimal | None, Decimal | None]) -> str:
    numerator, denominator, _ = figure
    if unit == "count" or numerator is None or denominator is None:
        return ""
    word = "of" if unit == "percentage" else "/"
    return f"{numerator:,} {word} {denominator:,}"


def _hover(label: str, unit: str, value: Decimal | None, note: str = "", *, who: str = "") -> str:
    text = f"{label}: {format_value(unit, value) if value is not None else 'no value'}"
    if note:
        text += f" ({note})"
    # Each part is escaped on its own; the line break is plotly's own markup.
    return f"{escape(who)}<br>{escape(text)}" if who else escape(text)


def _said(notes: Mapping[int, Sequence[tuple[str, str]]]) -> dict[int, str]:
    """Per quarter, the agencies' commentary for hover text: each shortened to NOTE_LENGTH characters, wrapped, and
    each line escaped on its own (the line breaks are plotly's own markup)."""
    out = {}
    for number, (quarter, said) in enumerate(notes.items(), start=1):
        lines = [f"Note {number}, what the agencies said:"]
        for agency, text in said:
            lines += textwrap.wrap(f"{agency}: {textwrap.shorten(text, NOTE_LENGTH, placeholder=' …')}", NOTE_WRAP)
        out[quarter] = "<br><br>" + "<br>".join(escape(line) for line in lines)
    return out


def _note_markers(
    fig: go.Figure,
    quarters: Sequence[int],
    values: Mapping[int, Decimal | None],
    notes: Mapping[int, Sequence[tuple[str, str]]],
    said: Mapping[int, str],
    spc: SpcResult | None,
) -> None:
    """A numbered box on each point that has commentary, keyed to the list beside the chart. It goes below a point
    whose special-cause label is above it, and above otherwise."""
    points = spc.points if spc is not None else ()
    labelled_above = {p.quarter for p in points if SPECIAL_CAUSE.get(p.assessment, ("",) * 4)[3] == "top center"}
    for number, quarter in enumerate(notes, start=1):
        if quarter not in quarters or values.get(quarter) is None:
            continue  # no point to mark: the list still has it
        fig.add_annotation(
            x=quarter_label(quarter),
            y=_number(values[quarter]),
            text=str(number),
            showarrow=True,
            arrowhead=0,
            arrowcolor=BLACK,
            ax=0,
            ay=NOTE_OFFSET if quarter in labelled_above else -NOTE_OFFSET,
            bgcolor="#FFFFFF",
            bordercolor=BLACK,
            borderwidth=1,
            borderpad=2,
            font={"size": 11, "color": BLACK},
            hovertext=said.get(quarter, "").removeprefix("<br><br>"),
        )


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


__all__ = ["CONFIG", "chart_payload", "contribution_chart", "trend_chart"]
