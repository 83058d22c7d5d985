"""The catalogue, quarter and rules pages: one h1, headings in order, labelled fields, captions, no inline script."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import Indicator, Polarity, ReportingPeriod, Unit
from neglect_portal.strategy import Objective
from tests.pages import Page


@pytest.fixture
def pages(client, analyst, csc):
    indicator = Indicator.objects.create(
        code="N28",
        title="Neglect champions",
        definition="Champions.",
        unit=Unit.COUNT,
        polarity=Polarity.HIGHER,
        objective=Objective.RECOGNISE,
    )
    indicator.suppliers.add(csc)
    opens, due, locks = default_dates(Quarter(2020, 1))
    period = ReportingPeriod.objects.create(year=2020, quarter=1, opens_on=opens, due_on=due, locks_on=locks)
    client.force_login(analyst)
    urls = [
        reverse("dataset:indicator_list"),
        reverse("dataset:indicator_create"),
        reverse("dataset:indicator_edit", args=[indicator.pk]),
        reverse("dataset:period_list"),
        reverse("dataset:period_edit", args=[period.pk]),
        reverse("dataset:validation_rules"),
    ]
    responses = {url: client.get(url) for url in urls}
    responses["create with errors"] = client.post(reverse("dataset:indicator_create"), {"unit": "percentage"})
    return responses


def test_each_page_has_a_unique_title_one_h1_and_headings_in_order(pages):
    titles = set()
    for name, response in pages.items():
        page = Page()
        page.feed(response.content.decode())
        assert response.status_code in (200, 400), name
        assert page.headings.count(1) == 1 and page.headings[0] == 1, name
        assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), name
        if name != "create with errors":
            titles.add(page.title.strip())
    assert len(titles) == len(pages) - 1


def test_every_field_is_labelled_every_table_captioned_and_no_script_is_inline(pages):
    checked = 0
    for name, response in pages.items():
        page = Page()
        page.feed(response.content.decode())
        unlabelled = [field for field in page.fields if field not in page.labelled]
        assert unlabelled == [], name
        assert page.tables == page.captions, name
        assert page.inline_scripts == 0, name
        checked += len(page.fields)
    assert checked > 30  # the forms' fields were seen, so the label check checked something
