"""The demo partnership: agencies and one person per role. Data only, used by `seed_demo`."""

from __future__ import annotations

from .models import Role, Sector

DEMO_PASSWORD = "demo-pass-2020"

# (name, short name, sector, username of its lead, lead's first and last name)
AGENCIES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("Children's Social Care", "CSC", Sector.SOCIAL_CARE, "csc.lead", "Carys", "Hughes"),
    ("Early Help", "EH", Sector.EARLY_HELP, "earlyhelp.lead", "Ellis", "Morgan"),
    ("Education", "EDU", Sector.EDUCATION, "education.lead", "Esther", "Dunn"),
    ("Sussex Police", "Police", Sector.POLICE, "police.lead", "Paul", "Okafor"),
    ("Sussex Community NHS Foundation Trust", "SCFT", Sector.COMMUNITY_HEALTH, "community.lead", "Chloe", "Bennett"),
    ("Sussex Partnership NHS Foundation Trust", "SPFT", Sector.MENTAL_HEALTH, "mentalhealth.lead", "Mina", "Shah"),
    ("West Sussex CCG", "CCG", Sector.COMMISSIONING, "ccg.lead", "Colin", "Grant"),
    ("Community and Voluntary Sector", "CVS", Sector.VOLUNTARY, "voluntary.lead", "Vera", "Lewis"),
    ("Safeguarding Children Partnership", "WSSCP", Sector.PARTNERSHIP, "partnership.lead", "Priya", "Nair"),
)

# (username, first name, last name, role)
PARTNERSHIP_PEOPLE: tuple[tuple[str, str, str, str], ...] = (
    ("analyst", "Alex", "Turner", Role.ANALYST),
    ("member", "Morgan", "Blake", Role.MEMBER),
    ("scrutineer", "Sam", "Whitfield", Role.SCRUTINEER),
    ("admin", "Ada", "Price", Role.ADMIN),
)


def seed_partnership() -> tuple[int, int]:
    """Create or update the demo agencies and people; returns (agencies, users). Safe to run twice."""
    from .models import Agency, User

    def person(username: str, first: str, last: str, role: str, agency: Agency | None) -> None:
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
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])

    for name, short, sector, username, first, last in AGENCIES:
        agency, _ = Agency.objects.update_or_create(
            name=name, defaults={"short_name": short, "sector": sector, "active": True}
        )
        person(username, first, last, Role.AGENCY_LEAD, agency)
    for username, first, last, role in PARTNERSHIP_PEOPLE:
        person(username, first, last, role, None)
    return len(AGENCIES), len(AGENCIES) + len(PARTNERSHIP_PEOPLE)
