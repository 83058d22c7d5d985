"""What readers see of a snapshot: the dataset, its cells and exports, indicator pages, an agency's own figures
(included by dataset/urls.py inside the dataset namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("dataset/", views.dataset_page, name="dataset"),
    path("dataset/themes/", views.themes_page, name="themes"),
    path("dataset/build/", views.dataset_build_now, name="dataset_build"),
    path("dataset/baseline/", views.dataset_baseline, name="dataset_baseline"),
    path("dataset/<int:pk>/publish/", views.dataset_publish, name="dataset_publish"),
    path("dataset/<int:pk>/export.<str:fmt>", views.dataset_export, name="dataset_export"),
    path("dataset/<int:pk>/export-xlsx/", views.dataset_export_job, name="dataset_export_job"),
    path("dataset/exports/<int:pk>/progress/", views.export_job_progress, name="export_job_progress"),
    path("dataset/exports/<int:pk>/download/", views.export_job_download, name="export_job_download"),
    path("dataset/<int:pk>/<str:code>/<int:quarter>/", views.dataset_cell, name="dataset_cell"),
    path("dataset/indicators/<str:code>/", views.indicator_page, name="indicator"),
    path("dataset/indicators/<str:code>/data.csv", views.indicator_data_csv, name="indicator_data"),
    path("dataset/indicators/<str:code>/process-changes/", views.process_change_add, name="process_change_add"),
    path(
        "dataset/indicators/<str:code>/process-changes/<int:pk>/remove/",
        views.process_change_remove,
        name="process_change_remove",
    ),
    path("my-figures/", views.agency_view, name="agency_view"),
    path("glossary/", views.glossary, name="glossary"),
]
