"""Who hears of each change to an action-plan progress report: the same people as for a return."""

from __future__ import annotations

from actionplans import services
from notifications.models import Kind, Notification
from tests.actionplans.conftest import complete_inputs, fill

WHAT = "the 2020-21 Q1 action-plan progress report for Children's Social Care"


def told(kind: str) -> dict[str, str]:
    return dict(Notification.objects.filter(kind=kind).values_list("recipient__username", "subject"))


def submit(report, lead, actions):
    fill(report, lead, complete_inputs(actions))
    report.refresh_from_db()
    return services.report_submit(report=report, acting_user=lead, seen_version=report.version)


def test_submitting_a_report_sends_a_receipt_and_a_notice(csc_report, csc_lead, csc_actions, police_lead, analyst):
    submit(csc_report, csc_lead, csc_actions)
    assert told(Kind.SUBMITTED) == {"csc.lead": f"Received: {WHAT}", "analyst": f"To review: {WHAT}"}
    assert set(Notification.objects.values_list("link", flat=True)) == {csc_report.get_absolute_url()}


def test_each_review_step_tells_the_leads(csc_report, csc_lead, csc_actions, analyst):
    report = submit(csc_report, csc_lead, csc_actions)
    services.report_send_back(report=report, acting_user=analyst, reason="Say what the audit found.")
    assert told(Kind.SENT_BACK) == {"csc.lead": f"Sent back for changes: {WHAT}"}
    assert "\u201cSay what the audit found.\u201d" in Notification.objects.get(kind=Kind.SENT_BACK).text
    report = submit(csc_report, csc_lead, csc_actions)
    services.report_accept(report=report, acting_user=analyst)
    assert told(Kind.ACCEPTED) == {"csc.lead": f"Accepted: {WHAT}"}
    services.report_reopen(report=report, acting_user=analyst, reason="The plan was revised.")
    assert told(Kind.REOPENED) == {"csc.lead": f"Reopened for amendment: {WHAT}"}
