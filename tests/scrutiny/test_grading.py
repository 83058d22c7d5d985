"""The audit summary's numbers, worked by hand from conftest.GRADED, pure and on the page.

    question        Outstanding Good RI Inadequate  good or better
    identification       1        2   0      1        3 of 4
    history              1        2   1      0        3 of 4
    impact               0        3   1      0        3 of 4
    actions              0        3   0      1        3 of 4
Cases good or better on all four: MAA-01 and MAA-04, 2 of 4 (50%). Gradings: 12 of 16 (75%).
"""

from __future__ import annotations

from django.urls import reverse

from scrutiny.grading import summarise
from tests.scrutiny.conftest import GRADED

FIELDS = ["grade_identification", "grade_history", "grade_impact", "grade_actions"]


def cases() -> list[dict[str, str]]:
    return [dict(zip(FIELDS, grades, strict=True)) for _, *grades in GRADED]


def test_per_question_counts_and_shares():
    summary = summarise(cases())
    by_field = {q.field: q for q in summary.questions}
    assert by_field["grade_identification"].counts == {
        "outstanding": 1,
        "good": 2,
        "requires_improvement": 0,
        "inadequate": 1,
    }
    assert by_field["grade_history"].counts == {"outstanding": 1, "good": 2, "requires_improvement": 1, "inadequate": 0}
    assert by_field["grade_impact"].counts == {"outstanding": 0, "good": 3, "requires_improvement": 1, "inadequate": 0}
    assert by_field["grade_actions"].counts == {"outstanding": 0, "good": 3, "requires_improvement": 0, "inadequate": 1}
    assert [q.share for q in summary.questions] == [0.75, 0.75, 0.75, 0.75]


def test_overall_a_case_is_good_or_better_only_on_all_four():
    summary = summarise(cases())
    assert (summary.cases, summary.cases_good_or_better, summary.overall_share) == (4, 2, 0.5)
    assert (summary.gradings, summary.gradings_good_or_better, summary.gradings_share) == (16, 12, 0.75)


def test_no_cases_no_shares_and_unknown_grades_are_left_out():
    empty = summarise([])
    assert empty.overall_share is None and all(q.share is None for q in empty.questions)
    odd = summarise([{"grade_identification": "good", "grade_history": ""}])
    assert odd.questions[0].share == 1.0 and odd.questions[1].graded == 0
    assert odd.cases_good_or_better == 0


def test_the_page_shows_the_same_numbers(client, member, audit):
    client.force_login(member)
    body = client.get(reverse("scrutiny:audit_detail", args=[audit.pk])).content.decode()
    assert "2 of 4 cases (50%)" in body
    assert "12 of 16 (75%)" in body
    assert body.count("3 of 4 (75%)") == 4
    assert "Add a case" not in body  # members read only
