"""Scrutiny events and their evidence packs: reads for the event page, the event's record, and the pack build.

A pack is asked for on the event page (`requests.pack_request`: the next version, queued, the job enqueued once
the request commits) and built by the worker (`pack_build`): progress is committed step by step so the page can poll
it, and the ZIP is written whole in one transaction at the end. A complete pack never changes; rebuilding makes a
new version.

An event uses a chosen published snapshot. A pack keeps the snapshot it was asked for with; the event moves to a
newer published one only when a person asks (`event_snapshot_switch`, offered on the event page), never by itself.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from actionplans import selectors as actionplan_selectors
from actionplans.models import ProgressReport
from actionplans.summary import counting
from actionplans.summary import selectors as summary_selectors
from agencies.models import User
from dataset.build.figures import SpcPhase
from dataset.history import record_as
from dataset.models import (
    DatasetContribution,
    DatasetSnapshot,
    DatasetSpc,
    HistorySource,
    ReportingPeriod,
    SnapshotStatus,
)
from dataset.reading import selectors as dataset_selectors
from neglect_portal import jobs
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from notifications import services as notifications
from scrutiny import selectors
from scrutiny.models import (
    Audit,
    EvidenceItem,
    EvidencePack,
    EvidenceSource,
    ImpactOutcome,
    PackStatus,
    ScrutinyEvent,
    TrainingSession,
)

from . import files as packs
from . import sections, stored

log = logging.getLogger(__name__)

SOURCES = list(EvidenceSource)
MISSING = "Missing"


# --- reads ----------------------------------------------------------------------------------------------------------
def events(*, user: User) -> QuerySet[ScrutinyEvent]:
    selectors.require_reader(user)
    return ScrutinyEvent.objects.prefetch_related("outcomes", "periods")


def event_for_read(*, user: User, pk: int) -> ScrutinyEvent:
    return get_object_or_404(events(user=user).select_related("snapshot"), pk=pk)


def event_for_edit(*, user: User, pk: int) -> ScrutinyEvent:
    selectors.require_editor(user)
    return get_object_or_404(ScrutinyEvent.objects.select_related("snapshot"), pk=pk)


def pack_for_read(*, user: User, pk: int) -> EvidencePack:
    selectors.require_reader(user)
    return get_object_or_404(EvidencePack.objects.select_related("event", "requested_by"), pk=pk)


def pack_content(*, user: User, pk: int) -> EvidencePack:
    selectors.require_reader(user)
    pack = get_object_or_404(EvidencePack.objects.select_related("event"), pk=pk)
    if pack.status != PackStatus.COMPLETE or not pack.file.name:
        raise Http404("The pack is not built yet")
    return pack


def event_packs(event: ScrutinyEvent) -> list[EvidencePack]:
    return list(event.packs.select_related("requested_by", "snapshot").order_by("-version"))


def snapshots_for_events() -> QuerySet[DatasetSnapshot]:
    """Published snapshots only, for the analyst too: a pack leaves the app, and readers see published data, so a
    pack's figures must be ones readers could check on the dashboards."""
    return DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE, published_at__isnull=False).order_by(
        "-built_at", "-pk"
    )


def default_snapshot() -> DatasetSnapshot | None:
    return snapshots_for_events().order_by("-published_at", "-pk").first()


def newer_snapshot(event: ScrutinyEvent) -> DatasetSnapshot | None:
    """The newest published snapshot built after the event's, if there is one: the event page offers to switch
    to it. None when the event's is the newest (or the event has none: the form chooses one)."""
    if event.snapshot_id is None:
        return None
    newest = snapshots_for_events().first()
    if newest is None or newest.pk == event.snapshot_id:
        return None
    current = event.snapshot
    if (newest.built_at, newest.pk) <= (current.built_at, current.pk):
        return None
    return newest


@dataclass(frozen=True)
class GridCell:
    source: str
    count: int
    expected: bool

    @property
    def missing(self) -> bool:
        return self.expected and self.count == 0


@dataclass(frozen=True)
class GridRow:
    outcome: ImpactOutcome
    cells: list[GridCell]


def snapshot_codes(snapshot: DatasetSnapshot | None) -> set[str]:
    if snapshot is None:
        return set()
    return {raw["code"] for raw in snapshot.meta.get("indicators", [])}


