from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dataset.models import HistorySource, Return, ReturnValue
from dataset.returns import services
from neglect_portal.lifecycle import IllegalTransition, State
from tests.dataset.conftest import fill


def submitted(ret, user):
    fill(ret, user, N18=("150", "420"), N28="24")
    ret.refresh_from_db()
    return services.return_submit(signed_off=True, ret=ret, acting_user=user, seen_version=ret.version)


def test_a_draft_keeps_invalid_figures_exactly_as_typed(csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("five hundred", "420"), N28="2.5")
    values = {v.indicator.code: v for v in csc_return.values.select_related("indicator")}
    assert values["N18"].numerator == "five hundred"
    assert values["N28"].value == "2.5"


def test_submit_is_refused_while_there_are_errors_and_nothing_changes(csc_return, csc_lead):
    fill(csc_return, csc_lead, N18=("500", "420"), N28="24")
    csc_return.refresh_from_db()
    with pytest.raises(services.ReturnInvalid) as invalid:
        services.return_submit(signed_off=True, ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version)
    assert [p.code for p in invalid.value.problems.errors] == ["V03"]
    csc_return.refresh_from_db()
    assert csc_return.status == State.DRAFT


def test_the_whole_lifecycle_by_the_right_people(csc_return, csc_lead, analyst):
    ret = submitted(csc_return, csc_lead)
    assert (ret.status, ret.submitted_by) == (State.SUBMITTED, csc_lead)
    ret = services.return_send_back(ret=ret, acting_user=analyst, reason="N18 looks high: check the cohort")
    assert (ret.status, ret.status_reason) == (State.RETURNED, "N18 looks high: check the cohort")
    ret = services.return_submit(signed_off=True, ret=ret, acting_user=csc_lead, seen_version=ret.version)
    ret = services.return_accept(ret=ret, acting_user=analyst)
    assert (ret.status, ret.reviewed_by, ret.revision) == (State.ACCEPTED, analyst, 1)
    ret = services.return_reopen(ret=ret, acting_user=analyst, reason="Late correction from Mosaic")
    assert (ret.status, ret.revision) == (State.REOPENED, 2)
    fill(ret, csc_lead, N28="25")
    ret.refresh_from_db()
    ret = services.return_submit(signed_off=True, ret=ret, acting_user=csc_lead, seen_version=ret.version)
    assert ret.status == State.SUBMITTED


@pytest.mark.parametrize("persona", ["police_lead", "member", "scrutineer", "no_agency_user"])
def test_nobody_else_can_move_a_return(request, csc_return, csc_lead, persona):
    user = request.getfixturevalue(persona)
    ret = submitted(csc_return, csc_lead)
    for step in (services.return_accept, services.return_send_back, services.return_reopen):
        with pytest.raises(IllegalTransition):
            step(ret=ret, acting_user=user, **({} if step is services.return_accept else {"reason": "x"}))
    assert Return.objects.get(pk=ret.pk).status == State.SUBMITTED


def test_the_agency_cannot_accept_its_own_return_and_the_analyst_cannot_submit_it(csc_return, csc_lead, analyst):
    ret = submitted(csc_return, csc_lead)
    with pytest.raises(IllegalTransition, match="partnership analyst"):
        services.return_accept(ret=ret, acting_user=csc_lead)
    services.return_send_back(ret=ret, acting_user=analyst, reason="check")
    ret.refresh_from_db()
    with pytest.raises(IllegalTransition):
        services.return_submit(signed_off=True, ret=ret, acting_user=analyst, seen_version=ret.version)


def test_a_second_submit_is_refused_and_submits_once(csc_return, csc_lead):
    ret = submitted(csc_return, csc_lead)
    with pytest.raises(IllegalTransition, match="already submitted"):
        services.return_submit(signed_off=True, ret=ret, acting_user=csc_lead, seen_version=ret.version - 1)
    submissions = [h for h in ret.history.all() if h.status == State.SUBMITTED]
    assert len(submissions) == 1


