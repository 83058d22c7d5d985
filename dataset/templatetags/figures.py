from __future__ import annotations

from decimal import Decimal

from django import template

from dataset.catalogue import numbers

register = template.Library()


@register.filter
def figure(value: Decimal | None, unit: str) -> str:
    """A computed value as people read it ("35.7%", "1,256", "42.8 per 10,000"); a dash when there is none."""
    if value is None:
        return "–"
    return numbers.format_value(unit, value)


@register.filter
def field(form, name: str):
    """The bound field `name` of `form` (templates cannot index with a computed key)."""
    return form[name]


@register.simple_tag
def bound(form, code: str, name: str):
    return form[f"{code}-{name}"] if f"{code}-{name}" in form.fields else None
