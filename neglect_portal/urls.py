from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from agencies.forms import PasswordChange, SetPassword, SignInForm
from agencies.password_reset import ThrottledPasswordResetView

from . import pages, review, views

admin.site.site_header = "Neglect portal administration"
admin.site.site_title = "Neglect portal admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.partnership_dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChange),
        name="password_change",
    ),
    # issue 15 item 6: reset emails throttled per client address and per email address.
    path("accounts/password_reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=SetPassword),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("agencies/", include("agencies.urls")),
    path("review/", review.review_queue, name="review_queue"),
    path("review/accept/", review.review_accept_many, name="review_accept_many"),
    path("", include("dataset.urls")),
    path("plans/", include("actionplans.urls")),
    path("scrutiny/", include("scrutiny.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),  # issue 16: the REST API, its schema and its docs
]

# The idle-timeout warning's "Stay signed in" (neglect_portal/session.py; the script is in static/js/portal.js).
from . import session  # noqa: E402

urlpatterns.append(path("accounts/session/extend/", session.session_extend, name="session_extend"))

# Pages anyone may read (linked from the footer), and the search in the header.
urlpatterns += [
    path("accessibility/", pages.public_page, {"template": "pages/accessibility.html"}, name="accessibility"),
    path("privacy/", pages.public_page, {"template": "pages/privacy.html"}, name="privacy"),
    path("help/", pages.public_page, {"template": "pages/help.html"}, name="help"),
    path("contact/", pages.public_page, {"template": "pages/contact.html"}, name="contact"),
    path("search/", pages.search, name="search"),
]

# The second factor at sign-in (issue 15 item 5): code, set-up, recovery codes, settings and resets.
urlpatterns.append(path("accounts/two-factor/", include("agencies.twofactor.urls")))
