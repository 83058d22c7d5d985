"""The scrutineer builds the September 2020 event's evidence pack, watches it complete and downloads the ZIP."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.conftest import PASSWORD
from tests.scrutiny.packs import test_events as event_fixtures

# The small dataset and the September event, shared with tests/scrutiny/packs/test_events.py.
open_period, n18, n28, catalogue, csc_return = (
    event_fixtures.open_period,
    event_fixtures.n18,
    event_fixtures.n28,
    event_fixtures.catalogue,
    event_fixtures.csc_return,
)
snapshot, outcome, event = (
    event_fixtures.snapshot,
    event_fixtures.outcome,
    event_fixtures.event,
)

pytestmark = pytest.mark.browser


def test_a_scrutineer_builds_watches_and_downloads_the_evidence_pack(page, transactional_db, scrutineer, event):
    sign_in(page, "scrutineer", PASSWORD)
    page.goto(event.get_absolute_url())
    assert page.get_by_role("heading", level=1).inner_text() == "September 2020 scrutiny event"
    grid = page.get_by_test_id("evidence-grid")
    assert "Plans do not drift" in grid.inner_text() and "Missing" in grid.inner_text()

    page.get_by_role("button", name="Build evidence pack").click()
    status = page.get_by_test_id("pack-status")
    status.filter(has_text="Complete").wait_for()
    bar = page.get_by_role("progressbar")
    assert bar.get_attribute("aria-valuenow") == "100"
    screenshot(page, "evidence-pack")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the evidence pack").click()
    download = download_info.value
    assert download.suggested_filename == "evidence-pack-september-2020-scrutiny-event-v1.zip"
    with zipfile.ZipFile(download.path()) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert "evidence-pack.pdf" in archive.namelist()
    assert manifest["version"] == 1 and manifest["event"]["title"] == "September 2020 scrutiny event"

    page.goto(event.get_absolute_url())
    assert page.get_by_test_id("pack-row").count() == 1
