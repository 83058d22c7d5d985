"""Building the Partnership Neglect Dataset: gather accepted returns, compute with the pure modules, write a
snapshot whole in one transaction. The newest complete snapshot is current; a failed build leaves the
previous one current and records the failure for the analyst to see."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from dataset.catalogue import numbers
from dataset.history import record_as
from dataset.models import (
    BuildRequest,
    DatasetContribution,
    DatasetSettings,
    DatasetSnapshot,
    DatasetSpc,
    DatasetTheme,
    DatasetValue,
    HistorySource,
    Indicator,
    ProcessChange,
    RelationshipCheck,
    ReportingPeriod,
    ReturnValue,
    SnapshotStatus,
)
from neglect_portal.lifecycle import State

from . import aggregate, spc, themes
from .figures import AgencyFigure, IndicatorInfo, PartnershipValue, ProcessChangeInfo, RelationCheck

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildInputs:
    indicators: dict[str, IndicatorInfo]
    agencies: dict[str, str]  # short name -> name
    quarters: list[int]
    figures: list[AgencyFigure]
    expected: dict[tuple[str, int], tuple[str, ...]]
    baseline: int | None
    process_changes: dict[str, tuple[ProcessChangeInfo, ...]] = field(default_factory=dict)  # by code, oldest first
    checks: tuple[RelationCheck, ...] = ()


@dataclass(frozen=True)
class BuildResult:
    values: dict[tuple[str, int], PartnershipValue]
    comparisons: dict
    spc: dict
    themes: list


def _number(text: str) -> Decimal | None:
    try:
        return numbers.parse_number(text or "")
    except ValueError:
        return None


def gather_inputs(*, today=None) -> BuildInputs:
    """Everything a build reads, in a fixed number of queries."""
    today = today or timezone.localdate()
    agencies = {a.short_name: a.name for a in Agency.objects.order_by("name")}
    active = set(Agency.objects.filter(active=True).values_list("short_name", flat=True))
    indicators: dict[str, IndicatorInfo] = {}
    for ind in Indicator.objects.filter(active=True).prefetch_related("suppliers").order_by("code"):
        indicators[ind.code] = IndicatorInfo(
            code=ind.code,
            title=ind.title,
            unit=ind.unit,
            polarity=ind.polarity,
            objective=ind.objective,
            definition=ind.definition,
            numerator_label=ind.numerator_label,
            denominator_label=ind.denominator_label,
            target=ind.target,
            red_threshold=ind.red_threshold,
            tolerance=ind.tolerance_pct,
            benchmark_value=ind.benchmark_value,
            benchmark_source=ind.benchmark_source,
            benchmark_year=ind.benchmark_year,
            suppliers=tuple(sorted(a.short_name for a in ind.suppliers.all() if a.short_name in active)),
            accumulation=ind.accumulation,
        )
    quarters = sorted(p.as_quarter.index for p in ReportingPeriod.objects.filter(opens_on__lte=today))
    figures = [
        AgencyFigure(
            code=v.indicator.code,
            agency=v.ret.agency.short_name,
            quarter=v.ret.period.as_quarter.index,
            numerator=_number(v.numerator),
            denominator=_number(v.denominator),
            value=_number(v.value),
            not_available=v.not_available_reason,
            commentary=v.commentary.strip(),
        )
        for v in ReturnValue.objects.filter(
            ret__status=State.ACCEPTED, indicator__active=True, ret__period__opens_on__lte=today
        ).select_related("indicator", "ret__agency", "ret__period")
    ]
    figures.sort(key=lambda f: (f.code, f.quarter, f.agency))
    expected = {(code, q): info.suppliers for code, info in indicators.items() for q in quarters}
    baseline_period = DatasetSettings.load().baseline
    changes: dict[str, list[ProcessChangeInfo]] = {}
    for change in ProcessChange.objects.filter(indicator__active=True).select_related("indicator", "period"):
        changes.setdefault(change.indicator.code, []).append(
            ProcessChangeInfo(code=change.indicator.code, quarter=change.period.as_quarter.index, reason=change.reason)
        )
    checks = tuple(
        RelationCheck(code=c.indicator.code, other=c.compared_with.code, at_least=c.at_least, why=c.why,
                      question=c.question)
        for c in RelationshipCheck.objects.filter(active=True, indicator__active=True, compared_with__active=True)
        .select_related("indicator", "compared_with")
        .order_by("indicator__code", "compared_with__code")
    )
    return BuildInputs(
        indicators=indicators,
        agencies=agencies,
        quarters=quarters,
        figures=figures,
        expected=expected,
        baseline=baseline_period.as_quarter.index if baseline_period else None,
        process_changes={code: tuple(sorted(found, key=lambda c: c.quarter)) for code, found in changes.items()},
        checks=checks,
    )


def compute(inputs: BuildInputs) -> BuildResult:
    """Pure: the dataset from its inputs."""
    values = aggregate.aggregate(indicators=inputs.indicators, figures=inputs.figures, expected=inputs.expected)
    comparisons = aggregate.compare_all(indicators=inputs.indicators, values=values, baseline=inputs.baseline)
    readings = {}
    for code, info in inputs.indicators.items():
        # Partial quarters are left out: a value missing an agency is not compared as if it were whole.
        points = [
            (q, values[(code, q)].value)
            for q in inputs.quarters
            if (code, q) in values and values[(code, q)].value is not None and not values[(code, q)].partial
        ]
        if info.year_to_date:
            # Adds up from April and resets each Q1: XmR across the reset would be noise (issue 12).
            readings[code] = spc.year_to_date(code=code, points=points)
        else:
            readings[code] = spc.xmr(
                code=code, points=points, polarity=info.polarity, changes=inputs.process_changes.get(code, ())
            )
    latest = inputs.quarters[-1] if inputs.quarters else None
    found = (
        themes.find_themes(
            indicators=inputs.indicators,
            values=values,
            comparisons=comparisons,
            spc=readings,
            latest=latest,
            agencies=inputs.agencies,
            checks=inputs.checks,
            changes=inputs.process_changes,
        )
        if latest is not None
        else []
    )
    return BuildResult(values=values, comparisons=comparisons, spc=readings, themes=found)


def _canonical(obj) -> str:
    def default(o):
        if isinstance(o, Decimal):
            return format(o.normalize(), "f") if o == o.to_integral_value() else str(o.normalize())
        if hasattr(o, "__dataclass_fields__"):
            return asdict(o)
        if isinstance(o, set | frozenset):
            return sorted(o)
        raise TypeError(type(o))

    return json.dumps(obj, default=default, sort_keys=True, separators=(",", ":"))


def _sha(obj) -> str:
    return hashlib.sha256(_canonical(obj).encode()).hexdigest()


def inputs_hash(inputs: BuildInputs) -> str:
    return _sha(
        {
            "indicators": inputs.indicators,
            "agencies": inputs.agencies,
            "quarters": inputs.quarters,
            "figures": inputs.figures,
            "expected": {f"{c}|{q}": v for (c, q), v in inputs.expected.items()},
            "baseline": inputs.baseline,
            "process_changes": dict(sorted(inputs.process_changes.items())),
            "checks": inputs.checks,
        }
    )


def content_hash(result: BuildResult) -> str:
    return _sha(
        {
            "values": {f"{c}|{q}": v for (c, q), v in sorted(result.values.items())},
            "comparisons": {f"{c}|{q}": v for (c, q), v in sorted(result.comparisons.items())},
            "spc": dict(sorted(result.spc.items())),
            "themes": result.themes,
        }
    )


def current_snapshot() -> DatasetSnapshot | None:
    return DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE).order_by("-built_at", "-pk").first()


def dataset_build(*, trigger: str = "", force: bool = False) -> DatasetSnapshot:
    """Build the dataset now. Same inputs as the current snapshot: that snapshot is returned unchanged."""
    started = timezone.now()
    try:
        inputs = gather_inputs()
        key = inputs_hash(inputs)
        current = current_snapshot()
        if current and current.inputs_hash == key and not force:
            return current
        result = compute(inputs)
        pause = float(getattr(settings, "DATASET_BUILD_PAUSE", 0) or 0)
        if pause:  # fault injection for the redelivery test: a window in which to kill the worker mid-build
            time.sleep(pause)
        return _write(inputs=inputs, result=result, key=key, trigger=trigger, started=started)
    except Exception as error:  # recorded for the analyst, then re-raised so the job shows as failed
        log.exception("dataset build failed")
        DatasetSnapshot.objects.create(
            status=SnapshotStatus.FAILED,
            started_at=started,
            trigger=trigger[:300],
            error=f"{type(error).__name__}: {error}",
        )
        raise


@transaction.atomic
def _write(*, inputs: BuildInputs, result: BuildResult, key: str, trigger: str, started: datetime) -> DatasetSnapshot:
    snapshot = DatasetSnapshot.objects.create(
        status=SnapshotStatus.COMPLETE,
        started_at=started,
        built_at=timezone.now(),
        trigger=trigger[:300],
        inputs_hash=key,
        content_hash=content_hash(result),
        latest_quarter=inputs.quarters[-1] if inputs.quarters else None,
        baseline_quarter=inputs.baseline,
        meta=json.loads(
            _canonical(
                {
                    "indicators": list(inputs.indicators.values()),
                    "agencies": inputs.agencies,
                    "quarters": inputs.quarters,
                }
            )
        ),
    )
    rows = []
    for (code, quarter), pv in sorted(result.values.items()):
        comparison = result.comparisons.get((code, quarter))
        reading = result.spc.get(code)
        point = next((p for p in (reading.points if reading else ()) if p.quarter == quarter), None)
        rows.append(
            DatasetValue(
                snapshot=snapshot,
                code=code,
                quarter=quarter,
                value=pv.value,
                numerator=pv.numerator,
                denominator=pv.denominator,
                contributors=list(pv.contributors),
                expected=list(pv.expected),
                not_available=list(pv.not_available),
                partial=pv.partial,
                change_previous=comparison.change_previous if comparison else None,
                change_year=comparison.change_year if comparison else None,
                change_baseline=comparison.change_baseline if comparison else None,
                change_unit=comparison.change_unit if comparison else "",
                direction=comparison.direction if comparison else "",
                rag=comparison.rag if comparison else "",
                benchmark_gap=comparison.benchmark_gap if comparison else None,
                comparable=comparison.comparable if comparison else False,
                spc_rules=list(point.rules) if point else [],
                spc_assessment=point.assessment if point else "",
            )
        )
    DatasetValue.objects.bulk_create(rows, batch_size=500)
    DatasetContribution.objects.bulk_create(
        [
            DatasetContribution(
                snapshot=snapshot,
                code=f.code,
                quarter=f.quarter,
                agency=f.agency,
                value=f.value,
                numerator=f.numerator,
                denominator=f.denominator,
                not_available=f.not_available,
                commentary=f.commentary,
            )
            for f in inputs.figures
        ],
        batch_size=500,
    )
    DatasetSpc.objects.bulk_create(
        [
            DatasetSpc(
                snapshot=snapshot,
                code=code,
                enough_data=r.enough_data,
                message=r.message,
                mean=r.mean,
                upper=r.upper,
                lower=r.lower,
                phases=[_phase_json(phase) for phase in r.phases],
                method=r.method,
                suggested_start=r.suggested_start,
                suggestion=r.suggestion,
            )
            for code, r in sorted(result.spc.items())
        ]
    )
    DatasetTheme.objects.bulk_create(
        [
            DatasetTheme(
                snapshot=snapshot,
                position=i,
                code=t.code,
                kind=t.kind,
                severity=t.severity,
                sentence=t.sentence,
                question=t.question,
                numbers=t.numbers,
                quarter=t.quarter,
                objective=t.objective,
                signals=list(t.signals),
                since_quarter=t.since,
            )
            for i, t in enumerate(result.themes)
        ]
    )
    return snapshot


def _phase_json(phase) -> dict:
    def text(number: Decimal | None) -> str | None:
        return None if number is None else str(number)

    return {
        "start": phase.start,
        "end": phase.end,
        "reason": phase.reason,
        "enough_data": phase.enough_data,
        "mean": text(phase.mean),
        "upper": text(phase.upper),
        "lower": text(phase.lower),
    }


@transaction.atomic
def snapshot_publish(*, snapshot: DatasetSnapshot, acting_user: User) -> DatasetSnapshot:
    locked = DatasetSnapshot.objects.select_for_update().get(pk=snapshot.pk)
    if locked.status != SnapshotStatus.COMPLETE:
        raise ValueError("Only a complete snapshot can be published.")
    if locked.published_at is None:
        locked.published_at = timezone.now()
        locked.published_by = acting_user
        locked.save(update_fields=["published_at", "published_by"])
    return locked


def build_request_take() -> str:
    """Called as a build starts: later requests queue another build. Returns the reasons gathered."""
    with transaction.atomic():
        request, _ = BuildRequest.objects.select_for_update().get_or_create(pk=1)
        reasons, request.reasons, request.pending = request.reasons, "", False
        request.save()
    return reasons


@transaction.atomic
def dataset_settings_update(*, baseline: ReportingPeriod | None, acting_user: User) -> DatasetSettings:
    current = DatasetSettings.load()
    current.baseline = baseline
    record_as(current, user=acting_user, source=HistorySource.FORM, reason="baseline quarter")
    current.save()
    return current
