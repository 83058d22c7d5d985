"""Who hears of each change to a return: a receipt and a notice on submit, the leads on every review step."""

from __future__ import annotations

import pytest
from django.core import mail

from dataset.returns import services
from notifications.models import Kind, Notification
from tests.dataset.conftest import fill
from tests.factories import UserFactory


@pytest.fixture
def second_csc_lead(csc):
    return UserFactory(username="csc.deputy", agency=csc)


def submitted(ret, lead):
    fill(ret, lead, N18=("150", "420"), N28="24")
    ret.refresh_from_db()
    return services.return_submit(signed_off=True, ret=ret, acting_user=lead, seen_version=ret.version)


def told(kind: str) -> dict[str, str]:
    return dict(Notification.objects.filter(kind=kind).values_list("recipient__username", "subject"))


def test_submitting_sends_a_receipt_to_every_lead_and_a_notice_to_the_analyst(
    csc_return, csc_lead, second_csc_lead, police_lead, analyst, member, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://127.0.0.1:8112"
    with django_capture_on_commit_callbacks(execute=True):
        submitted(csc_return, csc_lead)
    assert told(Kind.SUBMITTED) == {
        "csc.lead": "Received: the 2020-21 Q1 neglect return for Children's Social Care",
        "csc.deputy": "Received: the 2020-21 Q1 neglect return for Children's Social Care",
        "analyst": "To review: the 2020-21 Q1 neglect return for Children's Social Care",
    }
    assert sorted(m.to[0] for m in mail.outbox) == [
        "analyst@example.org",
        "csc.deputy@example.org",
        "csc.lead@example.org",
    ]
    notice = next(m for m in mail.outbox if m.to == ["analyst@example.org"])
    assert f"http://127.0.0.1:8112/returns/{csc_return.pk}/" in notice.body
    assert "Carys Hughes submitted" in notice.body
    assert f'href="http://127.0.0.1:8112/returns/{csc_return.pk}/"' in notice.alternatives[0][0]
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 3


def test_sending_back_tells_the_agencys_leads_the_reason(csc_return, csc_lead, police_lead, analyst):
    ret = submitted(csc_return, csc_lead)
    services.return_send_back(ret=ret, acting_user=analyst, reason="N18 looks too high: check the cohort.")
    (note,) = Notification.objects.filter(kind=Kind.SENT_BACK)
    assert note.recipient == csc_lead
    assert note.subject == "Sent back for changes: the 2020-21 Q1 neglect return for Children's Social Care"
    assert "\u201cN18 looks too high: check the cohort.\u201d" in note.text
    assert note.link == csc_return.get_absolute_url()


def test_accepting_tells_the_agencys_leads(csc_return, csc_lead, analyst):
    ret = submitted(csc_return, csc_lead)
    services.return_accept(ret=ret, acting_user=analyst)
    assert told(Kind.ACCEPTED) == {"csc.lead": "Accepted: the 2020-21 Q1 neglect return for Children's Social Care"}


def test_reopening_tells_the_agencys_leads_the_reason(csc_return, csc_lead, analyst):
    ret = services.return_accept(ret=submitted(csc_return, csc_lead), acting_user=analyst)
    services.return_reopen(ret=ret, acting_user=analyst, reason="Police figures revised.")
    (note,) = Notification.objects.filter(kind=Kind.REOPENED)
    assert note.recipient == csc_lead and "\u201cPolice figures revised.\u201d" in note.text


def test_a_refused_submit_tells_nobody(csc_return, csc_lead, analyst, django_capture_on_commit_callbacks):
    fill(csc_return, csc_lead, N18=("500", "420"), N28="24")  # numerator above denominator: blocking
    csc_return.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.ReturnInvalid):
        services.return_submit(signed_off=True, ret=csc_return, acting_user=csc_lead, seen_version=csc_return.version)
    assert not Notification.objects.exists()
    assert mail.outbox == []
