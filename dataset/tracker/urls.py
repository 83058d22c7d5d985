"""The completeness tracker and the chase list (included by dataset/urls.py inside the dataset namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("tracker/", views.tracker, name="tracker"),
    path("chase/", views.chase_list, name="chase_list"),
    path("chase/<int:agency_pk>/send/", views.chase_send, name="chase_send"),
]
