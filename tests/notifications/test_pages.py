"""The notifications list, its header count and the settings page: each person sees and changes only their own."""

from __future__ import annotations

from django.urls import reverse

from notifications import services
from notifications.models import Kind, Notification, NotificationPreference


def tell(person, subject, kind=Kind.SUBMITTED, link="/returns/"):
    (made,) = services.notify(kind=kind, recipients=[person], subject=subject, text="Details.", link=link)
    return made


def test_the_list_shows_only_my_notifications_with_unread_marked(client, csc_lead, police_lead):
    mine = tell(csc_lead, "Received: the CSC return")
    read = tell(csc_lead, "Accepted: the CSC return", kind=Kind.ACCEPTED)
    services.notification_open(notification=read)
    tell(police_lead, "Received: the Police return")
    client.force_login(csc_lead)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Received: the CSC return" in page and "Accepted: the CSC return" in page
    assert "Police return" not in page
    assert page.count(">Unread<") == 1 and "You have 1 unread notification." in page
    assert reverse("notifications:open", args=[mine.pk]) in page


def test_the_header_counts_unread_in_one_query(client, csc_lead, django_assert_num_queries):
    tell(csc_lead, "One")
    tell(csc_lead, "Two")
    client.force_login(csc_lead)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert '2<span class="visually-hidden"> unread</span>' in page
    from notifications.context_processors import unread

    request = client.get("/").wsgi_request
    with django_assert_num_queries(1):
        assert int(str(unread(request)["notifications_unread"])) == 2


def test_opening_marks_read_and_goes_to_the_link_and_another_persons_is_404(client, csc_lead, police_lead):
    mine = tell(csc_lead, "Mine", link="/returns/12/")
    theirs = tell(police_lead, "Theirs")
    client.force_login(csc_lead)
    response = client.get(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/returns/12/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_marks_only_mine_and_needs_a_post(client, csc_lead, police_lead):
    tell(csc_lead, "A")
    tell(csc_lead, "B")
    tell(police_lead, "C")
    client.force_login(csc_lead)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    assert "2 notifications marked as read." in response.content.decode()
    assert list(Notification.objects.filter(read_at__isnull=True).values_list("subject", flat=True)) == ["C"]


def test_the_list_needs_signing_in(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_settings_page_offers_my_roles_kinds_and_saves_them(client, csc_lead):
    client.force_login(csc_lead)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Sent back for changes" in page and "Dataset published" not in page
    assert page.count('type="checkbox"') == 8 and page.count(" checked") == 8
    data = {
        f"{kind}_{channel}": "on" for kind in ("submitted", "accepted", "reopened") for channel in ("email", "in_app")
    }
    data["sent_back_in_app"] = "on"  # sent back: in the portal only
    response = client.post(reverse("notifications:preferences"), data, follow=True)
    assert "Your notification settings have been saved." in response.content.decode()
    assert NotificationPreference.objects.get(user=csc_lead, kind=Kind.SENT_BACK).email is False
    assert NotificationPreference.objects.filter(user=csc_lead, email=True, in_app=True).count() == 3
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert page.count(" checked") == 7


def test_every_page_links_to_the_notifications(client, member):
    client.force_login(member)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("notifications:list")}" data-testid="notifications-link"' in page


def test_a_reason_typed_with_markup_is_shown_as_text(client, csc_lead):
    services.notify(
        kind=Kind.SENT_BACK, recipients=[csc_lead], subject="Sent back", text="Fix <b>N18</b>\n<script>x()</script>"
    )
    client.force_login(csc_lead)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Fix &lt;b&gt;N18&lt;/b&gt;<br>&lt;script&gt;x()&lt;/script&gt;" in page
    assert "<script>x()" not in page
