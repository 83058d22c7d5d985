"""The published dataset in long format (issue 16, item 4): the CSV export's rows, cell for cell, filtered and paged."""

from __future__ import annotations

import csv
import io

import pytest

from dataset.reading import exports
from tests.dataset.reading.test_export_scope import download, snapshot  # noqa: F401 - the fixture

from .conftest import Api, make_key


def all_rows(api: Api, **params) -> list[dict]:
    rows, page = [], 1
    while True:
        response = api.get("/api/v1/dataset/", page=str(page), page_size="3", **params)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        if body["next"] is None:
            return rows
        assert f"page={page + 1}" in body["next"]
        page += 1


def csv_rows(client, user, published) -> list[dict]:
    text = download(client, user, f"/dataset/{published.pk}/export.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("who", ["reader", "csc lead"])
def test_the_api_publishes_the_csv_exports_cells(snapshot, client, analyst, member, csc, csc_lead, who):  # noqa: F811
    made = make_key(analyst, holder=member) if who == "reader" else make_key(analyst, agency=csc)
    person = member if who == "reader" else csc_lead
    api_rows = all_rows(Api(made.secret))
    file_rows = csv_rows(client, person, snapshot)
    assert [tuple(r[c] for c in exports.CSV_COLUMNS) for r in api_rows] == [
        tuple(r[c] for c in exports.CSV_COLUMNS) for r in file_rows
    ]
    assert set(api_rows[0]) == set(exports.CSV_COLUMNS)


def test_a_small_total_is_suppressed_as_in_the_csv(csc, police, analyst, member, client):
    from dataset.build import services as dataset_services
    from dataset.catalogue.periods import Quarter, default_dates
    from dataset.models import Indicator, Polarity, ReportingPeriod, Return, ReturnValue, Unit
    from neglect_portal.lifecycle import State
    from neglect_portal.strategy import Objective

    small = Indicator.objects.create(
        code="S03",
        title="Few",
        definition="A small count.",
        unit=Unit.COUNT,
        polarity=Polarity.NEITHER,
        objective=Objective.RECOGNISE,
    )
    small.suppliers.add(csc, police)
    opens, due, locks = default_dates(Quarter(2020, 1))
    period = ReportingPeriod.objects.create(year=2020, quarter=1, opens_on=opens, due_on=due, locks_on=locks)
    for agency, figure in ((csc, "2"), (police, "2")):
        ret = Return.objects.create(agency=agency, period=period, status=State.ACCEPTED)
        ReturnValue.objects.create(ret=ret, indicator=small, value=figure)
    published = dataset_services.snapshot_publish(
        snapshot=dataset_services.dataset_build(trigger="small"), acting_user=analyst
    )
    rows = Api(make_key(analyst, holder=member).secret).get("/api/v1/dataset/").json()["results"]
    assert [(r["indicator_code"], r["value"], r["rag"], r["spc"]) for r in rows] == [("S03", "c", "c", "c")]
    assert [r["value"] for r in csv_rows(client, member, published)] == ["c"]


def test_filters_and_pages(snapshot, analyst, member):  # noqa: F811
    api = Api(make_key(analyst, holder=member).secret)
    one = api.get("/api/v1/dataset/", indicator="S02").json()
    assert one["count"] == 2 and {r["indicator_code"] for r in one["results"]} == {"S02"}
    assert one["snapshot"]["id"] == snapshot.pk and one["snapshot"]["latest_period"] == "2020-21 Q2"
    quarter = api.get("/api/v1/dataset/", period="2020-21 Q2").json()
    assert quarter["count"] == 2 and {r["period"] for r in quarter["results"]} == {"2020-21 Q2"}
    both = api.get("/api/v1/dataset/", indicator="S01,S02", period="2020-21 Q1,2020-21 Q2").json()
    assert both["count"] == 4
    assert api.get("/api/v1/dataset/", period="2020-22 Q1").json()["count"] == 0
    assert api.get("/api/v1/dataset/", page="2", page_size="1000").status_code == 404
    assert api.get("/api/v1/dataset/", page_size="1001").status_code == 422
    assert api.get("/api/v1/dataset/", indicator="S01;drop").status_code == 422
    assert api.get("/api/v1/dataset/", snapshot=str(snapshot.pk + 1)).status_code == 404
    assert api.get("/api/v1/dataset/", snapshot=str(snapshot.pk)).status_code == 200


def test_nothing_published_is_a_404_that_says_so(analyst, member):
    response = Api(make_key(analyst, holder=member).secret).get("/api/v1/dataset/")
    assert response.status_code == 404
    assert "Nothing is published yet" in response.json()["detail"]


def test_a_page_reads_a_fixed_number_of_queries(snapshot, analyst, member, django_assert_max_num_queries):  # noqa: F811
    api = Api(make_key(analyst, holder=member).secret)
    api.get("/api/v1/dataset/")  # warm: the key's last-used write
    with django_assert_max_num_queries(9):
        assert api.get("/api/v1/dataset/", page_size="1000").status_code == 200
