"""Return pages and the published validation rules (included by dataset/urls.py). The review queue, returns
beside action-plan reports, is the composition root's (neglect_portal/review.py), at the same /review/."""

from django.urls import path

from . import views

urlpatterns = [
    path("returns/", views.return_list, name="return_list"),
    path("returns/start/<int:period_pk>/", views.return_start, name="return_start"),
    path("returns/<int:pk>/", views.return_detail, name="return_detail"),
    path("returns/<int:pk>/edit/", views.return_edit, name="return_edit"),
    path("returns/<int:pk>/submit/", views.return_submit, name="return_submit"),
    path("returns/<int:pk>/history/", views.return_history, name="return_history"),
    path("returns/<int:pk>/accept/", views.return_accept, name="return_accept"),
    path("returns/<int:pk>/send-back/", views.return_send_back, name="return_send_back"),
    path("returns/<int:pk>/reopen/", views.return_reopen, name="return_reopen"),
    path("validation-rules/", views.validation_rules, name="validation_rules"),
]