def evidence_grid(event: ScrutinyEvent, snapshot: DatasetSnapshot | None = None) -> list[GridRow]:
    """Outcomes by the five sources: what has been gathered, and what an outcome expects but lacks.

    Data: the outcome's linked indicators present in the snapshot (the event's unless another is given). Audit:
    audits of the quarters covered. The others: evidence items linked to the outcome, by source.
    """
    outcomes = list(event.outcomes.prefetch_related("indicators").order_by("position", "pk"))
    codes = snapshot_codes(snapshot or event.snapshot)
    audits = Audit.objects.filter(period__in=event.periods.all()).count()
    items: Counter = Counter()
    for source, outcome_id in EvidenceItem.objects.filter(outcomes__in=outcomes).values_list("source", "outcomes__id"):
        items[(outcome_id, source)] += 1
    rows = []
    for outcome in outcomes:
        cells = []
        for source in SOURCES:
            if source == EvidenceSource.DATA:
                count = sum(1 for i in outcome.indicators.all() if i.code in codes)
            elif source == EvidenceSource.AUDIT:
                count = audits
            else:
                count = items[(outcome.pk, source.value)]
            cells.append(GridCell(source.value, count, source.value in outcome.expected_sources))
        rows.append(GridRow(outcome, cells))
    return rows


@dataclass(frozen=True)
class NextEvent:
    """The scrutineer's next event: what evidence it still lacks, and where its pack stands."""

    event: ScrutinyEvent
    gaps: list[tuple[ImpactOutcome, list[str]]]  # each outcome lacking an expected source, with those sources' names
    pack: EvidencePack | None  # the latest version, if one was asked for
    newer_snapshot: DatasetSnapshot | None
    upcoming: bool  # False: no event is planned, and this is the latest one held


def next_event(*, user: User, today: date) -> NextEvent | None:
    """The first event held today or later, else the latest held (None when there is none at all). A fixed number
    of queries whatever the size."""
    qs = events(user=user).select_related("snapshot")
    event = qs.filter(held_on__gte=today).order_by("held_on", "pk").first()
    upcoming = event is not None
    if event is None:
        event = qs.order_by("-held_on", "-pk").first()
    if event is None:
        return None
    labels = dict(EvidenceSource.choices)
    gaps = [
        (row.outcome, [labels[c.source] for c in row.cells if c.missing])
        for row in evidence_grid(event)
        if any(c.missing for c in row.cells)
    ]
    pack = event.packs.select_related("snapshot").order_by("-version").first()
    return NextEvent(event, gaps, pack, newer_snapshot(event), upcoming)


# --- the event's record ------------------------------------------------------------------------------------------
@transaction.atomic
def event_save(
    *,
    event: ScrutinyEvent | None,
    fields: Mapping[str, object],
    outcomes: Iterable[ImpactOutcome],
    periods: Iterable[ReportingPeriod],
    acting_user: User,
) -> ScrutinyEvent:
    selectors.require_editor(acting_user)
    event = event or ScrutinyEvent()
    for name, value in fields.items():
        setattr(event, name, value)
    record_as(event, user=acting_user, source=HistorySource.FORM, reason="scrutiny event saved")
    event.save()
    event.outcomes.set(outcomes)
    event.periods.set(periods)
    return event


# --- refusing a pack ----------------------------------------------------------------------------------------------
class PackRefused(Exception):
    pass


@transaction.atomic
def event_snapshot_switch(*, event: ScrutinyEvent, snapshot_id: int, acting_user: User) -> ScrutinyEvent:
    """Move the event onto a newer published snapshot, recorded with its reason. Only ever asked for by a person:
    a pack keeps the snapshot it was built from, and an event never moves by itself."""
    selectors.require_editor(acting_user)
    locked = ScrutinyEvent.objects.select_for_update(of=("self",)).select_related("snapshot").get(pk=event.pk)
    newer = newer_snapshot(locked)
    if newer is None or newer.pk != snapshot_id:
        raise PackRefused(
            "That is not the newest published snapshot any more (or the event already uses it): look again at the "
            "event before switching."
        )
    locked.snapshot = newer
    record_as(locked, user=acting_user, source=HistorySource.FORM, reason=f"switched to the newer snapshot {newer}")
    locked.save()
    return locked


# --- building it ------------------------------------------------------------------------------------------------------
# A builder that has said nothing for longer than the build's hard time limit (and a margin) is lost: the limit would
# have ended it. The sweep queues such a pack again, and a delivery finding a pack held by a live builder leaves it.
PACK_SOFT_TIME_LIMIT = 600
PACK_TIME_LIMIT = 660
PACK_STUCK_AFTER = jobs.STUCK_MARGIN + timedelta(seconds=PACK_TIME_LIMIT)


