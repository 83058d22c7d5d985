"""Tables that scroll inside their own box on a small screen, without JavaScript (WCAG 1.4.10 reflow).

`{% scrolltable %}<table>...<caption>...</caption>...</table>{% endscrolltable %}` writes the table inside
`<div class="table-scroll" role="region" aria-labelledby="<caption id>" tabindex="0">`: the CSS gives the box
`overflow-x: auto`, so a table wider than the screen scrolls there and never widens the page, and the region is
named by the table's own caption and takes keyboard focus, so it can be scrolled with the arrow keys (axe:
scrollable-region-focusable). The caption is given an id when it has none.
"""

from __future__ import annotations

import hashlib
import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

CAPTION = re.compile(r"<caption\b([^>]*)>(.*?)</caption>", re.S | re.I)
ID = re.compile(r"""\bid\s*=\s*["']([^"']+)["']""")
TAGS = re.compile(r"<[^>]+>")


def scroll_region(table_html: str, *, used: set[str] | None = None) -> SafeString:
    """`table_html` (already escaped HTML holding one table with a caption) inside its labelled scroll region.

    `used` holds the ids given on this page so far, so two tables with the same caption get two ids."""
    match = CAPTION.search(table_html)
    if match is None:
        raise ValueError("A table in a scroll region needs a <caption> to name the region.")
    attrs = match.group(1)
    if found := ID.search(attrs):
        caption_id = found.group(1)
    else:
        text = " ".join(TAGS.sub(" ", match.group(2)).split())
        caption_id = base = "caption-" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:8]
        n = 1
        while used is not None and caption_id in used:
            n += 1
            caption_id = f"{base}-{n}"
        table_html = f'{table_html[: match.start()]}<caption id="{caption_id}"{attrs}>{table_html[match.start(2) :]}'
    if used is not None:
        used.add(caption_id)
    return format_html(
        '<div class="table-scroll" role="region" aria-labelledby="{}" tabindex="0">{}</div>',
        caption_id,
        mark_safe(table_html),  # noqa: S308 - rendered by the template engine, which escaped it  # nosec B308, B703
    )


class ScrollTableNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        # The outermost render state: an included template's tables share the page's ids.
        used = context.render_context.dicts[0].setdefault("scrolltable_ids", set())
        return scroll_region(self.nodelist.render(context), used=used)


@register.tag
def scrolltable(parser: template.base.Parser, token: template.base.Token) -> ScrollTableNode:
    nodelist = parser.parse(("endscrolltable",))
    parser.delete_first_token()
    return ScrollTableNode(nodelist)
