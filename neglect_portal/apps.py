from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NeglectPortalConfig(AppConfig):
    name = "neglect_portal"
    verbose_name = "Neglect portal"

    def ready(self) -> None:
        from . import checks, schedules  # noqa: F401  (checks registers itself)

        # Beat schedules live in code: every migrate brings the database's schedule in line with it.
        post_migrate.connect(schedules.sync_after_migrate, sender=self)
