"""GOV.UK error messages on the forms outside the return (issue 14 item 8): the summary, the field messages, the
"Error: " title, plain wording, "(optional)" marks, abbreviations and the CSRF failure page."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from agencies.plain_forms import PlainMessages, field_messages
from scrutiny.models import EvidenceSource


class Sample(PlainMessages, forms.Form):
    due_on = forms.DateField(label="Due date")
    lead_officer = forms.CharField(label="Lead officer", max_length=120)
    objective = forms.ChoiceField(label="Objective", choices=[("recognise", "Recognise")])
    sources = forms.MultipleChoiceField(
        label="Evidence sources", choices=EvidenceSource.choices, widget=forms.CheckboxSelectMultiple
    )
    respondents = forms.IntegerField(label="People who answered", min_value=1)
    reason = forms.CharField(label="Reason", error_messages={"required": "Enter the reason the agency will see"})
    note = forms.CharField(label="Note", required=False)

    def clean(self):
        raise forms.ValidationError("The plan is locked. Ask the analyst to reopen it.")


def summary_of(html: str) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "no error summary"
    return match.group(0)


def render_summary(form: forms.Form) -> str:
    return Template('{% include "partials/_error_summary.html" %}').render(Context({"form": form}))


def test_stock_messages_become_plain_ones_naming_the_field():
    form = Sample(data={"due_on": "31/02/2020", "lead_officer": "x" * 121, "respondents": "0"})
    assert not form.is_valid()
    errors = form.errors
    assert errors["due_on"] == ["Due date must be a real date, for example 31/3/2020"]
    assert errors["lead_officer"] == ["Lead officer must be 120 characters or fewer"]
    assert errors["objective"] == ["Choose the objective"]
    assert errors["sources"] == ["Choose the evidence sources"]
    assert errors["respondents"] == ["People who answered must be 1 or more"]
    assert errors["reason"] == ["Enter the reason the agency will see"]  # a form's own words are kept
    assert "This field is required." not in str(errors)


def test_a_wrong_choice_and_a_non_number_say_how_to_fix_them():
    form = Sample(data={"objective": "respond", "respondents": "ten", "due_on": "2020-03-31"})
    assert not form.is_valid()
    assert form.errors["objective"] == ["Choose the objective from the list"]
    assert form.errors["respondents"] == ["People who answered must be a whole number, like 12"]
    assert "due_on" not in form.errors


def test_capitals_in_a_label_are_kept():
    field = forms.ChoiceField(label="RAG rating", choices=[("red", "Red")])
    assert field_messages("rag", field)["required"] == "Choose the RAG rating"


def test_the_summary_links_each_field_message_to_its_input_and_leaves_form_messages_unlinked():
    form = Sample(data={})
    form.is_valid()
    html = summary_of(render_summary(form))
    assert 'role="alert"' in html and 'tabindex="-1"' in html and "There is a problem" in html
    assert '<li><a href="#id_due_on">Enter the due date</a></li>' in html
    # A checkbox group has no element with the field's id: the link goes to its first box.
    assert '<a href="#id_sources_0">Choose the evidence sources</a>' in html
    assert "<li>The plan is locked. Ask the analyst to reopen it.</li>" in html
    assert "Due date:" not in html and "Lead officer:" not in html


def test_a_form_without_errors_has_no_summary():
    assert "There is a problem" not in render_summary(Sample())
    valid = forms.Form(data={})
    assert valid.is_valid() and "There is a problem" not in render_summary(valid)


@pytest.mark.parametrize(
    ("context", "expected"),
    [({"reason_form": "invalid"}, True), ({"form": "unbound"}, False), ({"change_form": "valid"}, False), ({}, False)],
)
def test_the_title_starts_error_whatever_the_view_calls_its_form(context, expected):
    made = {"invalid": Sample(data={}), "unbound": Sample(), "valid": forms.Form(data={})}
    values = {name: made[kind] for name, kind in context.items()}
    html = Template("{% load form_errors %}{% page_has_errors as e %}{{ e }}").render(Context(values))
    assert html == str(expected)


def test_sign_in_with_nothing_typed_gets_the_summary_and_an_error_title(client, db):
    response = client.post(reverse("login"), {"username": "", "password": ""})
    html = response.content.decode()
    assert re.search(r"<title>Error: Sign in –", html)
    summary = summary_of(html)
    assert '<a href="#id_username">Enter the username</a>' in summary
    assert '<a href="#id_password">Enter the password</a>' in summary
    # Beside the field too, with a word for screen readers that says it is an error.
    assert '<span class="visually-hidden">Error: </span>Enter the username' in html


def test_a_page_without_errors_has_a_plain_title(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "<title>Sign in –" in html and "There is a problem" not in html


def test_the_password_change_form_speaks_plainly(client, csc_lead):
    client.force_login(csc_lead)
    response = client.post(
        reverse("password_change"), {"old_password": "", "new_password1": "a-Long-pass-2020", "new_password2": "b"}
    )
    html = response.content.decode()
    assert "<title>Error: " in html
    summary = summary_of(html)
    assert '<a href="#id_old_password">Enter the old password</a>' in summary
    assert "The two new passwords are not the same" in summary


def test_the_password_reset_form_asks_for_the_email_plainly(client, db):
    html = client.post(reverse("password_reset"), {"email": "not an address"}).content.decode()
    assert "Enter the email address in the right format, like name@example.org" in summary_of(html)


def test_an_outcome_without_sources_links_to_the_first_checkbox(client, scrutineer):
    client.force_login(scrutineer)
    response = client.post(reverse("scrutiny:outcome_create"), {"title": "", "position": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    summary = summary_of(html)
    assert '<a href="#id_expected_sources_0">Choose at least one evidence source' in summary
    assert '<a href="#id_title">Enter the title</a>' in summary
    assert 'id="id_expected_sources_0"' in html  # the link has somewhere to go
    assert "<title>Error: " in html


def test_crispy_forms_mark_optional_fields_and_no_required_asterisk(client, csc_lead):
    client.force_login(csc_lead)
    html = client.get(reverse("actionplans:plan_create")).content.decode()
    label = re.search(r'<label[^>]*for="id_signed_off_by"[^>]*>(.*?)</label>', html, re.S).group(1)
    assert "(optional)" in label
    title = re.search(r'<label[^>]*for="id_title"[^>]*>(.*?)</label>', html, re.S).group(1)
    assert "(optional)" not in title
    assert "asteriskField" not in html and not re.search(r">\s*\*\s*<", html)


def test_terms_are_written_as_abbreviations():
    html = Template('{% load agency_names %}{{ "RAG"|term }} {{ "XLSX"|term }} {{ typed|term }}').render(
        Context({"typed": "<b>"})
    )
    assert '<abbr title="Red, Amber, Green (and Blue for complete)">RAG</abbr>' in html
    assert '<abbr title="Excel workbook">XLSX</abbr>' in html
    assert "&lt;b&gt;" in html  # an unknown term is written as it is, escaped


def test_the_rag_summary_explains_rag_in_its_heading(client, member):
    client.force_login(member)
    html = client.get(reverse("actionplans:summary")).content.decode()
    assert re.search(r"<h1>Action plans: partnership <abbr title=\"Red, Amber, Green[^\"]*\">RAG</abbr> summary", html)


def test_a_form_sent_without_its_token_gets_a_page_that_says_what_to_do(csc_lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(csc_lead)
    response = client.post(reverse("actionplans:plan_create"), {"title": "Plan"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<title>Your form could not be sent –" in html
    assert "<h1>Your form could not be sent</h1>" in html
    assert "open for a long time" in html and "cookies" in html and "copy your text" in html
    assert f'href="{reverse("home")}"' in html
    assert 'href="/static/css/portal.css"' in html or "portal.css" in html  # styled like every page


def test_the_csrf_page_is_shown_to_someone_signed_out_too(db):
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "a", "password": "b"})
    assert response.status_code == 403 and "Your form could not be sent" in response.content.decode()


def test_a_question_label_is_not_given_a_the():
    field = forms.CharField(label="What will be done")
    assert field_messages("description", field)["required"] == "Enter what will be done"


def test_labels_set_in_a_forms_init_are_the_ones_the_messages_name():
    class Later(PlainMessages, forms.Form):
        agency = forms.CharField()

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["agency"].label = "Agency whose case it is"

    form = Later(data={})
    assert form.errors["agency"] == ["Enter the agency whose case it is"]
