"""Charts for the evidence pack's PDF: matplotlib on the Agg backend, drawn to SVG. No browser on the server.

Plain data in (labels and the published values, None where a figure is withheld or missing), an SVG data URI out,
so the PDF template embeds it as an <img> and WeasyPrint needs no files.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

LINE = "#1d70b8"
TARGET = "#d4351c"
UNIT_AXIS = {"percentage": "%", "rate_per_10k": "per 10,000", "count": "count", "mean": "mean"}


def indicator_chart(
    *, title: str, unit: str, labels: Sequence[str], values: Sequence[Decimal | None], target: Decimal | None = None
) -> str:
    """A line chart of one indicator's published values by quarter, as a data URI for an <img>.

    Withheld (`c`) and missing (`:`) quarters are gaps in the line, never plotted points: a chart must not give
    back a figure the tables withhold.
    """
    fig = Figure(figsize=(6.4, 2.6), dpi=100)
    ax = fig.add_subplot()
    xs = list(range(len(labels)))
    ys = [float(v) if v is not None else float("nan") for v in values]
    ax.plot(xs, ys, color=LINE, marker="o", linewidth=2, markersize=4, label=title)
    if target is not None:
        ax.axhline(float(target), color=TARGET, linestyle="--", linewidth=1, label=f"Target {target}")
        ax.legend(loc="best", fontsize=7, frameon=False)
    ax.set_xticks(xs)
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel(UNIT_AXIS.get(unit, unit), fontsize=8)
    if unit == "percentage":
        ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="svg", metadata={"Date": None})  # no timestamp: the same data draws the same SVG
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")
