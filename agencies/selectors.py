from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from . import access
from .models import Agency, Role, User


def _people() -> Prefetch:
    return Prefetch("people", queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name"))


def agency_list(*, user: User) -> QuerySet[Agency]:
    return access.scoped(Agency.objects.prefetch_related(_people()), user, agency_field=access.SELF)


def agency_for_read(*, user: User, pk: int) -> Agency:
    return access.get_in_scope(agency_list(user=user), user, pk=pk, agency_field=access.SELF)


def partnership_people(*, user: User) -> QuerySet[User]:
    """People with partnership roles, for pages that only partnership readers see."""
    if not access.can_read_all(user):
        return User.objects.none()
    people = User.objects.filter(is_active=True, agency__isnull=True).exclude(role=Role.ADMIN)
    return people.order_by("role", "last_name")


def agencies_matching(*, user: User, text: str, limit: int = 20) -> list[Agency]:
    """Agencies this user may read whose name or short name contains `text` (the search page)."""
    qs = access.scoped(Agency.objects.all(), user, agency_field=access.SELF)
    return list(qs.filter(Q(name__icontains=text) | Q(short_name__icontains=text)).order_by("name")[:limit])
