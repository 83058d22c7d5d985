"""A pack request is its row: asked twice it is one pack, a broker outage keeps it queued and says so, the minute
sweep queues it once the broker is back, a failure retries with backoff, and a lost builder never leaves it
"building" for good."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from scrutiny.models import EvidencePack, PackStatus
from scrutiny.packs import requests as pack_requests
from scrutiny.packs import services as pack_services
from scrutiny.packs.tasks import build_pack

BROKER_DOWN = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture(autouse=True)
def _commits_run_their_callbacks(monkeypatch):
    """The test's transaction never commits: run each on_commit callback as it is registered, as after a commit."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_two_quick_posts_give_one_version_and_one_build(client, scrutineer, event):
    client.force_login(scrutineer)
    with mock.patch.object(build_pack, "apply_async") as publish:
        first = client.post(f"/scrutiny/events/{event.pk}/pack/")
        second = client.post(f"/scrutiny/events/{event.pk}/pack/", follow=True)
    assert first.status_code == 302
    assert EvidencePack.objects.filter(event=event).count() == 1
    assert publish.call_count == 1
    pack = EvidencePack.objects.get(event=event)
    assert second.redirect_chain[-1][0] == f"/scrutiny/packs/{pack.pk}/"
    assert f"Version {pack.version} of the evidence pack is already being built; here it is." in _messages(second)


@pytest.mark.django_db
def test_a_pack_asked_for_with_the_broker_down_stays_queued_and_the_sweep_builds_it(client, scrutineer, event):
    client.force_login(scrutineer)
    with mock.patch.object(build_pack, "apply_async", side_effect=BROKER_DOWN):
        response = client.post(f"/scrutiny/events/{event.pk}/pack/", follow=True)
    assert response.status_code == 200
    assert pack_requests.PACK_WAITS in _messages(response)
    pack = EvidencePack.objects.get(event=event)
    assert pack.status == PackStatus.QUEUED and pack.queued_at is None
    # The broker is back: the sweep queues it and (eagerly here) it is built.
    assert pack_requests.packs_sweep() == 1
    pack.refresh_from_db()
    assert pack.status == PackStatus.COMPLETE, pack.error
    assert pack_requests.packs_sweep() == 0


@pytest.mark.django_db
def test_a_queued_pack_is_left_to_its_message_for_a_minute(pack):
    EvidencePack.objects.filter(pk=pack.pk).update(queued_at=timezone.now())
    with mock.patch.object(build_pack, "apply_async") as publish:
        assert pack_requests.packs_sweep() == 0
        EvidencePack.objects.filter(pk=pack.pk).update(queued_at=timezone.now() - timedelta(seconds=61))
        assert pack_requests.packs_sweep() == 1
    assert publish.call_count == 1


@pytest.mark.django_db
def test_a_pack_whose_builder_was_lost_is_built_again_and_never_stays_building(pack):
    lost = timezone.now() - pack_services.PACK_STUCK_AFTER - timedelta(seconds=1)
    EvidencePack.objects.filter(pk=pack.pk).update(
        status=PackStatus.BUILDING, progress=15, step="Drawing the charts", heartbeat_at=lost, task_id="x", attempts=1
    )
    assert pack_requests.packs_sweep() == 1
    pack.refresh_from_db()
    assert pack.status == PackStatus.COMPLETE, pack.error
    # Stuck again after every retry: failed with the reason, for the scrutineer.
    EvidencePack.objects.filter(pk=pack.pk).update(status=PackStatus.BUILDING, heartbeat_at=lost, attempts=4)
    assert pack_requests.packs_sweep() == 0
    pack.refresh_from_db()
    assert pack.status == PackStatus.FAILED and "never finished" in pack.error


@pytest.mark.django_db
def test_a_second_delivery_leaves_a_pack_a_live_builder_holds(pack):
    EvidencePack.objects.filter(pk=pack.pk).update(
        status=PackStatus.BUILDING, progress=35, heartbeat_at=timezone.now(), task_id="the-first"
    )
    with mock.patch.object(pack_services, "_build_files") as build:
        assert pack_services.pack_build(pack_id=pack.pk, task_id="a-second").status == PackStatus.BUILDING
    assert not build.called


@pytest.mark.django_db
def test_a_failed_build_is_queued_again_with_backoff_then_failed_with_the_error(pack):
    cut = RuntimeError("terminating connection due to administrator command")
    with mock.patch.object(pack_services, "_build_files", side_effect=cut):
        with pytest.raises(pack_services.PackRetry) as retry:
            pack_services.pack_build(pack_id=pack.pk, task_id="t", retries=0)
        assert retry.value.countdown == 30
        pack.refresh_from_db()
        assert pack.status == PackStatus.QUEUED and "trying again in 30 seconds" in pack.step
        assert pack.queued_at > timezone.now()  # due later: the sweep leaves it to the retry
        done = pack_services.pack_build(pack_id=pack.pk, task_id="t", retries=3)
    assert done.status == PackStatus.FAILED
    assert done.error == "The build failed: RuntimeError: terminating connection due to administrator command"


@pytest.mark.django_db
def test_the_failed_pack_shows_the_scrutineer_the_error(client, scrutineer, pack):
    EvidencePack.objects.filter(pk=pack.pk).update(
        status=PackStatus.FAILED, step="Failed", error="The build failed: OperationalError: the server closed"
    )
    client.force_login(scrutineer)
    page = client.get(f"/scrutiny/packs/{pack.pk}/").content.decode()
    assert "The build failed: OperationalError: the server closed" in page
