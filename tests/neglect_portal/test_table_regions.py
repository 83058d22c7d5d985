"""Small screens without JavaScript (WCAG 1.4.10): every table on every page a persona reaches is written by the
server inside a scroll region (`{% scrolltable %}`) that its caption names and that takes keyboard focus, so a wide
table scrolls inside its own box and never widens the page, whether or not tables.js runs."""

from __future__ import annotations

import re
from collections import deque

import pytest
from django.core.management import call_command
from django.template import Context, Template

from neglect_portal.templatetags.tables import scroll_region
from tests.pages import outline, unscrollable_tables

PERSONAS = ("csc.lead", "analyst", "member", "scrutineer")
# Links that are files, sign-out or the Django admin rather than the portal's pages.
SKIP = ("logout", "download", "export", "/admin/", ".xlsx", ".csv", ".zip", ".pdf", "/media/", "/static/")
HREF = re.compile(r'href="(/[^"#?]*)(?:\?[^"#]*)?(?:#[^"]*)?"')


def _shape(path: str) -> str:
    """Pages of one kind share a shape: /indicators/N07/ and /indicators/N12/ are one page type."""
    return re.sub(r"/[A-Z]+\d+[A-Za-z0-9-]*/", "/<code>/", re.sub(r"/\d+/", "/<n>/", path))


def crawl(client, *, per_shape: int = 2, limit: int = 120) -> dict[str, object]:
    """Pages reached by following the portal's own links from the home page: a few of each page type."""
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    pages: dict[str, object] = {}
    queue = deque(["/"])
    while queue and len(pages) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        shape = _shape(path)
        if shapes.get(shape, 0) >= per_shape:
            continue
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        pages[path] = response
        for href in HREF.findall(response.content.decode()):
            if href not in seen and not any(s in href for s in SKIP):
                queue.append(href)
    return pages


@pytest.fixture
def demo(db, settings):
    call_command("seed_demo", "--force", verbosity=0)


@pytest.mark.parametrize("username", PERSONAS)
def test_every_table_on_every_page_a_persona_reaches_scrolls_in_a_region_its_caption_names(client, demo, username):
    from agencies.models import User

    client.force_login(User.objects.get(username=username))
    pages = crawl(client)
    bad = {}
    tables = 0
    for path, response in pages.items():
        page = outline(response)
        tables += page.tables
        if problems := unscrollable_tables(page):
            bad[path] = problems
    assert len(pages) >= 10 and tables >= 5  # the crawl found the pages and their tables
    assert bad == {}


def test_the_region_is_named_by_the_tables_caption_and_two_alike_captions_get_two_ids():
    html = Template(
        "{% load tables %}{% for n in '12' %}{% scrolltable %}<table><caption>Same</caption></table>"
        "{% endscrolltable %}{% endfor %}"
        '{% scrolltable %}<table><caption id="own">Mine</caption></table>{% endscrolltable %}'
    ).render(Context())
    ids = re.findall(r'<caption id="([^"]+)"', html)
    named = re.findall(r'aria-labelledby="([^"]+)"', html)
    assert len(set(ids)) == 3 and ids == named and ids[-1] == "own"
    assert html.count('<div class="table-scroll" role="region"') == 3 and html.count('tabindex="0"') == 3


def test_a_table_without_a_caption_is_refused_as_its_region_would_have_no_name():
    with pytest.raises(ValueError, match="caption"):
        scroll_region("<table><tr><td>1</td></tr></table>")


def test_a_table_outside_a_region_is_found():
    class Response:
        content = b'<div class="x"><table><caption id="c">t</caption></table></div>'

    assert len(unscrollable_tables(outline(Response()))) == 1
