"""What the evidence pack's PDF says, section by section, from plain data: no ORM, no request.

The PDF opens with a two-page summary for the panel (`summary`): the key messages, the four objectives with the
action plans' and the indicators' RAG, the audit's headline findings, the voice of children and practitioners, and
the evidence gaps. The detail follows (`pdf_context`): the themes, the RAG summary by objective, each outcome with
its indicators (chart, latest quarters, the agencies' commentary), actions and voice, the audit, training, and the
appendices.

Every figure goes through disclosure as in `files`: the dataset's cells from exports.PublishedFigures, the pack's
own counts as groups. What a chart or a sentence could give back of a `c` is withheld with it: a chart draws no
mean or limits for a series with a `c` (the mean of the other quarters would pin it), and commentary on a figure
that is `c` is withheld, since it may quote the figure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from dataset.build.figures import IndicatorInfo, quarter_label
from dataset.catalogue.numbers import format_value
from dataset.reading import disclosure, exports
from dataset.reading.disclosure import Cell
from neglect_portal.strategy import OBJECTIVE_AIMS, Objective
from scrutiny.grading import summarise

from . import charts as pack_charts
from .files import (
    GRADES,
    PACK_DISCLOSURE_NOTES,
    RAG_WORDS,
    RAGS,
    SHARE_WITHHELD,
    AuditData,
    EvidenceRow,
    ObjectiveRag,
    PackData,
    PublishedDataset,
    QuarterFigure,
    audit_summary,
    heard_text,
    objective_label,
    rag_cells,
    share_text,
)

KEY_MESSAGES = 5
# An outcome linked to more indicators than this draws this many in full (chart, figures, commentary) and gives
# the rest a line each: forty pages of charts would bury the ones the panel needs.
DETAIL_LIMIT = 8
SUMMARY_QUOTES = 1
SUMMARY_FINDINGS = 3
VOICE_SOURCES = {"voice_children": "children", "voice_practitioners": "practitioners"}
SPC_WITHHELD = (
    "Mean and process limits are not drawn: some quarters are c, and the limits, made from every quarter, could "
    "give them back."
)
COMMENTARY_WITHHELD = "commentary withheld: the figure it describes is c"


# --- an indicator: chart, latest quarters, commentary ------------------------------------------------------------
@dataclass(frozen=True)
class Comment:
    quarter: str
    agency: str
    text: str
    marks: tuple[str, ...] = ()  # "special cause: concern", "partial quarter"


@dataclass
class IndicatorSection:
    info: IndicatorInfo
    latest: list[QuarterFigure]
    chart: str = ""
    key: tuple[str, ...] = ()  # the chart's legend, printed under it as text
    withheld: str = ""  # said instead of a chart when there is nothing to draw
    notes: list[str] = field(default_factory=list)
    commentary: list[Comment] = field(default_factory=list)
    commentary_withheld: int = 0
    silent_special: list[str] = field(default_factory=list)  # special-cause quarters nobody commented on
    present: bool = True

    @property
    def has_partial(self) -> bool:
        return any(q.partial for q in self.latest)


def _phases(dataset: PublishedDataset, code: str) -> list[pack_charts.Phase]:
    """Each phase in chart positions, with its mean and limits where it has enough points. Where they could give
    a c back the phases are only boundaries (no mean, no limits); none where SPC does not apply (year to date)."""
    result = dataset.spc.get(code)
    if result is None or result.method == "year_to_date":
        return []
    withheld = code in dataset.withheld_codes
    position = {q: x for x, q in enumerate(dataset.quarters)}
    phases = []
    for phase in result.phases:
        start, end = position.get(phase.start), position.get(phase.end)
        if start is None or end is None:
            continue
        if withheld or not phase.enough_data or phase.mean is None:
            phases.append(pack_charts.Phase(start, end, None, None, None, phase.reason))
        else:
            phases.append(pack_charts.Phase(start, end, phase.mean, phase.upper, phase.lower, phase.reason))
    if withheld:
        return phases if len(phases) > 1 else []
    if not result.phases and result.enough_data and result.mean is not None and result.points:
        # A snapshot from before phases were stored: one phase over the points it was read from.
        start = position.get(result.points[0].quarter)
        end = position.get(result.points[-1].quarter)
        if start is not None and end is not None:
            phases.append(pack_charts.Phase(start, end, result.mean, result.upper, result.lower))
    return phases


def _special(dataset: PublishedDataset, code: str) -> list[pack_charts.Special]:
    result = dataset.spc.get(code)
    if result is None or result.method == "year_to_date" or not result.enough_data:
        return []
    position = {q: x for x, q in enumerate(dataset.quarters)}
    out = []
    for point in result.points:
        cell = dataset.figures.get(code, point.quarter).value
        if not point.rules or point.quarter not in position or not cell.shown:
            continue
        if dataset.partial(code, point.quarter) is not None:
            continue
        out.append(pack_charts.Special(position[point.quarter], cell.value, point.assessment or "neutral"))
    return out


def _special_words(assessment: str) -> str:
    return {"improvement": "special cause: improvement", "concern": "special cause: concern"}.get(
        assessment, "special cause"
    )


def indicator_section(pack: PackData, dataset: PublishedDataset, code: str) -> IndicatorSection:
    info = dataset.indicators[code]
    section = IndicatorSection(info=info, latest=[dataset.figure(code, q) for q in dataset.latest_quarters])
    series = [dataset.figures.get(code, q).value for q in dataset.quarters]
    labels = [quarter_label(q) for q in dataset.quarters]
    partial = [x for x, q in enumerate(dataset.quarters) if dataset.partial(code, q) is not None]
    special = _special(dataset, code)
    phases: list[pack_charts.Phase] = []
    if dataset.all_withheld(code):
        section.withheld = pack_charts.ALL_WITHHELD
    elif all(c.value is None for c in series):
        section.withheld = "No values: no agency has supplied this indicator yet."
    else:
        phases = _phases(dataset, code)
        section.chart, section.key = pack_charts.indicator_chart(
            title=f"{code} {info.title}",
            unit=info.unit,
            labels=labels,
            values=[c.value if c.shown else None for c in series],
            target=info.target,
            target_label=format_value(info.unit, info.target) if info.target is not None else "",
            partial=[x for x in partial if series[x].shown],
            phases=phases,
            special=special,
        )
    section.notes.extend(_chart_notes(dataset, code, series, partial, phases, drawn=bool(section.chart)))
    _commentary(pack, dataset, code, section, {s.x: s.assessment for s in special})
    return section


def _chart_notes(
    dataset, code: str, series: Sequence[Cell], partial: Sequence[int], phases, *, drawn: bool
) -> list[str]:
    """The footnotes under a chart (or under the figures, when there is no chart): partial quarters first."""
    notes = []
    for x in partial:
        pv = dataset.partial(code, dataset.quarters[x])
        names = ", ".join(dataset.agency_name(a) for a in pv.missing)
        marker = " (hollow marker)" if drawn and series[x].shown else ""
        notes.append(
            f"{quarter_label(pv.quarter)} is partial{marker}: {names} did not report, so "
            f"{len(pv.contributors)} of {len(pv.expected)} agencies are in it. It is not compared with other "
            "quarters and is not a rise or a fall."
        )
    if not drawn:
        return notes
    if any(c.status == disclosure.SUPPRESSED for c in series):
        notes.append("Quarters whose value is c (withheld under disclosure control) are gaps in the line.")
    result = dataset.spc.get(code)
    if result is not None:
        if result.method == "year_to_date":
            notes.append(result.message or "A year-to-date figure: compared with the same quarter of earlier years.")
        elif code in dataset.withheld_codes and result.enough_data:
            notes.append(SPC_WITHHELD)
        elif not result.enough_data and result.message:
            notes.append(f"No process limits: {result.message[0].lower()}{result.message[1:]}")
        if len(phases) > 1:
            starts = "; ".join(
                f"from {quarter_label(dataset.quarters[p.start])}{f' ({p.reason})' if p.reason else ''}"
                for p in phases[1:]
            )
            notes.append(f"The mean and limits are drawn for each phase of the process: a new phase {starts}.")
    return notes


def _commentary(pack: PackData, dataset, code: str, section: IndicatorSection, special: Mapping[int, str]) -> None:
    """What the agencies said about the quarters in the figures table (the latest few), oldest first, beside those
    figures. Earlier quarters' commentary stays on the indicator's page: ten years of it would be thousands of rows
    at a large partnership, most about quarters the panel is not looking at. Withheld where the figure it describes
    (the partnership's value or the agency's own part) is c."""
    commented = set()
    shown = set(dataset.latest_quarters)
    for x, quarter in enumerate(dataset.quarters):
        if quarter not in shown:
            continue
        published = dataset.figures.get(code, quarter)
        partial = dataset.partial(code, quarter)
        for agency, text in pack.commentary.get((code, quarter), ()):
            part = published.parts.get(agency)
            value_hidden = published.value.status == disclosure.SUPPRESSED
            if value_hidden or (part is not None and part.status == disclosure.SUPPRESSED):
                section.commentary_withheld += 1
                continue
            marks = []
            if x in special:
                marks.append(_special_words(special[x]))
            if partial is not None:
                marks.append("partial quarter" + (": did not report" if agency in partial.missing else ""))
            section.commentary.append(Comment(quarter_label(quarter), dataset.agency_name(agency), text, tuple(marks)))
            commented.add(x)
    section.silent_special = [
        quarter_label(dataset.quarters[x])
        for x in sorted(special)
        if x not in commented and dataset.quarters[x] in shown
    ]
    section.commentary = _merged(section.commentary)


def _merged(comments: list[Comment]) -> list[Comment]:
    """One row for an agency saying the same thing in several unmarked quarters ("2016-17 Q1, 2016-17 Q2")."""
    out: list[Comment] = []
    rows: dict[tuple[str, str], int] = {}
    for comment in comments:
        key = (comment.agency, comment.text)
        if not comment.marks and key in rows:
            first = out[rows[key]]
            out[rows[key]] = Comment(f"{first.quarter}, {comment.quarter}", first.agency, first.text)
            continue
        if not comment.marks:
            rows[key] = len(out)
        out.append(comment)
    return out


# --- the summary ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ObjectiveLine:
    objective: str
    label: str
    aim: str
    actions: str  # "3 Red, c Amber, 10 Green, 0 Blue" under disclosure
    actions_total: str
    direction: str  # since the quarter before, in words
    indicators: str  # "2 Red, 1 Amber, 3 Green"
    indicators_direction: str


def _rag_words(cells: Sequence[Cell]) -> str:
    return ", ".join(f"{cell.text} {RAG_WORDS[rag]}" for rag, cell in zip(RAGS, cells, strict=True))


def _on_track_share(counts: Mapping[str, int]) -> Decimal | None:
    total = sum(counts.get(r, 0) for r in RAGS)
    return Decimal(counts.get("green", 0) + counts.get("blue", 0)) / total if total else None


def action_direction(line: ObjectiveRag, previous: str) -> str:
    """Improving when a larger share of the rated actions is Green or Blue than the quarter before. A word, not the
    movement of each colour: that would give the quarter before's counts, which the pack does not publish."""
    if line.before is None or not previous:
        return "Not compared (no accepted report the quarter before)"
    now, before = _on_track_share(line.counts), _on_track_share(line.before)
    if now is None or before is None:
        return "Not compared (no rated actions)"
    if now > before:
        return f"Improving since {previous}"
    if now < before:
        return f"Worsening since {previous}"
    return f"No change since {previous}"


