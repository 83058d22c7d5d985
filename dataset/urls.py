"""Every page of the dataset app, in one `dataset` namespace: each feature package brings its own patterns."""

from django.urls import include, path

app_name = "dataset"
urlpatterns = [
    path("", include("dataset.returns.urls")),
    path("", include("dataset.catalogue.urls")),
    path("", include("dataset.uploads.urls")),
    path("", include("dataset.tracker.urls")),
    path("", include("dataset.reading.urls")),
]
