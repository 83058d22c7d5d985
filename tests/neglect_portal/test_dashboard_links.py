"""Dashboard counts are links to the dataset page filtered to the indicators they count (issue 14, item 6)."""

from __future__ import annotations

import html
import re

from django.urls import reverse

from dataset.models import DatasetSnapshot, DatasetValue
from tests.dataset.reading.test_queries import build

COUNT_LINK = re.compile(r'<a href="([^"]+)"[^>]*><strong data-count="(\w+)">(\d+)</strong>')


def test_every_count_links_to_a_list_of_exactly_the_indicators_it_counts(client, analyst):
    build(3, 8, 14)
    snapshot = DatasetSnapshot.objects.get()
    # Vary the directions and RAGs so the counts differ from one another.
    latest = DatasetValue.objects.filter(snapshot=snapshot, quarter=snapshot.latest_quarter).order_by("code")
    for value, (direction, rag) in zip(
        latest, [("improving", "red"), ("worsening", "amber"), ("steady", ""), ("up", "green")] * 2, strict=False
    ):
        value.direction, value.rag = direction, rag
        value.save()
    client.force_login(analyst)
    page = client.get(reverse("dashboard")).content.decode()
    links = COUNT_LINK.findall(page)
    assert {kind for _, kind, _ in links} >= {"improving", "worsening", "steady", "changed", "off_target"}
    for href, kind, count in links:
        href = html.unescape(href)
        assert f"show={kind}" in href and href.endswith("#shown")
        listed = client.get(href.removesuffix("#shown")).content.decode()
        assert listed.count("<tr data-code=") == int(count), (kind, href)
    # A zero is said, not linked: there would be nothing to list.
    assert re.search(r'(?<!">)<strong data-count="\w+">0</strong>', page)


def test_an_unknown_kind_shows_every_indicator(client, analyst):
    build(2, 4, 3)
    client.force_login(analyst)
    everything = client.get(reverse("dataset:dataset")).content.decode().count("<tr data-code=")
    assert (
        client.get(reverse("dataset:dataset") + "?show=nonsense").content.decode().count("<tr data-code=") == everything
    )
