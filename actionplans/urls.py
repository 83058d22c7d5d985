from django.urls import path

from . import views
from .summary import views as summary_views

app_name = "actionplans"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/actions/new/", views.action_create, name="action_create"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("reports/start/<int:period_pk>/", views.report_start, name="report_start"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("reports/<int:pk>/accept/", views.report_accept, name="report_accept"),
    path("reports/<int:pk>/send-back/", views.report_send_back, name="report_send_back"),
    path("reports/<int:pk>/reopen/", views.report_reopen, name="report_reopen"),
    path("reports/<int:pk>/history/", views.report_history, name="report_history"),
    path("reports/<int:pk>/print/", views.report_print, name="report_print"),
    path("summary/", summary_views.summary, name="summary"),
]
