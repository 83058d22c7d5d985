"""GOV.UK error style on the return pages: a field says what to do in a few words, without a rule code (codes are
for the rules page); the summary names the row; the page title starts "Error: "."""

from __future__ import annotations

import re

from django.urls import reverse

from dataset.returns.validation import ValueInput, check_value
from tests.dataset.returns.test_pages import edit_url, post_figures


def staff_trained(**kwargs) -> ValueInput:
    defaults = {
        "code": "N26",
        "title": "Workforce trained in neglect",
        "unit": "percentage",
        "numerator_label": "Staff trained",
        "denominator_label": "Staff in post",
        "numerator": "",
        "denominator": "40",
    }
    return ValueInput(**{**defaults, **kwargs})


def test_a_blank_field_asks_for_its_figure_in_its_own_words():
    (problem,) = check_value(staff_trained())
    assert problem.field_message == "Enter staff trained, or 0 if there were none"
    assert problem.summary_message == "N26 Workforce trained in neglect: Enter staff trained, or 0 if there were none"
    assert "V06" not in problem.field_message + problem.summary_message
    assert problem.code == "V06" and "blank" in problem.message  # the full text stays for uploads and the API


def test_short_messages_name_the_field_and_keep_capitals_of_acronyms():
    (bigger,) = check_value(staff_trained(numerator="50"))
    assert bigger.field_message == "Staff trained must be no more than staff in post (40)"
    (negative,) = check_value(staff_trained(numerator="-1", numerator_label="CP plans"))
    assert negative.field_message == "CP plans must be 0 or more"
    (words,) = check_value(staff_trained(numerator="about ten"))
    assert words.field_message == "Staff trained must be a number, like 1,234 or 12.5"
    assert all(len(p.field_message.split()) <= 12 for p in (bigger, negative, words))


def test_a_count_without_labels_says_the_figure():
    (problem,) = check_value(ValueInput(code="N28", title="Champions", unit="count", value="2.5"))
    assert problem.field_message == "The figure must be a whole number"


def test_the_return_page_shows_short_messages_without_codes(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    saved = post_figures(client, csc_return, 1, N18__numerator="500", N18__denominator="420", N28__value="24")
    page = client.get(saved["Location"]).content.decode()
    assert "Error V0" not in page and "V03" not in page
    field = re.search(r'<div id="N18-numerator-problems".*?</div>', page, re.S).group(0)
    assert "must be no more than open neglect CIN plans (420)" in field
    assert '<span class="visually-hidden">Error: </span>' in field
    assert "N18 Neglect CIN plans open more than 12 months: Open more than 12 months must be no more than" in page


def test_a_refused_submit_has_an_error_title(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    response = post_figures(client, csc_return, 1, "dataset:return_submit", N18__numerator="500")
    assert response.status_code == 400
    assert re.search(r"<title>Error: [^<]+</title>", response.content.decode())


def test_a_page_without_errors_has_a_plain_title(client, csc_return, csc_lead):
    client.force_login(csc_lead)
    page = client.get(edit_url(csc_return)).content.decode()
    assert not re.search(r"<title>Error: ", page)


def test_optional_fields_say_so_and_required_ones_carry_no_asterisk(client, analyst):
    client.force_login(analyst)
    page = client.get(reverse("dataset:indicator_create")).content.decode()
    assert 'class="asteriskField"' not in page
    assert re.search(r'Target\s*<span class="optional-field">\(optional\)</span>', page)
    assert not re.search(r'Title\s*<span class="optional-field">', page)