def indicator_rags(dataset: PublishedDataset, objective: str) -> tuple[str, str]:
    """Counts of the objective's indicators by their latest RAG and direction of travel, each as published: an
    indicator whose RAG or direction is c (or partial) is counted as such, never under a colour."""
    latest = dataset.latest
    rags: dict[str, int] = {}
    directions: dict[str, int] = {}
    for code, info in sorted(dataset.indicators.items()):
        if info.objective != objective or latest is None:
            continue
        figure = dataset.figure(code, latest)
        rags[figure.rag] = rags.get(figure.rag, 0) + 1
        direction = figure.direction
        if direction.startswith("Partial"):
            direction = "partial"
        elif direction.startswith("Not compared"):
            direction = "not compared"
        directions[direction] = directions.get(direction, 0) + 1
    order = ("Red", "Amber", "Green", "Not rated", "No target", disclosure.SUPPRESSED, disclosure.MISSING)
    words = {disclosure.SUPPRESSED: "withheld (c)", disclosure.MISSING: "no value (:)"}
    rag_text = ", ".join(
        f"{rags[k]} {words.get(k, k)}" for k in (*order, *sorted(set(rags) - set(order))) if rags.get(k)
    )
    direction_order = ("Improving", "Worsening", "No significant change", "Up", "Down", "partial", "not compared")
    direction_text = ", ".join(
        f"{directions[k]} {'withheld (c)' if k == disclosure.SUPPRESSED else k.lower()}"
        for k in (*direction_order, *sorted(set(directions) - set(direction_order)))
        if directions.get(k)
    )
    return rag_text or "No indicators", direction_text or "No indicators"


