"""The production settings for the bench's gunicorn and Celery worker, with one change: static files by name.

Production serves static files through whitenoise's compressed manifest, which needs `collectstatic` first (about
100 s here, most of it compressing the vendored scripts). The load client fetches no static files, so the bench's
servers name them as they are; everything else (DEBUG off, sessions, CSRF, security middleware) is production's.
"""

from neglect_portal.settings import *  # noqa: F403
from neglect_portal.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
