"""Who must give a second factor: a rule on people and settings, no request."""

from __future__ import annotations

from django.conf import settings

from agencies.demo import AGENCIES, PARTNERSHIP_PEOPLE
from agencies.models import Role

# Roles that read every agency's data about children, and the administrators: never without a second factor.
REQUIRED_ROLES = frozenset({Role.ANALYST, Role.MEMBER, Role.SCRUTINEER, Role.ADMIN})
DEMO_USERNAMES = frozenset(
    [lead for *_agency, lead, _first, _last in AGENCIES] + [name for name, *_rest in PARTNERSHIP_PEOPLE]
)


def demo_skip(user) -> bool:
    """The demo people skip the second factor only while DEBUG is on and OTP_DEMO_SKIP is set."""
    return bool(settings.DEBUG and settings.OTP_DEMO_SKIP and user.get_username() in DEMO_USERNAMES)


def must_have_second_factor(user) -> bool:
    if not getattr(user, "is_authenticated", False) or demo_skip(user):
        return False
    if user.is_staff or user.is_superuser or user.role in REQUIRED_ROLES:
        return True
    return bool(settings.OTP_REQUIRED_FOR_LEADS)
