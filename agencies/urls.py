from django.urls import path

from . import key_views, views

app_name = "agencies"
urlpatterns = [
    path("", views.agency_list, name="list"),
    path("<int:pk>/", views.agency_detail, name="detail"),
    path("access-log/", views.access_log_page, name="access_log"),
    # issue 16: the API keys, for the analyst and administrators
    path("api-keys/", key_views.key_list, name="api_keys"),
    path("api-keys/new/", key_views.key_create, name="api_key_create"),
    path("api-keys/<int:pk>/made/", key_views.key_made, name="api_key_made"),
    path("api-keys/<int:pk>/revoke/", key_views.key_revoke, name="api_key_revoke"),
]
