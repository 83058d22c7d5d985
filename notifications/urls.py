from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/", views.notification_open, name="open"),
    path("read/", views.mark_all_read, name="mark_all_read"),
    path("settings/", views.preferences, name="preferences"),
    path("failed/", views.failed_emails, name="failed"),
    path("failed/<int:pk>/retry/", views.failed_email_retry, name="failed_retry"),
]
