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
