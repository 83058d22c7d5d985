"""The Impact Framework leads somewhere: its indicators and actions are links, and an outcome with nothing behind it
is flagged as a gap."""

from __future__ import annotations

from django.urls import reverse

from scrutiny import services
from tests.factories import ActionFactory, IndicatorFactory


def test_an_outcome_with_no_action_and_no_evidence_is_flagged(client, scrutineer, outcome):
    client.force_login(scrutineer)
    page = client.get(reverse("scrutiny:outcome_list")).content.decode()
    assert 'data-testid="outcome-gap"' in page
    assert "no action is linked to this outcome, and no evidence has been gathered for it yet." in page


def test_linked_indicators_and_actions_are_links_and_the_gap_names_only_what_is_missing(
    client, scrutineer, outcome, csc
):
    n18 = IndicatorFactory(code="N18", title="Neglect CIN plans open more than 12 months")
    action = ActionFactory(plan__agency=csc, objective="respond", description="Monthly drift panel")
    plan = action.plan
    services.outcome_save(outcome=outcome, fields={}, indicators=[n18], actions=[action], acting_user=scrutineer)
    client.force_login(scrutineer)
    page = client.get(reverse("scrutiny:outcome_list")).content.decode()
    assert f'href="{reverse("dataset:indicator", args=["N18"])}"' in page
    assert (
        f'href="{reverse("actionplans:plan_detail", args=[plan.pk])}#action-{action.pk}">Monthly drift panel</a>'
        in page
    )
    assert "no action is linked" not in page and "no evidence has been gathered for it yet." in page
    plan_page = client.get(reverse("actionplans:plan_detail", args=[plan.pk])).content.decode()
    assert f'id="action-{action.pk}"' in plan_page
