"""Six "start" POSTs at the same moment by one lead, each on its own thread and database connection, against the
database the environment names: prints one JSON line of what each got, and how many returns and reports exist.

Run by tests/actionplans/test_concurrent_starts.py in a process of its own on a file SQLite database (the test
suite's in-memory one is shared by every thread and cannot show SQLite's own locking), and callable in-process
on PostgreSQL. `python -m tests.concurrent_starts --migrate` sets up the database first."""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import date, timedelta

THREADS = 6


def make_partnership():
    """An agency with a lead, an indicator it supplies, a current plan and an open quarter."""
    from django.utils import timezone

    from actionplans import services as plan_services
    from agencies.models import Agency, Role, Sector, User
    from dataset.models import Indicator, Polarity, ReportingPeriod, Unit
    from neglect_portal.strategy import Objective

    agency = Agency.objects.create(name="Children's Social Care", short_name="CSC", sector=Sector.SOCIAL_CARE)
    lead = User.objects.create_user(
        username="race.lead", password="x" * 16, first_name="Carys", last_name="Hughes", role=Role.AGENCY_LEAD
    )
    lead.agency = agency
    lead.save()
    indicator = Indicator.objects.create(
        code="N28",
        title="Neglect champions in post",
        definition="Champions at quarter end.",
        unit=Unit.COUNT,
        polarity=Polarity.HIGHER,
        objective=Objective.RECOGNISE,
    )
    indicator.suppliers.add(agency)
    today = timezone.localdate()
    period = ReportingPeriod.objects.create(
        year=2020,
        quarter=1,
        opens_on=today - timedelta(days=30),
        due_on=today + timedelta(days=10),
        locks_on=today + timedelta(days=40),
    )
    plan_services.plan_save(
        plan=None,
        agency=agency,
        fields={"title": "Neglect plan", "starts_on": date(2020, 4, 1), "ends_on": date(2022, 3, 31)},
        acting_user=lead,
    )
    return lead, period


def race(url: str, lead) -> list[dict[str, object]]:
    """POST `url` from THREADS signed-in clients at once; what each got back (status, where it was sent)."""
    from django.db import connections
    from django.test import Client

    clients = []
    for _ in range(THREADS):
        client = Client(raise_request_exception=False)
        client.force_login(lead)
        clients.append(client)
    barrier = threading.Barrier(THREADS)
    results: list[dict[str, object]] = [{} for _ in range(THREADS)]

    def post(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            response = clients[n].post(url)
            results[n] = {"status": response.status_code, "location": response.get("Location", "")}
        except Exception as error:  # a thread that failed says how, rather than vanishing
            results[n] = {"status": "error", "location": repr(error)}
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def run() -> dict[str, object]:
    from django.urls import reverse

    from actionplans.models import ProgressReport
    from dataset.models import Return

    lead, period = make_partnership()
    returns = race(reverse("dataset:return_start", args=[period.pk]), lead)
    reports = race(reverse("actionplans:report_start", args=[period.pk]), lead)
    return {
        "returns": returns,
        "reports": reports,
        "return_ids": list(Return.objects.values_list("pk", flat=True)),
        "report_ids": list(ProgressReport.objects.values_list("pk", flat=True)),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neglect_portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if "--migrate" in sys.argv:
        # Tables straight from the models (no migration history to replay): seconds, not the half-minute it takes.
        settings.MIGRATION_MODULES = {app.split(".")[-1]: None for app in settings.INSTALLED_APPS}
        call_command("migrate", run_syncdb=True, verbosity=0)
    print(json.dumps(run()))
