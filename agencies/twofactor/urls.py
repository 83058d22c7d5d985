from django.urls import path

from . import views

app_name = "two_factor"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("code/", views.verify, name="verify"),
    path("set-up/", views.setup, name="setup"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("recovery-codes/download/", views.recovery_codes_download, name="recovery_codes_download"),
    path("recovery-codes/new/", views.recovery_codes_renew, name="recovery_codes_renew"),
    path("remove/", views.remove, name="remove"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/reset/", views.reset, name="reset"),
]
