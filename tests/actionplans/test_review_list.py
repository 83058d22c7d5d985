from __future__ import annotations

from django.urls import reverse

from actionplans import services
from tests.actionplans.conftest import complete_inputs, fill


def test_the_analyst_sees_submitted_reports_waiting_for_review(
    client, csc_report, csc_lead, csc_actions, analyst, member
):
    fill(csc_report, csc_lead, complete_inputs(csc_actions))
    csc_report.refresh_from_db()
    services.report_submit(report=csc_report, acting_user=csc_lead, seen_version=csc_report.version)
    client.force_login(analyst)
    page = client.get(reverse("actionplans:plan_list")).content.decode()
    assert "Reports waiting for your review" in page and csc_report.get_absolute_url() in page
    client.force_login(member)
    assert "Reports waiting for your review" not in client.get(reverse("actionplans:plan_list")).content.decode()
    services.report_accept(report=csc_report, acting_user=analyst)
    client.force_login(analyst)
    assert "Reports waiting for your review" not in client.get(reverse("actionplans:plan_list")).content.decode()
