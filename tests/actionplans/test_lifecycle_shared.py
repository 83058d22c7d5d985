"""Reports and returns run on the one lifecycle: change it, and both change."""

from __future__ import annotations

import pytest

from actionplans import services as plan_services
from dataset.returns import services as return_services
from neglect_portal import lifecycle
from neglect_portal.lifecycle import IllegalTransition, State, Step, Transition
from tests.actionplans.conftest import complete_inputs, fill
from tests.dataset.conftest import fill as fill_return


def test_a_change_to_the_lifecycle_changes_returns_and_reports_alike(
    monkeypatch, csc_lead, csc_report, csc_actions, open_period
):
    ret = return_services.return_start(agency=csc_lead.agency, period=open_period, acting_user=csc_lead)
    ret = fill_return(ret, csc_lead, N28="24")
    fill(csc_report, csc_lead, complete_inputs(csc_actions))
    csc_report.refresh_from_db()
    # Suppose submitting were allowed only after a reopen.
    only_after_reopen = Transition(
        Step.SUBMIT, frozenset({State.REOPENED}), State.SUBMITTED, lifecycle.Actor.AGENCY, False
    )
    monkeypatch.setitem(lifecycle.TRANSITIONS, Step.SUBMIT, only_after_reopen)
    with pytest.raises(IllegalTransition, match="This return is draft, so it cannot be submitted"):
        return_services.return_submit(signed_off=True, ret=ret, acting_user=csc_lead, seen_version=ret.version)
    with pytest.raises(IllegalTransition, match="This report is draft, so it cannot be submitted"):
        plan_services.report_submit(report=csc_report, acting_user=csc_lead, seen_version=csc_report.version)
    monkeypatch.undo()
    assert (
        return_services.return_submit(signed_off=True, ret=ret, acting_user=csc_lead, seen_version=ret.version).status
        == "submitted"
    )
    submitted = plan_services.report_submit(report=csc_report, acting_user=csc_lead, seen_version=csc_report.version)
    assert submitted.status == State.SUBMITTED