class PackRetry(Exception):
    """The build failed on something that may pass (a cut connection, a blip): try again at `countdown` seconds."""

    def __init__(self, countdown: int, error: BaseException) -> None:
        super().__init__(str(error))
        self.countdown, self.error = countdown, error


def _progress(pack_id: int, percent: int, step: str) -> None:
    """Committed at once (the build runs outside a transaction), so the polling page sees it."""
    EvidencePack.objects.filter(pk=pack_id).exclude(status=PackStatus.COMPLETE).update(
        status=PackStatus.BUILDING, progress=percent, step=step[:200], heartbeat_at=timezone.now()
    )


def _held_elsewhere(pack: EvidencePack, task_id: str) -> bool:
    """Another delivery's builder is at work on it and still alive: a sweep's second message, a double queue."""
    return (
        pack.status == PackStatus.BUILDING
        and bool(pack.task_id)
        and pack.task_id != task_id
        and pack.heartbeat_at is not None
        and pack.heartbeat_at >= timezone.now() - PACK_STUCK_AFTER
    )


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _rag_counts(period: ReportingPeriod | None) -> tuple[str, list[packs.RagCount]]:
    """Agency by objective RAG counts from the quarter's accepted action-plan reports, under the objective each
    action had when rated."""
    if period is None:
        return "", []
    grid: dict[tuple[str, str], Counter] = {}
    for rating in actionplan_selectors.accepted_ratings(period=period):
        counts = grid.setdefault((rating.agency.name, rating.objective), Counter())
        if rating.rag in packs.RAGS:
            counts[rating.rag] += 1
    return period.label, [packs.RagCount(agency, objective, dict(c)) for (agency, objective), c in grid.items()]


def _evidence_row(item: EvidenceItem) -> packs.EvidenceRow:
    return packs.EvidenceRow(
        source=item.source,
        source_label=item.get_source_display(),
        title=item.title,
        gathered_on=item.gathered_on,
        agency=item.agency.name if item.agency else "",
        outcomes=tuple(o.title for o in item.outcomes.all()),
        summary=item.summary,
        quotes=tuple(q.strip() for q in item.quotes.splitlines() if q.strip()),
        heard_count=item.heard_count,
        heard_who=item.get_heard_who_display() if item.heard_who else "",
    )


def gather(pack: EvidencePack) -> packs.PackData:
    """Everything the pack says, as plain data."""
    event = pack.event
    snapshot = pack.snapshot
    if snapshot is None or snapshot.status != SnapshotStatus.COMPLETE:
        raise PackRefused("The event's dataset snapshot is not a complete build; choose another on the event.")
    if snapshot.published_at is None:
        raise PackRefused("The event's dataset snapshot is not published; a pack uses a published snapshot only.")
    outcomes = list(
        event.outcomes.prefetch_related("indicators", "actions__plan__agency", "evidence__agency").order_by(
            "position", "pk"
        )
    )
    action_ids = {a.pk for o in outcomes for a in o.actions.all()}
    rags = actionplan_selectors.latest_accepted_ratings(action_ids=action_ids)
    periods = list(event.periods.order_by("year", "quarter"))
    evidence = list(
        EvidenceItem.objects.filter(outcomes__in=outcomes)
        .distinct()
        .select_related("agency")
        .prefetch_related("outcomes")
        .order_by("source", "-gathered_on", "title")
    )
    by_outcome: dict[int, list[packs.EvidenceRow]] = {}
    for item in evidence:
        row = _evidence_row(item)
        for outcome in item.outcomes.all():
            by_outcome.setdefault(outcome.pk, []).append(row)
    outcome_data = []
    for outcome in outcomes:
        actions = []
        for action in sorted(outcome.actions.all(), key=lambda a: (a.plan.agency.name, a.objective, a.due_on, a.pk)):
            rating = rags.get(action.pk)
            rag, quarter = (rating.rag, rating.update.report.period.label) if rating else ("", "")
            # A rated action is shown as it was rated, so its RAG sits beside the wording and dates it was given
            # for; whether it is open is today's fact.
            shown = rating.action if rating else action
            actions.append(
                packs.ActionRow(
                    agency=action.plan.agency.name,
                    objective=packs.objective_label(shown.objective),
                    description=shown.description,
                    lead_officer=shown.lead_officer,
                    due_on=shown.due_on,
                    status=action.get_status_display(),
                    rag=rag,
                    rag_quarter=quarter,
                )
            )
        outcome_data.append(
            packs.OutcomeData(
                title=outcome.title,
                description=outcome.description,
                questions=tuple(outcome.questions),
                codes=tuple(sorted(i.code for i in outcome.indicators.all())),
                actions=tuple(actions),
                evidence=tuple(by_outcome.get(outcome.pk, [])),
            )
        )
    audits = []
    for audit in Audit.objects.filter(period__in=periods).select_related("period").order_by("period__year", "title"):
        cases = tuple(
            packs.CaseRow(c.case_reference, c.agency.name, c.grades(), c.findings)
            for c in audit.cases.select_related("agency").order_by("case_reference")
        )
        audits.append(packs.AuditData(audit.title, audit.period.label, audit.scope, cases))
    rag_period, previous_period = _rag_periods(periods)
    rag_quarter, rag_counts = _rag_counts(rag_period)
    built = timezone.localtime(snapshot.built_at)
    dataset = dataset_selectors.export_data(snapshot)
    return packs.PackData(
        event_id=event.pk,
        event_title=event.title,
        held_on=event.held_on,
        notes=event.notes,
        quarters=tuple(p.label for p in periods),
        version=pack.version,
        built_by=_person(pack.requested_by),
        built_at=timezone.localtime(),
        snapshot_id=snapshot.pk,
        snapshot_label=f"Partnership Neglect Dataset as at {built:%d %B %Y}",
        dataset=dataset,
        outcomes=tuple(outcome_data),
        audits=tuple(audits),
        rag_quarter=rag_quarter,
        rag_counts=tuple(rag_counts),
        evidence=tuple(_evidence_row(item) for item in evidence),
        snapshot_built_at=built,
        spc=_spc_views(snapshot),
        commentary=_commentary(snapshot),
        ranked_themes=tuple(dataset["themes"]),
        rag_previous_quarter=previous_period.label if previous_period else "",
        objective_rags=_objective_rags(rag_period, previous_period),
        gaps=_gaps(event, snapshot),
        training=_training(periods),
    )


