"""Abbreviations written as <abbr> with their expansion, so a reader who does not know them can find out (WCAG
3.1.4): `{{ agency|abbr }}` and `{{ short_names|abbr_all }}` for agency short names (EDU, SCFT, WSSCP), and
`{{ "RAG"|term }}` for the portal's other abbreviations (RAG, SPC, YTD, CSV, XLSX ...). GOV.UK asks for the first
use on a page; a template may mark more."""

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


TERMS = {
    "RAG": "Red, Amber, Green (and Blue for complete)",
    "SPC": "statistical process control",
    "YTD": "year to date",
    "CSV": "comma-separated values, a spreadsheet file",
    "XLSX": "Excel workbook",
    "PDF": "Portable Document Format",
    "ZIP": "a compressed folder of files",
    "DfE": "Department for Education",
    "GSS": "Government Statistical Service",
    "NHS": "National Health Service",
    "UTF-8": "the usual way of saving text, which keeps every character",
    "XmR": "individuals and moving range",
}


@register.filter
def term(short: str) -> SafeString:
    """ "RAG" -> <abbr title="Red, Amber, Green ...">RAG</abbr>; an unknown term is written as it is."""
    if short not in TERMS:
        return format_html("{}", short)
    return format_html('<abbr title="{}">{}</abbr>', TERMS[short], short)
