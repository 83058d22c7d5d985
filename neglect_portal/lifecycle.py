"""The lifecycle shared by quarterly returns and action-plan reports.

draft -> submitted -> accepted, or submitted -> returned (with a reason) -> submitted again; an accepted
one can be reopened with a reason (its revision goes up) and is then edited and submitted again.
A leaf module: plain rules, no app, no ORM. Services ask it whether a step is legal and what it leads to.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned for changes"
    REOPENED = "reopened", "Reopened for amendment"


class Step(models.TextChoices):
    SUBMIT = "submit", "Submit"
    ACCEPT = "accept", "Accept"
    RETURN = "return", "Return for changes"
    REOPEN = "reopen", "Reopen"


class Actor(models.TextChoices):
    AGENCY = "agency", "the agency's lead"
    ANALYST = "analyst", "the partnership analyst"


# States in which the owning agency may change the content.
EDITABLE = frozenset({State.DRAFT, State.RETURNED, State.REOPENED})


@dataclass(frozen=True)
class Transition:
    step: Step
    sources: frozenset[State]
    target: State
    actor: Actor
    needs_reason: bool


TRANSITIONS: dict[Step, Transition] = {
    t.step: t
    for t in (
        Transition(Step.SUBMIT, EDITABLE, State.SUBMITTED, Actor.AGENCY, needs_reason=False),
        Transition(Step.ACCEPT, frozenset({State.SUBMITTED}), State.ACCEPTED, Actor.ANALYST, needs_reason=False),
        Transition(Step.RETURN, frozenset({State.SUBMITTED}), State.RETURNED, Actor.ANALYST, needs_reason=True),
        Transition(Step.REOPEN, frozenset({State.ACCEPTED}), State.REOPENED, Actor.ANALYST, needs_reason=True),
    )
}


class IllegalTransition(Exception):
    """A step that the current state, the actor or a missing reason does not allow. Its text says why."""


def check(*, state: str, step: Step, actor: Actor, reason: str = "", what: str = "This return") -> State:
    """The state `step` leads to from `state`, or IllegalTransition saying in words why not."""
    transition = TRANSITIONS[step]
    label = State(state).label.lower()
    if transition.actor != actor:
        raise IllegalTransition(f"Only {transition.actor.label} can {step.label.lower()} {what.lower()}.")
    if state not in transition.sources:
        if state == transition.target:
            raise IllegalTransition(f"{what} is already {label}.")
        raise IllegalTransition(f"{what} is {label}, so it cannot be {_past(step)}.")
    if transition.needs_reason and not reason.strip():
        raise IllegalTransition(f"Give a reason to {step.label.lower()} {what.lower()}: the agency will see it.")
    return transition.target


def allowed_steps(state: str, actor: Actor) -> list[Step]:
    return [t.step for t in TRANSITIONS.values() if t.actor == actor and state in t.sources]


def _past(step: Step) -> str:
    return {
        Step.SUBMIT: "submitted",
        Step.ACCEPT: "accepted",
        Step.RETURN: "returned",
        Step.REOPEN: "reopened",
    }[step]