def _decimal(text: object) -> Decimal | None:
    return None if text in (None, "") else Decimal(str(text))


def _spc_views(snapshot: DatasetSnapshot) -> dict[str, packs.SpcView]:
    """Each indicator's SPC method and phases as the snapshot stored them (numbers as text in JSON)."""
    out = {}
    for row in DatasetSpc.objects.filter(snapshot=snapshot).only("code", "method", "phases"):
        phases = tuple(
            SpcPhase(
                start=int(raw["start"]),
                end=int(raw["end"]),
                reason=raw.get("reason") or "",
                enough_data=bool(raw.get("enough_data")),
                mean=_decimal(raw.get("mean")),
                upper=_decimal(raw.get("upper")),
                lower=_decimal(raw.get("lower")),
            )
            for raw in (row.phases or [])
        )
        out[row.code] = packs.SpcView(method=row.method or "xmr", phases=phases)
    return out


def _commentary(snapshot: DatasetSnapshot) -> dict[tuple[str, int], tuple[tuple[str, str], ...]]:
    """What each agency said about its figures, as accepted into the snapshot."""
    out: dict[tuple[str, int], list[tuple[str, str]]] = {}
    rows = (
        DatasetContribution.objects.in_snapshot(snapshot)
        .exclude(commentary="")
        .order_by("code", "quarter", "agency")
        .values_list("code", "quarter", "agency", "commentary")
    )
    for code, quarter, agency, text in rows:
        if text.strip():
            out.setdefault((code, quarter), []).append((agency, text.strip()))
    return {key: tuple(value) for key, value in out.items()}


def _rag_periods(periods: list[ReportingPeriod]) -> tuple[ReportingPeriod | None, ReportingPeriod | None]:
    """The latest quarter with accepted action-plan reports up to the event's last quarter (any, when it covers
    none), and the one before it: the RAG the event looks at, and what it moved from."""
    accepted = ReportingPeriod.objects.filter(progress_reports__status=State.ACCEPTED).distinct()
    if periods:
        last = periods[-1]
        accepted = accepted.filter(Q(year__lt=last.year) | Q(year=last.year, quarter__lte=last.quarter))
    found = list(accepted.order_by("-year", "-quarter")[:2])
    return (found[0] if found else None), (found[1] if len(found) > 1 else None)


def _rated(period: ReportingPeriod) -> list[counting.Rated]:
    return summary_selectors.as_counted(actionplan_selectors.accepted_ratings(period=period))


