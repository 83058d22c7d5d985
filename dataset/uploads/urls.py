"""Return spreadsheets: templates, upload, dry run and Confirm (included by dataset/urls.py)."""

from django.urls import path

from . import views as upload_views

urlpatterns: list = [
    path("returns/<int:pk>/template.xlsx", upload_views.return_template_xlsx, name="return_template_xlsx"),
    path("returns/<int:pk>/template.csv", upload_views.return_template_csv, name="return_template_csv"),
    path("returns/<int:pk>/upload/", upload_views.return_upload, name="return_upload"),
    path("returns/<int:pk>/upload/<int:upload_pk>/", upload_views.upload_preview, name="upload_preview"),
    path("returns/<int:pk>/upload/<int:upload_pk>/confirm/", upload_views.upload_confirm, name="upload_confirm"),
]
