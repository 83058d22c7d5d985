"""The evidence pack counts an accepted action-plan report as it was rated: moving or rewording an action after
its report was accepted changes neither the agency-by-objective counts, the objectives' counts nor the RAG beside
the outcome's action."""

from __future__ import annotations

from datetime import date

from actionplans import services as actionplan_services
from neglect_portal.lifecycle import State
from neglect_portal.strategy import Objective
from scrutiny.models import PackStatus
from scrutiny.packs import services as pack_services
from tests.actionplans.conftest import complete_inputs, fill, make_action, make_plan


def test_the_pack_counts_the_accepted_report_as_rated(csc_lead, analyst, outcome, open_period, pack):
    plan = make_plan(csc_lead)
    first = make_action(csc_lead, plan, "Train every social worker", Objective.RECOGNISE, date(2026, 9, 30))
    second = make_action(csc_lead, plan, "Review long CIN plans", Objective.RESPOND, date(2027, 3, 31))
    outcome.actions.add(first)
    report = actionplan_services.report_start(agency=csc_lead.agency, period=open_period, acting_user=csc_lead)
    inputs = complete_inputs([first, second])
    inputs[str(first.pk)] = {"rag": "red", "done": "Slipped.", "recovery": "Extra sessions."}
    fill(report, csc_lead, inputs)
    report.refresh_from_db()
    actionplan_services.report_submit(report=report, acting_user=csc_lead, seen_version=report.version)
    assert actionplan_services.report_accept(report=report, acting_user=analyst).status == State.ACCEPTED
    actionplan_services.action_save(
        action=first,
        plan=plan,
        fields={"objective": Objective.EVALUATE, "description": "Reworded", "due_on": date(2026, 6, 30)},
        indicators=None,
        acting_user=csc_lead,
    )

    data = pack_services.gather(pack)
    counts = {(r.agency, r.objective): dict(r.counts) for r in data.rag_counts}
    assert counts == {
        ("Children's Social Care", "recognise"): {"red": 1},
        ("Children's Social Care", "respond"): {"green": 1},
    }
    objectives = {o.objective: dict(o.counts) for o in data.objective_rags}
    assert objectives["recognise"]["red"] == 1 and not any(objectives["evaluate"].values())
    (row,) = data.outcomes[0].actions
    assert (row.rag, row.rag_quarter) == ("red", open_period.label)
    # The RAG sits beside the wording, objective and due date it was given for, not the later edit.
    assert (row.description, row.objective, row.due_on) == (
        "Train every social worker",
        "Recognise",
        date(2026, 9, 30),
    )

    built = pack_services.pack_build(pack_id=pack.pk)
    assert built.status == PackStatus.COMPLETE, built.error
