"""API keys (issue 16): made by the analyst or an administrator, shown once, kept as a digest, revoked or expired.

A key acts through an account of its own, so agencies.access scopes it exactly as the person it stands for: an agency
key is a lead of its agency (reads and submits that agency's returns, reads the published dataset as that lead may), a
reader key a working group member (reads only). This module knows nothing of the REST framework: api.authentication
asks `key_for` who a presented key is, and the pages in agencies.views make and revoke keys through the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import access
from .models import KEY_PREFIX, Agency, ApiKey, ApiKeyKind, Role, User

LONGEST_LIFE_DAYS = 366
DEFAULT_LIFE_DAYS = 90
# last_used_at is written at most this often per key: a busy system's every request would otherwise be a write.
LAST_USED_EVERY = timedelta(minutes=1)
READER_ROLES = frozenset(access.PARTNERSHIP_READERS)


class KeyRefused(Exception):
    """The key cannot be made or changed; the text says why."""


def can_manage_keys(user: User) -> bool:
    return access.can_manage(user) or access.can_administer(user)


def keys_manageable(*, user: User) -> QuerySet[ApiKey]:
    if not can_manage_keys(user):
        return ApiKey.objects.none()
    return ApiKey.objects.select_related("agency", "holder", "created_by", "revoked_by", "account")


def key_for_manage(*, user: User, pk: int) -> ApiKey:
    return access.get_in_scope(keys_manageable(user=user), user, pk=pk, agency_field="")


def readers() -> QuerySet[User]:
    """Who may hold a reader key: active partnership readers (analyst, members, the scrutineer)."""
    return User.objects.filter(is_active=True, role__in=READER_ROLES).order_by("last_name", "first_name")


def end_of(day: date) -> datetime:
    """A key "expires on 1 March" works through that day and stops at midnight after it."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _account_for(key_name: str, prefix: str, *, kind: str, agency: Agency | None) -> User:
    """The key's own account: made without a password, so Django stores an unusable one."""
    return User.accounts.create_user(
        username=f"api-key-{prefix}",
        first_name=key_name[:150],
        last_name="(API key)",
        role=Role.AGENCY_LEAD if kind == ApiKeyKind.AGENCY else Role.MEMBER,
        agency=agency if kind == ApiKeyKind.AGENCY else None,
        is_api_account=True,
    )


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # the whole key, shown once and never again


@transaction.atomic
def key_create(
    *,
    acting_user: User,
    name: str,
    kind: str,
    expires_on: date,
    agency: Agency | None = None,
    holder: User | None = None,
    today: date | None = None,
) -> NewKey:
    if not can_manage_keys(acting_user):
        raise KeyRefused("Only the partnership analyst or an administrator can make API keys.")
    name = " ".join(name.split())
    if not name:
        raise KeyRefused("Enter a name for the key, such as what system uses it.")
    today = today or timezone.localdate()
    if expires_on < today:
        raise KeyRefused("The expiry date must be today or later.")
    if expires_on > today + timedelta(days=LONGEST_LIFE_DAYS):
        raise KeyRefused(f"A key can last at most {LONGEST_LIFE_DAYS} days: choose an expiry date within a year.")
    if kind == ApiKeyKind.AGENCY:
        if agency is None or not agency.active:
            raise KeyRefused("Choose the active agency whose system will use this key.")
        holder = None
    elif kind == ApiKeyKind.READER:
        if holder is None or not readers().filter(pk=holder.pk).exists():
            raise KeyRefused("Choose the partnership reader who will hold this key.")
        agency = None
    else:
        raise KeyRefused("Choose what the key is for: an agency's system or a partnership reader.")
    prefix, secret = ApiKey.new_secret()
    key = ApiKey(
        name=name,
        kind=kind,
        agency=agency,
        holder=holder,
        account=_account_for(name, prefix, kind=kind, agency=agency),
        prefix=prefix,
        digest=ApiKey.digest_of(secret),
        created_by=acting_user,
        expires_at=end_of(expires_on),
    )
    key._history_user = acting_user
    key.save()
    return NewKey(key, secret)


@transaction.atomic
def key_revoke(*, key: ApiKey, acting_user: User) -> ApiKey:
    """Revoked at once and for good; a second revoke (a double click) changes nothing."""
    if not can_manage_keys(acting_user):
        raise KeyRefused("Only the partnership analyst or an administrator can revoke API keys.")
    locked = ApiKey.objects.select_for_update().get(pk=key.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = acting_user
        locked._history_user = acting_user
        locked.save(update_fields=["revoked_at", "revoked_by"])
        User.accounts.filter(pk=locked.account_id).update(is_active=False)
    return locked


@dataclass(frozen=True)
class Presented:
    """What a presented key turned out to be: the key when it works, else why not (for the access log)."""

    key: ApiKey | None
    refusal: str = ""


def key_for(raw: str, *, now: datetime | None = None) -> Presented:
    """The key `raw` names, when it is whole, matches, and is active; `refusal` says why not."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return Presented(None, "malformed")
    key = ApiKey.objects.select_related("account__agency", "holder", "agency").filter(prefix=parts[1]).first()
    if key is None or not key.matches(raw):
        return Presented(None, "unknown")
    state = key.state(now)
    if state != "active":
        return Presented(key, state)
    return Presented(key)


def note_use(key: ApiKey, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
