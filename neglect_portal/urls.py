from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from agencies.forms import SignInForm

from . import review, views

admin.site.site_header = "Neglect portal administration"
admin.site.site_title = "Neglect portal admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("agencies/", include("agencies.urls")),
    path("review/", review.review_queue, name="review_queue"),
    path("review/accept/", review.review_accept_many, name="review_accept_many"),
    path("", include("dataset.urls")),
    path("plans/", include("actionplans.urls")),
    path("scrutiny/", include("scrutiny.urls")),
    path("admin/", admin.site.urls),
]
