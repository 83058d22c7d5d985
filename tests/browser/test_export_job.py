"""A member downloads a large dataset's workbook: the Download XLSX link leads to its page, the button prepares it
(eagerly here, as without a broker), the page says so in words as well as with a bar, and the file downloads.
Looked at on a phone (320 px) and a desktop (1280 px)."""

from __future__ import annotations

import openpyxl
import pytest

from dataset.models import DatasetSnapshot, ExportJob, ExportStatus
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_member_prepares_and_downloads_a_large_workbook(page, demo, settings, tmp_path):
    settings.DATASET_EXPORT_INLINE_ROWS = 0
    settings.MEDIA_ROOT = tmp_path / "media"
    snapshot = DatasetSnapshot.objects.filter(published_at__isnull=False).latest()
    sign_in(page, "member")
    page.goto(f"/dataset/?snapshot={snapshot.pk}")
    page.get_by_role("link", name="Download XLSX").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Download the dataset workbook (XLSX)"
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, "export-job-ask-320")

    page.get_by_role("button", name="Prepare the workbook").click()
    page.get_by_test_id("export-status").filter(has_text="Ready to download").wait_for()
    assert page.get_by_role("status").first.inner_text().startswith("Status: Ready to download")
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
    screenshot(page, "export-job-ready-320")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "export-job-ready-1280")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-download").click()
    download = download_info.value
    assert download.suggested_filename.startswith("neglect-dataset-") and download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as file:
        assert "Data" in openpyxl.load_workbook(file, read_only=True).sheetnames

    # While a worker prepares it, the page polls and says how far it has got; a failure says why and offers a retry.
    ExportJob.objects.update(status=ExportStatus.RUNNING, progress=42, step="Writing the Data sheet: 51 of 120")
    page.reload()
    page.get_by_test_id("export-status").filter(has_text="42% done").wait_for()
    screenshot(page, "export-job-running-1280")
    ExportJob.objects.update(status=ExportStatus.FAILED, error="OSError: No space left on device")
    page.get_by_role("alert").filter(has_text="No space left").wait_for()  # the poll picked the failure up
    page.set_viewport_size({"width": 320, "height": 800})
    screenshot(page, "export-job-failed-320")
    page.get_by_role("button", name="Try again").click()
    page.get_by_test_id("export-status").filter(has_text="Ready to download").wait_for()
