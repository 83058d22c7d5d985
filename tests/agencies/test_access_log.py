"""The access log of personal data (issue 15 item 8): sign-ins, failures, lockouts, refusals of out-of-scope objects,
exports, publications and downloads, one JSON line each, never the figures; administrators read it, nobody else."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from agencies import access_log
from dataset.catalogue.periods import Quarter, default_dates
from dataset.models import ReportingPeriod, Return
from neglect_portal.lifecycle import State
from tests.conftest import PASSWORD
from tests.dataset.reading.test_export_scope import snapshot  # noqa: F401  (a fixture: a small published snapshot)

LOGIN = "/accounts/login/"
# What a line may hold: who, from where, what and which object. Anything else (a figure, a password) is a leak.
ALLOWED_KEYS = {
    "at", "event", "outcome", "ip", "method", "path", "user", "user_id", "role", "agency_id", "username",
    "object", "object_id", "object_agency_id", "format", "snapshot_id", "indicator", "file",
}  # fmt: skip


def lines(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def events(path, kind: str) -> list[dict]:
    return [record for record in lines(path) if record["event"] == kind]


def test_a_sign_in_and_a_failure_are_logged_with_the_address_and_never_the_password(client, csc_lead, access_log_file):
    client.post(LOGIN, {"username": "csc.lead", "password": "not-the-password"}, REMOTE_ADDR="10.1.2.3")
    client.post(LOGIN, {"username": "csc.lead", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    failed, signed_in = events(access_log_file, "sign_in_failed"), events(access_log_file, "sign_in")
    assert failed[0]["username"] == "csc.lead" and failed[0]["outcome"] == "refused" and failed[0]["ip"] == "10.1.2.3"
    assert signed_in[0]["user"] == "csc.lead" and signed_in[0]["agency_id"] == csc_lead.agency_id
    text = access_log_file.read_text()
    assert "not-the-password" not in text and PASSWORD not in text
    assert all(set(record) <= ALLOWED_KEYS for record in lines(access_log_file))


def test_a_lockout_is_logged(client, csc_lead, access_log_file, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "csc.lead", "password": "wrong"})
    locked = events(access_log_file, "locked_out")
    assert len(locked) == 1 and locked[0]["username"] == "csc.lead"


def test_another_agencys_object_is_a_404_logged_with_the_user_agency_and_object(
    client, police_lead, csc, access_log_file
):
    opens, due, locks = default_dates(Quarter(2020, 1))
    period = ReportingPeriod.objects.create(year=2020, quarter=1, opens_on=opens, due_on=due, locks_on=locks)
    ret = Return.objects.create(agency=csc, period=period, status=State.DRAFT)
    client.force_login(police_lead)
    assert client.get(reverse("dataset:return_detail", args=[ret.pk])).status_code == 404
    assert client.get(reverse("dataset:return_edit", args=[ret.pk])).status_code == 404
    refused = events(access_log_file, "refused")
    seen = [(r["object"], r["object_id"], r["object_agency_id"]) for r in refused]
    assert seen == [("dataset.return", ret.pk, csc.pk)] * 2
    assert refused[0]["user"] == "police.lead" and refused[0]["agency_id"] == police_lead.agency_id
    assert refused[0]["path"] == reverse("dataset:return_detail", args=[ret.pk])
    assert refused[0]["outcome"] == "not_found"


def test_a_mistyped_address_is_a_404_that_is_not_logged_as_a_refusal(client, police_lead, access_log_file):
    client.force_login(police_lead)
    missing = (Return.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    assert client.get(reverse("dataset:return_detail", args=[missing])).status_code == 404
    assert client.get(reverse("agencies:detail", args=[missing])).status_code == 404
    assert events(access_log_file, "refused") == []


def test_exports_and_a_publication_are_logged_without_the_figures(client, analyst, snapshot, access_log_file):  # noqa: F811
    client.force_login(analyst)
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("dataset:dataset_export", args=[snapshot.pk, fmt]))
        assert response.status_code == 200
        b"".join(response.streaming_content)
    assert client.get(reverse("dataset:indicator_data", args=["S01"])).status_code == 200
    client.post(reverse("dataset:dataset_publish", args=[snapshot.pk]))
    exported = events(access_log_file, "export")
    assert [(r["object_id"], r["format"]) for r in exported] == [(snapshot.pk, "csv"), (snapshot.pk, "xlsx")] + [
        (snapshot.pk, "csv")
    ]
    assert exported[2]["indicator"] == "S01"
    assert events(access_log_file, "publish")[0]["object_id"] == snapshot.pk
    records = lines(access_log_file)
    assert all(set(record) <= ALLOWED_KEYS for record in records)
    # the export's figures (12, 30, 31, 3, 20/40, 9/30 ...) are nowhere in a line but as the ids they happen to be
    figures = {"12", "30", "31", "21", "40", "S02"}
    ids = {str(snapshot.pk), str(analyst.pk)}
    for record in exported:
        assert not {str(v) for v in record.values()} & (figures - ids)


def test_the_log_is_read_newest_first_with_filters_from_the_end_of_the_file(tmp_path):
    path = tmp_path / "access.log"
    rows = [
        {"at": f"2020-09-{day:02d}T10:00:00+00:00", "event": kind, "user": who, "outcome": "ok"}
        for day in range(1, 29)
        for kind, who in (("sign_in", "csc.lead"), ("export", "analyst"))
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n{broken line\n")
    newest = access_log.read_events(path=path, limit=3)
    assert [(r["at"][:10], r["event"]) for r in newest] == [
        ("2020-09-28", "export"),
        ("2020-09-28", "sign_in"),
        ("2020-09-27", "export"),
    ]
    assert {r["user"] for r in access_log.read_events(path=path, user="analyst", limit=100)} == {"analyst"}
    assert len(access_log.read_events(path=path, event="sign_in", limit=100)) == 28
    assert [r["user"] for r in access_log.read_events(path=path, day=date(2020, 9, 5))] == ["analyst", "csc.lead"]
    # small blocks: lines cut across block edges are put back together
    tiny = access_log.read_events(path=path, limit=1000, limit_bytes=10**9)
    assert len(tiny) == len(rows)
    assert access_log.read_events(path=tmp_path / "absent.log") == []


def test_reading_only_the_newest_bytes_keeps_the_page_fast_on_a_large_file(tmp_path):
    path = tmp_path / "access.log"
    line = json.dumps({"at": "2020-09-01T10:00:00+00:00", "event": "sign_in", "user": "x"})
    path.write_text((line + "\n") * 20_000)
    assert len(access_log.read_events(path=path, limit=10**6, limit_bytes=len(line) * 10 + 5)) == 9  # whole lines only


@pytest.mark.parametrize("persona", ["csc_lead", "analyst", "member", "scrutineer"])
def test_only_administrators_read_the_log(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("agencies:access_log")).status_code == 404


def test_anonymous_people_are_sent_to_sign_in_for_the_log(client, db):
    response = client.get(reverse("agencies:access_log"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_an_administrator_reads_the_log_and_filters_it(client, admin_user, csc_lead, access_log_file):
    client.post(LOGIN, {"username": "csc.lead", "password": "wrong"})
    client.force_login(admin_user)
    page = client.get(reverse("agencies:access_log")).content.decode()
    assert "<td>sign_in_failed</td>" in page and "csc.lead" in page
    page = client.get(reverse("agencies:access_log"), {"event": "export"}).content.decode()
    assert "<td>sign_in_failed</td>" not in page and "No events match." in page
    bad = client.get(reverse("agencies:access_log"), {"day": "not-a-day"})
    assert bad.status_code == 200 and "Enter the day as a date" in bad.content.decode()


def test_another_scopes_export_job_is_a_404_logged_as_a_refusal(
    client,
    analyst,
    police_lead,
    snapshot,  # noqa: F811
    access_log_file,
):
    from dataset.models import ExportJob

    job = ExportJob.objects.create(snapshot=snapshot, scope="all", requested_by=analyst)
    client.force_login(police_lead)
    assert client.get(reverse("dataset:export_job_download", args=[job.pk])).status_code == 404
    (refused,) = events(access_log_file, "refused")
    assert (refused["object"], refused["object_id"], refused["user"]) == ("dataset.exportjob", job.pk, "police.lead")
    missing = job.pk + 1000
    assert client.get(reverse("dataset:export_job_download", args=[missing])).status_code == 404
    assert len(events(access_log_file, "refused")) == 1
