"""Load the demo partnership. Safe to run twice: everything is created or updated by its natural key."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies import demo
from agencies.models import Agency, Role, User


class Command(BaseCommand):
    help = "Create the demo partnership: its nine agencies and a user for each role (password demo-pass-2020)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create demo users even though DEBUG is off. Never on a live system.",
        )

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this looks like a live system: seed_demo refuses to create demo users with a "
                "known password. Pass --force only on a demonstration or test system."
            )
        for name, short, sector, username, first, last in demo.AGENCIES:
            agency, _ = Agency.objects.update_or_create(
                name=name, defaults={"short_name": short, "sector": sector, "active": True}
            )
            self._person(username, first, last, Role.AGENCY_LEAD, agency)
        for username, first, last, role in demo.PARTNERSHIP_PEOPLE:
            self._person(username, first, last, role, None)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo partnership ready: {len(demo.AGENCIES)} agencies, "
                f"{len(demo.AGENCIES) + len(demo.PARTNERSHIP_PEOPLE)} users, password {demo.DEMO_PASSWORD}"
            )
        )

    def _person(self, username: str, first: str, last: str, role: str, agency: Agency | None) -> User:
        is_admin = role == Role.ADMIN
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.org",
                "role": role,
                "agency": agency,
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
        )
        if created or not user.check_password(demo.DEMO_PASSWORD):
            user.set_password(demo.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user
