"""The Celery app. With no CELERY_BROKER_URL, settings make every task run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neglect_portal.settings")

# Apps whose jobs live inside feature packages rather than in the app's own tasks.py.
TASK_PACKAGES = ("dataset.catalogue", "dataset.tracker", "dataset.build", "dataset.reading", "scrutiny.packs")

app = Celery("neglect_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(list(TASK_PACKAGES))