def objective_cells(pack: PackData, line: ObjectiveRag) -> tuple[tuple[Cell, ...], Cell]:
    """The objective's RAG counts as a disclosure group, kept in step with the agency rows published beside them
    (the RAG summary's table and the workbook's sheet): a colour is c wherever an agency's count of it is c, and
    the total wherever an agency's total is, so no c in the agency rows can be worked out by subtracting the
    shown ones from the objective's count."""
    cells, total = rag_cells(dict(line.counts))
    hidden = {rag for rag, cell in zip(RAGS, cells, strict=True) if not cell.shown}
    total_hidden = not total.shown
    for item in pack.rag_counts:
        if item.objective != line.objective:
            continue
        row, row_total = rag_cells(item.counts)
        hidden |= {rag for rag, cell in zip(RAGS, row, strict=True) if not cell.shown}
        total_hidden = total_hidden or not row_total.shown
    counts = {rag: line.counts.get(rag, 0) for rag in RAGS}
    while not total_hidden and len(hidden) == 1:  # the total less the shown colours would give it back
        shown = [(counts[rag] == 0, RAGS.index(rag), rag) for rag in RAGS if rag not in hidden]
        if not shown:
            break
        hidden.add(min(shown)[2])
    published = tuple(
        disclosure.SUPPRESSED_CELL if rag in hidden else cell for rag, cell in zip(RAGS, cells, strict=True)
    )
    return published, (disclosure.SUPPRESSED_CELL if total_hidden else total)


