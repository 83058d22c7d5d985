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
        self.tables += tag == "table"
        self.captions += tag == "caption"

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

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
