"""Issue 13: a build that finds nothing changed compares a cheap fingerprint first; gathering reads plain rows;
hashing skips asdict. None of it may change the content hash: snapshots built before and after compare equal.
The inputs hash stands for the figures by each quarter's digest (recipe 2, so an incremental build can gather
only the quarters that changed); the reference below writes that recipe with the old, verbatim encoder."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db.models import Max
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from agencies.demo import seed_partnership
from agencies.models import Agency
from dataset import demo
from dataset.build import services
from dataset.build.figures import AgencyFigure, IndicatorInfo, ProcessChangeInfo, RelationCheck
from dataset.catalogue.loader import load_demo_catalogue
from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import (
    DatasetSnapshot,
    Indicator,
    Polarity,
    ProcessChange,
    RelationshipCheck,
    ReportingPeriod,
    Return,
    ReturnValue,
    Unit,
)
from dataset.returns.services import return_accept, return_reopen, return_submit
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from tests.dataset.build import old_build
from tests.dataset.conftest import fill
from tests.factories import AgencyFactory

# --- the same inputs as before ------------------------------------------------------------------------------------

TEXTS = ["0", "-0", "12", "1,256", "12.50", "0.0000001", "", "abc", " 7 ", "1e5", "420", "150"]
COMMENTS = ["", " checked with the team ", "Café – “quoted”", "\ttabbed\n"]


@pytest.fixture
def mixed_partnership(db):
    """Every kind of row the build reads or must leave out, written straight to the tables."""
    agencies = [AgencyFactory(name=f"Agency {n}", short_name=f"A{n}") for n in range(3)]
    agencies.append(AgencyFactory(name="Closed agency", short_name="Z", active=False))
    specs = [
        ("C1", Unit.COUNT, "quarter", True),
        ("P1", Unit.PERCENTAGE, "quarter", True),
        ("M1", Unit.MEAN, "year_to_date", True),
        ("X1", Unit.COUNT, "quarter", False),
    ]
    indicators = []
    for code, unit, accumulation, active in specs:
        ind = Indicator.objects.create(
            code=code,
            title=f"Indicator {code}",
            definition="d",
            unit=unit,
            numerator_label="n" if unit != Unit.COUNT else "",
            denominator_label="d" if unit != Unit.COUNT else "",
            polarity=Polarity.HIGHER,
            objective=Objective.RESPOND,
            target=Decimal("12.50") if code == "P1" else None,
            accumulation=accumulation,
            active=active,
        )
        ind.suppliers.set(agencies)
        indicators.append(ind)
    today = timezone.localdate()
    periods = []
    quarter = Quarter.containing(today)
    for _ in range(6):
        quarter = quarter.previous()
        opens, due, locks = default_dates(quarter)
        periods.append(
            ReportingPeriod.objects.create(
                year=quarter.year, quarter=quarter.number, opens_on=opens, due_on=due, locks_on=locks
            )
        )
    upcoming = Quarter.containing(today).next()
    ReportingPeriod.objects.create(
        year=upcoming.year,
        quarter=upcoming.number,
        opens_on=today + timedelta(days=5),
        due_on=today + timedelta(days=30),
        locks_on=today + timedelta(days=60),
    )
    statuses = [State.ACCEPTED, State.ACCEPTED, State.SUBMITTED, State.ACCEPTED, State.REOPENED]
    n = 0
    for a, agency in enumerate(agencies):
        for p, period in enumerate(ReportingPeriod.objects.all()):
            ret = Return.objects.create(agency=agency, period=period, status=statuses[(a + p) % len(statuses)])
            for ind in indicators:
                n += 1
                ReturnValue.objects.create(
                    ret=ret,
                    indicator=ind,
                    numerator=TEXTS[n % len(TEXTS)],
                    denominator=TEXTS[(n * 7) % len(TEXTS)],
                    value=TEXTS[(n * 5) % len(TEXTS)],
                    not_available_reason="not_collected" if n % 9 == 0 else "",
                    commentary=COMMENTS[n % len(COMMENTS)],
                )
    ProcessChange.objects.create(indicator=indicators[0], period=periods[2], reason="new recording rule")
    ProcessChange.objects.create(indicator=indicators[0], period=periods[0], reason="earlier")
    RelationshipCheck.objects.create(
        indicator=indicators[0], compared_with=indicators[1], at_least=Decimal("0.5"), why="w", question="q"
    )
    services.DatasetSettings.objects.update_or_create(pk=1, defaults={"baseline": periods[1]})
    return indicators


def _reference_inputs_hash(inputs: services.BuildInputs) -> str:
    """Recipe 2 of the inputs hash, written plainly with the pre-issue-13 encoder (`old_build._canonical`)."""
    by_quarter: dict[int, list[AgencyFigure]] = {q: [] for q in inputs.quarters}
    for f in inputs.figures:
        by_quarter.setdefault(f.quarter, []).append(f)
    return old_build._sha(
        {
            "indicators": inputs.indicators,
            "agencies": inputs.agencies,
            "quarters": inputs.quarters,
            "figures": {str(q): old_build._sha(found) for q, found in sorted(by_quarter.items())},
            "expected": {f"{c}|{q}": v for (c, q), v in inputs.expected.items()},
            "baseline": inputs.baseline,
            "process_changes": dict(sorted(inputs.process_changes.items())),
            "checks": inputs.checks,
            "recipe": 2,
        }
    )


def _assert_same_inputs(new: services.BuildInputs, old: services.BuildInputs) -> None:
    assert new == old
    # Equal Decimals may differ in exponent ("12.50" and "12.5"): the figures must be the very same.
    assert [repr(f) for f in new.figures] == [repr(f) for f in old.figures]
    assert services.inputs_hash(new) == _reference_inputs_hash(old)


def test_gathering_plain_rows_gives_the_same_inputs_as_the_model_instances_did(mixed_partnership):
    new, old = services.gather_inputs(), old_build.gather_inputs()
    assert new.figures and {f.agency for f in new.figures} >= {"A0", "Z"}
    assert "X1" not in {f.code for f in new.figures}
    _assert_same_inputs(new, old)
    result = services.compute(new)
    assert services.content_hash(result) == old_build.content_hash(services.compute(old))


def test_the_demo_partnership_hashes_as_it_did_before(db):
    seed_partnership()
    load_demo_catalogue()
    demo.seed_returns(today=timezone.localdate())
    new, old = services.gather_inputs(), old_build.gather_inputs()
    _assert_same_inputs(new, old)
    snapshot = services.dataset_build(trigger="test")
    assert snapshot.inputs_hash == _reference_inputs_hash(old)
    assert snapshot.content_hash == old_build.content_hash(services.compute(old))


# --- the same hashes as before ------------------------------------------------------------------------------------

INDICATORS = {
    "N1": IndicatorInfo(code="N1", title="Référrals “neglect”", unit="count", polarity="higher", objective="respond"),
    "N2": IndicatorInfo(
        code="N2",
        title="Share",
        unit="percentage",
        polarity="lower",
        objective="recognise",
        target=Decimal("35.70"),
        red_threshold=Decimal("4E+1"),
        suppliers=("A", "B"),
        accumulation="year_to_date",
    ),
}
decimals = st.one_of(
    st.none(),
    st.sampled_from(
        [Decimal("0"), Decimal("-0"), Decimal("-0.00"), Decimal("1E-7"), Decimal("1E+3"), Decimal("12.50")]
    ),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12, places=4),
)
figures = st.builds(
    AgencyFigure,
    code=st.sampled_from(["N1", "N2"]),
    agency=st.sampled_from(["A", "B", "Ä"]),
    quarter=st.integers(8000, 8100),
    numerator=decimals,
    denominator=decimals,
    value=decimals,
    not_available=st.sampled_from(["", "other"]),
    commentary=st.text(max_size=12),
)


def _inputs(found: list[AgencyFigure]) -> services.BuildInputs:
    quarters = sorted({f.quarter for f in found}) or [8000]
    return services.BuildInputs(
        indicators=INDICATORS,
        agencies={"A": "Agency A", "B": "Agency “B”", "Ä": "Ägency"},
        quarters=quarters,
        figures=sorted(found, key=lambda f: (f.code, f.quarter, f.agency)),
        expected={(code, q): info.suppliers for code, info in INDICATORS.items() for q in quarters},
        baseline=quarters[0],
        process_changes={"N1": (ProcessChangeInfo(code="N1", quarter=quarters[-1], reason="new “rule”"),)},
        checks=(RelationCheck(code="N1", other="N2", at_least=Decimal("0.500"), why="w", question="q?"),),
    )


@settings(max_examples=60, deadline=None)
@given(
    found=st.lists(figures, max_size=25, unique_by=lambda f: (f.code, f.agency, f.quarter)),
    chunk=st.sampled_from([1, 2, 3, 5000]),
)
def test_the_hashes_are_the_same_hex_digests_as_before(found, chunk):
    inputs = _inputs(found)
    with mock.patch.object(services, "_CHUNK", chunk):  # long lists are hashed in chunks: any size must agree
        assert services.inputs_hash(inputs) == _reference_inputs_hash(inputs)
        result = services.compute(inputs)
        assert services.content_hash(result) == old_build.content_hash(result)
    assert services._canonical(inputs.figures) == old_build._canonical(inputs.figures)


def test_the_demo_results_hash_as_before_with_a_small_chunk(db):
    seed_partnership()
    load_demo_catalogue()
    demo.seed_returns(today=timezone.localdate())
    inputs = services.gather_inputs()
    result = services.compute(inputs)
    with mock.patch.object(services, "_CHUNK", 7):
        assert services.content_hash(result) == old_build.content_hash(result)
        assert services.inputs_hash(inputs) == _reference_inputs_hash(inputs)


# --- the fingerprint ------------------------------------------------------------------------------------------------


@pytest.fixture
def accepted(csc_return, police_return, csc_lead, police_lead, analyst):
    for ret, user, found in (
        (csc_return, csc_lead, {"N18": ("150", "420"), "N28": "24"}),
        (police_return, police_lead, {"N28": "3"}),
    ):
        fill(ret, user, **found)
        ret.refresh_from_db()
        ret = return_submit(signed_off=True, ret=ret, acting_user=user, seen_version=ret.version)
        return_accept(ret=ret, acting_user=analyst)
    return csc_return, police_return


PINNED = timezone.now() - timedelta(days=3)


def _pinned_fingerprint(**kwargs) -> str:
    """The fingerprint with every return's updated_at held still, so max(updated_at) cannot be what moves it."""
    Return.objects.update(updated_at=PINNED)
    assert Return.objects.aggregate(at=Max("updated_at"))["at"] == PINNED
    return services.inputs_fingerprint(**kwargs)


