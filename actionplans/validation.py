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


def _plan_error(code: str, field: str, message: str) -> Problem:
    return Problem(code=code, indicator="plan", field=field, message=message, blocking=True, kind="error")


def check_objective_recovery(objective: str, rag: str, recovery: str) -> Problem | None:
    """An objective the agency rates Red or Amber is behind: say what will bring it back, at the objective, even
    when no action under it is Red or Amber (or it has no actions)."""
    if rag not in (RED, AMBER) or recovery.strip():
        return None
    word = "Red" if rag == RED else "Amber"
    return _plan_error(
        "A06", f"recovery_{objective}", f"Enter the recovery step for {objective.capitalize()}: it is rated {word}."
    )


def check_report(
    updates: list[UpdateInput], objective_rags: dict[str, str], recoveries: dict[str, str] | None = None
) -> Problems:
    items = [p for u in updates for p in check_update(u)]
    for objective, rag in objective_rags.items():
        if not rag:
            items.append(
                _plan_error("A05", f"rag_{objective}", f"Give the agency's own RAG for {objective.capitalize()}.")
            )
        problem = check_objective_recovery(objective, rag, (recoveries or {}).get(objective, ""))
        if problem:
            items.append(problem)
    return Problems(tuple(items))