def objective_lines(pack: PackData, dataset: PublishedDataset) -> list[ObjectiveLine]:
    by_objective = {line.objective: line for line in pack.objective_rags}
    lines = []
    for objective in Objective:
        line = by_objective.get(objective.value, ObjectiveRag(objective.value, {}, None))
        cells, total = objective_cells(pack, line)
        indicators, indicators_direction = indicator_rags(dataset, objective.value)
        lines.append(
            ObjectiveLine(
                objective=objective.value,
                label=objective.label,
                aim=OBJECTIVE_AIMS.get(objective, ""),
                actions=_rag_words(cells) if sum(line.counts.values()) else "No rated actions",
                actions_total=total.text,
                direction=action_direction(line, pack.rag_previous_quarter),
                indicators=indicators,
                indicators_direction=indicators_direction,
            )
        )
    return lines


@dataclass(frozen=True)
class AuditHeadline:
    title: str
    quarter: str
    cases: str
    all_four: str  # share of cases good or better on all four questions, or c
    gradings: str  # share of all gradings good or better, or c
    strongest: str
    weakest: str
    findings: tuple[tuple[str, str], ...]  # (agency, finding), distinct, at most SUMMARY_FINDINGS


def _protected_share(part: int, whole: int) -> str:
    """part of whole as a percentage, only when neither the part nor the rest is c (the share and the count of
    cases would give a small one back)."""
    if not whole:
        return ":"
    total, parts = disclosure.protect_group(total=whole, parts={"part": part, "rest": whole - part})
    if not total.shown or not all(c.shown for c in parts.values()):
        return SHARE_WITHHELD
    return share_text(part, whole)


