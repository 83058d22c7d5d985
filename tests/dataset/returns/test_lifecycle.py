from __future__ import annotations

import pytest

from neglect_portal.lifecycle import EDITABLE, Actor, IllegalTransition, State, Step, allowed_steps, check

LEGAL = [
    (State.DRAFT, Step.SUBMIT, Actor.AGENCY, State.SUBMITTED),
    (State.RETURNED, Step.SUBMIT, Actor.AGENCY, State.SUBMITTED),
    (State.REOPENED, Step.SUBMIT, Actor.AGENCY, State.SUBMITTED),
    (State.SUBMITTED, Step.ACCEPT, Actor.ANALYST, State.ACCEPTED),
    (State.SUBMITTED, Step.RETURN, Actor.ANALYST, State.RETURNED),
    (State.ACCEPTED, Step.REOPEN, Actor.ANALYST, State.REOPENED),
]


@pytest.mark.parametrize(("state", "step", "actor", "target"), LEGAL)
def test_each_legal_step_leads_where_it_should(state, step, actor, target):
    assert check(state=state, step=step, actor=actor, reason="because") == target


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("actor", list(Actor))
def test_every_other_step_is_refused_with_a_reason_in_words(state, step, actor):
    if any((state, step, actor) == legal[:3] for legal in LEGAL):
        return
    with pytest.raises(IllegalTransition) as refused:
        check(state=state, step=step, actor=actor, reason="because")
    assert str(refused.value).endswith(".") and len(str(refused.value)) > 20


def test_returning_and_reopening_need_a_reason():
    with pytest.raises(IllegalTransition, match="Give a reason"):
        check(state=State.SUBMITTED, step=Step.RETURN, actor=Actor.ANALYST, reason="  ")
    with pytest.raises(IllegalTransition, match="Give a reason"):
        check(state=State.ACCEPTED, step=Step.REOPEN, actor=Actor.ANALYST)


def test_a_second_submit_says_it_is_already_submitted():
    with pytest.raises(IllegalTransition, match="already submitted"):
        check(state=State.SUBMITTED, step=Step.SUBMIT, actor=Actor.AGENCY)


def test_only_draft_returned_and_reopened_are_editable():
    assert {State.DRAFT, State.RETURNED, State.REOPENED} == EDITABLE
    assert allowed_steps(State.SUBMITTED, Actor.ANALYST) == [Step.ACCEPT, Step.RETURN]
    assert allowed_steps(State.SUBMITTED, Actor.AGENCY) == []
