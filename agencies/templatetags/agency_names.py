"""`{{ agency|abbr }}` and `{{ short_names|abbr_all }}`: agency short names (EDU, SCFT, WSSCP) written as <abbr>
with the full name, so a reader who does not know them can find out (WCAG 3.1.4)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from agencies.models import Agency

register = template.Library()


@register.filter
def abbr(agency: Agency) -> SafeString:
    # "Police" is a word, not an abbreviation; "EDU" and "SCFT" are.
    if agency.short_name == agency.name or not agency.short_name.isupper():
        return format_html("{}", agency.short_name)
    return format_html('<abbr title="{}">{}</abbr>', agency.name, agency.short_name)


@register.filter
def abbr_all(short_names: Iterable[str]) -> SafeString:
    """Short names joined with commas, each an <abbr> where the agency is known (one query)."""
    names = list(short_names)
    full = dict(Agency.objects.filter(short_name__in=names).values_list("short_name", "name"))
    return format_html_join(
        ", ", "{}", ((abbr(Agency(short_name=s, name=full[s])) if s in full else s,) for s in names)
    )