def _objective_rags(period: ReportingPeriod | None, previous: ReportingPeriod | None) -> tuple[packs.ObjectiveRag, ...]:
    """The partnership's RAG counts by objective, counted as the RAG summary counts them (actionplans.summary):
    movement compared only for agencies that had an accepted report the quarter before."""
    if period is None:
        return ()
    reported = set(
        ProgressReport.objects.filter(period=period, status=State.ACCEPTED).values_list("agency__short_name", flat=True)
    )
    compared = (
        set(
            ProgressReport.objects.filter(period=previous, status=State.ACCEPTED).values_list(
                "agency__short_name", flat=True
            )
        )
        if previous is not None
        else set()
    )
    objectives = [o.value for o in Objective]
    cells = counting.grid(
        current=_rated(period),
        previous=_rated(previous) if previous is not None else [],
        agencies=sorted(reported),
        objectives=objectives,
        compared=compared,
    )
    totals = counting.totals(cells, objectives)
    return tuple(
        packs.ObjectiveRag(
            objective=o,
            counts={r: totals[o].counts[r] for r in counting.RAGS},
            before=None if totals[o].before is None else {r: totals[o].before[r] for r in counting.RAGS},
        )
        for o in objectives
    )


def _gaps(event: ScrutinyEvent, snapshot: DatasetSnapshot) -> tuple[packs.Gap, ...]:
    """Outcomes in scope that expect evidence they lack, or have no linked action, against the pack's snapshot."""
    codes = snapshot_codes(snapshot)
    labels = dict(EvidenceSource.choices)
    gaps = []
    for row in evidence_grid(event, snapshot):
        missing = tuple(labels.get(c.source, c.source) for c in row.cells if c.missing)
        no_actions = not row.outcome.actions.exists()
        absent = tuple(sorted(i.code for i in row.outcome.indicators.all() if i.code not in codes))
        if missing or no_actions or absent:
            gaps.append(packs.Gap(row.outcome.title, missing, no_actions, absent))
    return tuple(gaps)


def _training(periods: list[ReportingPeriod]) -> tuple[packs.TrainingRow, ...]:
    """Training sessions held in the quarters the event covers."""
    if not periods:
        return ()
    window = Q()
    for period in periods:
        window |= Q(held_on__gte=period.start, held_on__lte=period.end)
    sessions = TrainingSession.objects.filter(window).select_related("agency").order_by("held_on", "title")
    return tuple(
        packs.TrainingRow(
            title=t.title,
            held_on=t.held_on,
            agency=t.agency.name if t.agency else "",
            scale_max=t.scale_max,
            respondents=t.respondents,
            mean_before=t.mean_before,
            mean_after=t.mean_after,
        )
        for t in sessions
    )


def pack_build(*, pack_id: int, task_id: str = "", retries: int | None = None) -> EvidencePack:
    """Build one pack. Idempotent: a complete pack is left alone, and so is one another live delivery is building;
    a queued, building (a redelivery after a lost worker, or a sweep after one) or failed one is built again from
    the start. A failure is recorded on the pack, not raised, unless `retries` (the task's retries so far) leaves
    another try: then the pack is queued again and `PackRetry` says when. The failure is written on a fresh
    connection, so a cut connection never leaves the pack "building".

    The ZIP and the PDF are saved whole to storage first (`stored`), then named on the row in one transaction: a
    row never names a half-written file, and files no row names (this build lost the race to another delivery, or
    its row could not be saved) are deleted."""
    pack = EvidencePack.objects.select_related("event", "snapshot", "requested_by").get(pk=pack_id)
    if pack.status == PackStatus.COMPLETE or _held_elsewhere(pack, task_id):
        return pack
    EvidencePack.objects.filter(pk=pack_id).update(
        error="", task_id=task_id[:50], heartbeat_at=timezone.now(), attempts=pack.attempts + 1
    )
    stored.sweep_partials()
    written: list[str] = []
    try:
        files = _build_files(pack)
        _progress(pack_id, 95, "Writing the ZIP")
        zipped = _save(pack, "zip", packs.zip_bytes(files), written)
        pdf = _save(pack, "pdf", files[packs.PDF_NAME], written)
        return _complete(pack_id, zipped, pdf)
    except Exception as exc:  # recorded for the person who asked, whatever went wrong
        log.exception("Evidence pack %s failed", pack_id)
        stored.discard(*written)
        jobs.fresh_connection()  # a cut connection would lose the failure too, and leave the pack "building"
        countdown = None if isinstance(exc, PackRefused) or retries is None else jobs.retry_countdown(retries)
        if countdown is not None:
            EvidencePack.objects.filter(pk=pack_id).exclude(status=PackStatus.COMPLETE).update(
                status=PackStatus.QUEUED,
                progress=0,
                step=f"The build failed ({exc.__class__.__name__}); trying again in {countdown} seconds",
                queued_at=timezone.now() + timedelta(seconds=countdown),
                heartbeat_at=None,
            )
            raise PackRetry(countdown, exc) from exc
        message = str(exc) if isinstance(exc, PackRefused) else f"The build failed: {exc.__class__.__name__}: {exc}"
        EvidencePack.objects.filter(pk=pack_id).exclude(status=PackStatus.COMPLETE).update(
            status=PackStatus.FAILED, step="Failed", error=message[:2000], heartbeat_at=None
        )
        return EvidencePack.objects.get(pk=pack_id)


