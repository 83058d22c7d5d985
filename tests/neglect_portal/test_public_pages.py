"""The public-sector basics: error pages with a way home, and the statements anyone may read without signing in."""

from __future__ import annotations

import pytest
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from tests.pages import assert_accessible_outline, outline

PUBLIC = ["accessibility", "privacy", "help", "contact"]


@pytest.mark.parametrize("name", PUBLIC)
def test_the_statements_are_readable_without_signing_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_accessible_outline(reverse(name), outline(response))


@pytest.mark.parametrize("name", PUBLIC)
def test_every_page_links_to_the_statements_from_its_footer(client, csc_lead, name):
    client.force_login(csc_lead)
    page = client.get(reverse("dataset:return_list")).content.decode()
    footer = page[page.index("<footer") :]
    assert f'href="{reverse(name)}"' in footer


def test_the_accessibility_statement_follows_the_model_and_says_what_is_not_accessible(client, db):
    page = client.get(reverse("accessibility")).content.decode()
    for heading in (
        "How accessible this website is",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        assert f">{heading}</h" in page, heading
    assert "partially compliant" in page
    assert "Equality and Human Rights Commission" in page
    assert "evidence pack PDF is not tagged" in page
    assert "table of the same numbers" in page


def test_the_privacy_notice_says_what_is_held_why_and_the_lawful_basis(client, db, settings):
    settings.PORTAL_CONTACT_EMAIL = "neglect@partnership.example"
    settings.DATASET_EXPORT_RETENTION_DAYS = 9
    page = client.get(reverse("privacy")).content.decode()
    for words in ("work email address", "your role", "failed sign-in attempts", "history of what you changed"):
        assert words in page, words
    assert "public interest (UK GDPR Article 6(1)(e))" in page
    assert "How long we keep it" in page and "for 9 days" in page
    assert "Your rights" in page and 'href="mailto:neglect@partnership.example"' in page


def test_a_missing_page_is_a_styled_404_with_a_way_home(client, csc_lead):
    client.force_login(csc_lead)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<title>Page not found – Neglect portal</title>" in page
    assert f'href="{reverse("home")}"' in page
    assert 'class="skip-link' in page


def test_another_agencys_object_is_still_a_404_not_a_403(client, csc_lead, police):
    client.force_login(csc_lead)
    response = client.get(reverse("agencies:detail", args=[police.pk]))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_the_403_page_explains_and_leads_home(rf, csc_lead):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/plans/1/edit/")
    request.user = csc_lead
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>You cannot do that</h1>" in page and 'href="/"' in page


def test_the_500_page_renders_with_no_request_context_and_no_database():
    # Django's server_error renders the template with a bare context; the database may be what failed.
    html = get_template("500.html").render()
    assert "Sorry, there is a problem with the service" in html
    assert 'href="/"' in html and 'href="/contact/"' in html


def test_a_server_error_shows_the_500_page(db, settings):
    from django.contrib.auth.decorators import login_not_required
    from django.urls import path

    @login_not_required  # so the failure is the view's, not a sign-in redirect's
    def boom(request):
        raise RuntimeError("boom")

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("boom/", boom)], "handler500": None})
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
