"""Scrutiny events and their evidence packs: reads for the event page, the event's record, and the pack build.

A pack is asked for on the event page (`requests.pack_request`: the next version, queued, the job enqueued once
the request commits) and built by the worker (`pack_build`): progress is committed step by step so the page can poll
it, and the ZIP is written whole in one transaction at the end. A complete pack never changes; rebuilding makes a
new version.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from actionplans.models import ActionUpdate
from agencies.models import User
from dataset.history import record_as
from dataset.models import DatasetSnapshot, HistorySource, ReportingPeriod, SnapshotStatus
from dataset.reading import selectors as dataset_selectors
from neglect_portal.lifecycle import State
from scrutiny import selectors
from scrutiny.models import Audit, EvidenceItem, EvidencePack, EvidenceSource, ImpactOutcome, PackStatus, ScrutinyEvent

from . import files as packs

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
    return get_object_or_404(EvidencePack.objects.select_related("event", "requested_by").defer("content"), pk=pk)


def pack_content(*, user: User, pk: int) -> EvidencePack:
    selectors.require_reader(user)
    pack = get_object_or_404(EvidencePack.objects.select_related("event"), pk=pk)
    if pack.status != PackStatus.COMPLETE or pack.content is None:
        raise Http404("The pack is not built yet")
    return pack


def event_packs(event: ScrutinyEvent) -> list[EvidencePack]:
    return list(event.packs.select_related("requested_by").defer("content").order_by("-version"))


def snapshots_for_events() -> QuerySet[DatasetSnapshot]:
    return DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE).order_by("-built_at", "-pk")


def default_snapshot() -> DatasetSnapshot | None:
    return (
        DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE, published_at__isnull=False)
        .order_by("-published_at", "-pk")
        .first()
    )


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


def evidence_grid(event: ScrutinyEvent) -> list[GridRow]:
    """Outcomes by the five sources: what has been gathered, and what an outcome expects but lacks.

    Data: the outcome's linked indicators present in the event's snapshot. Audit: audits of the quarters covered.
    The others: evidence items linked to the outcome, by source.
    """
    outcomes = list(event.outcomes.prefetch_related("indicators").order_by("position", "pk"))
    codes = snapshot_codes(event.snapshot)
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


# --- building it ------------------------------------------------------------------------------------------------------
def _progress(pack_id: int, percent: int, step: str) -> None:
    """Committed at once (the build runs outside a transaction), so the polling page sees it."""
    EvidencePack.objects.filter(pk=pack_id).exclude(status=PackStatus.COMPLETE).update(
        status=PackStatus.BUILDING, progress=percent, step=step[:200]
    )


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _latest_rags(action_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Each action's RAG from its newest accepted report: {action id: (rag, quarter label)}."""
    out: dict[int, tuple[str, str]] = {}
    updates = (
        ActionUpdate.objects.filter(action_id__in=list(action_ids), report__status=State.ACCEPTED)
        .select_related("report__period")
        .order_by("action_id", "-report__period__year", "-report__period__quarter")
    )
    for update in updates:
        out.setdefault(update.action_id, (update.rag, update.report.period.label))
    return out


