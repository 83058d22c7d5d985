from django.apps import AppConfig


class DatasetConfig(AppConfig):
    name = "dataset"
    verbose_name = "Partnership Neglect Dataset"

    def ready(self) -> None:
        from . import history  # noqa: F401  (connects the history-source signal)
