"""System checks of the portal's own settings (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.caches, deploy=True)
def throttles_need_a_shared_cache(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Password-reset throttles count in the cache: in memory, each web process counts on its own."""
    if settings.CACHES["default"]["BACKEND"] != settings.LOCMEM_CACHE:
        return []
    return [
        checks.Warning(
            "The cache is this process's memory, so each web process counts password-reset requests on its own.",
            hint="Set CACHE_URL to a Redis every web process shares, for example redis://redis:6379/1.",
            id="neglect_portal.W001",
        )
    ]
