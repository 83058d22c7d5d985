"""Plain English on the reading pages: a key to the table symbols, agency abbreviations spelt out, and technical
details (content hashes) shown to the analyst only."""

from __future__ import annotations

from django.urls import reverse

from tests.dataset.reading.test_commentary import snapshot  # noqa: F401 - the fixture, a published build


def test_a_member_sees_no_content_hash_and_the_analyst_does(client, snapshot, member, analyst):  # noqa: F811
    client.force_login(member)
    page = client.get(reverse("dataset:dataset")).content.decode()
    assert "The dataset as at" in page and "Content hash" not in page
    assert snapshot.content_hash[:12] not in page
    client.force_login(analyst)
    assert f"Content hash {snapshot.content_hash[:12]}" in client.get(reverse("dataset:dataset")).content.decode()


def test_tables_with_symbols_carry_their_key(client, snapshot, member):  # noqa: F811
    client.force_login(member)
    for url in (reverse("dataset:dataset"), reverse("dataset:indicator", args=["N28"])):
        page = client.get(url).content.decode()
        assert 'data-testid="marks-key"' in page, url
        assert "<dt><code>c</code></dt><dd>suppressed" in page and "<dt><code>:</code></dt><dd>not available" in page


def test_agency_short_names_are_spelt_out(client, snapshot, member):  # noqa: F811
    client.force_login(member)
    page = client.get(reverse("dataset:indicator", args=["N28"])).content.decode()
    assert '<abbr title="Children&#x27;s Social Care">CSC</abbr>' in page
