"""Building the Partnership Neglect Dataset: gather accepted returns, compute with the pure modules, write a
snapshot whole in one transaction. The newest complete snapshot is current; a failed build leaves the
previous one current and records the failure for the analyst to see."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, User
from dataset.catalogue import numbers
from dataset.catalogue.periods import Quarter
from dataset.history import record_as
from dataset.models import (
    BuildRequest,
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
    Return,
    ReturnValue,
    SnapshotStatus,
)
from neglect_portal import jobs
from neglect_portal.lifecycle import State
from notifications import services as notifications

from . import aggregate, spc, store, themes
from .figures import (
    AgencyFigure,
    IndicatorInfo,
    PartnershipValue,
    ProcessChangeInfo,
    RelationCheck,
    Theme,
    agency_figure,
)

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
    # The quarters whose figures `figures` holds (every accepted figure of each), or None for every quarter: an
    # incremental build gathers only the quarters whose accepted returns changed.
    figure_quarters: tuple[int, ...] | None = None


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


# Bump when the fingerprint's recipe changes: an old snapshot's fingerprint then simply fails to match once.
FINGERPRINT_VERSION = 1


def _rows(model: type[models.Model]) -> list[tuple]:
    """Every column of a small table, in primary-key order."""
    names = [f.attname for f in model._meta.concrete_fields]
    return list(model.objects.order_by("pk").values_list(*names))


def inputs_fingerprint(*, today: date | None = None) -> str:
    """A cheap key for everything `gather_inputs` reads, in a handful of small queries.

    The small tables (agencies, indicators and their suppliers, quarters open by `today`, process changes,
    relationship checks, settings) are read whole. The large one, accepted values, is stood for by its
    returns: every saved change to a return's values bumps `Return.version` (`returns.services`), and
    versions only go up, so a return reopened and accepted again never looks as it did. The latest history
    id of each small table only goes up too, so an edit undone between two builds still moves the key.
    Values edited behind the services' back (raw SQL) are not seen: `build_dataset --force` for those.
    Equal fingerprints: same inputs. Different: maybe different, so the build gathers and compares
    `inputs_hash`, which stays the truth.
    """
    today = today or timezone.localdate()
    accepted = Return.objects.filter(status=State.ACCEPTED, period__opens_on__lte=today)
    parts = {
        "recipe": FINGERPRINT_VERSION,
        "quarters": list(
            ReportingPeriod.objects.filter(opens_on__lte=today).order_by("pk").values_list("pk", "year", "quarter")
        ),
        "returns": list(
            accepted.order_by("pk").values_list("pk", "agency_id", "period_id", "version", "revision", "updated_at")
        ),
        "values": ReturnValue.objects.filter(ret__status=State.ACCEPTED, ret__period__opens_on__lte=today).aggregate(
            n=Count("pk"), top=Max("pk")
        ),
        "agencies": _rows(Agency),
        "indicators": _rows(Indicator),
        "suppliers": list(
            Indicator.suppliers.through.objects.order_by("pk").values_list("pk", "indicator_id", "agency_id")
        ),
        "process_changes": _rows(ProcessChange),
        "checks": _rows(RelationshipCheck),
        # load(), as gather_inputs does: the one row is created by the first build, before it is fingerprinted.
        "settings": (DatasetSettings.load().baseline_id,),
        "history": [
            m.history.aggregate(top=Max("history_id"))["top"]
            for m in (Agency, Indicator, ReportingPeriod, ProcessChange, RelationshipCheck, DatasetSettings)
        ],
    }
    # repr of ints, strings, Decimals, dates and datetimes is exact and stable: enough for a cache key.
    return hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()


def returns_manifest(*, today: date | None = None) -> dict[str, str]:
    """A short digest of each quarter's accepted returns (agency, version, revision and their value rows), by
    quarter index as text. A quarter whose digest is as the current snapshot recorded has the same accepted
    figures (every saved change to a return's values bumps its version; a value row added or removed behind
    the services' back still moves the count or the top id), so an incremental build gathers only the others.
    Like the fingerprint, values edited in place behind the services' back are not seen: `--force` for those."""
    today = today or timezone.localdate()
    by_quarter: dict[int, list[tuple]] = {}
    for pk, agency, year, number_in_year, version, revision, n, top in (
        Return.objects.filter(status=State.ACCEPTED, period__opens_on__lte=today)
        .annotate(n=Count("values"), top=Max("values"))
        .order_by("pk")
        .values_list("pk", "agency__short_name", "period__year", "period__quarter", "version", "revision", "n", "top")
    ):
        by_quarter.setdefault(year * 4 + number_in_year - 1, []).append((pk, agency, version, revision, n, top))
    return {
        str(quarter): hashlib.sha256(repr(entries).encode()).hexdigest()[:24]
        for quarter, entries in sorted(by_quarter.items())
    }


def gather_inputs(*, today=None, quarters: Iterable[int] | None = None) -> BuildInputs:
    """Everything a build reads, in a fixed number of queries: the accepted figures of `quarters` only when
    given (None: all). Accepted values are read as plain tuples over the join, never as model instances: a large
    partnership has a quarter of a million of them."""
    today = today or timezone.localdate()
    context = _gather_context(today)
    if quarters is None:
        return replace(context, figures=_gather_figures(today, None))
    wanted = tuple(sorted(set(quarters)))
    return replace(context, figures=_gather_figures(today, wanted), figure_quarters=wanted)


def _gather_figures(today: date, quarters: tuple[int, ...] | None) -> list[AgencyFigure]:
    # The same few texts ("0", "12", "420") repeat across agencies and quarters: parse each once. Decimals are
    # immutable, so sharing one between figures is safe.
    parsed: dict[str, Decimal | None] = {}

    def number(text: str) -> Decimal | None:
        try:
            return parsed[text]
        except KeyError:
            found = parsed[text] = _number(text)
            return found

    rows = ReturnValue.objects.filter(
        ret__status=State.ACCEPTED, indicator__active=True, ret__period__opens_on__lte=today
    )
    if quarters is not None:
        periods = [
            pk
            for pk, year, number_in_year in ReportingPeriod.objects.filter(opens_on__lte=today).values_list(
                "pk", "year", "quarter"
            )
            if year * 4 + number_in_year - 1 in quarters
        ]
        rows = rows.filter(ret__period_id__in=periods)
    rows = rows.order_by().values_list(  # sorted below, in Python: the database's collation need not be Python's
        "indicator__code",
        "ret__agency__short_name",
        "ret__period__year",
        "ret__period__quarter",
        "numerator",
        "denominator",
        "value",
        "not_available_reason",
        "commentary",
    )
    figures = [
        agency_figure(
            code,
            agency,
            year * 4 + number_in_year - 1,  # periods.Quarter.index, without building a Quarter
            number(numerator),
            number(denominator),
            number(value),
            not_available,
            commentary.strip(),
        )
        for code, agency, year, number_in_year, numerator, denominator, value, not_available, commentary in (
            rows.iterator(chunk_size=5000)
        )
    ]
    figures.sort(key=lambda f: (f.code, f.quarter, f.agency))
    return figures


def _gather_context(today: date) -> BuildInputs:
    """Everything a build reads but the figures (left empty)."""
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
    quarters = sorted(
        Quarter(year, number).index
        for year, number in ReportingPeriod.objects.filter(opens_on__lte=today).values_list("year", "quarter")
    )
    expected = {(code, q): info.suppliers for code, info in indicators.items() for q in quarters}
    baseline_period = DatasetSettings.load().baseline
    changes: dict[str, list[ProcessChangeInfo]] = {}
    for code, year, number_in_year, reason in ProcessChange.objects.filter(indicator__active=True).values_list(
        "indicator__code", "period__year", "period__quarter", "reason"
    ):
        changes.setdefault(code, []).append(
            ProcessChangeInfo(code=code, quarter=Quarter(year, number_in_year).index, reason=reason)
        )
    checks = tuple(
        RelationCheck(code=code, other=other, at_least=at_least, why=why, question=question)
        for code, other, at_least, why, question in RelationshipCheck.objects.filter(
            active=True, indicator__active=True, compared_with__active=True
        )
        .order_by("indicator__code", "compared_with__code")
        .values_list("indicator__code", "compared_with__code", "at_least", "why", "question")
    )
    return BuildInputs(
        indicators=indicators,
        agencies=agencies,
        quarters=quarters,
        figures=[],
        expected=expected,
        baseline=baseline_period.as_quarter.index if baseline_period else None,
        process_changes={code: tuple(sorted(found, key=lambda c: c.quarter)) for code, found in changes.items()},
        checks=checks,
    )


def _reading(info: IndicatorInfo, inputs: BuildInputs, values: dict) -> spc.SpcResult:
    code = info.code
    # Partial quarters are left out: a value missing an agency is not compared as if it were whole.
    points = [
        (q, values[(code, q)].value)
        for q in inputs.quarters
        if (code, q) in values and values[(code, q)].value is not None and not values[(code, q)].partial
    ]
    if info.year_to_date:
        # Adds up from April and resets each Q1: XmR across the reset would be noise (issue 12).
        return spc.year_to_date(code=code, points=points)
    return spc.xmr(code=code, points=points, polarity=info.polarity, changes=inputs.process_changes.get(code, ()))


def _compute_indicators(inputs: BuildInputs, codes: set[str] | None = None):
    """Values, comparisons and SPC readings of `codes` (all when None). Each indicator's are worked out from
    its own figures and the catalogue alone, so a subset gives exactly what the whole would for those codes."""
    if codes is None:
        indicators, figures, expected = inputs.indicators, inputs.figures, inputs.expected
    else:
        indicators = {code: info for code, info in inputs.indicators.items() if code in codes}
        figures = [f for f in inputs.figures if f.code in codes]
        expected = {key: found for key, found in inputs.expected.items() if key[0] in codes}
    values = aggregate.aggregate(indicators=indicators, figures=figures, expected=expected)
    comparisons = aggregate.compare_all(indicators=indicators, values=values, baseline=inputs.baseline)
    readings = {code: _reading(info, inputs, values) for code, info in indicators.items()}
    return values, comparisons, readings


def _theme_inputs(inputs: BuildInputs, values: dict, comparisons: dict, readings: dict) -> dict:
    """What the themes read, as `themes.find_themes` and `themes.indicator_themes` take it."""
    return {
        "indicators": inputs.indicators,
        "values": values,
        "comparisons": comparisons,
        "spc": readings,
        "latest": inputs.quarters[-1],
        "agencies": inputs.agencies,
        "checks": inputs.checks,
        "changes": inputs.process_changes,
    }


def compute(inputs: BuildInputs) -> BuildResult:
    """Pure: the dataset from its inputs."""
    values, comparisons, readings = _compute_indicators(inputs)
    latest = inputs.quarters[-1] if inputs.quarters else None
    found = themes.find_themes(**_theme_inputs(inputs, values, comparisons, readings)) if latest is not None else []
    return BuildResult(values=values, comparisons=comparisons, spc=readings, themes=found)


def _context(inputs: BuildInputs) -> dict:
    """Everything a build reads except the agencies' figures: the catalogue, quarters, expectations and settings."""
    return {
        "indicators": inputs.indicators,
        "agencies": inputs.agencies,
        "quarters": inputs.quarters,
        "expected": {f"{c}|{q}": v for (c, q), v in inputs.expected.items()},
        "baseline": inputs.baseline,
        "process_changes": dict(sorted(inputs.process_changes.items())),
        "checks": inputs.checks,
    }


def context_hash(inputs: BuildInputs) -> str:
    """Everything a build reads except the agencies' figures. Equal to the current snapshot's: only the
    indicators whose figures changed need working out again. Different (a catalogue, supplier, quarter,
    baseline, process change or check changed): a full build."""
    return _sha(_context(inputs))


def _partners(inputs: BuildInputs) -> dict[str, set[str]]:
    """Indicators tied by a relationship check, both ways: a theme reads the values of the ones it names."""
    found: dict[str, set[str]] = {}
    for check in inputs.checks:
        found.setdefault(check.code, set()).add(check.other)
        found.setdefault(check.other, set()).add(check.code)
    return found


def _stored_values(values_text: str) -> dict[tuple[str, int], PartnershipValue]:
    """An indicator's values as a snapshot's results text holds them (`code_texts`): the canonical JSON of each
    value, numbers as exact decimal text, so they come back equal to the values the build worked out."""

    def number(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    return {
        (v["code"], v["quarter"]): PartnershipValue(
            code=v["code"],
            quarter=v["quarter"],
            value=number(v["value"]),
            numerator=number(v["numerator"]),
            denominator=number(v["denominator"]),
            contributors=tuple(v["contributors"]),
            expected=tuple(v["expected"]),
            not_available=tuple(v["not_available"]),
        )
        for v in json.loads("{" + values_text + "}").values()
    }


def compute_incremental(
    inputs: BuildInputs,
    *,
    changed: set[tuple[str, int]],
    previous: DatasetSnapshot,
    texts: dict[str, tuple[str, str, str]],
) -> tuple[BuildResult, set[str]]:
    """The dataset after a change to the figures of the cells (code, quarter) in `changed` only, the catalogue as
    in `previous`, whose results text of each indicator is `texts`.

    A partnership value depends on its own cell's figures alone, so only the changed cells are aggregated again,
    from `inputs.figures` (which need hold only their quarters'); every other value of the indicators worked out
    again is taken from `previous`'s results text. Recomputed from those series: the comparisons, SPC and themes
    of the changed indicators and of those whose relationship checks name one (their themes read its values).
    Taken from `previous`: every other indicator's themes (as stored, field for field) and, for the data-gap
    theme, which agencies each value expected and had. The key messages are ranked again over all themes. Returns
    the result (values, comparisons and SPC of the recomputed codes only; themes whole) and the codes recomputed."""
    partners = _partners(inputs)
    redo = {code for code, _ in changed if code in inputs.indicators}
    redo |= {other for code in list(redo) for other in partners.get(code, ()) if other in inputs.indicators}
    need = redo | {other for code in redo for other in partners.get(code, ()) if other in inputs.indicators}
    indicators = {code: info for code, info in inputs.indicators.items() if code in need}
    values: dict[tuple[str, int], PartnershipValue] = {}
    for code in need:
        values.update(_stored_values(texts[code][0]))
    cells = {key for key in changed if key[0] in need}
    for key in cells:
        values.pop(key, None)
    values.update(
        aggregate.aggregate(
            indicators=indicators,
            figures=[f for f in inputs.figures if (f.code, f.quarter) in cells],
            expected={key: inputs.expected[key] for key in cells if key in inputs.expected},
        )
    )
    values = dict(sorted(values.items()))
    comparisons = aggregate.compare_all(indicators=indicators, values=values, baseline=inputs.baseline)
    readings = {code: _reading(info, inputs, values) for code, info in indicators.items()}
    latest = inputs.quarters[-1]
    found = themes.indicator_themes(**_theme_inputs(inputs, values, comparisons, readings), codes=redo)
    kept = [
        Theme.stored(t) for t in DatasetTheme.objects.filter(snapshot=previous).exclude(code="").exclude(code__in=redo)
    ]
    who = {
        (code, quarter): PartnershipValue(
            code=code,
            quarter=quarter,
            value=None,
            contributors=tuple(contributors),
            expected=tuple(expected),
            not_available=tuple(not_available),
        )
        for code, quarter, contributors, expected, not_available in DatasetValue.objects.filter(snapshot=previous)
        .exclude(code__in=need)
        .values_list("code", "quarter", "contributors", "expected", "not_available")
    }
    gap = themes.collection_theme(
        indicators=inputs.indicators, values={**who, **values}, latest=latest, agencies=inputs.agencies
    )
    ranked = themes.ranked([*found, *kept, *([gap] if gap is not None else [])])
    result = BuildResult(
        values={key: v for key, v in values.items() if key[0] in redo},
        comparisons={key: c for key, c in comparisons.items() if key[0] in redo},
        spc={code: r for code, r in readings.items() if code in redo},
        themes=ranked,
    )
    return result, redo


def _decimal_text(number: Decimal) -> str:
    normal = number.normalize()
    return format(normal, "f") if number == number.to_integral_value() else str(normal)


# Field names per dataclass, looked up once: `dataclasses.asdict` deep-copies every value of every figure, which
# was most of a large build's hashing time. A shallow dict of the same fields encodes to the same JSON, because
# the encoder comes back here for each nested dataclass and Decimal.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _json_default(o):
    if isinstance(o, Decimal):
        return _decimal_text(o)
    names = _FIELD_NAMES.get(type(o))
    if names is None:
        if not hasattr(o, "__dataclass_fields__"):
            if isinstance(o, set | frozenset):
                return sorted(o)
            raise TypeError(type(o))
        names = _FIELD_NAMES[type(o)] = tuple(f.name for f in fields(o))
    return {name: getattr(o, name) for name in names}


def _canonical(obj) -> str:
    return json.dumps(obj, default=_json_default, sort_keys=True, separators=(",", ":"))


# Long lists are encoded and hashed this many items at a time, so the whole text of a large build's figures is
# never held at once.
_CHUNK = 5000


def _feed_figures(digest, figures) -> None:
    """The text `_canonical(figures)` gives for a list of figures, written directly: the generic encoder's
    call back for every figure (a dict per figure, then encoding it) was most of `inputs_hash` at the large
    scale. Keys in sorted order, strings escaped by the encoder json uses, Decimals as `_json_default` writes
    them. Checked byte for byte against `_canonical` by the tests."""
    string = json.encoder.encode_basestring_ascii
    texts: dict[tuple[Decimal, bool], str] = {}

    def number(d: Decimal | None) -> str:
        if d is None:
            return "null"
        # Equal Decimals ("12.0", "12") normalise to the same text, so one entry serves both; but 0 and -0 are
        # equal and do not, hence the sign in the key.
        key = (d, d.is_signed())
        try:
            return texts[key]
        except KeyError:
            found = texts[key] = string(_decimal_text(d))
            return found

    digest.update(b"[")
    for start in range(0, len(figures), _CHUNK):
        if start:
            digest.update(b",")
        digest.update(
            ",".join(
                f'{{"agency":{string(f.agency)},"code":{string(f.code)},"commentary":{string(f.commentary)},'
                f'"denominator":{number(f.denominator)},"not_available":{string(f.not_available)},'
                f'"numerator":{number(f.numerator)},"quarter":{int(f.quarter)},"value":{number(f.value)}}}'
                for f in figures[start : start + _CHUNK]
            ).encode()
        )
    digest.update(b"]")


def _feed(digest, obj, *, top: bool = True) -> None:
    """Hash exactly the text `_canonical(obj)` would give, without building all of it: the top-level mapping key
    by key, and long lists in chunks (the JSON of a list is its chunks' JSON, brackets trimmed, joined by commas)."""
    if top and isinstance(obj, dict) and all(isinstance(key, str) for key in obj):
        digest.update(b"{")
        for i, key in enumerate(sorted(obj)):
            if i:
                digest.update(b",")
            digest.update(json.dumps(key).encode())
            digest.update(b":")
            _feed(digest, obj[key], top=False)
        digest.update(b"}")
    elif isinstance(obj, list | tuple) and obj and all(type(f) is AgencyFigure for f in obj):
        _feed_figures(digest, obj)
    elif isinstance(obj, list | tuple) and len(obj) > _CHUNK:
        digest.update(b"[")
        for start in range(0, len(obj), _CHUNK):
            if start:
                digest.update(b",")
            digest.update(_canonical(obj[start : start + _CHUNK])[1:-1].encode())
        digest.update(b"]")
    else:
        digest.update(_canonical(obj).encode())


def _sha(obj) -> str:
    digest = hashlib.sha256()
    _feed(digest, obj)
    return digest.hexdigest()


# Bump when the inputs hash's recipe changes: a snapshot keyed by the old recipe then fails to match once (one more
# snapshot, with the same content hash).
INPUTS_RECIPE = 2


def quarter_digests(inputs: BuildInputs) -> dict[str, str]:
    """The hash of each quarter's accepted figures (its part of `_canonical(inputs.figures)`, figures in the same
    order), by quarter index as text: every quarter `inputs.figures` covers, an empty one too."""
    covered = inputs.quarters if inputs.figure_quarters is None else inputs.figure_quarters
    by_quarter: dict[int, list[AgencyFigure]] = {q: [] for q in covered}
    for f in inputs.figures:  # sorted by (code, quarter, agency): each quarter's stay in that order
        by_quarter.setdefault(f.quarter, []).append(f)
    return {str(q): _sha(found) for q, found in sorted(by_quarter.items())}


def inputs_hash(inputs: BuildInputs, *, digests: dict[str, str] | None = None) -> str:
    """Everything a build reads, with the figures stood for by each quarter's digest, so a build that gathered
    only the quarters whose returns changed gets the very key a full gather gives (`digests`: every quarter's,
    the others taken from the current snapshot). Equal keys: equal inputs."""
    return _sha(
        {
            **_context(inputs),
            "figures": quarter_digests(inputs) if digests is None else digests,
            "recipe": INPUTS_RECIPE,
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


def code_texts(result: BuildResult, codes) -> dict[str, tuple[str, str, str]]:
    """Each indicator's share of the text `content_hash` reads: its members of the values, comparisons and SPC
    objects, canonical JSON as `_canonical` writes them."""
    values: dict[str, list[tuple[str, object]]] = {}
    comparisons: dict[str, list[tuple[str, object]]] = {}
    for (code, quarter), v in result.values.items():
        values.setdefault(code, []).append((f"{code}|{quarter}", v))
    for (code, quarter), c in result.comparisons.items():
        comparisons.setdefault(code, []).append((f"{code}|{quarter}", c))

    def members(pairs) -> str:
        return ",".join(f"{json.dumps(key)}:{_canonical(obj)}" for key, obj in sorted(pairs, key=lambda p: p[0]))

    return {
        code: (
            members(values.get(code, ())),
            members(comparisons.get(code, ())),
            f"{json.dumps(code)}:{_canonical(result.spc[code])}" if code in result.spc else "",
        )
        for code in codes
    }


def content_hash_of_texts(texts: dict[str, tuple[str, str, str]], found_themes: list) -> str:
    """`content_hash`, from each indicator's text and the themes: the same digest, to the byte.

    The JSON objects sort their keys; every key of one indicator ("N1|8065"...) shares the prefix "N1|", so an
    indicator's members stand together, in the order of code + "|" (SPC's keys are the bare codes)."""
    digest = hashlib.sha256()

    def obj(parts) -> None:
        digest.update(b"{")
        digest.update(",".join(part for part in parts if part).encode())
        digest.update(b"}")

    by_key = sorted(texts, key=lambda code: code + "|")
    digest.update(b'{"comparisons":')
    obj(texts[code][1] for code in by_key)
    digest.update(b',"spc":')
    obj(texts[code][2] for code in sorted(texts))
    digest.update(b',"themes":')
    _feed(digest, found_themes, top=False)
    digest.update(b',"values":')
    obj(texts[code][0] for code in by_key)
    digest.update(b"}")
    return digest.hexdigest()


def current_snapshot(*, using: str = "default") -> DatasetSnapshot | None:
    """The newest complete snapshot (`using`: another database alias, as the restore check reads a restored copy)."""
    qs = DatasetSnapshot.objects.using(using).filter(status=SnapshotStatus.COMPLETE)
    return qs.order_by("-built_at", "-pk").first()


def dataset_build(*, trigger: str = "", force: bool = False) -> DatasetSnapshot:
    """Build the dataset now. Same inputs as the current snapshot: that snapshot is returned unchanged.

    The cheap fingerprint is compared first, so a build that finds nothing changed (the nightly one) reads a
    few small queries, not every accepted value. It is taken before gathering: if anything changes while the
    build runs, the stored fingerprint is older than the inputs, and the next build gathers again."""
    started = timezone.now()
    try:
        today = timezone.localdate()
        fingerprint = inputs_fingerprint(today=today)
        current = current_snapshot()
        if current and not force and current.meta.get("fingerprint") == fingerprint:
            return current
        return _build(today=today, fingerprint=fingerprint, trigger=trigger, started=started, force=force)
    except Exception as error:  # recorded for the analyst, then re-raised so the job shows as failed
        log.exception("dataset build failed")
        jobs.fresh_connection()  # a cut connection would lose the failure too
        DatasetSnapshot.objects.create(
            status=SnapshotStatus.FAILED,
            started_at=started,
            trigger=trigger[:300],
            error=f"{type(error).__name__}: {error}",
        )
        raise


@transaction.atomic
def _build(*, today: date, fingerprint: str, trigger: str, started: datetime, force: bool) -> DatasetSnapshot:
    """Gather, compare and write under the build lock, so the snapshot this build starts from (its figures'
    digests, its open rows) is the one no other build is changing.

    With the same catalogue as the current snapshot, only the quarters whose accepted returns changed since it
    (`returns_manifest`) are gathered: their digests and the current snapshot's others give the inputs hash, and
    the contributions of those quarters alone are compared. A forced build, or one after a catalogue change,
    gathers every figure."""
    store.lock_builds()
    current = current_snapshot()
    context = _gather_context(today)
    context_key = context_hash(context)
    manifest = returns_manifest(today=today)
    incremental = not force and bool(context.quarters) and _can_go_incremental(current, context_key)
    texts: dict[str, tuple[str, str, str]] = {}
    if incremental:
        texts = {code: text for code, (_, text) in store.open_code_texts().items() if code in context.indicators}
        incremental = set(texts) == set(context.indicators)
    stored_digests = current.meta.get("figures") if incremental else None
    if incremental and isinstance(stored_digests, dict) and isinstance(current.meta.get("manifest"), dict):
        before = current.meta["manifest"]
        touched = tuple(q for q in context.quarters if before.get(str(q)) != manifest.get(str(q)))
        inputs = replace(context, figures=_gather_figures(today, touched), figure_quarters=touched)
        digests = {q: d for q, d in stored_digests.items() if int(q) in context.quarters} | quarter_digests(inputs)
    else:
        inputs = replace(context, figures=_gather_figures(today, None))
        digests = quarter_digests(inputs)
    key = inputs_hash(inputs, digests=digests)
    if current and current.inputs_hash == key and not force:
        _remember_fingerprint(current, fingerprint, manifest)
        return current
    return _write(
        inputs=inputs,
        key=key,
        fingerprint=fingerprint,
        trigger=trigger,
        started=started,
        current=current if incremental else None,
        texts=texts,
        extra={"context": context_key, "figures": digests, "manifest": manifest},
        unchanged=() if incremental else _unchanged_quarters(current, digests),
    )


def _unchanged_quarters(current: DatasetSnapshot | None, digests: dict[str, str]) -> set[int]:
    """The quarters whose gathered figures have the digest the current snapshot recorded for them, when the open
    contribution rows are that snapshot's (it is the newest complete one): their figures are its figures, so a
    full build need not compare them row by row. Contributions are written only by builds, under the build lock
    and in the build's transaction with the digests; accepted values edited behind the services' back change the
    digest, so `--force` still compares (and repairs) those quarters."""
    if current is None or not isinstance(current.meta.get("figures"), dict) or not _is_newest(current):
        return set()
    stored = current.meta["figures"]
    return {int(q) for q, digest in digests.items() if stored.get(q) == digest}


def _remember_fingerprint(snapshot: DatasetSnapshot, fingerprint: str, manifest: dict[str, str]) -> None:
    """Something the build reads changed without changing its inputs (an indicator setting the build ignores,
    an edit undone): note the new fingerprint (and returns manifest) on the snapshot, so the next build need not
    gather to find that out again. The only change made to a snapshot after it is written besides publishing it:
    cache keys, not content."""
    if snapshot.meta.get("fingerprint") != fingerprint or snapshot.meta.get("manifest") != manifest:
        snapshot.meta = {**snapshot.meta, "fingerprint": fingerprint, "manifest": manifest}
        DatasetSnapshot.objects.filter(pk=snapshot.pk).update(meta=snapshot.meta)


VALUE_COLUMNS = (
    "code",
    "quarter",
    "value",
    "numerator",
    "denominator",
    "contributors",
    "expected",
    "not_available",
    "partial",
    "change_previous",
    "change_year",
    "change_baseline",
    "change_unit",
    "direction",
    "rag",
    "benchmark_gap",
    "comparable",
    "spc_rules",
    "spc_assessment",
)
SPC_COLUMNS = (
    "code",
    "enough_data",
    "message",
    "mean",
    "upper",
    "lower",
    "phases",
    "method",
    "suggested_start",
    "suggestion",
)
THEME_COLUMNS = (
    "position",
    "code",
    "kind",
    "severity",
    "sentence",
    "question",
    "numbers",
    "quarter",
    "objective",
    "signals",
    "since_quarter",
)


def _value_rows(result: BuildResult, seq: int, codes: set[str] | None = None):
    """DatasetValue rows as plain tuples (snapshot first), for `codes` (all when None)."""
    text = store.json_text
    points = {
        (code, p.quarter): p for code, reading in result.spc.items() if reading is not None for p in reading.points
    }
    for (code, quarter), pv in sorted(result.values.items()):
        if codes is not None and code not in codes:
            continue
        c = result.comparisons.get((code, quarter))
        point = points.get((code, quarter))
        yield (
            seq,
            code,
            quarter,
            pv.value,
            pv.numerator,
            pv.denominator,
            text(list(pv.contributors)),
            text(list(pv.expected)),
            text(list(pv.not_available)),
            pv.partial,
            c.change_previous if c else None,
            c.change_year if c else None,
            c.change_baseline if c else None,
            c.change_unit if c else "",
            c.direction if c else "",
            c.rag if c else "",
            c.benchmark_gap if c else None,
            c.comparable if c else False,
            text(list(point.rules) if point else []),
            point.assessment if point else "",
        )


def _spc_rows(result: BuildResult, seq: int, codes: set[str] | None = None):
    for code, r in sorted(result.spc.items()):
        if codes is not None and code not in codes:
            continue
        yield (
            seq,
            code,
            r.enough_data,
            r.message,
            r.mean,
            r.upper,
            r.lower,
            store.json_text([_phase_json(phase) for phase in r.phases]),
            r.method,
            r.suggested_start,
            r.suggestion,
        )


def _theme_rows(result: BuildResult, seq: int):
    for i, t in enumerate(result.themes):
        yield (
            seq,
            i,
            t.code,
            t.kind,
            t.severity,
            t.sentence,
            t.question,
            store.json_text(t.numbers),
            t.quarter,
            t.objective,
            store.json_text(list(t.signals)),
            t.since,
        )


def _can_go_incremental(previous: DatasetSnapshot | None, context: str) -> bool:
    """Only from the newest complete snapshot, built with the same catalogue and with every indicator's
    results text stored (a snapshot from before incremental builds has none)."""
    if previous is None or previous.meta.get("context") != context or not previous.meta.get("texts"):
        return False
    return _is_newest(previous)


def _is_newest(snapshot: DatasetSnapshot) -> bool:
    """The newest complete snapshot by sequence: the open contribution and results-text rows are its own."""
    newest = DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE).order_by("-pk").values("pk").first()
    return newest is not None and newest["pk"] == snapshot.pk


def _write(
    *,
    inputs: BuildInputs,
    key: str,
    fingerprint: str,
    trigger: str,
    started: datetime,
    current: DatasetSnapshot | None,
    texts: dict[str, tuple[str, str, str]],
    extra: dict,
    unchanged: Iterable[int] = (),
) -> DatasetSnapshot:
    """Compute and write the snapshot (inside `_build`'s transaction and lock).

    `current` given: only the indicators whose figures changed are worked out again (`compute_incremental`, from
    `current`'s results `texts` and the changed cells' figures); the rest's values and SPC are copied from the
    current snapshot in the database (INSERT ... SELECT: a few thousand small rows, simpler for every reader than
    versioning them) and their results text is reused, so the content hash is a full build's. None: everything
    is computed, from every figure. `unchanged`: quarters whose contributions are known to stand already
    (`_unchanged_quarters`), not compared again."""
    snapshot = DatasetSnapshot.objects.create(
        status=SnapshotStatus.COMPLETE,
        started_at=started,
        built_at=timezone.now(),
        trigger=trigger[:300],
        inputs_hash=key,
        latest_quarter=inputs.quarters[-1] if inputs.quarters else None,
        baseline_quarter=inputs.baseline,
    )
    seq = snapshot.pk
    inserted, closed, changed = store.write_contributions(
        inputs.figures, seq=seq, quarters=inputs.figure_quarters, unchanged=unchanged
    )
    codes = set(inputs.indicators)
    if current is not None:
        result, redo = compute_incremental(inputs, changed=changed, previous=current, texts=texts)
        texts = {**texts, **code_texts(result, redo)}
        texts_written = store.write_code_texts({code: texts[code] for code in redo}, seq=seq, whole=False)
        copied = codes - redo
    else:
        if inputs.figure_quarters is not None:
            raise ValueError("a full build needs every quarter's figures")
        result, redo, copied = compute(inputs), codes, set()
        texts = code_texts(result, codes)
        texts_written = store.write_code_texts(texts, seq=seq, whole=True)
    pause = float(getattr(settings, "DATASET_BUILD_PAUSE", 0) or 0)
    if pause:  # fault injection for the redelivery test: a window in which to kill the worker mid-build
        time.sleep(pause)
    written = {
        "contributions": inserted,
        "contributions_closed": closed,
        "values": store.insert_rows(DatasetValue, ("snapshot_id", *VALUE_COLUMNS), _value_rows(result, seq, redo)),
        "spc": store.insert_rows(DatasetSpc, ("snapshot_id", *SPC_COLUMNS), _spc_rows(result, seq, redo)),
        "themes": store.insert_rows(DatasetTheme, ("snapshot_id", *THEME_COLUMNS), _theme_rows(result, seq)),
        "results_texts": texts_written,
    }
    if copied:
        written["values_copied"] = store.copy_rows(
            DatasetValue, VALUE_COLUMNS, into=seq, source=current.pk, codes=copied
        )
        written["spc_copied"] = store.copy_rows(DatasetSpc, SPC_COLUMNS, into=seq, source=current.pk, codes=copied)
    snapshot.content_hash = content_hash_of_texts(texts, result.themes)
    snapshot.meta = {
        **json.loads(
            _canonical(
                {
                    "indicators": list(inputs.indicators.values()),
                    "agencies": inputs.agencies,
                    "quarters": inputs.quarters,
                }
            )
        ),
        "fingerprint": fingerprint,
        **extra,
        "texts": True,
        "written": written,
        "recomputed": sorted(redo) if current is not None else "all",
        "gathered": "all" if inputs.figure_quarters is None else list(inputs.figure_quarters),
        "not_compared": sorted(unchanged),  # quarters whose contributions stood as the current snapshot's
    }
    DatasetSnapshot.objects.filter(pk=seq).update(content_hash=snapshot.content_hash, meta=snapshot.meta)
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
        built = timezone.localtime(locked.built_at)
        notifications.snapshot_published_notify(
            title=f"data as at {built.day} {built:%B %Y}",
            link=reverse("dataset:dataset"),
            acting_user=acting_user,
        )
    return locked


def build_request_take() -> str:
    """Called as a build starts: later requests queue another build. Returns the reasons gathered."""
    with transaction.atomic():
        request, _ = BuildRequest.objects.select_for_update().get_or_create(pk=1)
        reasons, request.reasons, request.pending = request.reasons, "", False
        request.started_at, request.attempts = timezone.now(), request.attempts + 1
        request.save()
    return reasons


def build_request_finish() -> None:
    """The build finished (or failed for the last time, recorded as a failed snapshot): nothing is running."""
    jobs.fresh_connection()
    BuildRequest.objects.filter(pk=1).update(started_at=None, attempts=0)


def build_request_retry(*, due: datetime, reason: str) -> None:
    """A failed build will be tried again at `due`: the request is pending again, its retry already queued."""
    jobs.fresh_connection()
    with transaction.atomic():
        request, _ = BuildRequest.objects.select_for_update().get_or_create(pk=1)
        if not request.pending:
            request.requested_at = timezone.now()
        request.pending, request.queued_at, request.started_at = True, due, None
        request.reasons = "\n".join(filter(None, [request.reasons, reason]))[-2000:]
        request.save()


@transaction.atomic
def dataset_settings_update(*, baseline: ReportingPeriod | None, acting_user: User) -> DatasetSettings:
    current = DatasetSettings.load()
    current.baseline = baseline
    record_as(current, user=acting_user, source=HistorySource.FORM, reason="baseline quarter")
    current.save()
    return current
