"""Checks on a progress report's action updates, pure: plain data in, problems out (same Problem shape as
the returns' rules, so pages show both the same way)."""

from __future__ import annotations

from dataclasses import dataclass

from dataset.returns.validation import Problem, Problems

RED, AMBER, GREEN, BLUE = "red", "amber", "green", "blue"


@dataclass(frozen=True)
class UpdateInput:
    key: str  # the action's id as text: the field prefix on the form
    title: str  # what the action is, for messages
    rag: str = ""
    done: str = ""
    impact: str = ""
    next_steps: str = ""
    recovery: str = ""


def _error(code: str, u: UpdateInput, field: str, text: str) -> Problem:
    # An action's text often ends in a full stop: "...notification.: choose" read badly, so it goes.
    where = u.title.strip().rstrip(".")
    short = text[:1].upper() + text[1:].rstrip(".")
    return Problem.error(code=code, indicator=u.key, field=field, where=where, what_and_how=text, short=short)


def check_update(u: UpdateInput) -> list[Problem]:
    problems = []
    if not u.rag:
        problems.append(_error("A01", u, "rag", "choose a RAG rating (Red, Amber, Green, or Blue if complete)."))
    if u.rag in (RED, AMBER):
        word = "Red" if u.rag == RED else "Amber"
        if not u.done.strip():
            problems.append(_error("A02", u, "done", f"{word} needs a narrative: say what was done and what slipped."))
        if not u.recovery.strip():
            problems.append(_error("A03", u, "recovery", f"{word} needs a recovery step: what will bring it back."))
    if u.rag == BLUE and not u.impact.strip():
        problems.append(_error("A04", u, "impact", "Blue (complete) needs the evidence of impact for children."))
    return problems


def check_report(updates: list[UpdateInput], objective_rags: dict[str, str]) -> Problems:
    items = [p for u in updates for p in check_update(u)]
    for objective, rag in objective_rags.items():
        if not rag:
            items.append(
                Problem(
                    code="A05",
                    indicator="plan",
                    field=f"rag_{objective}",
                    message=f"Give the agency's own RAG for {objective.capitalize()}.",
                    blocking=True,
                    kind="error",
                )
            )
    return Problems(tuple(items))
