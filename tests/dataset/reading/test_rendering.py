"""The dashboard writes its indicator rows in Python (dataset.reading.rendering): the markup must be exactly what the
template it replaced wrote, so each row's link, year-to-date badge, partial mark, direction and RAG stay."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.template import engines

from dataset.build.figures import IndicatorInfo
from dataset.models import DatasetValue
from dataset.reading import rendering, selectors

# The rows as templates/home/dashboard.html wrote them before rendering.py, kept beside this test as the reference.
OLD_ROWS = (Path(__file__).parent / "old_dashboard_rows.html").read_text().rstrip("\n")


def _info(code: str, title: str, **kw) -> IndicatorInfo:
    return IndicatorInfo(
        code=code, title=title, unit=kw.pop("unit", "count"), polarity="higher", objective="respond", **kw
    )


def _summaries() -> list[selectors.IndicatorSummary]:
    """A row of each kind: improving and red, a partial year-to-date figure, a steady one with no target, one with no
    value yet, and words that need escaping."""

    def value(code: str, figure: str, direction: str, change: int, rag: str, who: list[str], expected: list[str], **kw):
        return DatasetValue(
            code=code, quarter=8084, value=Decimal(figure), direction=direction, change_previous=Decimal(change),
            change_unit="%", rag=rag, contributors=who, expected=expected, **kw,
        )  # fmt: skip

    values = [
        value("N01", "24", "improving", 5, "red", ["CSC"], ["CSC"]),
        value("N02", "41.5", "", 0, "amber", ["CSC"], ["CSC", "POL"], partial=True, comparable=False),
        value("N03", "3", "steady", 0, "", ["POL"], ["POL"]),
        None,
        value("N05", "7", "worsening", -9, "green", ["A&B"], ["A&B", "<x>"], partial=True),
    ]
    infos = [
        _info("N01", "Referrals for neglect"),
        _info("N02", "Plans reviewed on time", unit="percentage", accumulation="year_to_date"),
        _info("N03", "Champions in post"),
        _info("N04", "Not yet reported"),
        _info("N05", 'Children <seen> & "heard"', target=Decimal(5)),
    ]
    agencies = {"CSC": "Children's Social Care", "POL": "Police", "A&B": "A & B <Trust>", "<x>": "<b>X</b>"}
    return [selectors.summarise(info, value, agencies) for info, value in zip(infos, values, strict=True)]


def test_the_rows_are_what_the_template_wrote():
    summaries = _summaries()
    old = engines["django"].from_string(OLD_ROWS).render({"panel": {"indicators": summaries}, "snapshot": {"pk": 7}})
    new = rendering.dashboard_rows(summaries, snapshot_pk=7)
    assert new == old
    assert 'data-testid="year-to-date"' in new and 'data-testid="partial-note"' in new and "No target" in new
    assert "Children &lt;seen&gt; &amp; &quot;heard&quot;" in new and "<seen>" not in new
    assert "<b>X</b>" not in new and "&lt;b&gt;X&lt;/b&gt;" in new  # in the partial note
