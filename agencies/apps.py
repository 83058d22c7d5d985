from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and people"

    def ready(self) -> None:
        from . import signals  # noqa: F401
        from .twofactor import checks  # noqa: F401