def _save(pack: EvidencePack, extension: str, content: bytes, written: list[str]) -> stored.Stored:
    field = EvidencePack._meta.get_field("file")
    name = field.generate_filename(pack, f"evidence-pack-{pack.pk}-v{pack.version}.{extension}")
    saved = stored.save_whole(name, content, storage=field.storage)
    written.append(saved.name)
    return saved


def _complete(pack_id: int, zipped: stored.Stored, pdf: stored.Stored) -> EvidencePack:
    with transaction.atomic():
        locked = EvidencePack.objects.select_for_update().get(pk=pack_id)
        if locked.status == PackStatus.COMPLETE:  # another delivery finished first: its files stand
            stored.discard(zipped.name, pdf.name, storage=locked.file.storage)
            return locked
        locked.file.name, locked.size, locked.sha256 = zipped.name, zipped.size, zipped.sha256
        locked.pdf.name, locked.pdf_size, locked.pdf_sha256 = pdf.name, pdf.size, pdf.sha256
        locked.status = PackStatus.COMPLETE
        locked.progress = 100
        locked.step = "Complete"
        locked.error = ""
        locked.built_at = timezone.now()
        locked.save()
        notifications.pack_ready_notify(
            title=f"{locked.event.title} (version {locked.version})",
            link=reverse("scrutiny:pack_detail", args=[locked.pk]),
        )
    return locked


def _build_files(pack: EvidencePack) -> dict[str, bytes]:
    _progress(pack.pk, 5, "Gathering the evidence")
    data = gather(pack)
    dataset = packs.publish_dataset(data.dataset, spc=data.spc, ranked_themes=data.ranked_themes)
    _progress(pack.pk, 15, "Drawing the charts")
    if pause := float(getattr(settings, "PACK_BUILD_PAUSE", 0) or 0):  # fault tests only: a window to cut the database
        time.sleep(pause)
    context = sections.pdf_context(data, dataset, progress=lambda step: _progress(pack.pk, 15, step))
    _progress(pack.pk, 35, "Writing the PDF")
    pdf = packs.pdf_bytes(context)
    _progress(pack.pk, 70, "Writing the workbook")
    xlsx = packs.xlsx_bytes(data, dataset.figures)  # the cells the PDF published, not decided again
    _progress(pack.pk, 85, "Writing the CSV files")
    files = {
        packs.PDF_NAME: pdf,
        packs.XLSX_NAME: xlsx,
        packs.DATASET_CSV: packs.dataset_csv(data, dataset.figures),
        packs.EVIDENCE_CSV: packs.evidence_csv(data),
        packs.AUDIT_CSV: packs.audit_csv(data),
    }
    files[packs.MANIFEST] = packs.manifest(data, files)
    return files


def download_name(pack: EvidencePack, extension: str = "zip") -> str:
    from django.utils.text import slugify

    return f"evidence-pack-{slugify(pack.event.title) or pack.event_id}-v{pack.version}.{extension}"


def pack_file(pack: EvidencePack, which: str = "zip"):
    """The pack's stored ZIP (or its PDF), opened for reading: a download streams it. A pack built before its PDF
    was kept beside the ZIP has none (404)."""
    field = pack.pdf if which == "pdf" else pack.file
    if not field.name:
        raise Http404("This pack has no PDF" if which == "pdf" else "The pack is not built yet")
    try:
        return field.storage.open(field.name, "rb")
    except FileNotFoundError as missing:
        log.error("Evidence pack %s: its %s file %s is missing from storage", pack.pk, which, field.name)
        raise Http404("The pack's file is missing") from missing
