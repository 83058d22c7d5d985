"""Included by dataset/urls.py inside the dataset namespace."""

from django.urls import path

from . import tracker_views as views

urlpatterns = [
    path("tracker/", views.tracker, name="tracker"),
    path("chase/", views.chase_list, name="chase_list"),
    path("chase/<int:agency_pk>/send/", views.chase_send, name="chase_send"),
]