def audit_headline(audit: AuditData) -> AuditHeadline:
    result = summarise([dict(c.grades) for c in audit.cases])
    lines = [line for line in audit_summary(audit).lines if line.shown]
    ranked = sorted(lines, key=lambda line: line.good_or_better_count)
    findings = []
    seen = set()
    for case in audit.cases:
        text = case.findings.strip()
        if text and text not in seen:
            seen.add(text)
            findings.append((case.agency, text))
    return AuditHeadline(
        title=audit.title,
        quarter=audit.quarter,
        cases=disclosure.publish_count(result.cases),
        all_four=_protected_share(result.cases_good_or_better, result.cases),
        gradings=_protected_share(result.gradings_good_or_better, result.gradings),
        strongest=f"{ranked[-1].question} ({ranked[-1].good_or_better})" if ranked else "",
        weakest=f"{ranked[0].question} ({ranked[0].good_or_better})" if len(ranked) > 1 else "",
        findings=tuple(findings[:SUMMARY_FINDINGS]),
    )


def _voice(evidence: Sequence[EvidenceRow], source: str) -> list[EvidenceRow]:
    return [e for e in evidence if e.source == source]


def key_messages(dataset: PublishedDataset) -> list[dict]:
    """The top themes by rank, one per indicator: the quarter's key messages."""
    out, seen = [], set()
    for theme in dataset.themes:
        key = theme["code"] or theme["kind"]
        if key in seen:
            continue
        seen.add(key)
        out.append(theme)
        if len(out) == KEY_MESSAGES:
            break
    return out


def summary(pack: PackData, dataset: PublishedDataset) -> dict:
    return {
        "key_messages": key_messages(dataset),
        "objectives": objective_lines(pack, dataset),
        "audits": [audit_headline(a) for a in pack.audits],
        "voice_children": _voice(pack.evidence, "voice_children"),
        "voice_practitioners": _voice(pack.evidence, "voice_practitioners"),
        "gaps": list(pack.gaps),
        "training": training_lines(pack),
        "quotes": SUMMARY_QUOTES,
    }


# --- the detail ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingLine:
    title: str
    held_on: object
    agency: str
    respondents: str
    before: str
    after: str
    change: str


def training_lines(pack: PackData) -> list[TrainingLine]:
    """Mean confidence before and after; the means withheld when so few answered that their count is c."""
    lines = []
    for t in pack.training:
        respondents = disclosure.primary(t.respondents)
        shown = respondents.shown
        lines.append(
            TrainingLine(
                title=t.title,
                held_on=t.held_on,
                agency=t.agency or "Partnership",
                respondents=respondents.text,
                before=f"{t.mean_before:.1f} of {t.scale_max}" if shown else SHARE_WITHHELD,
                after=f"{t.mean_after:.1f} of {t.scale_max}" if shown else SHARE_WITHHELD,
                change=f"{t.mean_after - t.mean_before:+.1f}" if shown else SHARE_WITHHELD,
            )
        )
    return lines


def rag_table(pack: PackData) -> list[dict]:
    """The agency by objective RAG counts, each row a disclosure group, grouped by objective."""
    groups = []
    for objective in Objective:
        rows = []
        for item in pack.rag_counts:
            if item.objective != objective.value:
                continue
            cells, total = rag_cells(item.counts)
            rows.append({"agency": item.agency, "cells": cells, "total": total})
        if rows:
            groups.append({"label": objective.label, "rows": rows})
    return groups


@dataclass(frozen=True)
class SummaryLine:
    """An indicator of a long outcome given one line (its latest quarter) instead of a chart and tables."""

    info: IndicatorInfo
    latest: QuarterFigure