def test_a_snapshot_records_the_fingerprint_of_what_it_read(accepted):
    snapshot = services.dataset_build(trigger="one")
    assert snapshot.meta["fingerprint"] == services.inputs_fingerprint()
    assert DatasetSnapshot.objects.get(pk=snapshot.pk).meta["fingerprint"] == snapshot.meta["fingerprint"]


def test_a_build_that_finds_nothing_changed_gathers_nothing(accepted, django_assert_max_num_queries):
    first = services.dataset_build(trigger="one")
    with (
        mock.patch.object(services, "_gather_context", side_effect=AssertionError("gathered")),
        mock.patch.object(services, "_gather_figures", side_effect=AssertionError("gathered")),
        django_assert_max_num_queries(16),
    ):
        again = services.dataset_build(trigger="nightly")
    assert again.pk == first.pk


def test_force_builds_even_when_the_fingerprint_matches(accepted):
    first = services.dataset_build(trigger="one")
    forced = services.dataset_build(trigger="forced", force=True)
    assert forced.pk != first.pk and forced.content_hash == first.content_hash
    assert forced.meta["fingerprint"] == first.meta["fingerprint"]


def _reopen_edit_and_accept_again(ctx):
    csc_return, _ = ctx["accepted"]
    return_reopen(ret=csc_return, acting_user=ctx["analyst"], reason="correction")
    fill(csc_return, ctx["csc_lead"], N28="25")
    csc_return.refresh_from_db()
    ret = return_submit(signed_off=True, ret=csc_return, acting_user=ctx["csc_lead"], seen_version=csc_return.version)
    return_accept(ret=ret, acting_user=ctx["analyst"])


