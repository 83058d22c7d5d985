"""The tracker writes its agencies' rows in Python (dataset.tracker.rendering): the markup must be exactly what the
template it replaced wrote, so each cell's status words, links, hidden link text and counts stay as they were."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse

from dataset.returns import services
from dataset.tracker import rendering, selectors
from tests.dataset.conftest import fill
from tests.dataset.tracker.test_pages import TRACKER, count_indicator, make_period, on
from tests.factories import AgencyFactory

# The rows as templates/dataset/tracker.html wrote them before rendering.py, kept beside this test as the reference.
OLD_ROWS = (Path(__file__).parent / "old_tracker_rows.html").read_text().rstrip("\n")


@pytest.fixture
def mixed(csc_lead, police_lead, n18, n28):
    """Two quarters; an agency whose name needs escaping; a draft, a submitted return, one not started (overdue in
    the earlier quarter), values present, not available and missing."""
    earlier, later = make_period(2020, 1), make_period(2020, 2)
    odd = AgencyFactory(name='Health & "Care" <Trust>', short_name="H&C")
    count_indicator("N30", csc_lead.agency, odd)
    with on(date(2020, 7, 20)):
        police = services.return_start(agency=police_lead.agency, period=earlier, acting_user=police_lead)
        fill(police, police_lead, N28="24")
        police.refresh_from_db()
        services.return_submit(signed_off=True, ret=police, acting_user=police_lead, seen_version=police.version)
    with on(date(2020, 10, 5)):
        csc = services.return_start(agency=csc_lead.agency, period=later, acting_user=csc_lead)
        fill(csc, csc_lead, N18=("150", "420"), N28={"not_available_reason": "system_change"})
    return [later, earlier]


@pytest.mark.parametrize("persona", ["analyst", "member"])  # the analyst may open every return, a member accepted
def test_the_rows_are_what_the_template_wrote(request, persona, mixed):
    user = request.getfixturevalue(persona)
    with on(date(2020, 10, 20)):
        tracker = selectors.tracker(user=user, periods=mixed)
    old = engines["django"].from_string(OLD_ROWS).render({"tracker": tracker})
    new = rendering.body_rows(tracker)
    assert new == old
    assert "Health &amp; &quot;Care&quot; &lt;Trust&gt;" in new and "<Trust>" not in new
    assert "Overdue" in new and "not available" in new and "status-not_started" in new


def test_the_page_carries_the_rows(client, analyst, mixed):
    client.force_login(analyst)
    with on(date(2020, 10, 20)):
        page = client.get(TRACKER).content.decode()
        tracker = selectors.tracker(user=analyst, periods=mixed)
    assert str(rendering.body_rows(tracker)) in page
    ret = next(c.url for row in tracker.rows for c in row.cells if c.url)
    assert ret.startswith(reverse("dataset:return_list")) and f'href="{ret}"' in page
