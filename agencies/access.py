"""Who may read and edit what: the one place the rules live.

Knows people and agencies, and no app above them. Selectors in every app pass their querysets through
`scoped`, and views fetch objects only through selectors, so an object outside a user's scope is a
404 by construction.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

from .models import Agency, Role, User

T = TypeVar("T", bound=Model)

# Roles that read every agency's data (never edit it).
PARTNERSHIP_READERS = frozenset({Role.ANALYST, Role.MEMBER, Role.SCRUTINEER})
# Roles that manage the collection: quarters, indicators, accepting and returning submissions.
MANAGERS = frozenset({Role.ANALYST})
SCRUTINEERS = frozenset({Role.SCRUTINEER})
SELF = "self"  # agency_field for a queryset of Agency itself


def _active(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def scoped(qs: QuerySet[T], user: User, *, for_edit: bool = False, agency_field: str = "agency") -> QuerySet[T]:
    """The rows of `qs` this user may read, or edit when `for_edit`.

    `agency_field` names the path to the owning agency (`"return__agency"`), or `SELF` when `qs` holds
    agencies. Partnership readers read everything and edit nothing through this rule; an agency lead
    reads and edits only their own agency's rows; everyone else gets nothing.
    """
    if not _active(user):
        return qs.none()
    if user.role in PARTNERSHIP_READERS and not for_edit:
        return qs
    if user.role == Role.AGENCY_LEAD and user.agency_id:
        lookup = "pk" if agency_field == SELF else f"{agency_field}_id"
        return qs.filter(**{lookup: user.agency_id})
    return qs.none()


def can_read_all(user: User) -> bool:
    return _active(user) and user.role in PARTNERSHIP_READERS


def can_read(user: User, agency: Agency) -> bool:
    return can_read_all(user) or can_edit(user, agency)


def can_edit(user: User, agency: Agency) -> bool:
    """May this user prepare and submit this agency's returns and plans?"""
    return (
        _active(user) and user.role == Role.AGENCY_LEAD and user.agency_id is not None and user.agency_id == agency.pk
    )


def can_manage(user: User) -> bool:
    """Quarters, indicators, accepting and returning submissions: the partnership analyst."""
    return _active(user) and user.role in MANAGERS


def can_scrutinise(user: User) -> bool:
    return _active(user) and user.role in SCRUTINEERS


def can_administer(user: User) -> bool:
    return _active(user) and user.is_staff


class OutOfScope(Http404):
    """The 404 for an object that exists but is outside the user's scope: answered as any 404, and written to the
    access log as a refusal by `agencies.middleware.AccessLogMiddleware`, which has the request."""

    def __init__(self, *, user: User, kind: str, object_id: object, object_agency_id: int | None) -> None:
        super().__init__("Not found")
        self.user = user
        self.kind = kind
        self.object_id = object_id
        self.object_agency_id = object_agency_id


def get_in_scope(qs: QuerySet[T], user: User, *, pk: object, agency_field: str = "agency") -> T:
    """The object `pk` of `qs` (already narrowed to the user's scope), or a 404.

    A pk that names nothing is a plain 404; one that names an object `qs` leaves out raises `OutOfScope`, so that
    refusals are logged with the object and its agency while a mistyped address is not logged at all.
    """
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        pass
    owner = "pk" if agency_field == SELF else f"{agency_field}_id" if agency_field else None
    fields = [owner] if owner else ["pk"]
    row = qs.model._default_manager.filter(pk=pk).values_list(*fields).first() if _valid_pk(qs, pk) else None
    if row is None:
        raise Http404("Not found")
    raise OutOfScope(
        user=user, kind=qs.model._meta.label_lower, object_id=pk, object_agency_id=row[0] if owner else None
    )


def _valid_pk(qs: QuerySet, pk: object) -> bool:
    try:
        qs.model._meta.pk.to_python(pk)
    except (ValueError, TypeError, ValidationError):
        return False
    return True


def can_reset_second_factor(user: User) -> bool:
    """The analyst and administrators reset a person's second factor (a lost phone)."""
    return _active(user) and (user.role in MANAGERS or user.is_staff)


def people_for_second_factor_reset(qs: QuerySet[User], user: User) -> QuerySet[User]:
    """Whose second factor `user` may reset: administrators anyone's; the analyst anyone's but an administrator's."""
    if not can_reset_second_factor(user):
        return qs.none()
    if user.is_staff:
        return qs
    return qs.filter(is_staff=False, is_superuser=False).exclude(role=Role.ADMIN)