def _weight(dataset: PublishedDataset, code: str, themed: Mapping[str, int]) -> tuple:
    """Which of an outcome's indicators the panel most needs to see in full: those the themes speak of (in rank
    order), then Red ones, then a special cause or a partial quarter in the latest quarter; then by code."""
    latest = dataset.figure(code, dataset.latest) if dataset.latest is not None else None
    red = latest is not None and latest.rag == "Red"
    marked = latest is not None and (latest.partial or latest.spc.startswith("Special cause"))
    return (themed.get(code, len(themed)), not red, not marked, code)


def _chosen(dataset: PublishedDataset, codes: Sequence[str]) -> tuple[list[str], list[str]]:
    """An outcome's indicators in the snapshot, split into those drawn in full and those given a summary line. Up
    to DETAIL_LIMIT are drawn (all of them, as before, for an outcome with no more than that); the rest are still
    in the summary table, Appendix A, the workbook and the CSV."""
    present = [c for c in codes if c in dataset.indicators]
    if len(present) <= DETAIL_LIMIT:
        return present, []
    themed: dict[str, int] = {}
    for rank, theme in enumerate(dataset.themes):
        if theme["code"]:
            themed.setdefault(theme["code"], rank)
    ranked = sorted(present, key=lambda c: _weight(dataset, c, themed))
    detail = set(ranked[:DETAIL_LIMIT])
    return [c for c in present if c in detail], [c for c in present if c not in detail]


def pdf_context(pack: PackData, dataset: PublishedDataset, progress: Callable[[str], None] | None = None) -> dict:
    sections: dict[str, IndicatorSection] = {}
    outcomes = []
    for outcome in pack.outcomes:
        indicators = []
        detail, summarised = _chosen(dataset, outcome.codes)
        for code in detail:
            if code not in sections:
                if progress:
                    progress(f"Drawing the chart for {code}")
                sections[code] = indicator_section(pack, dataset, code)
            indicators.append(sections[code])
        latest = dataset.latest
        outcomes.append(
            {
                "outcome": outcome,
                "indicators": indicators,
                "summarised": [
                    SummaryLine(dataset.indicators[c], dataset.figure(c, latest)) for c in summarised if latest
                ],
                "missing_codes": [c for c in outcome.codes if c not in dataset.indicators],
                "voice_children": _voice(outcome.evidence, "voice_children"),
                "voice_practitioners": _voice(outcome.evidence, "voice_practitioners"),
                "observations": _voice(outcome.evidence, "observation"),
            }
        )
    appendix = [
        {
            "info": info,
            "cells": [dataset.figure(code, q).value_text for q in dataset.latest_quarters],
        }
        for code, info in sorted(dataset.indicators.items())
    ]
    return {
        "pack": pack,
        "data_as_at": pack.snapshot_built_at,
        "data_to": quarter_label(dataset.latest) if dataset.latest is not None else "",
        "summary": summary(pack, dataset),
        "themes": dataset.themes,
        "outcomes": outcomes,
        "rag_table": rag_table(pack),
        "audits": [audit_summary(a) for a in pack.audits],
        "training": training_lines(pack),
        "grades": GRADES,
        "rag_names": [RAG_WORDS[r] for r in RAGS],
        "appendix": appendix,
        "appendix_quarters": [quarter_label(q) for q in dataset.latest_quarters],
        "definitions": sorted(dataset.indicators.values(), key=lambda i: i.code),
        "unit_labels": exports.UNIT_LABELS,
        "symbols": disclosure.SYMBOLS,
        "disclosure_notes": (
            *exports.DISCLOSURE_NOTES,
            *PACK_DISCLOSURE_NOTES,
            "Charts draw no mean or process limits for an indicator with any quarter shown as c, and agencies' "
            "commentary on a figure shown as c is withheld, since either could give the figure back.",
            "A share good or better in the summary is c when the cases (or gradings) counted in it, or those not "
            "counted, are from 1 to 5. Training means are c when from 1 to 5 people answered.",
        ),
        "rag_words": RAG_WORDS,
        "objective_label": objective_label,
        "heard_text": heard_text,
    }
