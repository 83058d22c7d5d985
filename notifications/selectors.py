"""Reads for notification pages: each person's own, never anyone else's; and, for the partnership analyst and
the system administrator only, the emails that could not be sent to anyone."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from agencies import access
from agencies.models import User

from .models import EMAIL_MAX_ATTEMPTS, KINDS_FOR_ROLE, NOT_SENT, Notification, NotificationPreference


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, in_app=True)


def notification_for_open(*, user: User, pk: int) -> Notification:
    return access.get_in_scope(notifications_for(user=user), user, pk=pk, agency_field="")  # another person's: 404


def unread_count(*, user: User) -> int:
    """One query, on the (recipient, read_at) index: the header shows it on every page."""
    return notifications_for(user=user).filter(read_at__isnull=True).count()


def preferences_for(*, user: User) -> dict[str, tuple[bool, bool]]:
    """{kind: (email, in_app)} for every kind the person's role can receive; no row means both on."""
    stored = {p.kind: (p.email, p.in_app) for p in NotificationPreference.objects.filter(user=user)}
    return {kind: stored.get(kind, (True, True)) for kind in KINDS_FOR_ROLE.get(user.role, ())}


def may_see_failed_emails(user: User) -> bool:
    return access.can_manage(user) or access.can_administer(user)


def failed_emails(*, user: User) -> QuerySet[Notification]:
    """Emails wanted and given up on (see Notification.email_given_up), newest failure first. Anyone but the
    analyst or an administrator: as if there were none (404)."""
    if not may_see_failed_emails(user):
        raise Http404("No failed emails")
    given_up = Q(email_attempts__gte=EMAIL_MAX_ATTEMPTS) | Q(email_error__startswith=NOT_SENT)
    return (
        Notification.objects.filter(given_up, email_wanted=True, emailed_at__isnull=True)
        .select_related("recipient")
        .order_by("-email_failed_at", "-pk")
    )


def failed_email_count(*, user: User) -> int:
    """0 for anyone who may not see them: the analyst's home asks on every visit (one query)."""
    return failed_emails(user=user).count() if may_see_failed_emails(user) else 0


def email_for_retry(*, user: User, pk: int) -> Notification:
    """Any wanted email, failed or not (a second click finds it queued again, and the service says so)."""
    if not may_see_failed_emails(user):
        raise Http404("No failed emails")
    return get_object_or_404(Notification.objects.filter(email_wanted=True), pk=pk)