def _reopen_and_accept_again_unchanged(ctx):
    csc_return, _ = ctx["accepted"]
    return_reopen(ret=csc_return, acting_user=ctx["analyst"], reason="look again")
    csc_return.refresh_from_db()
    ret = return_submit(signed_off=True, ret=csc_return, acting_user=ctx["csc_lead"], seen_version=csc_return.version)
    return_accept(ret=ret, acting_user=ctx["analyst"])


def _reopen(ctx):
    return_reopen(ret=ctx["accepted"][0], acting_user=ctx["analyst"], reason="correction")


def _indicator_edited(ctx):
    indicator = Indicator.objects.get(code="N28")
    indicator.title = "Neglect champions in post at quarter end"
    indicator.save()


def _indicator_edited_without_history(ctx):
    Indicator.objects.filter(code="N18").update(target=Decimal("30"))


def _indicator_edited_and_edited_back(ctx):
    indicator = Indicator.objects.get(code="N28")
    title = indicator.title
    for new in ("A passing title", title):
        indicator.title = new
        indicator.save()


def _indicator_retired(ctx):
    Indicator.objects.filter(code="N18").update(active=False)


def _supplier_removed(ctx):
    Indicator.objects.get(code="N28").suppliers.remove(Agency.objects.get(short_name="Police"))


