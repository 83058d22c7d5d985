"""The Working Group's view of the dataset: a member sees N18 and the themes, and downloads the XLSX."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.utils import timezone

from agencies.demo import seed_partnership
from dataset import demo
from dataset.catalogue.loader import load_demo_catalogue
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_dataset(transactional_db):
    seed_partnership()
    load_demo_catalogue()
    demo.seed_returns(today=timezone.localdate())
    return demo.seed_snapshot()


def test_a_member_reads_the_dataset_and_its_themes_and_downloads_the_xlsx(page, demo_dataset):
    sign_in(page, "member")
    page.get_by_role("link", name="Dataset", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Partnership Neglect Dataset"
    assert "The dataset as at" in page.get_by_test_id("snapshot-label").inner_text()
    n18 = page.locator("tr[data-code='N18'] td[data-quarter='2020-21 Q1']")
    assert n18.inner_text().startswith("35.7%")
    themes = page.locator("section", has=page.get_by_role("heading", name="Key messages for 2020-21 Q1"))
    assert "possible drift" in themes.inner_text()
    assert "below half of child protection plans under category neglect (62.5%)" in themes.inner_text()
    screenshot(page, "dataset-page")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download XLSX").click()
    download = download_info.value
    assert download.suggested_filename.startswith("neglect-dataset-") and download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as saved:  # the download's temporary name has no .xlsx extension
        workbook = openpyxl.load_workbook(io.BytesIO(saved.read()))
    assert workbook.sheetnames[:4] == ["Dataset", "Data", "Themes", "Notes"]
