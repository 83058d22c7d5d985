"""An event uses a chosen published snapshot: the form offers only published ones, the event page says when a newer
one is published and switches to it only when asked, a pack never moves, its title page says "data as at" the
snapshot's build, and its PDF downloads on its own."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dataset.build import services as dataset_services
from dataset.models import DatasetSnapshot
from scrutiny.models import EvidencePack, PackStatus, ScrutinyEvent
from scrutiny.packs import files as packs
from scrutiny.packs import services as pack_services
from tests.scrutiny.packs import test_events as event_fixtures

# The small dataset and the September event, shared with tests/scrutiny/packs/test_events.py.
open_period, n18, n28, catalogue, csc_return = (
    event_fixtures.open_period,
    event_fixtures.n18,
    event_fixtures.n28,
    event_fixtures.catalogue,
    event_fixtures.csc_return,
)
snapshot, outcome, event, pack = (
    event_fixtures.snapshot,
    event_fixtures.outcome,
    event_fixtures.event,
    event_fixtures.pack,
)


@pytest.fixture
def unpublished(snapshot):
    return dataset_services.dataset_build(trigger="test", force=True)


@pytest.fixture
def newer(snapshot, analyst):
    built = dataset_services.dataset_build(trigger="test", force=True)
    return dataset_services.snapshot_publish(snapshot=built, acting_user=analyst)


def pdf_text(pack: EvidencePack, page: int) -> str:
    pack.refresh_from_db()
    with pack_services.pack_file(pack, "pdf") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(reader.pages[page].extract_text().split())


@pytest.mark.parametrize("persona", ["scrutineer", "analyst"])
def test_the_event_form_offers_only_published_snapshots(request, client, persona, snapshot, unpublished, outcome):
    client.force_login(request.getfixturevalue(persona))
    form = client.get(reverse("scrutiny:event_create")).context["form"]
    assert list(form.fields["snapshot"].queryset) == [snapshot]
    assert "published" in form.fields["snapshot"].label_from_instance(snapshot)
    response = client.post(
        reverse("scrutiny:event_create"),
        {"title": "December scrutiny", "held_on": "2020-12-10", "snapshot": unpublished.pk, "outcomes": [outcome.pk]},
    )
    assert response.status_code == 400 and "snapshot" in response.context["form"].errors
    assert not ScrutinyEvent.objects.filter(title="December scrutiny").exists()


def test_a_pack_is_refused_for_an_unpublished_snapshot(client, scrutineer, event, unpublished):
    ScrutinyEvent.objects.filter(pk=event.pk).update(snapshot=unpublished)
    client.force_login(scrutineer)
    response = client.post(reverse("scrutiny:pack_build", args=[event.pk]), follow=True)
    assert "not published" in response.content.decode()
    assert not EvidencePack.objects.exists()


def test_the_event_page_warns_of_a_newer_published_snapshot(client, scrutineer, member, event, newer, unpublished):
    client.force_login(scrutineer)
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'data-testid="newer-snapshot"' in page and str(newer) in page
    assert reverse("scrutiny:event_snapshot_switch", args=[event.pk]) in page
    assert f'name="snapshot" value="{newer.pk}"' in page  # never the unpublished, newer still, build
    client.force_login(member)
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'data-testid="newer-snapshot"' in page
    assert reverse("scrutiny:event_snapshot_switch", args=[event.pk]) not in page  # a member reads, never switches


def test_no_warning_when_the_event_uses_the_newest_published_snapshot(client, scrutineer, event, unpublished):
    client.force_login(scrutineer)
    assert 'data-testid="newer-snapshot"' not in client.get(event.get_absolute_url()).content.decode()


def test_a_pack_never_switches_by_itself(scrutineer, event, snapshot, newer, django_capture_on_commit_callbacks):
    from scrutiny.packs.requests import pack_request

    with django_capture_on_commit_callbacks(execute=True):
        built = pack_request(event=event, acting_user=scrutineer)
    built.refresh_from_db()
    event.refresh_from_db()
    assert built.snapshot == snapshot and event.snapshot == snapshot and built.status == PackStatus.COMPLETE


def test_switching_moves_the_event_and_rebuilds_its_pack(
    client, scrutineer, event, snapshot, newer, pack, django_capture_on_commit_callbacks
):
    pack_services.pack_build(pack_id=pack.pk)
    client.force_login(scrutineer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scrutiny:event_snapshot_switch", args=[event.pk]), {"snapshot": newer.pk})
    event.refresh_from_db()
    rebuilt = EvidencePack.objects.get(event=event, version=2)
    assert response["Location"] == reverse("scrutiny:pack_detail", args=[rebuilt.pk])
    assert event.snapshot == newer and rebuilt.snapshot == newer and rebuilt.status == PackStatus.COMPLETE
    pack.refresh_from_db()
    assert pack.snapshot == snapshot  # the earlier version keeps what it was built from
    assert event.history.latest().history_change_reason.startswith("switched to the newer snapshot")
    assert 'data-testid="newer-snapshot"' not in client.get(event.get_absolute_url()).content.decode()


def test_a_switch_to_a_snapshot_that_is_no_longer_the_newest_is_refused(client, scrutineer, event, snapshot, newer):
    client.force_login(scrutineer)
    response = client.post(
        reverse("scrutiny:event_snapshot_switch", args=[event.pk]), {"snapshot": snapshot.pk}, follow=True
    )
    assert "not the newest published snapshot" in response.content.decode()
    event.refresh_from_db()
    assert event.snapshot == snapshot and not EvidencePack.objects.exists()


def test_the_title_page_says_data_as_at_the_snapshots_build(event, snapshot, pack):
    built = timezone.make_aware(datetime(2020, 9, 3, 9, 30))
    DatasetSnapshot.objects.filter(pk=snapshot.pk).update(built_at=built)
    done = pack_services.pack_build(pack_id=pack.pk)
    assert done.status == PackStatus.COMPLETE, done.error
    first = pdf_text(done, 0)
    assert "Held on 24 September 2020" in first
    assert "Data as at 3 September 2020: the published Partnership Neglect Dataset" in first
    assert f"Data as at {timezone.localdate():%-d %B %Y}" not in first


def test_the_pdf_downloads_directly_for_the_scrutineer_and_not_for_an_agency_lead(client, scrutineer, csc_lead, pack):
    url = reverse("scrutiny:pack_pdf", args=[pack.pk])
    client.force_login(scrutineer)
    assert client.get(url).status_code == 404  # not built yet
    pack_services.pack_build(pack_id=pack.pk)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="evidence-pack-september-2020-scrutiny-event-v1.pdf"'
    )
    assert response["Cache-Control"] == "no-store" and response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)  # streamed from storage, not held in memory
    pack.refresh_from_db()
    assert int(response["Content-Length"]) == len(body) == pack.pdf_size
    with pack_services.pack_file(pack) as handle, zipfile.ZipFile(handle) as archive:
        assert body == archive.read(packs.PDF_NAME) and body.startswith(b"%PDF")
    assert url in client.get(reverse("scrutiny:pack_detail", args=[pack.pk])).content.decode()
    client.force_login(csc_lead)
    assert client.get(url).status_code == 404
