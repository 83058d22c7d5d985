from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django import template

from dataset.build import themes
from dataset.build.figures import quarter_label
from dataset.catalogue import numbers

register = template.Library()


@register.filter
def figure(value: Decimal | None, unit: str) -> str:
    """A computed value as people read it ("35.7%", "1,256", "42.8 per 10,000"); a dash when there is none."""
    if value is None:
        return "–"
    return numbers.format_value(unit, value)


@register.filter
def quarter(index: int | None) -> str:
    """A quarter's running number as people write it: "2020-21 Q1"; nothing when there is none."""
    return "" if index is None else quarter_label(index)


@register.filter
def key_messages(ranked: Sequence) -> list:
    """The first few of a snapshot's ranked themes: the quarter's key messages."""
    return themes.key_messages(list(ranked))


@register.filter
def field(form, name: str):
    """The bound field `name` of `form` (templates cannot index with a computed key)."""
    return form[name]


@register.simple_tag
def bound(form, code: str, name: str):
    return form[f"{code}-{name}"] if f"{code}-{name}" in form.fields else None
