"""Every page a demo persona can reach says where it is: Home, the way down to it, then the page itself."""

from __future__ import annotations

import html
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from agencies.models import User

PERSONAS = ("analyst", "police.lead", "member", "scrutineer", "admin")
PER_PAGE_KIND = 2  # two of each kind of page (two returns, two indicators...) show the trail is built from the object
NO_TRAIL = {"home", "login", "password_change_done"}  # the top, and the pages about signing in and out
# /api/: the API's own pages (its docs are Swagger UI, not a portal page), linked from the API keys pages.
SKIP = re.compile(
    r"^/(admin|static|media|api)/|/(download|attachment|pdf|print)/|\.(csv|xlsx|zip|pdf)$|^/accounts/logout"
)


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def trail(page: str) -> tuple[list[tuple[str, str]], str] | None:
    """The breadcrumb's links (href, label) and its last item's text, or None when there is no breadcrumb."""
    nav = re.search(r'<nav[^>]*aria-label="Breadcrumb"[^>]*>(.*?)</nav>', page, re.S)
    if nav is None:
        return None
    items = re.findall(r"<li[^>]*>(.*?)</li>", nav.group(1), re.S)
    *before, last = items
    current = re.search(r'<li[^>]*aria-current="page"[^>]*>(.*?)</li>', nav.group(1), re.S)
    assert current is not None and current.group(1) == last, "the last crumb is the current page"
    assert "<a " not in last, "the current page is not a link"
    links = []
    for item in before:
        link = re.fullmatch(r'\s*<a href="([^"]+)">(.*?)</a>\s*', item, re.S)
        assert link is not None, f"every crumb but the last is a link: {item!r}"
        links.append((html.unescape(link.group(1)), text_of(link.group(2))))
    return links, text_of(last)


def names_the_page(crumb: str, h1: str) -> bool:
    """The last crumb is the page's h1 or a short form of it (the h1 inside it, or it inside the h1)."""
    crumb, h1 = crumb.casefold(), h1.casefold()
    return bool(crumb) and (crumb in h1 or h1 in crumb)


def crawl(client) -> dict[str, str]:
    """The pages reachable by following links from home, a couple of each kind: url -> html."""
    pages: dict[str, str] = {}
    kinds: Counter[str] = Counter()
    queue, seen = ["/"], {"/"}
    while queue:
        url = queue.pop(0)
        try:
            kind = resolve(urlsplit(url).path).view_name
        except Resolver404:
            pytest.fail(f"a link leads nowhere: {url}")
        if kinds[kind] >= PER_PAGE_KIND:
            continue
        kinds[kind] += 1
        response = client.get(url)
        if response.status_code == 302 and kind == "notifications:open":  # marks it read, then goes to the thing
            response = client.get(response["Location"])
        assert response.status_code == 200, (url, response.status_code)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        page = response.content.decode()
        if "<html" not in page:  # an htmx fragment
            continue
        pages[url] = page
        main = re.search(r'<main id="main".*?</main>', page, re.S).group(0)
        for href in re.findall(r'<a [^>]*href="([^"#]+)', main + page[: page.find('<main id="main"')]):
            href = html.unescape(href)
            if href.startswith("/") and not SKIP.search(href) and href not in seen:
                seen.add(href)
                queue.append(href)
    return pages


@pytest.mark.django_db(transaction=True)
def test_every_page_a_persona_reaches_has_a_breadcrumb_ending_in_its_heading(client, settings):
    call_command("seed_demo", "--force", verbosity=0)
    answers: dict[str, int] = {}
    checked = Counter()
    for username in PERSONAS:
        client.force_login(User.objects.get(username=username))
        answers.clear()  # what a link answers depends on who follows it
        for url, page in crawl(client).items():
            kind = resolve(urlsplit(url).path).url_name
            found = trail(page)
            if kind in NO_TRAIL:
                assert found is None, (username, url)
                continue
            assert found is not None, f"{username}: {url} has no breadcrumb"
            links, current = found
            h1 = text_of(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1))
            assert links[0] == ("/", "Home"), (username, url, links)
            assert names_the_page(current, h1), (username, url, current, h1)
            for href, _ in links:
                if href not in answers:
                    answers[href] = client.get(href).status_code
                assert answers[href] == 200, (username, url, href, answers[href])
            checked[username] += 1
    # The crawl reached well into each persona's pages, not just the menu.
    assert checked["analyst"] > 40 and checked["police.lead"] > 15 and checked["scrutineer"] > 30, checked
