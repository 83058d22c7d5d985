from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Agency, Role, User

LEADS = [
    "csc.lead",
    "earlyhelp.lead",
    "education.lead",
    "police.lead",
    "community.lead",
    "mentalhealth.lead",
    "ccg.lead",
    "voluntary.lead",
    "partnership.lead",
]


def test_it_creates_the_partnership_and_is_safe_to_run_twice(db, settings):
    settings.DEBUG = True  # the embedded default; the test runner turns DEBUG off
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    assert Agency.objects.count() == 9
    assert User.objects.count() == 13
    agencies = list(Agency.objects.order_by("pk").values_list("name", flat=True))
    assert agencies[3] == "Sussex Police" and agencies[-1] == "Safeguarding Children Partnership"
    for username, agency in zip(LEADS, agencies, strict=True):
        user = User.objects.get(username=username)
        assert (user.role, user.agency.name) == (Role.AGENCY_LEAD, agency)
        assert user.check_password("demo-pass-2020")
    assert User.objects.get(username="analyst").role == Role.ANALYST
    assert User.objects.get(username="admin").is_superuser


def test_it_refuses_demo_users_when_debug_is_off_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()
    call_command("seed_demo", "--force", verbosity=0)
    assert User.objects.count() == 13
