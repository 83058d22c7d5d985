"""Incremental builds: after an accept only the indicators whose figures changed are worked out again, and the
snapshot is exactly what a full build of the same inputs gives (same content hash, same rows)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.utils import timezone

from agencies.demo import seed_partnership
from agencies.models import Role, User
from dataset import demo
from dataset.build import services
from dataset.catalogue.loader import load_demo_catalogue
from dataset.models import DatasetValue, Indicator, Return, ReturnValue
from dataset.returns.selectors import current_problems
from dataset.returns.services import return_accept, return_reopen, return_submit
from neglect_portal.lifecycle import State
from tests.dataset.conftest import fill

VALUE_FIELDS = ("code", "quarter", "value", "numerator", "denominator", "contributors", "rag", "spc_assessment")


def _rows(snapshot) -> list[tuple]:
    return list(DatasetValue.objects.filter(snapshot=snapshot).order_by("code", "quarter").values_list(*VALUE_FIELDS))


def _themes(snapshot) -> list[tuple]:
    return list(
        snapshot.themes.order_by("position").values_list("position", "code", "kind", "sentence", "since_quarter")
    )


def _edit(rng: random.Random, analyst: User) -> tuple[set[str], int]:
    """Reopen a random accepted return, nudge one to three of its figures, accept it again. Returns the codes and
    the return's quarter."""
    # Returns the seeded demo accepted as they stand; some would not pass validation today, so not those.
    candidates = [
        r for r in Return.objects.filter(status=State.ACCEPTED).order_by("pk") if not current_problems(r).blocking
    ]
    ret = rng.choice(candidates)
    lead = User.objects.filter(role=Role.AGENCY_LEAD, agency=ret.agency).first()
    return_reopen(ret=ret, acting_user=analyst, reason="correction")
    rows = [
        r
        for r in ReturnValue.objects.filter(ret=ret).select_related("indicator").order_by("pk")
        if r.value or r.numerator
    ]
    inputs = {}
    for row in rng.sample(rows, min(len(rows), rng.randint(1, 3))):
        if row.numerator:
            numerator = max(Decimal(0), Decimal(row.numerator) + rng.choice([-1, 1]))
            inputs[row.indicator.code] = {"numerator": str(numerator), "denominator": row.denominator}
        else:
            inputs[row.indicator.code] = {"value": str(max(Decimal(0), Decimal(row.value) + rng.randint(-2, 2)))}
        inputs[row.indicator.code]["commentary"] = "Checked with the team."  # explains any query the change raises
    fill(ret, lead, **inputs)
    ret.refresh_from_db()
    ret = return_submit(signed_off=True, ret=ret, acting_user=lead, seen_version=ret.version)
    return_accept(ret=ret, acting_user=analyst)
    return set(inputs), ret.period.as_quarter.index


def _build_both(trigger: str):
    incremental = services.dataset_build(trigger=trigger)
    full = services.dataset_build(trigger=trigger + " (forced full)", force=True)
    assert full.meta["recomputed"] == "all"
    assert incremental.content_hash == full.content_hash
    assert _rows(incremental) == _rows(full)
    assert _themes(incremental) == _themes(full)
    return incremental


@pytest.mark.parametrize("seed", [1, 7])
def test_incremental_builds_give_exactly_what_full_builds_give(db, seed):
    seed_partnership()
    load_demo_catalogue()
    demo.seed_returns(today=timezone.localdate())
    analyst = User.objects.filter(role=Role.ANALYST).first()
    rng = random.Random(seed)
    services.dataset_build(trigger="first")
    for step in range(4):
        edited, quarter = _edit(rng, analyst)
        quarters = {quarter}
        if step == 1:  # a second change folded into the same build
            more, quarter = _edit(rng, analyst)
            edited |= more
            quarters.add(quarter)
        snapshot = _build_both(f"step {step}")
        assert snapshot.meta["recomputed"] != "all"
        assert edited <= set(snapshot.meta["recomputed"]) < set(services.gather_inputs().indicators)
        # Only the edited returns' quarters were gathered; the inputs hash is still a full gather's.
        assert set(snapshot.meta["gathered"]) == quarters
        assert snapshot.inputs_hash == services.inputs_hash(services.gather_inputs())
        written = snapshot.meta["written"]
        assert written["values_copied"] > 0 and written["values"] < written["values_copied"]

    # A reopen with no accept again: its figures leave the dataset, still incrementally.
    ret = Return.objects.filter(status=State.ACCEPTED).order_by("pk").first()
    return_reopen(ret=ret, acting_user=analyst, reason="query")
    reopened = _build_both("reopened")
    assert reopened.meta["recomputed"] != "all"
    assert reopened.meta["gathered"] == [ret.period.as_quarter.index]

    # A catalogue change (a target) changes what every build reads about the indicator: a full build.
    indicator = Indicator.objects.filter(active=True).order_by("code").first()
    indicator.target = (indicator.target or Decimal(0)) + 5
    indicator.save()
    catalogue = _build_both("catalogue")
    assert catalogue.meta["recomputed"] == "all" and catalogue.meta["gathered"] == "all"


def test_the_results_text_hashes_to_the_content_hash_of_a_full_result(db):
    seed_partnership()
    load_demo_catalogue()
    demo.seed_returns(today=timezone.localdate())
    result = services.compute(services.gather_inputs())
    texts = services.code_texts(result, set(result.spc))
    assert services.content_hash_of_texts(texts, result.themes) == services.content_hash(result)
