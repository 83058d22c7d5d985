"""The indicator catalogue and the quarters (included by dataset/urls.py inside the dataset namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("indicators/new/", views.indicator_create, name="indicator_create"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/retire/", views.indicator_retire, name="indicator_retire"),
    path("indicators/checks/", views.check_list, name="check_list"),
    path("indicators/checks/new/", views.check_create, name="check_create"),
    path("indicators/checks/<int:pk>/edit/", views.check_edit, name="check_edit"),
    path("indicators/checks/<int:pk>/active/", views.check_set_active, name="check_set_active"),
    path("quarters/", views.period_list, name="period_list"),
    path("quarters/next/", views.period_create_next, name="period_create_next"),
    path("quarters/<int:pk>/edit/", views.period_edit, name="period_edit"),
]
