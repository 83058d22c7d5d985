"""A session that cannot be written after the page's work is done (the database cut between the view's commit and
the end of the request) does not turn a kept change into an error page (issue 15: 14 of 49 edits that answered an
error had saved)."""

from __future__ import annotations

from unittest import mock

from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.urls import reverse

from notifications.models import Kind, Notification


def test_an_edit_that_saved_answers_as_saved_when_the_session_write_fails(client, csc_lead):
    Notification.objects.create(recipient=csc_lead, kind=Kind.SUBMITTED, subject="Return", text="Submitted.")
    client.force_login(csc_lead)
    with mock.patch.object(SessionStore, "save", side_effect=OperationalError("server closed the connection")):
        response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    assert not Notification.objects.filter(recipient=csc_lead, read_at__isnull=True).exists()
    # The session itself still works: the next request is signed in and writes it.
    assert client.get(reverse("notifications:list")).status_code == 200


def test_the_middleware_is_the_one_in_use(settings):
    assert "neglect_portal.session.SessionMiddleware" in settings.MIDDLEWARE
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in settings.MIDDLEWARE
