"""Load the demo partnership. Safe to run twice: everything is created or updated by its natural key.

It lives in the composition root because it fills every app: agencies and people, then each later
capability's demo data, in dependency order.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from actionplans.demo import seed_action_plans
from agencies import demo as agencies_demo
from dataset import demo as dataset_demo
from dataset.catalogue.loader import load_demo_catalogue
from scrutiny.demo import seed_pack, seed_scrutiny


class Command(BaseCommand):
    help = "Create the demo partnership: agencies, a user for each role (password demo-pass-2020), and demo data."

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
        agencies, users = agencies_demo.seed_partnership()
        catalogue = load_demo_catalogue()
        today = timezone.localdate()
        returns = dataset_demo.seed_returns(today=today)
        plans = seed_action_plans(today=today)
        snapshot = dataset_demo.seed_snapshot()
        scrutiny = seed_scrutiny(today=today)
        seed_pack()
        self.stdout.write(f"Indicator catalogue: {catalogue}")
        self.stdout.write(
            f"Action plans: {plans['plans']} plans, {plans['actions']} actions, {plans['reports']} quarterly reports."
        )
        self.stdout.write(
            f"Returns: {returns['periods']} quarters, {returns['returns']} returns and {returns['values']} values "
            "created. 2020-21 Q1 is kept open so the demo can be used today: due in 10 days, locking 30 days later."
        )
        self.stdout.write(
            f"Partnership Neglect Dataset built and published: {snapshot} ({snapshot.themes.count()} themes)."
        )
        self.stdout.write(
            f"Scrutiny: {scrutiny['outcomes']} Impact Framework outcomes, the July 2020 audit ({scrutiny['cases']} "
            "cases), voice of children and practitioners, and the September 2020 scrutiny event with its evidence pack."
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo partnership ready: {agencies} agencies, {users} users, password {agencies_demo.DEMO_PASSWORD}"
            )
        )
