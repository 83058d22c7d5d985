"""Scrutiny events on a small dataset: creating one, the evidence grid, building and rebuilding packs, what
each persona may do, the polling progress and the download."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from unittest import mock

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dataset.build import requests as build_requests
from dataset.build import services as dataset_services
from dataset.returns.services import return_accept, return_submit
from scrutiny import services
from scrutiny.models import EvidenceItem, EvidencePack, EvidenceSource, PackStatus, ScrutinyEvent
from scrutiny.packs import services as pack_services
from tests.dataset import conftest as dataset_fixtures
from tests.dataset.conftest import fill

# The small dataset's fixtures, shared with this module.
open_period, n18, n28, catalogue, csc_return = (
    dataset_fixtures.open_period,
    dataset_fixtures.n18,
    dataset_fixtures.n28,
    dataset_fixtures.catalogue,
    dataset_fixtures.csc_return,
)

PERSONAS = ["csc_lead", "member", "scrutineer", "analyst", "no_agency_user"]
READERS = {"member", "scrutineer", "analyst"}
EDITORS = {"scrutineer", "analyst"}


@pytest.fixture
def snapshot(csc_return, csc_lead, analyst, n18):
    fill(csc_return, csc_lead, N18=("150", "420"), N28="3")
    csc_return.refresh_from_db()
    ret = return_submit(signed_off=True, ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version)
    with mock.patch.object(build_requests, "dataset_request_build"):
        return_accept(ret=ret, acting_user=analyst)
    snapshot = dataset_services.dataset_build(trigger="test")
    return dataset_services.snapshot_publish(snapshot=snapshot, acting_user=analyst)


@pytest.fixture
def outcome(scrutineer, n18, n28):
    return services.outcome_save(
        outcome=None,
        fields={
            "title": "Plans do not drift",
            "description": "Plans make progress.",
            "key_questions": "Why are plans open for more than a year?",
            "expected_sources": [EvidenceSource.DATA, EvidenceSource.AUDIT, EvidenceSource.VOICE_CHILDREN],
            "position": 1,
        },
        indicators=[n18, n28],
        actions=[],
        acting_user=scrutineer,
    )


@pytest.fixture
def event(scrutineer, outcome, snapshot, open_period):
    return pack_services.event_save(
        event=None,
        fields={"title": "September 2020 scrutiny event", "held_on": date(2020, 9, 24), "snapshot": snapshot},
        outcomes=[outcome],
        periods=[open_period],
        acting_user=scrutineer,
    )


@pytest.fixture
def pack(event, scrutineer):
    return EvidencePack.objects.create(event=event, version=1, snapshot=event.snapshot, requested_by=scrutineer)


def test_the_grid_counts_what_is_gathered_and_says_what_is_missing(client, scrutineer, event, outcome):
    EvidenceItem.objects.create(
        source=EvidenceSource.OBSERVATION, title="Core group", gathered_on=date(2020, 8, 1), summary="Seen."
    ).outcomes.add(outcome)
    (row,) = pack_services.evidence_grid(event)
    cells = {c.source: c for c in row.cells}
    assert cells["data"].count == 2 and not cells["data"].missing  # N18 and N28 are in the snapshot
    assert cells["audit"].missing and cells["voice_children"].missing
    assert cells["observation"].count == 1 and not cells["observation"].expected
    assert not cells["voice_practitioners"].missing  # not expected, so not missing
    client.force_login(scrutineer)
    page = client.get(event.get_absolute_url()).content.decode()
    assert page.count("<strong>Missing</strong>") == 2


def test_a_scrutineer_creates_an_event_with_the_latest_published_snapshot_chosen(
    client, scrutineer, outcome, snapshot, open_period
):
    client.force_login(scrutineer)
    form = client.get(reverse("scrutiny:event_create")).context["form"]
    assert form.initial["snapshot"] == snapshot.pk
    response = client.post(
        reverse("scrutiny:event_create"),
        {
            "title": "December scrutiny",
            "held_on": "2020-12-10",
            "snapshot": snapshot.pk,
            "outcomes": [outcome.pk],
            "periods": [open_period.pk],
            "notes": "",
        },
    )
    event = ScrutinyEvent.objects.get(title="December scrutiny")
    assert response.status_code == 302 and response["Location"] == event.get_absolute_url()
    assert list(event.outcomes.all()) == [outcome] and event.snapshot == snapshot


def test_building_queues_the_next_version_and_the_job_builds_it(
    client, scrutineer, event, django_capture_on_commit_callbacks
):
    client.force_login(scrutineer)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("scrutiny:pack_build", args=[event.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("scrutiny:pack_build", args=[event.pk]))
    v1, v2 = EvidencePack.objects.filter(event=event).order_by("version")
    assert first["Location"] == reverse("scrutiny:pack_detail", args=[v1.pk])
    assert (v1.version, v2.version) == (1, 2)
    assert v1.status == v2.status == PackStatus.COMPLETE and v1.progress == 100
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Version 1" in page and "Version 2" in page  # the history: old versions stay downloadable
    for pack in (v1, v2):
        response = client.get(reverse("scrutiny:pack_download", args=[pack.pk]))
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        assert response["Content-Disposition"] == (
            f'attachment; filename="evidence-pack-september-2020-scrutiny-event-v{pack.version}.zip"'
        )
        with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
            assert "manifest.json" in archive.namelist()


def test_the_progress_polls_while_building_and_stops_when_complete(client, member, pack):
    client.force_login(member)
    url = reverse("scrutiny:pack_progress", args=[pack.pk])
    queued = client.get(url).content.decode()
    assert 'role="progressbar"' in queued and 'aria-valuenow="0"' in queued
    assert f'hx-get="{url}"' in queued and 'hx-trigger="every 2s"' in queued and 'hx-swap="outerHTML"' in queued
    pack_services.pack_build(pack_id=pack.pk)
    done = client.get(url).content.decode()
    assert "Complete" in done and 'aria-valuenow="100"' in done and "hx-trigger" not in done
    assert reverse("scrutiny:pack_download", args=[pack.pk]) in done


def test_a_failure_is_recorded_and_shown(client, scrutineer, pack):
    with mock.patch("scrutiny.packs.files.pdf_bytes", side_effect=RuntimeError("fonts missing")):
        failed = pack_services.pack_build(pack_id=pack.pk)
    assert failed.status == PackStatus.FAILED and "fonts missing" in failed.error
    client.force_login(scrutineer)
    page = client.get(reverse("scrutiny:pack_detail", args=[pack.pk])).content.decode()
    assert "fonts missing" in page and "hx-trigger" not in page
    assert client.get(reverse("scrutiny:pack_download", args=[pack.pk])).status_code == 404


def test_an_event_without_a_snapshot_cannot_build(client, scrutineer, event):
    ScrutinyEvent.objects.filter(pk=event.pk).update(snapshot=None)
    client.force_login(scrutineer)
    response = client.post(reverse("scrutiny:pack_build", args=[event.pk]), follow=True)
    assert "Choose the dataset snapshot" in response.content.decode()
    assert not EvidencePack.objects.exists()


def test_formulas_typed_into_evidence_stay_text(scrutineer, event, outcome, pack):
    EvidenceItem.objects.create(
        source=EvidenceSource.VOICE_CHILDREN,
        title='=HYPERLINK("http://evil.example","click")',
        gathered_on=date(2020, 8, 1),
        summary="+cmd|' /C calc'!A0",
        quotes="@SUM(1,2)",
        heard_count=4,
        heard_who="children",
    ).outcomes.add(outcome)
    pack = pack_services.pack_build(pack_id=pack.pk)
    with pack_services.pack_file(EvidencePack.objects.get(pk=pack.pk)) as handle, zipfile.ZipFile(handle) as archive:
        wb = load_workbook(io.BytesIO(archive.read("evidence-pack.xlsx")))
        evidence_csv = archive.read("evidence.csv").decode("utf-8-sig")
    ws = wb["Evidence list"]
    assert ws["A2"].value.startswith("=HYPERLINK") and ws["A2"].data_type == "s"
    assert ws["H2"].value == "c"  # four children heard: a count from 1 to 5
    assert "'=HYPERLINK" in evidence_csv and "'+cmd" in evidence_csv and "'@SUM" in evidence_csv


# --- access -------------------------------------------------------------------------------------------------------
def _urls(event, pack) -> dict[str, str]:
    return {
        "event_list": reverse("scrutiny:event_list"),
        "event_create": reverse("scrutiny:event_create"),
        "event_detail": reverse("scrutiny:event_detail", args=[event.pk]),
        "pack_build": reverse("scrutiny:pack_build", args=[event.pk]),
        "pack_detail": reverse("scrutiny:pack_detail", args=[pack.pk]),
        "pack_progress": reverse("scrutiny:pack_progress", args=[pack.pk]),
        "pack_download": reverse("scrutiny:pack_download", args=[pack.pk]),
        "pack_pdf": reverse("scrutiny:pack_pdf", args=[pack.pk]),
        "event_snapshot_switch": reverse("scrutiny:event_snapshot_switch", args=[event.pk]),
    }


def _expected(persona: str, name: str, method: str) -> int:
    if persona not in READERS:
        return 404
    if name in ("event_create",):
        return (200 if method == "get" else 400) if persona in EDITORS else 404
    if name in ("pack_build", "event_snapshot_switch"):
        return (405 if method == "get" else 302) if persona in EDITORS else 404
    return 200 if method == "get" else 405


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_do_what(request, client, persona, event, pack):
    user = request.getfixturevalue(persona)
    pack_services.pack_build(pack_id=pack.pk)
    client.force_login(user)
    before = list(EvidencePack.objects.order_by("pk").values_list("pk", "status"))
    for name, url in _urls(event, pack).items():
        for method in ("get", "post"):
            response = getattr(client, method)(url, {} if method == "post" else None)
            assert response.status_code == _expected(persona, name, method), (persona, name, method)
    after = list(EvidencePack.objects.order_by("pk").values_list("pk", "status"))
    if persona in EDITORS:
        assert len(after) == len(before) + 1  # the one POST to pack_build
    else:
        assert after == before


def test_anonymous_people_are_sent_to_sign_in(client, event, pack):
    for url in _urls(event, pack).values():
        assert client.get(url)["Location"].startswith(reverse("login"))
