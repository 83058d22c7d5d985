from django.core.management.base import BaseCommand

from dataset.build import pruning


class Command(BaseCommand):
    help = (
        "Delete old unpublished dataset snapshots and the figures only they used, by the policy in "
        "dataset/build/pruning.py (published, pack-referenced, current, newest N and recent failed ones stay)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print what would go; delete nothing.")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        pruned = pruning.snapshots_prune(dry_run=dry_run)
        verb = "Would prune" if dry_run else "Pruned"
        listed = ", ".join(str(pk) for pk in pruned.snapshots) or "none"
        self.stdout.write(f"{verb} {len(pruned.snapshots)} snapshot(s): {listed}")
        self.stdout.write(f"{verb} {pruned.contributions} contribution row(s) no kept snapshot reads")
        for pk, why in sorted(pruned.kept.items()):
            self.stdout.write(f"Keeping snapshot {pk}: {why}")
