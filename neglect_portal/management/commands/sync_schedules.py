from django.core.management.base import BaseCommand

from neglect_portal import schedules


class Command(BaseCommand):
    help = "Create or update the Celery beat schedules defined in neglect_portal/schedules.py."

    def handle(self, *args, **options) -> None:
        for name in schedules.sync():
            self.stdout.write(f"scheduled: {name}")
