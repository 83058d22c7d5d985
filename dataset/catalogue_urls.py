"""Indicator catalogue, quarters and the published validation rules (included by dataset/urls.py)."""

from django.urls import path

from . import catalogue_views as views

urlpatterns = [
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("indicators/new/", views.indicator_create, name="indicator_create"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/retire/", views.indicator_retire, name="indicator_retire"),
    path("quarters/", views.period_list, name="period_list"),
    path("quarters/next/", views.period_create_next, name="period_create_next"),
    path("quarters/<int:pk>/edit/", views.period_edit, name="period_edit"),
    path("validation-rules/", views.validation_rules, name="validation_rules"),
]
