from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dataset.build import services as dataset_services


class Command(BaseCommand):
    help = "Build the Partnership Neglect Dataset now, in this process, from accepted returns."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Write a new snapshot even if nothing changed.")

    def handle(self, *args, force: bool = False, **options) -> None:
        try:
            snapshot = dataset_services.dataset_build(trigger="manage.py build_dataset", force=force)
        except Exception as error:
            raise CommandError(f"The build failed and the previous snapshot stays current: {error}") from error
        built = timezone.localtime(snapshot.built_at).strftime("%d %B %Y %H:%M")
        self.stdout.write(
            self.style.SUCCESS(
                f"Dataset snapshot {snapshot.pk} as at {built}: content hash {snapshot.content_hash[:12]}"
            )
        )