def _rag_counts() -> tuple[str, list[packs.RagCount]]:
    """Agency by objective RAG counts from the latest quarter's accepted action-plan reports."""
    period = (
        ReportingPeriod.objects.filter(progress_reports__status=State.ACCEPTED)
        .distinct()
        .order_by("-year", "-quarter")
        .first()
    )
    if period is None:
        return "", []
    grid: dict[tuple[str, str], Counter] = {}
    updates = ActionUpdate.objects.filter(report__period=period, report__status=State.ACCEPTED).select_related(
        "report__agency", "action"
    )
    for update in updates.order_by("report__agency__name", "action__objective"):
        key = (update.report.agency.name, update.action.objective)
        counts = grid.setdefault(key, Counter())
        if update.rag in packs.RAGS:
            counts[update.rag] += 1
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
    outcomes = list(
        event.outcomes.prefetch_related("indicators", "actions__plan__agency", "evidence__agency").order_by(
            "position", "pk"
        )
    )
    action_ids = {a.pk for o in outcomes for a in o.actions.all()}
    rags = _latest_rags(action_ids)
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
            rag, quarter = rags.get(action.pk, ("", ""))
            actions.append(
                packs.ActionRow(
                    agency=action.plan.agency.name,
                    objective=packs.objective_label(action.objective),
                    description=action.description,
                    lead_officer=action.lead_officer,
                    due_on=action.due_on,
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
    rag_quarter, rag_counts = _rag_counts()
    built = timezone.localtime(snapshot.built_at)
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
        dataset=dataset_selectors.export_data(snapshot),
        outcomes=tuple(outcome_data),
        audits=tuple(audits),
        rag_quarter=rag_quarter,
        rag_counts=tuple(rag_counts),
        evidence=tuple(_evidence_row(item) for item in evidence),
    )


def pack_build(*, pack_id: int) -> EvidencePack:
    """Build one pack. Idempotent: a complete pack is left alone; a queued, building (a redelivery after a lost
    worker) or failed one is built again from the start. A failure is recorded on the pack, not raised."""
    pack = EvidencePack.objects.select_related("event", "snapshot", "requested_by").defer("content").get(pk=pack_id)
    if pack.status == PackStatus.COMPLETE:
        return pack
    EvidencePack.objects.filter(pk=pack_id).update(error="")
    try:
        files = _build_files(pack)
    except Exception as exc:  # recorded for the person who asked, whatever went wrong
        log.exception("Evidence pack %s failed", pack_id)
        message = str(exc) if isinstance(exc, PackRefused) else f"The build failed: {exc.__class__.__name__}: {exc}"
        EvidencePack.objects.filter(pk=pack_id).exclude(status=PackStatus.COMPLETE).update(
            status=PackStatus.FAILED, step="Failed", error=message[:2000]
        )
        return EvidencePack.objects.defer("content").get(pk=pack_id)
    _progress(pack_id, 95, "Writing the ZIP")
    content = packs.zip_bytes(files)
    with transaction.atomic():
        locked = EvidencePack.objects.select_for_update().defer("content").get(pk=pack_id)
        if locked.status == PackStatus.COMPLETE:  # another delivery finished first
            return locked
        locked.content = content
        locked.size = len(content)
        locked.sha256 = hashlib.sha256(content).hexdigest()
        locked.status = PackStatus.COMPLETE
        locked.progress = 100
        locked.step = "Complete"
        locked.error = ""
        locked.built_at = timezone.now()
        locked.save()
    return locked


def _build_files(pack: EvidencePack) -> dict[str, bytes]:
    _progress(pack.pk, 5, "Gathering the evidence")
    data = gather(pack)
    dataset = packs.publish_dataset(data.dataset)
    _progress(pack.pk, 15, "Drawing the charts")
    context = packs.pdf_context(data, dataset)
    _progress(pack.pk, 35, "Writing the PDF")
    pdf = packs.pdf_bytes(context)
    _progress(pack.pk, 70, "Writing the workbook")
    xlsx = packs.xlsx_bytes(data)
    _progress(pack.pk, 85, "Writing the CSV files")
    files = {
        packs.PDF_NAME: pdf,
        packs.XLSX_NAME: xlsx,
        packs.DATASET_CSV: packs.dataset_csv(data),
        packs.EVIDENCE_CSV: packs.evidence_csv(data),
        packs.AUDIT_CSV: packs.audit_csv(data),
    }
    files[packs.MANIFEST] = packs.manifest(data, files)
    return files


def download_name(pack: EvidencePack) -> str:
    from django.utils.text import slugify

    return f"evidence-pack-{slugify(pack.event.title) or pack.event_id}-v{pack.version}.zip"
