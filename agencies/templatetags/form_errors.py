"""The GOV.UK error summary's pieces: where each field's link goes, and whether a page shows a form with errors
(its <title> then starts "Error: "). Used by templates/partials/_error_summary.html and base.html."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()

GROUPS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


@register.filter
def error_anchor(field: BoundField) -> str:
    """The id the summary links to: the field's input, or the first input of a radio or checkbox group."""
    if isinstance(field.field.widget, GROUPS):
        return f"{field.auto_id}_0"
    return field.auto_id


@register.simple_tag(takes_context=True)
def page_has_errors(context: template.Context) -> bool:
    """True when any bound form the page was given has errors, a return's blocking problems after a POST, or a save
    refused as stale (`conflict`). One rule for every page, whatever the view calls its form (form, reason_form ...)."""
    # type(), not isinstance(): isinstance would evaluate lazy values (the user, the CSRF token) to ask.
    forms_shown = [value for value in context.flatten().values() if issubclass(type(value), forms.BaseForm)]
    if any(form.is_bound and form.errors for form in forms_shown):
        return True
    if context.get("conflict"):
        return True
    problems = context.get("problems")
    request = context.get("request")
    return bool(getattr(problems, "blocking", None)) and getattr(request, "method", "") == "POST"
