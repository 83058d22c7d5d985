"""The pack a panel reads, on data built by hand: the summary first, charts that say what the web says (phases,
special cause, target, partial quarters, zero on the axis), a partial quarter never called a rise or a fall, a
series that is all `c` said to be withheld, the agencies' commentary beside their figures, and disclosure kept."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from matplotlib.collections import LineCollection
from pypdf import PdfReader

from dataset.build.figures import Comparison, IndicatorInfo, PartnershipValue, SpcPhase, SpcPoint, SpcResult, Theme
from scrutiny.packs import charts, files, sections

Q = list(range(8064, 8081))  # 2016-17 Q1 to 2020-21 Q1, 17 quarters
LATEST = Q[-1]
AGENCIES = {
    "CSC": "Children's Social Care",
    "EH": "Early Help",
    "SCFT": "Sussex Community NHS Foundation Trust",
}
N07 = IndicatorInfo(
    code="N07",
    title="Graded Care Profile 2 assessments completed",
    unit="count",
    polarity="higher",
    objective="recognise",
    suppliers=("CSC", "EH", "SCFT"),
)
N19 = IndicatorInfo(
    code="N19",
    title="Neglect CP plans ended after 2 years or more",
    unit="percentage",
    polarity="lower",
    objective="respond",
    numerator_label="Plans that lasted 2 years or more",
    denominator_label="Neglect CP plans ended",
    suppliers=("CSC",),
)
N18 = IndicatorInfo(
    code="N18",
    title="Neglect CIN plans open more than 12 months",
    unit="percentage",
    polarity="lower",
    objective="respond",
    numerator_label="Open more than 12 months",
    denominator_label="Open neglect CIN plans",
    target=Decimal(25),
    suppliers=("CSC",),
)


def n07_counts(q: int) -> dict[str, Decimal]:
    step = Q.index(q)
    counts = {"CSC": Decimal(60 + 5 * step), "EH": Decimal(20 + 2 * step), "SCFT": Decimal(17 + step)}
    if q == LATEST:
        del counts["SCFT"]  # did not report: the quarter is partial
    return counts


def dataset_data() -> dict:
    values, contributions, comparisons = {}, {}, {}
    for q in Q:
        counts = n07_counts(q)
        values[("N07", q)] = PartnershipValue(
            "N07", q, sum(counts.values()), contributors=tuple(counts), expected=N07.suppliers
        )
        contributions[("N07", q)] = dict(counts)
        comparisons[("N07", q)] = Comparison(
            "N07",
            q,
            change_previous=Decimal("-17.4") if q == LATEST else Decimal("3.0"),
            direction="" if q == LATEST else "improving",
            comparable=q != LATEST,
        )
        num, den = Decimal(2 + Q.index(q) % 3), Decimal(70 + Q.index(q))
        values[("N19", q)] = PartnershipValue(
            "N19", q, num / den * 100, numerator=num, denominator=den, contributors=("CSC",), expected=("CSC",)
        )
        contributions[("N19", q)] = {"CSC": num}
        comparisons[("N19", q)] = Comparison("N19", q, direction="steady")
        num, den = Decimal(120 + Q.index(q)), Decimal(400)
        values[("N18", q)] = PartnershipValue(
            "N18", q, num / den * 100, numerator=num, denominator=den, contributors=("CSC",), expected=("CSC",)
        )
        contributions[("N18", q)] = {"CSC": num}
        comparisons[("N18", q)] = Comparison("N18", q, direction="worsening", rag="red")
    n07_points = tuple(
        SpcPoint(q, values[("N07", q)].value, ("trend",) if q >= Q[10] else (), "improvement" if q >= Q[10] else "")
        for q in Q[:-1]  # the partial quarter is not a point
    )
    n18_points = tuple(
        SpcPoint(q, values[("N18", q)].value, ("shift",) if q >= Q[12] else (), "concern" if q >= Q[12] else "")
        for q in Q
    )
    spc = {
        "N07": SpcResult("N07", True, "", Decimal(150), Decimal(200), Decimal(100), points=n07_points),
        "N18": SpcResult("N18", True, "", Decimal("31.5"), Decimal(33), Decimal(30), points=n18_points),
        "N19": SpcResult("N19", True, "", Decimal("3.5"), Decimal(5), Decimal(2)),
    }
    themes = [
        Theme("N18", "possible_drift", 3, "N18 stood at 34.0%, above its target.", "Why?", quarter=LATEST, since=Q[-3]),
        Theme("N19", "special_cause", 2, "N19 shows special cause at 4.1%.", "What changed?", quarter=LATEST),
        Theme("N07", "sustained_fall", 2, "N07 fell by 17.4%.", "Why the fall?", quarter=LATEST, since=LATEST),
    ]
    return {
        "indicators": [N07, N19, N18],
        "quarters": Q,
        "values": values,
        "contributions": contributions,
        "comparisons": comparisons,
        "spc": spc,
        "themes": themes,
        "agencies": AGENCIES,
    }


def two_phases() -> dict[str, files.SpcView]:
    return {
        "N18": files.SpcView(
            phases=(
                SpcPhase(Q[0], Q[11], "", True, Decimal(31), Decimal("32.5"), Decimal("29.5")),
                SpcPhase(Q[12], Q[-1], "Neglect Strategy launched", True, Decimal(34), Decimal(35), Decimal(33)),
            )
        )
    }


COMMENTARY = {
    ("N07", LATEST): (("SCFT", "Staff redeployed for Covid-19: figures expected next quarter."),),
    ("N07", Q[12]): (("CSC", "A training push on the Graded Care Profile 2."),),
    ("N19", Q[-2]): (("CSC", "Two of the three plans were sibling groups."),),
    ("N07", Q[2]): (("EH", "An older quarter: on the indicator's page, not in the pack."),),
}


def pack_data(**overrides) -> files.PackData:
    data = dataset_data()
    fields = {
        "event_id": 1,
        "event_title": "September 2020 scrutiny event",
        "held_on": date(2020, 9, 24),
        "notes": "",
        "quarters": ("2019-20 Q4", "2020-21 Q1"),
        "version": 1,
        "built_by": "Sam Whitfield",
        "built_at": datetime(2026, 12, 1, 9, 0),
        "snapshot_id": 7,
        "snapshot_label": "Partnership Neglect Dataset as at 03 September 2020",
        "dataset": data,
        "outcomes": (files.OutcomeData("Neglect is recognised early", "", ("Is it?",), ("N07", "N18", "N19"), (), ()),),
        "audits": (),
        "rag_quarter": "2020-21 Q1",
        "rag_counts": (),
        "evidence": (),
        "snapshot_built_at": datetime(2020, 9, 3, 8, 30),
        "spc": two_phases(),
        "commentary": COMMENTARY,
        "ranked_themes": tuple(data["themes"]),
        "rag_previous_quarter": "2019-20 Q4",
        "objective_rags": (files.ObjectiveRag("recognise", {"red": 6, "amber": 8, "green": 12, "blue": 0}, None),),
        "gaps": (files.Gap("Neglect is recognised early", ("Voice of practitioners",), True),),
    }
    fields.update(overrides)
    return files.PackData(**fields)


@pytest.fixture
def pack():
    return pack_data()


@pytest.fixture
def dataset(pack):
    return files.publish_dataset(pack.dataset, spc=pack.spc, ranked_themes=pack.ranked_themes)


# --- a partial quarter ------------------------------------------------------------------------------------------
def test_a_partial_quarter_is_marked_and_never_called_a_rise_or_a_fall(pack, dataset):
    section = sections.indicator_section(pack, dataset, "N07")
    latest = section.latest[-1]
    assert latest.partial and latest.value_text == f"{latest.value.text} (partial)"
    assert latest.direction == "Partial (2 of 3 agencies): not compared"
    assert latest.spc == "Not assessed (partial)"
    assert latest.missing == ("Sussex Community NHS Foundation Trust",)
    (note, *_) = section.notes
    assert note.startswith("2020-21 Q1 is partial (hollow marker): Sussex Community NHS Foundation Trust did not")
    assert "not a rise or a fall" in note
    for figure in section.latest:
        assert "fall" not in figure.direction.lower() and "rise" not in figure.direction.lower()
    # A theme that calls the partial quarter a fall is printed as a partial quarter, not as a fall.
    (n07_theme,) = [t for t in dataset.themes if t["code"] == "N07"]
    assert n07_theme["kind"] == "Partial quarter" and "fell" not in n07_theme["sentence"]
    assert "2020-21 Q1 is partial (2 of 3 agencies; Sussex Community NHS" in n07_theme["sentence"]
    assert n07_theme["partial"] == "It is not a rise or a fall."


def test_a_partial_quarter_is_a_hollow_marker_off_the_line(pack, dataset):
    fig = charts.draw_indicator(
        title="N07",
        unit="count",
        labels=[str(q) for q in Q],
        values=[dataset.values[("N07", q)].value for q in Q],
        partial=[len(Q) - 1],
    )
    ax = fig.axes[0]
    line, hollow = ax.lines[0], ax.lines[1]
    assert str(line.get_ydata()[-1]) == "nan"  # the line stops before the partial quarter
    assert list(hollow.get_xdata()) == [len(Q) - 1] and hollow.get_markerfacecolor() == "white"
    assert charts.PARTIAL_NAME in [t.get_text() for t in ax.get_legend().get_texts()]


def test_ten_years_of_quarters_name_at_most_sixteen_and_mark_every_other_one():
    labels = [f"q{n}" for n in range(41)]
    fig = charts.draw_indicator(title="N07", unit="count", labels=labels, values=[Decimal(n) for n in range(41)])
    ax = fig.axes[0]
    named = [int(x) for x in ax.get_xticks()]
    assert len(named) <= charts.MAX_TICK_LABELS and named[-1] == 40  # the latest quarter is always named
    (marks,) = [line for line in ax.lines if line.get_marker() == charts.TICKDOWN]
    assert sorted([*named, *(int(x) for x in marks.get_xdata())]) == list(range(41))  # each quarter has a mark
    assert not ax.get_xticks(minor=True).size  # marks, not a minor tick object per quarter


def test_a_chart_is_an_rgb_png_at_print_resolution(pack, dataset):
    from PIL import Image

    section = sections.indicator_section(pack, dataset, "N18")
    assert section.chart.startswith("data:image/png;base64,")
    fig = charts.draw_indicator(title="N07", unit="count", labels=["a", "b"], values=[Decimal(1), Decimal(2)])
    image = Image.open(io.BytesIO(charts.png_bytes(fig)))
    # No alpha channel for WeasyPrint to split into a mask; 6.6 inches wide at CHART_DPI.
    assert image.mode == "RGB" and image.size[0] == round(6.6 * charts.CHART_DPI)
    assert charts.png_bytes(fig) == charts.png_bytes(fig)  # the same chart, the same bytes


# --- a series that is all c ---------------------------------------------------------------------------------------
def test_a_series_with_every_value_withheld_says_so_instead_of_an_empty_chart(pack, dataset):
    section = sections.indicator_section(pack, dataset, "N19")
    assert section.chart == "" and section.withheld == "All values withheld (c) under disclosure control"
    assert all(q.value.text == "c" and q.direction == "c" and q.spc == "c" for q in section.latest)
    # What an agency said about a figure that is c may quote it: withheld with it.
    assert section.commentary == [] and section.commentary_withheld == 1


# --- charts as on the web ------------------------------------------------------------------------------------------
def test_charts_draw_each_phase_special_cause_by_shape_and_label_and_the_target_from_zero(pack, dataset):
    phases = sections._phases(dataset, "N18")
    assert [(p.start, p.end, p.mean) for p in phases] == [(0, 11, Decimal(31)), (12, 16, Decimal(34))]
    special = sections._special(dataset, "N18")
    assert {s.assessment for s in special} == {"concern"} and [s.x for s in special] == [12, 13, 14, 15, 16]
    fig = charts.draw_indicator(
        title="N18",
        unit="percentage",
        labels=[str(q) for q in Q],
        values=[dataset.values[("N18", q)].value for q in Q],
        target=Decimal(25),
        target_label="25.0%",
        phases=phases,
        special=special,
    )
    ax = fig.axes[0]
    segments = [seg for c in ax.collections if isinstance(c, LineCollection) for seg in c.get_segments()]
    means = sorted((round(s[0][0], 1), round(s[1][0], 1), s[0][1]) for s in segments if s[0][1] in (31.0, 34.0))
    assert means == [(-0.3, 11.3, 31.0), (11.7, 16.3, 34.0)]  # each phase's mean over its own quarters
    assert {s[0][1] for s in segments} >= {29.5, 32.5, 33.0, 35.0}  # and its limits
    assert ax.get_ylim()[0] == 0  # a percentage starts at zero
    assert any(line.get_marker() == "v" for line in ax.lines)  # concern: a downward triangle, not colour alone
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("Concern") == 1  # the first point of the run is labelled in words
    assert "Neglect Strategy launched" in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"Mean", "Process limits", "Target 25.0%", "Special cause: concern"} <= set(legend)


def test_counts_start_the_axis_at_zero():
    fig = charts.draw_indicator(
        title="N07", unit="count", labels=["a", "b", "c"], values=[Decimal(200), Decimal(210), Decimal(205)]
    )
    assert fig.axes[0].get_ylim()[0] == 0


def test_no_mean_or_limits_for_a_series_with_a_c(pack):
    data = dataset_data()
    data["values"][("N18", Q[3])] = PartnershipValue(
        "N18",
        Q[3],
        Decimal(1),
        numerator=Decimal(4),
        denominator=Decimal(400),
        contributors=("CSC",),
        expected=("CSC",),
    )
    data["contributions"][("N18", Q[3])] = {"CSC": Decimal(4)}
    dataset = files.publish_dataset(data, spc=two_phases())
    boundaries = sections._phases(dataset, "N18")  # where the phases start, and nothing that could pin the c
    assert [p.start for p in boundaries] == [0, 12]
    assert all(p.mean is None and p.upper is None and p.lower is None for p in boundaries)
    section = sections.indicator_section(pack_data(dataset=data), dataset, "N18")
    assert sections.SPC_WITHHELD in section.notes
    assert "gaps in the line" in " ".join(section.notes)


# --- commentary ---------------------------------------------------------------------------------------------------
def test_the_agencies_commentary_travels_with_the_figures(pack, dataset):
    section = sections.indicator_section(pack, dataset, "N07")
    by_quarter = {c.quarter: c for c in section.commentary}
    partial = by_quarter["2020-21 Q1"]
    assert partial.agency == "Sussex Community NHS Foundation Trust" and "Covid-19" in partial.text
    assert partial.marks == ("partial quarter: did not report",)
    special = by_quarter["2019-20 Q1"]
    assert special.marks == ("special cause: improvement",) and special.agency == "Children's Social Care"
    assert "2019-20 Q2" in section.silent_special  # a special-cause point nobody explained says so


def test_commentary_is_on_the_quarters_of_the_figures_table_only(pack, dataset):
    section = sections.indicator_section(pack, dataset, "N07")
    shown = {q.label for q in section.latest}
    assert section.commentary and all(set(c.quarter.split(", ")) <= shown for c in section.commentary)
    assert not any("older quarter" in c.text for c in section.commentary)


def test_a_long_outcome_draws_the_indicators_that_matter_and_gives_the_rest_a_line(pack, dataset):
    codes = [f"X{n:02d}" for n in range(sections.DETAIL_LIMIT + 3)]
    data = dataset_data()
    data["indicators"] = [
        *data["indicators"],
        *(
            IndicatorInfo(code=c, title=f"Other {c}", unit="count", polarity="higher", objective="recognise")
            for c in codes
        ),
    ]
    wide = files.publish_dataset(data, spc=two_phases(), ranked_themes=data["themes"])
    detail, summarised = sections._chosen(wide, [*codes, "N18", "N07"])
    assert len(detail) == sections.DETAIL_LIMIT and len(summarised) == 5
    assert {"N18", "N07"} <= set(detail)  # the themes speak of them: drawn in full
    assert sections._chosen(dataset, ["N18", "N07"]) == (["N18", "N07"], [])  # a short outcome: all in full


def test_an_agency_saying_the_same_in_several_quarters_is_one_row():
    same = "Year to date: it adds up from April."
    comments = [
        sections.Comment("2019-20 Q1", "Early Help", same),
        sections.Comment("2019-20 Q2", "Early Help", same),
        sections.Comment("2019-20 Q3", "Early Help", same, ("special cause: concern",)),
        sections.Comment("2019-20 Q4", "Police", same),
    ]
    merged = sections._merged(comments)
    assert [(c.quarter, c.agency) for c in merged] == [
        ("2019-20 Q1, 2019-20 Q2", "Early Help"),
        ("2019-20 Q3", "Early Help"),
        ("2019-20 Q4", "Police"),
    ]


# --- the PDF -------------------------------------------------------------------------------------------------------
@pytest.fixture
def pdf_pages(pack, dataset) -> list[str]:
    body = files.pdf_bytes(sections.pdf_context(pack, dataset))
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(body)).pages]


def test_the_pdf_opens_with_a_two_page_summary_and_the_detail_follows(pdf_pages):
    first_two = " ".join(pdf_pages[:2])
    assert "Key messages" in pdf_pages[0]
    for objective in ("Recognise", "Respond", "Quantify", "Evaluate"):
        assert objective in first_two
    assert "Evidence gaps" in first_two and "no voice of practitioners; no linked actions" in first_two
    assert "Holding since 2019-20 Q3" in pdf_pages[0] and "New in 2020-21 Q1" in pdf_pages[0]
    assert pdf_pages[2].startswith("Contents")
    detail = " ".join(pdf_pages[2:])
    assert "Outcome 1: Neglect is recognised early" in detail and "Outcome 1:" not in first_two
    assert "What the agencies said" in detail and "All values withheld (c) under disclosure control" in detail
    assert "(partial)" in detail and "Partial: an agency missing" in detail


def test_every_table_of_the_pdf_has_fixed_columns(pack, dataset):
    """Fixed table layout: WeasyPrint sizes no column from its cells' text (slow on a large pack, and a wide cell
    pushed the appendix off the page), so every table names its columns."""
    from django.template.loader import render_to_string

    html = render_to_string("scrutiny/pack_pdf.html", sections.pdf_context(pack, dataset))
    assert "table-layout: fixed" in html
    assert html.count("<table") == html.count("<colgroup>") > 5


def test_the_title_page_gives_the_event_date_and_the_snapshots_date(pdf_pages):
    assert "Held on 24 September 2020" in pdf_pages[0]
    assert "Data as at 3 September 2020" in pdf_pages[0]
    assert "December 2026: the published" not in pdf_pages[0]


def test_withheld_themes_stay_withheld_in_the_key_messages(pack, dataset):
    messages = {m["code"]: m for m in sections.key_messages(dataset)}
    assert messages["N19"]["sentence"].startswith("Withheld under disclosure control")
    assert messages["N18"]["status"] == "Holding since 2019-20 Q3" and not messages["N18"]["is_new"]
    assert messages["N07"]["status"] == "New in 2020-21 Q1"


def test_the_objectives_count_rag_under_disclosure_and_say_the_direction(pack, dataset):
    lines = {line.label: line for line in sections.objective_lines(pack, dataset)}
    assert list(lines) == ["Recognise", "Respond", "Quantify", "Evaluate"]
    assert lines["Recognise"].actions == "6 Red, 8 Amber, 12 Green, 0 Blue"
    assert lines["Recognise"].direction.startswith("Not compared")
    assert lines["Respond"].indicators == "1 Red, 1 withheld (c)"  # N19's RAG is c, never counted under a colour
    assert lines["Quantify"].actions == "No rated actions"
    small = pack_data(objective_rags=(files.ObjectiveRag("recognise", {"red": 2, "green": 9}, {"red": 4, "green": 3}),))
    line = sections.objective_lines(small, dataset)[0]
    assert line.actions.startswith("c Red") and line.direction == "Improving since 2019-20 Q4"


def test_the_objectives_counts_give_back_no_c_of_the_agency_rows(dataset):
    rows = (
        files.RagCount("Children's Social Care", "recognise", {"red": 3, "amber": 7, "green": 9}),
        files.RagCount("Early Help", "recognise", {"red": 6, "amber": 8, "green": 10}),
    )
    small = pack_data(
        rag_counts=rows,
        objective_rags=(files.ObjectiveRag("recognise", {"red": 9, "amber": 15, "green": 19, "blue": 0}, None),),
    )
    csc_cells, _ = files.rag_cells(rows[0].counts)
    assert csc_cells[0].text == "c"  # CSC's 3 Red is c in the agency rows
    cells, total = sections.objective_cells(small, small.objective_rags[0])
    assert cells[0].text == "c"  # so the objective's 9 Red, less Early Help's 6, cannot give it back
    assert total.text == "43" and sum(1 for c in cells if not c.shown) >= 2


# --- the workbook and the CSV publish the PDF's cells ----------------------------------------------------------
def _sheet_rows(body: bytes, sheet: str) -> list[tuple]:
    from openpyxl import load_workbook

    return [tuple(row) for row in load_workbook(io.BytesIO(body), read_only=True)[sheet].iter_rows(values_only=True)]


def test_the_workbook_and_the_csv_publish_the_cells_the_pdf_decided_without_deciding_them_again(
    pack, dataset, monkeypatch
):
    from dataset.reading import exports

    alone_xlsx, alone_csv = files.xlsx_bytes(pack), files.dataset_csv(pack)
    decided = []
    monkeypatch.setattr(
        exports.PublishedFigures,
        "publish",
        lambda self, code, quarter, parts, _publish=exports.PublishedFigures.publish: (
            decided.append((code, quarter)) or _publish(self, code, quarter, parts)
        ),
    )
    shared_xlsx, shared_csv = files.xlsx_bytes(pack, dataset.figures), files.dataset_csv(pack, dataset.figures)
    published = {(code, q) for code, q in pack.dataset["values"]}
    assert not published & set(decided)  # every cell with a value came from the PDF's figures
    assert shared_csv == alone_csv and b"Sussex Community NHS Foundation Trust" in shared_csv  # names, as the portal's
    for sheet in ("Dataset", "Data", "Themes"):
        assert _sheet_rows(shared_xlsx, sheet) == _sheet_rows(alone_xlsx, sheet)
