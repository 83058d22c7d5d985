"""Reading a page's outline for accessibility checks: title, headings, labelled fields, captions, scripts."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.headings: list[int] = []
        self.fields: list[str] = []  # ids of inputs a person fills in
        self.labelled: set[str] = set()
        self.inline_scripts = 0
        self.tables = 0
        self.captions = 0
        self.skip_link = False
        self._in_title = False
        self.ids: set[str] = set()
        # Each table: the scroll region it sits in (its parent div's attributes) and its caption's id.
        self.table_regions: list[dict] = []
        self._divs: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in_title = True
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.fields.append(attrs.get("id", ""))
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        if tag == "script" and not attrs.get("src"):
            self.inline_scripts += 1
        if tag == "a" and attrs.get("href") == "#main" and "skip-link" in (attrs.get("class") or ""):
            self.skip_link = True
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "div":
            self._divs.append(attrs)
        if tag == "table":
            self.table_regions.append({"region": self._divs[-1] if self._divs else {}, "caption": None})
        if tag == "caption" and self.table_regions:
            self.table_regions[-1]["caption"] = attrs.get("id")
        self.tables += tag == "table"
        self.captions += tag == "caption"

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag == "div" and self._divs:
            self._divs.pop()

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def outline(response) -> Page:
    parsed = Page()
    parsed.feed(response.content.decode())
    return parsed


def assert_accessible_outline(url: str, page: Page) -> None:
    """One h1 first, no heading level skipped, a skip link, every field labelled, no inline script."""
    assert page.headings.count(1) == 1 and page.headings[0] == 1, (url, page.headings)
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), (url, page.headings)
    assert page.skip_link, url
    assert set(page.fields) <= page.labelled, (url, set(page.fields) - page.labelled)
    assert page.inline_scripts == 0, url
    assert page.tables == page.captions, url
    assert_tables_scroll_in_labelled_regions(url, page)


def unscrollable_tables(page: Page) -> list[dict]:
    """Tables not directly inside a focusable `div.table-scroll` region named by the table's own caption."""
    bad = []
    for table in page.table_regions:
        region = table["region"]
        ok = (
            "table-scroll" in (region.get("class") or "").split()
            and region.get("role") == "region"
            and region.get("tabindex") == "0"
            and region.get("aria-labelledby")
            and region.get("aria-labelledby") == table["caption"]
            and table["caption"] in page.ids
        )
        if not ok:
            bad.append(table)
    return bad


def assert_tables_scroll_in_labelled_regions(url: str, page: Page) -> None:
    """WCAG 1.4.10 without JavaScript: every table scrolls in its own box, never widening the page."""
    assert unscrollable_tables(page) == [], url
