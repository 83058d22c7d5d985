"""The dataset page, the indicator page and exports read a snapshot in a fixed number of queries, whatever its
size (the agencies' commentary included)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dataset.build import services as dataset_services
from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import DatasetSnapshot, Indicator, Polarity, ReportingPeriod, Return, ReturnValue, Unit
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from tests.factories import AgencyFactory


def build(agencies: int, indicators: int, quarters: int):
    agency_rows = [AgencyFactory(name=f"Agency {i}", short_name=f"A{i}") for i in range(agencies)]
    inds = []
    for i in range(indicators):
        ratio = i % 2 == 0
        ind = Indicator.objects.create(
            code=f"T{i:02d}",
            title=f"Test indicator {i}",
            definition="Test.",
            unit=Unit.PERCENTAGE if ratio else Unit.COUNT,
            numerator_label="n" if ratio else "",
            denominator_label="d" if ratio else "",
            polarity=Polarity.HIGHER,
            objective=list(Objective)[i % 4],
        )
        ind.suppliers.add(*agency_rows)
        inds.append(ind)
    quarter = Quarter(2018, 1)
    for q in range(quarters):
        opens, due, locks = default_dates(quarter)
        period = ReportingPeriod.objects.create(
            year=quarter.year, quarter=quarter.number, opens_on=opens, due_on=due, locks_on=locks
        )
        for a, agency in enumerate(agency_rows):
            ret = Return.objects.create(agency=agency, period=period, status=State.ACCEPTED)
            for i, ind in enumerate(inds):
                figures = (
                    {"numerator": str(10 + q + a), "denominator": "40"} if ind.is_ratio else {"value": str(20 + i)}
                )
                said = f"{agency.short_name} on quarter {q}: a reason for the change." if (q + a) % 2 else ""
                ReturnValue.objects.create(ret=ret, indicator=ind, commentary=said, **figures)
        quarter = quarter.next()
    return dataset_services.dataset_build(trigger="size test")


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("page", ["page", "xlsx", "csv", "agency", "indicator"])
def test_the_query_count_does_not_grow_with_the_data(client, analyst, page):
    def measure(size) -> int:
        snapshot = build(*size)
        client.force_login(analyst)
        url = {
            "page": reverse("dataset:dataset"),
            "agency": reverse("dataset:dataset") + "?agency=A1",
            "xlsx": reverse("dataset:dataset_export", args=[snapshot.pk, "xlsx"]),
            "csv": reverse("dataset:dataset_export", args=[snapshot.pk, "csv"]),
            "indicator": reverse("dataset:indicator", args=["T00"]) + f"?snapshot={snapshot.pk}",
        }[page]
        return queries(client, url)

    small = measure((2, 2, 3))
    for model in (ReturnValue, Return, DatasetSnapshot, Indicator, ReportingPeriod):
        model.objects.all().delete()
    large = measure((5, 7, 9))
    assert small == large
