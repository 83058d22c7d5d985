"""Charts for the evidence pack's PDF: matplotlib on the Agg backend, drawn to PNG. No browser on the server.

Plain data in (labels and the published values, None where a figure is withheld or missing), a PNG data URI out,
so the PDF template embeds it as an <img> and WeasyPrint needs no files.

They say what the web's charts say (dataset.reading.charts): the partnership's line, each SPC phase's mean and
process limits over the quarters of that phase, special-cause points by marker shape and a text label (never by
colour alone), the target, and partial quarters as hollow markers. The y-axis always takes in zero, so a small
change does not look like a large one. Okabe-Ito colours, as on the web.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import matplotlib
from PIL import Image  # Pillow: matplotlib's own dependency, and WeasyPrint's

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.markers import TICKDOWN  # noqa: E402

BLACK = "#000000"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
GREY = "#555555"
LINE = BLACK
TARGET = GREEN
UNIT_AXIS = {"percentage": "Percentage (%)", "rate_per_10k": "Rate per 10,000", "count": "Count", "mean": "Mean"}

# (legend and label text, matplotlib marker, colour, label above (1) or below (-1) the point), as on the web.
SPECIAL_CAUSE = {
    "improvement": ("Improvement", "^", BLUE, 1),
    "concern": ("Concern", "v", VERMILLION, -1),
    "neutral": ("Special cause", "s", GREY, 1),
}
PARTIAL_NAME = "Partial: an agency missing"
MAX_TICK_LABELS = 16
CHART_DPI = 150
ALL_WITHHELD = "All values withheld (c) under disclosure control"


@dataclass(frozen=True)
class Phase:
    """One SPC phase in x positions (indexes into the labels), its mean and limits; None where not drawn."""

    start: int
    end: int
    mean: Decimal | None
    upper: Decimal | None = None
    lower: Decimal | None = None
    reason: str = ""


@dataclass(frozen=True)
class Special:
    """A special-cause point: its x position, value and assessment ("improvement", "concern" or "neutral")."""

    x: int
    value: Decimal
    assessment: str


def draw_indicator(
    *,
    title: str,
    unit: str,
    labels: Sequence[str],
    values: Sequence[Decimal | None],
    target: Decimal | None = None,
    target_label: str = "",
    partial: Sequence[int] = (),
    phases: Sequence[Phase] = (),
    special: Sequence[Special] = (),
) -> Figure:
    """A line chart of one indicator's published values by quarter.

    Withheld (`c`) and missing (`:`) quarters are gaps in the line, never plotted points: a chart must not give
    back a figure the tables withhold. Partial quarters (x positions in `partial`) are hollow markers left off the
    line, so the line never shows a rise or fall into a quarter that is not whole. Pass no phases where the
    limits could give back a withheld value; the caller decides.
    """
    fig = Figure(figsize=(6.6, 2.7), dpi=100)
    ax = fig.add_subplot()
    xs = list(range(len(labels)))
    partial_set = set(partial)
    whole = [
        float(v) if v is not None and x not in partial_set else float("nan") for x, v in zip(xs, values, strict=True)
    ]
    handles: list = []
    ax.plot(xs, whole, color=LINE, marker="o", linewidth=1.8, markersize=3.5, zorder=3)
    handles.append(Line2D([], [], color=LINE, marker="o", markersize=3.5, linewidth=1.8, label="Partnership"))
    shown_partial = [x for x in sorted(partial_set) if x < len(values) and values[x] is not None]
    if shown_partial:
        ax.plot(
            shown_partial,
            [float(values[x]) for x in shown_partial],  # type: ignore[arg-type]
            linestyle="none",
            marker="o",
            markersize=7,
            markerfacecolor="white",
            markeredgecolor=LINE,
            markeredgewidth=1.5,
            zorder=4,
        )
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=7,
                markerfacecolor="white",
                markeredgecolor=LINE,
                markeredgewidth=1.5,
                label=PARTIAL_NAME,
            )
        )
    drawn_mean = drawn_limits = False
    for n, phase in enumerate(phases):
        left, right = phase.start - 0.3, phase.end + 0.3
        if phase.mean is not None:
            ax.hlines(float(phase.mean), left, right, colors=GREY, linestyles="solid", linewidth=1, zorder=2)
            drawn_mean = True
        for limit in (phase.upper, phase.lower):
            if limit is not None:
                ax.hlines(float(limit), left, right, colors=GREY, linestyles="dashdot", linewidth=1, zorder=2)
                drawn_limits = True
        if n and phase.start > 0:
            ax.axvline(phase.start - 0.5, color=GREY, linestyle=":", linewidth=0.8)
            if phase.reason:
                ax.annotate(
                    phase.reason[:40],
                    (phase.start - 0.45, 1),
                    xycoords=("data", "axes fraction"),
                    fontsize=5.5,
                    color=GREY,
                    va="top",
                    ha="left",
                )
    if drawn_mean:
        handles.append(Line2D([], [], color=GREY, linewidth=1, label="Mean"))
    if drawn_limits:
        handles.append(Line2D([], [], color=GREY, linewidth=1, linestyle="dashdot", label="Process limits"))
    if target is not None:
        ax.axhline(float(target), color=TARGET, linestyle="--", linewidth=1.2, zorder=2)
        name = f"Target {target_label or target}"
        handles.append(Line2D([], [], color=TARGET, linestyle="--", linewidth=1.2, label=name))
    _special_cause(ax, special, handles)
    ticked = _ticked(len(labels))
    ax.set_xticks(ticked)
    ax.set_xticklabels([labels[x] for x in ticked], rotation=45, ha="right", fontsize=6.5)
    _quarter_marks(ax, [x for x in xs if x not in set(ticked)])
    ax.set_xlim(-0.6, max(len(labels) - 0.4, 0.6))
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel(UNIT_AXIS.get(unit, unit), fontsize=7.5)
    _from_zero(ax, values, phases, target)
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=6.5,
        frameon=False,
        borderaxespad=0,
        handlelength=2.2,
    )
    # Fixed margins (room for the slanted quarters below and the legend on the right) rather than tight_layout,
    # which lays every text out once more to measure it: a pack draws dozens of these.
    fig.subplots_adjust(left=0.085, right=0.72, bottom=0.27, top=0.96)
    return fig


def _quarter_marks(ax, xs: Sequence[int]) -> None:
    """A short mark under the axis at each quarter that is not named, so every quarter can still be counted off:
    one line of markers, where minor ticks would be a tick object each (its line, marker and label), which
    matplotlib builds again for every chart and which were half of drawing one."""
    if xs:
        ax.plot(
            xs,
            [0] * len(xs),
            transform=ax.get_xaxis_transform(),  # x in quarters, y on the axis line
            linestyle="none",
            marker=TICKDOWN,
            markersize=2,
            markeredgewidth=0.6,
            color=BLACK,
            clip_on=False,
        )


def _ticked(count: int) -> list[int]:
    """The quarters named on the axis: all of them up to MAX_TICK_LABELS, else every so many ending at the latest,
    so ten years of quarters stay readable (each quarter still has its tick)."""
    if count <= MAX_TICK_LABELS:
        return list(range(count))
    step = -(-count // MAX_TICK_LABELS)
    return list(range(count - 1, -1, -step))[::-1]


def indicator_chart(**kwargs) -> tuple[str, tuple[str, ...]]:
    """`draw_indicator` as a PNG data URI for an <img>, at print resolution. A PNG rather than an SVG: WeasyPrint
    lays out and paints an SVG's every node and text itself, over a second a chart, where a PNG is placed as it
    is; the figures the chart shows are in the table beside it as text, and the legend's names are returned to be
    printed under it as text too (searchable, and read out where the image is not)."""
    fig = draw_indicator(**kwargs)
    legend = fig.axes[0].get_legend()
    names = tuple(t.get_text() for t in legend.get_texts()) if legend else ()
    return "data:image/png;base64," + base64.b64encode(png_bytes(fig)).decode("ascii"), names


def png_bytes(fig: Figure) -> bytes:
    """The figure drawn at CHART_DPI as an RGB PNG. Not `savefig`, whose PNG is RGBA: WeasyPrint splits an alpha
    channel into a mask it encodes again for every chart, and a chart on white has nothing to mask. Quick to
    compress (WeasyPrint decodes it and compresses it again for the PDF anyway); no metadata, so the same chart is
    the same bytes."""
    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(CHART_DPI)
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        canvas.draw()
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1, dpi=(CHART_DPI, CHART_DPI))
    return out.getvalue()


def _special_cause(ax, special: Sequence[Special], handles: list) -> None:
    """Each kind with its own marker and a legend entry; the first point of each run of one kind labelled in
    words too, so that the chart reads in greyscale and the labels do not pile on each other."""
    previous: tuple[int, str] | None = None
    for assessment, (label, marker, colour, _side) in SPECIAL_CAUSE.items():
        points = [p for p in special if p.assessment == assessment]
        if not points:
            continue
        ax.plot(
            [p.x for p in points],
            [float(p.value) for p in points],
            linestyle="none",
            marker=marker,
            markersize=7,
            markerfacecolor=colour,
            markeredgecolor=BLACK,
            markeredgewidth=0.6,
            zorder=5,
        )
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=marker,
                markersize=7,
                markerfacecolor=colour,
                markeredgecolor=BLACK,
                markeredgewidth=0.6,
                label=f"Special cause: {label.lower()}" if assessment != "neutral" else label,
            )
        )
    for point in sorted(special, key=lambda p: p.x):
        if point.assessment not in SPECIAL_CAUSE:
            continue
        label, _, _, side = SPECIAL_CAUSE[point.assessment]
        if previous is None or previous != (point.x - 1, point.assessment):
            ax.annotate(
                label,
                (point.x, float(point.value)),
                textcoords="offset points",
                xytext=(0, 7 * side),
                ha="center",
                va="bottom" if side > 0 else "top",
                fontsize=6,
                color="#222222",
                annotation_clip=False,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                zorder=6,
            )
        previous = (point.x, point.assessment)


def _from_zero(ax, values: Sequence[Decimal | None], phases: Sequence[Phase], target: Decimal | None) -> None:
    """The y-axis takes in zero and every line drawn, with a little room above for labels."""
    numbers = [float(v) for v in values if v is not None]
    numbers += [float(x) for p in phases for x in (p.mean, p.upper, p.lower) if x is not None]
    if target is not None:
        numbers.append(float(target))
    low = min([0.0, *numbers])
    high = max([0.0, *numbers])
    if high == low:
        high = low + 1
    span = high - low
    ax.set_ylim(low - (0.12 * span if low < 0 else 0), high + 0.15 * span)
