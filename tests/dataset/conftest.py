"""Returns fixtures: an open quarter, a small catalogue and a Children's Social Care return."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import Indicator, Polarity, ReportingPeriod, Unit
from neglect_portal.strategy import Objective


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with nothing kept by an earlier one: on SQLite a rolled-back test's ids (and, under a frozen
    clock, its timestamps) come round again, so what pages keep under them could be another test's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def open_period(db):
    """The current quarter's collection: opened, due in 10 days, locks 30 days after that."""
    today = timezone.localdate()
    return ReportingPeriod.objects.create(
        year=2020,
        quarter=1,
        opens_on=today - timedelta(days=30),
        due_on=today + timedelta(days=10),
        locks_on=today + timedelta(days=40),
    )


@pytest.fixture
def earlier_periods(db):
    out = []
    quarter = Quarter(2020, 1)
    for _ in range(5):
        quarter = quarter.previous()
        opens, due, locks = default_dates(quarter)
        out.append(
            ReportingPeriod.objects.create(
                year=quarter.year, quarter=quarter.number, opens_on=opens, due_on=due, locks_on=locks
            )
        )
    return list(reversed(out))


@pytest.fixture
def n18(csc):
    indicator = Indicator.objects.create(
        code="N18",
        title="Neglect CIN plans open more than 12 months",
        definition="Share of open neglect CIN plans.",
        unit=Unit.PERCENTAGE,
        numerator_label="Open more than 12 months",
        denominator_label="Open neglect CIN plans",
        polarity=Polarity.LOWER,
        objective=Objective.RESPOND,
        tolerance_pct=Decimal("25"),
    )
    indicator.suppliers.add(csc)
    return indicator


@pytest.fixture
def n28(csc, police):
    indicator = Indicator.objects.create(
        code="N28",
        title="Neglect champions in post",
        definition="Champions at quarter end.",
        unit=Unit.COUNT,
        polarity=Polarity.HIGHER,
        objective=Objective.RECOGNISE,
    )
    indicator.suppliers.add(csc, police)
    return indicator


@pytest.fixture
def catalogue(n18, n28):
    return [n18, n28]


@pytest.fixture
def csc_return(csc_lead, open_period, catalogue):
    from dataset.returns import services

    return services.return_start(agency=csc_lead.agency, period=open_period, acting_user=csc_lead)


@pytest.fixture
def police_return(police_lead, open_period, catalogue):
    from dataset.returns import services

    return services.return_start(agency=police_lead.agency, period=open_period, acting_user=police_lead)


def fill(ret, user, **codes):
    """Save figures: fill(ret, user, N18=("150", "420"), N28="24")."""
    from dataset.returns import services

    inputs = {}
    for code, figures in codes.items():
        if isinstance(figures, tuple):
            inputs[code] = {"numerator": figures[0], "denominator": figures[1]}
        elif isinstance(figures, dict):
            inputs[code] = figures
        else:
            inputs[code] = {"value": figures}
    ret.refresh_from_db()
    saved, _ = services.return_save_values(ret=ret, acting_user=user, seen_version=ret.version, inputs=inputs)
    return saved
