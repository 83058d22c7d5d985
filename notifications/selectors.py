"""Reads for notification pages: each person's own, never anyone else's."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from agencies.models import User

from .models import KINDS_FOR_ROLE, Notification, NotificationPreference


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, in_app=True)


def notification_for_open(*, user: User, pk: int) -> Notification:
    return get_object_or_404(notifications_for(user=user), pk=pk)  # another person's: 404


def unread_count(*, user: User) -> int:
    """One query, on the (recipient, read_at) index: the header shows it on every page."""
    return notifications_for(user=user).filter(read_at__isnull=True).count()


def preferences_for(*, user: User) -> dict[str, tuple[bool, bool]]:
    """{kind: (email, in_app)} for every kind the person's role can receive; no row means both on."""
    stored = {p.kind: (p.email, p.in_app) for p in NotificationPreference.objects.filter(user=user)}
    return {kind: stored.get(kind, (True, True)) for kind in KINDS_FOR_ROLE.get(user.role, ())}
