from django.urls import path

from . import views
from .feeds import views as feed_views
from .packs import views as pack_views

app_name = "scrutiny"

urlpatterns = [
    path("audits/<int:pk>/feed/", feed_views.audit_feed, name="audit_feed"),
    path("training/feed/<int:period_pk>/", feed_views.training_feed, name="training_feed"),
    path("", views.outcome_list, name="outcome_list"),
    path("outcomes/new/", views.outcome_create, name="outcome_create"),
    path("outcomes/<int:pk>/edit/", views.outcome_edit, name="outcome_edit"),
    path("audits/", views.audit_list, name="audit_list"),
    path("audits/new/", views.audit_create, name="audit_create"),
    path("audits/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("audits/<int:pk>/cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("evidence/", views.evidence_list, name="evidence_list"),
    path("evidence/new/", views.evidence_create, name="evidence_create"),
    path("evidence/<int:pk>/edit/", views.evidence_edit, name="evidence_edit"),
    path("evidence/<int:pk>/attachment/", views.evidence_attachment, name="evidence_attachment"),
    path("training/", views.training_list, name="training_list"),
    path("training/new/", views.training_create, name="training_create"),
    # events and packs: see packs/views.py
    path("events/", pack_views.event_list, name="event_list"),
    path("events/new/", pack_views.event_create, name="event_create"),
    path("events/<int:pk>/", pack_views.event_detail, name="event_detail"),
    path("events/<int:pk>/pack/", pack_views.pack_build, name="pack_build"),
    path("events/<int:pk>/snapshot/", pack_views.event_snapshot_switch, name="event_snapshot_switch"),
    path("packs/<int:pk>/", pack_views.pack_detail, name="pack_detail"),
    path("packs/<int:pk>/progress/", pack_views.pack_progress, name="pack_progress"),
    path("packs/<int:pk>/download/", pack_views.pack_download, name="pack_download"),
    path("packs/<int:pk>/pdf/", pack_views.pack_pdf, name="pack_pdf"),
]