def _process_change_recorded(ctx):
    ProcessChange.objects.create(
        indicator=Indicator.objects.get(code="N28"), period=ReportingPeriod.objects.get(), reason="new strategy"
    )


def _relationship_check_added(ctx):
    RelationshipCheck.objects.create(
        indicator=Indicator.objects.get(code="N18"),
        compared_with=Indicator.objects.get(code="N28"),
        at_least=Decimal("0.5"),
        why="w",
        question="q",
    )


def _agency_renamed(ctx):
    Agency.objects.filter(short_name="Police").update(name="Sussex Police Constabulary")


def _baseline_chosen(ctx):
    services.dataset_settings_update(baseline=ReportingPeriod.objects.get(), acting_user=ctx["analyst"])


def _value_row_added_to_an_accepted_return(ctx):
    csc_return, _ = ctx["accepted"]
    extra = Indicator.objects.create(
        code="N99", title="t", definition="d", unit=Unit.COUNT, objective=Objective.RECOGNISE
    )
    ReturnValue.objects.create(ret=csc_return, indicator=extra, value="4")


@pytest.mark.parametrize(
    "change",
    [
        _reopen_edit_and_accept_again,
        _reopen_and_accept_again_unchanged,
        _reopen,
        _indicator_edited,
        _indicator_edited_without_history,
        _indicator_edited_and_edited_back,
        _indicator_retired,
        _supplier_removed,
        _process_change_recorded,
        _relationship_check_added,
        _agency_renamed,
        _baseline_chosen,
        _value_row_added_to_an_accepted_return,
    ],
)
def test_a_change_that_leaves_the_latest_updated_at_alone_still_moves_the_fingerprint(
    change, accepted, analyst, csc_lead
):
    built = services.dataset_build(trigger="before")
    before = _pinned_fingerprint()
    change({"accepted": accepted, "analyst": analyst, "csc_lead": csc_lead})
    after = _pinned_fingerprint()
    assert after != before
    # The fingerprint only decides whether to gather: the inputs hash still decides whether to write.
    rebuilt = services.dataset_build(trigger="after")
    assert rebuilt.inputs_hash == services.inputs_hash(services.gather_inputs())
    assert (rebuilt.pk == built.pk) == (rebuilt.inputs_hash == built.inputs_hash)


def test_a_quarter_opening_moves_the_fingerprint(accepted):
    today = timezone.localdate()
    ReportingPeriod.objects.create(
        year=2020,
        quarter=2,
        opens_on=today + timedelta(days=10),
        due_on=today + timedelta(days=30),
        locks_on=today + timedelta(days=60),
    )
    assert services.inputs_fingerprint(today=today) == services.inputs_fingerprint(today=today + timedelta(days=9))
    assert services.inputs_fingerprint(today=today) != services.inputs_fingerprint(today=today + timedelta(days=10))


def test_a_change_the_build_ignores_is_found_once_and_then_remembered(accepted):
    first = services.dataset_build(trigger="one")
    Indicator.objects.filter(code="N28").update(allow_negative=True)  # read by validation, not by the build
    with mock.patch.object(services, "_gather_context", wraps=services._gather_context) as gathered:
        again = services.dataset_build(trigger="two")
        assert again.pk == first.pk and gathered.call_count == 1
        assert DatasetSnapshot.objects.get(pk=first.pk).meta["fingerprint"] == services.inputs_fingerprint()
        assert services.dataset_build(trigger="three").pk == first.pk
        assert gathered.call_count == 1
    assert DatasetSnapshot.objects.count() == 1
