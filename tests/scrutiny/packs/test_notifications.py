"""Publishing a snapshot tells the working group and scrutineers; a built pack tells the scrutineers."""

from __future__ import annotations

from dataset.build import services as dataset_services
from notifications.models import Kind, Notification
from scrutiny.packs import services as pack_services
from tests.scrutiny.packs import test_events as events

# The small dataset, its published snapshot, an event and its pack: test_events' fixtures.
open_period, n18, n28, catalogue, csc_return, snapshot, outcome, event, pack = (
    events.open_period,
    events.n18,
    events.n28,
    events.catalogue,
    events.csc_return,
    events.snapshot,
    events.outcome,
    events.event,
    events.pack,
)


def test_publishing_tells_members_and_scrutineers_once(member, scrutineer, csc_lead, analyst, snapshot):
    told = Notification.objects.filter(kind=Kind.SNAPSHOT_PUBLISHED)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["member", "scrutineer"]
    assert all(n.subject.startswith("Published: the Partnership Neglect Dataset (data as at ") for n in told)
    assert set(told.values_list("link", flat=True)) == {"/dataset/"}
    dataset_services.snapshot_publish(snapshot=snapshot, acting_user=analyst)  # already published: nothing new
    assert told.count() == 2


def test_a_built_pack_tells_the_scrutineers(pack, scrutineer, member):
    Notification.objects.all().delete()
    built = pack_services.pack_build(pack_id=pack.pk)
    (note,) = Notification.objects.filter(kind=Kind.PACK_READY)
    assert note.recipient == scrutineer
    assert note.subject == "Evidence pack ready: September 2020 scrutiny event (version 1)"
    assert note.link == f"/scrutiny/packs/{built.pk}/"
    pack_services.pack_build(pack_id=pack.pk)  # complete already: left alone, nobody told again
    assert Notification.objects.filter(kind=Kind.PACK_READY).count() == 1
