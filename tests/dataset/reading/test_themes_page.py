"""The quarter's key messages on the dashboard and dataset page, and the page of all themes with its filters."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dataset.models import DatasetSnapshot, DatasetTheme, SnapshotStatus

LATEST = 2020 * 4  # 2020-21 Q1

# (code, kind, severity, objective, signals, since), in rank order as the build writes them.
THEMES = [
    ("N18", "possible_drift", 3, "respond", ["possible_drift", "sustained_rise", "special_cause"], LATEST),
    ("N29", "sustained_rise", 3, "evaluate", ["sustained_rise", "target_missed", "special_cause"], LATEST),
    ("", "data_gap", 2, "", ["data_gap"], LATEST),
    ("N01", "implausible_value", 2, "recognise", ["implausible_value"], LATEST - 16),
    ("N19", "special_cause", 2, "evaluate", ["special_cause"], LATEST - 5),
    ("N30", "special_cause", 2, "evaluate", ["special_cause"], LATEST),
    ("N16", "sustained_fall", 1, "quantify", ["sustained_fall", "special_cause"], LATEST - 2),
]


@pytest.fixture
def snapshot(db, analyst):
    now = timezone.now()
    snapshot = DatasetSnapshot.objects.create(
        status=SnapshotStatus.COMPLETE,
        started_at=now,
        built_at=now,
        latest_quarter=LATEST,
        published_at=now,
        published_by=analyst,
        meta={"indicators": [], "agencies": {}, "quarters": [LATEST]},
    )
    for position, (code, kind, severity, objective, signals, since) in enumerate(THEMES):
        held = "New this quarter" if since == LATEST else f"Holding since earlier ({LATEST - since + 1} quarters)"
        DatasetTheme.objects.create(
            snapshot=snapshot,
            position=position,
            code=code,
            kind=kind,
            severity=severity,
            sentence=f"Theme {position + 1} about {code or 'the collection'}.",
            question="Why?",
            numbers={"Held": held},
            quarter=LATEST,
            objective=objective,
            signals=signals,
            since_quarter=since,
        )
    return snapshot


def shown(html: str) -> list[str]:
    return re.findall(r"Theme (\d+) about", html)


def test_the_dashboard_shows_the_top_five_as_the_quarters_key_messages(client, member, snapshot):
    client.force_login(member)
    html = client.get("/dashboard/").content.decode()
    assert "Key messages for 2020-21 Q1" in html
    assert shown(html) == ["1", "2", "3", "4", "5"]
    assert "New this quarter" in html and "Holding since earlier (17 quarters)" in html
    assert f'href="{reverse("dataset:themes")}?snapshot={snapshot.pk}">All 7 themes</a>' in html


def test_the_dataset_page_shows_the_same_key_messages(client, member, snapshot):
    client.force_login(member)
    html = client.get(reverse("dataset:dataset")).content.decode()
    assert "Key messages for 2020-21 Q1" in html and shown(html) == ["1", "2", "3", "4", "5"]
    assert "All 7 themes" in html


def test_the_themes_page_lists_every_theme_in_rank_order(client, member, snapshot):
    client.force_login(member)
    response = client.get(reverse("dataset:themes"))
    html = response.content.decode()
    assert response.status_code == 200
    assert shown(html) == ["1", "2", "3", "4", "5", "6", "7"]
    assert html.count("Key message</span>") == 5
    assert "All 7 themes" in html
    # Headings in order, and every filter labelled.
    main = html[html.index("<main") : html.index("</main>")]  # the session warning's dialog has its own heading
    assert [int(level) for level in re.findall(r"<h([1-6])", main)] == [1, 2]
    for name in ("objective", "signal", "held"):
        assert f'<label class="form-label" for="id_{name}">' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"objective": "evaluate"}, ["2", "5", "6"]),
        ({"signal": "special_cause"}, ["1", "2", "5", "6", "7"]),  # a signal the theme combines, not only its lead
        ({"held": "new"}, ["1", "2", "3", "6"]),
        ({"held": "holding"}, ["4", "5", "7"]),
        ({"objective": "evaluate", "signal": "special_cause", "held": "holding"}, ["5"]),
        ({"signal": "not-a-kind"}, ["1", "2", "3", "4", "5", "6", "7"]),  # a filter it cannot read is not applied
    ],
)
def test_the_themes_page_filters_by_objective_signal_and_held(client, member, snapshot, query, expected):
    client.force_login(member)
    html = client.get(reverse("dataset:themes"), query).content.decode()
    assert shown(html) == expected


def test_a_filter_that_matches_nothing_says_so(client, member, snapshot):
    client.force_login(member)
    html = client.get(reverse("dataset:themes"), {"objective": "quantify", "held": "new"}).content.decode()
    assert "0 of 7 themes" in html and "No theme matches these filters." in html


def test_readers_see_only_published_snapshots_themes(client, member, analyst, snapshot):
    snapshot.published_at = None
    snapshot.save()
    client.force_login(member)
    assert "There is no published dataset yet" in client.get(reverse("dataset:themes")).content.decode()
    assert client.get(reverse("dataset:themes"), {"snapshot": snapshot.pk}).status_code == 404
    client.force_login(analyst)
    assert shown(client.get(reverse("dataset:themes")).content.decode())[:1] == ["1"]
