"""Making notifications: each person's choice for each kind is honoured, and emails wait for the commit."""

from __future__ import annotations

from django.core import mail

from agencies.models import Role
from notifications import services
from notifications.models import Kind, Notification, NotificationPreference
from tests.factories import UserFactory


def send(*people, kind=Kind.SUBMITTED):
    return services.notify(kind=kind, recipients=people, subject="Received", text="It was submitted.", link="/x/")


def test_with_no_choice_made_a_person_gets_both(csc_lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (note,) = send(csc_lead)
    assert note.in_app and note.email_wanted and note.emailed_at is None
    note.refresh_from_db()
    assert note.emailed_at is not None
    assert [m.to for m in mail.outbox] == [["csc.lead@example.org"]]


def test_email_off_keeps_it_in_the_portal_only(csc_lead, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=csc_lead, kind=Kind.SUBMITTED, email=False, in_app=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        (note,) = send(csc_lead)
    assert note.in_app and not note.email_wanted
    assert callbacks == [] and mail.outbox == []


def test_in_app_off_sends_the_email_but_lists_nothing(client, csc_lead, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=csc_lead, kind=Kind.SUBMITTED, email=True, in_app=False)
    with django_capture_on_commit_callbacks(execute=True):
        send(csc_lead)
    assert len(mail.outbox) == 1
    client.force_login(csc_lead)
    assert "Received" not in client.get("/notifications/").content.decode()


def test_both_off_turns_the_kind_off_and_only_that_kind(csc_lead):
    NotificationPreference.objects.create(user=csc_lead, kind=Kind.SUBMITTED, email=False, in_app=False)
    assert send(csc_lead) == []
    assert len(send(csc_lead, kind=Kind.ACCEPTED)) == 1
    assert list(Notification.objects.values_list("kind", flat=True)) == [Kind.ACCEPTED]


def test_a_closed_account_gets_nothing_and_no_address_means_no_email(csc):
    closed = UserFactory(username="left", agency=csc, is_active=False)
    no_address = UserFactory(username="no.address", agency=csc, email="")
    (note,) = send(closed, no_address)
    assert note.recipient == no_address and note.in_app and not note.email_wanted


def test_one_person_named_twice_is_told_once(csc_lead):
    assert len(send(csc_lead, csc_lead)) == 1


def test_preferences_save_only_the_kinds_the_role_can_receive(member):
    services.preferences_save(
        user=member, choices={Kind.SNAPSHOT_PUBLISHED: (False, True), Kind.SUBMITTED: (False, False)}
    )
    assert list(NotificationPreference.objects.values_list("user__role", "kind", "email", "in_app")) == [
        (Role.MEMBER, Kind.SNAPSHOT_PUBLISHED, False, True)
    ]