def test_submitted_and_accepted_returns_cannot_be_edited(csc_return, csc_lead, analyst):
    ret = submitted(csc_return, csc_lead)
    with pytest.raises(services.EditRefused, match="waiting for the partnership analyst"):
        fill(ret, csc_lead, N28="30")
    services.return_accept(ret=ret, acting_user=analyst)
    with pytest.raises(services.EditRefused, match="reopen"):
        fill(ret, csc_lead, N28="30")
    assert ReturnValue.objects.get(ret=ret, indicator__code="N28").value == "24"


def test_a_locked_quarter_refuses_edits_and_says_why(csc_return, csc_lead, open_period):
    open_period.locks_on = timezone.localdate() - timedelta(days=1)
    open_period.save()
    with pytest.raises(services.EditRefused) as refused:
        fill(csc_return, csc_lead, N28="30")
    assert "2020-21 Q1 locked on" in str(refused.value)
    assert "ask the partnership analyst to reopen it" in str(refused.value)


def test_a_return_handed_back_can_be_changed_after_the_lock(csc_return, csc_lead, analyst, open_period):
    ret = submitted(csc_return, csc_lead)
    open_period.locks_on = timezone.localdate() - timedelta(days=1)
    open_period.save()
    services.return_send_back(ret=ret, acting_user=analyst, reason="fix N28")
    fill(ret, csc_lead, N28="26")
    assert ReturnValue.objects.get(ret=ret, indicator__code="N28").value == "26"


def test_two_people_save_at_once_the_second_is_refused_and_nothing_is_lost(csc_return, csc_lead, csc):
    from tests.factories import UserFactory

    colleague = UserFactory(username="csc.deputy", agency=csc)
    seen = csc_return.version  # both open the page at this version
    services.return_save_values(
        ret=csc_return, acting_user=colleague, seen_version=seen, inputs={"N28": {"value": "24"}}
    )
    with pytest.raises(services.Conflict) as conflict:
        services.return_save_values(
            ret=csc_return,
            acting_user=csc_lead,
            seen_version=seen,
            inputs={"N28": {"value": "99"}, "N18": {"numerator": "1", "denominator": "2"}},
        )
    assert conflict.value.changed_codes == {"N28"}
    assert conflict.value.changed_by == str(colleague)
    assert str(colleague) in str(conflict.value)
    values = {v.indicator.code: v for v in csc_return.values.select_related("indicator")}
    assert values["N28"].value == "24" and values["N18"].numerator == ""


def test_every_change_is_recorded_with_who_how_and_why(csc_return, csc_lead, analyst):
    ret = submitted(csc_return, csc_lead)
    services.return_send_back(ret=ret, acting_user=analyst, reason="Please explain N28")
    record = ret.history.order_by("-history_date").first()
    assert (record.history_user, record.history_source, record.history_change_reason) == (
        analyst,
        HistorySource.REVIEW,
        "Please explain N28",
    )
    value_record = ReturnValue.history.filter(ret_id=ret.pk, value="24").get()
    assert (value_record.history_user, value_record.history_source) == (csc_lead, HistorySource.FORM)


def test_accepting_many_skips_those_with_unexplained_queries(
    csc_return, police_return, csc_lead, police_lead, analyst, earlier_periods
):
    submitted(csc_return, csc_lead)
    fill(police_return, police_lead, N28="3")
    police_return.refresh_from_db()
    services.return_submit(
        signed_off=True, ret=police_return, acting_user=police_lead, seen_version=police_return.version
    )
    # Police's previous quarter is accepted after it submitted, so its figure now needs an explanation it lacks.
    previous = Return.objects.create(agency=police_lead.agency, period=earlier_periods[-1], status=State.ACCEPTED)
    ReturnValue.objects.create(ret=previous, indicator=ReturnValue.objects.get(ret=police_return).indicator, value="30")

    accepted, skipped = services.returns_accept_many(ids=[csc_return.pk, police_return.pk], acting_user=analyst)
    assert [r.pk for r in accepted] == [csc_return.pk]
    assert [(r.pk, "unexplained" in why) for r, why in skipped] == [(police_return.pk, True)]
    assert Return.objects.get(pk=police_return.pk).status == State.SUBMITTED
