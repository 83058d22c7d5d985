"""The multi-agency audit summary: plain data in, plain data out (no models, no database).

For each of the four audit questions: how many cases got each grade, and the share graded good or better
(Outstanding or Good). Overall: the share of *cases* good or better on all four questions, so one weak
answer keeps a case out. The share of all gradings good or better is given too, for comparison.
Grades that are blank or unknown are left out of the counts and of the shares' denominators.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .models import AUDIT_QUESTIONS, GOOD_OR_BETTER, Grade


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class QuestionSummary:
    field: str
    question: str
    counts: dict[str, int]  # {grade value: cases}, in Grade's order, zeros included
    graded: int
    good_or_better: int

    @property
    def share(self) -> float | None:
        return _share(self.good_or_better, self.graded)

    @property
    def rows(self) -> list[tuple[str, int]]:
        """[(grade label, count)] in Grade's order, for a table."""
        return [(Grade(value).label, n) for value, n in self.counts.items()]


@dataclass(frozen=True)
class Summary:
    questions: list[QuestionSummary]
    cases: int
    cases_good_or_better: int  # good or better on all four questions
    gradings: int
    gradings_good_or_better: int

    @property
    def overall_share(self) -> float | None:
        """The share of cases good or better on every question."""
        return _share(self.cases_good_or_better, self.cases)

    @property
    def gradings_share(self) -> float | None:
        return _share(self.gradings_good_or_better, self.gradings)


def summarise(cases: Sequence[Mapping[str, str]]) -> Summary:
    """`cases`: one {grade field: grade value} per audited case, e.g. CaseAudit.grades()."""
    questions = []
    for field, question in AUDIT_QUESTIONS.items():
        counts = {g.value: 0 for g in Grade}
        for case in cases:
            grade = case.get(field, "")
            if grade in counts:
                counts[grade] += 1
        questions.append(
            QuestionSummary(
                field=field,
                question=question,
                counts=counts,
                graded=sum(counts.values()),
                good_or_better=sum(n for g, n in counts.items() if g in GOOD_OR_BETTER),
            )
        )
    all_good = sum(1 for case in cases if all(case.get(f) in GOOD_OR_BETTER for f in AUDIT_QUESTIONS))
    return Summary(
        questions=questions,
        cases=len(cases),
        cases_good_or_better=all_good,
        gradings=sum(q.graded for q in questions),
        gradings_good_or_better=sum(q.good_or_better for q in questions),
    )
