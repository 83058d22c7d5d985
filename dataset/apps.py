from django.apps import AppConfig


class DatasetConfig(AppConfig):
    name = "dataset"
    verbose_name = "Partnership Neglect Dataset"

    def ready(self) -> None:
        from . import history  # noqa: F401  (connects the history-source signal)
        from .reading import export_jobs  # noqa: F401  (connects the deletion of an export job's file)
