from django.apps import AppConfig


class ActionplansConfig(AppConfig):
    name = "actionplans"
    verbose_name = "Action plans"

    def ready(self) -> None:
        # The tracker, chase list and reminders (dataset, below us) follow our reports through their registry.
        from dataset.tracker import other_work

        from .tracking import REPORTS

        other_work.register(REPORTS)
