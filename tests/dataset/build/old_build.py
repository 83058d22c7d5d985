"""The build's gather and hash functions as they were before issue 13, kept verbatim as the reference the faster
ones must agree with: snapshots built before and after the change must compare equal."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from decimal import Decimal

from django.utils import timezone

from agencies.models import Agency
from dataset.build.figures import AgencyFigure, IndicatorInfo, ProcessChangeInfo, RelationCheck
from dataset.build.services import BuildInputs, BuildResult
from dataset.catalogue import numbers
from dataset.models import DatasetSettings, Indicator, ProcessChange, RelationshipCheck, ReportingPeriod, ReturnValue
from neglect_portal.lifecycle import State


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
        RelationCheck(
            code=c.indicator.code, other=c.compared_with.code, at_least=c.at_least, why=c.why, question=c.question
        )
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
