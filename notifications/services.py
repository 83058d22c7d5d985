"""Writes for notifications: making them (called from the apps' services, inside their transactions), reading
them, and each person's choices.

`notify` writes the rows with the change they tell of; their emails are queued only once that change commits, so
a change rolled back tells nobody, and a committed one is remembered even if the queue is down (the sweep)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Role, User
from neglect_portal import jobs

from . import tasks
from .models import KINDS_FOR_ROLE, Kind, Notification, NotificationPreference

log = logging.getLogger(__name__)

# What the analyst did, in the words of a subject line.
_WORK_SUBJECT = {
    Kind.SENT_BACK: "Sent back for changes",
    Kind.ACCEPTED: "Accepted",
    Kind.REOPENED: "Reopened for amendment",
}


def notify(*, kind: Kind, recipients: Iterable[User], subject: str, text: str, link: str = "") -> list[Notification]:
    """One notification per active recipient, as each has chosen: in the list, by email, both, or neither."""
    people = list({person.pk: person for person in recipients if person.is_active}.values())
    if not people:
        return []
    chosen = {p.user_id: p for p in NotificationPreference.objects.filter(kind=kind, user__in=people)}
    rows = []
    for person in people:
        choice = chosen.get(person.pk)
        in_app = choice.in_app if choice else True
        email = (choice.email if choice else True) and bool(person.email)
        if in_app or email:
            rows.append(
                Notification(
                    recipient=person,
                    kind=kind,
                    subject=subject[:200],
                    text=text,
                    link=link,
                    in_app=in_app,
                    email_wanted=email,
                )
            )
    created = Notification.objects.bulk_create(rows)
    to_email = [row.pk for row in created if row.email_wanted]
    if to_email:
        for pk in to_email:
            jobs.queue_on_commit(tasks.send_notification_email, args=(pk,))
    return created


def _leads(agency: Agency) -> list[User]:
    return list(User.objects.filter(role=Role.AGENCY_LEAD, agency=agency, is_active=True))


def _people(*roles: str) -> list[User]:
    return list(User.objects.filter(role__in=roles, is_active=True))


def _when() -> str:
    return timezone.localtime().strftime("%H:%M on %d %B %Y").lstrip("0")


class Work(Protocol):
    """A return or an action-plan report, as far as telling people of it goes (this app knows neither model)."""

    agency: Agency

    @property
    def period(self) -> Any: ...  # a ReportingPeriod: its `label` names the quarter

    def get_absolute_url(self) -> str: ...


def work_notify(*, kind: Kind, work: Work, noun: str, acting_user: User, reason: str = "") -> list[Notification]:
    """Tell the people concerned that a return or action-plan report changed state.

    `noun` names the work, e.g. "neglect return". Submitted: a receipt to the agency's leads and a notice to the
    analysts. Sent back, accepted, reopened: the agency's leads. Called inside the service's transaction."""
    agency, link = work.agency, work.get_absolute_url()
    what = f"the {work.period.label} {noun} for {agency}"
    reason_text = f"\n\nThe reason given: \u201c{reason.strip()}\u201d" if reason.strip() else ""
    if kind == Kind.SUBMITTED:
        receipt = notify(
            kind=kind,
            recipients=_leads(agency),
            subject=f"Received: {what}",
            text=(
                f"{acting_user} submitted {what} at {_when()}. It now waits for the partnership analyst's review; "
                "you will be told when it is accepted or sent back."
            ),
            link=link,
        )
        notice = notify(
            kind=kind,
            recipients=_people(Role.ANALYST),
            subject=f"To review: {what}",
            text=f"{acting_user} submitted {what} at {_when()}. It waits for your review.",
            link=link,
        )
        return receipt + notice
    if kind == Kind.SENT_BACK:
        text = f"{acting_user} sent {what} back for changes.{reason_text}\n\nMake the changes, then submit it again."
    elif kind == Kind.REOPENED:
        text = f"{acting_user} reopened {what} for amendment.{reason_text}\n\nMake the changes, then submit it again."
    elif kind == Kind.ACCEPTED:
        text = f"{acting_user} accepted {what}. Nothing more is needed from you for it."
    else:
        raise ValueError(f"{kind} is not a change to a return or report.")
    return notify(kind=kind, recipients=_leads(agency), subject=f"{_WORK_SUBJECT[kind]}: {what}", text=text, link=link)


def snapshot_published_notify(*, title: str, link: str, acting_user: User) -> list[Notification]:
    """Members and scrutineers: a newly published dataset to read."""
    return notify(
        kind=Kind.SNAPSHOT_PUBLISHED,
        recipients=_people(Role.MEMBER, Role.SCRUTINEER),
        subject=f"Published: the Partnership Neglect Dataset ({title})",
        text=f"{acting_user} published the Partnership Neglect Dataset ({title}). Its dashboards now show it.",
        link=link,
    )


def pack_ready_notify(*, title: str, link: str) -> list[Notification]:
    """Scrutineers: an evidence pack has been built and can be downloaded."""
    return notify(
        kind=Kind.PACK_READY,
        recipients=_people(Role.SCRUTINEER),
        subject=f"Evidence pack ready: {title}",
        text=f"The evidence pack for {title} has been built. Its PDF and ZIP can be downloaded.",
        link=link,
    )


@transaction.atomic
def notification_open(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def preferences_save(*, user: User, choices: Mapping[str, tuple[bool, bool]]) -> None:
    """`choices`: {kind: (email, in_app)} for the kinds this person's role can receive; others are ignored."""
    for kind in KINDS_FOR_ROLE.get(user.role, ()):
        if kind in choices:
            email, in_app = choices[kind]
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"email": email, "in_app": in_app}
            )


@transaction.atomic
def notification_email_retry(*, notification: Notification, acting_user: User, failure_seen: str) -> bool:
    """Queue a given-up email once more, for the failure the person saw (`failure_seen`: the page's
    `email_failure` of the row). False, and nothing
    changed, when it was sent meanwhile or already queued again (a second click, or a colleague's): the row's
    failure is then not the one they saw."""
    locked = Notification.objects.select_for_update().get(pk=notification.pk)
    if not locked.email_given_up or locked.email_failure != failure_seen:
        return False
    locked.email_attempts = 0
    locked.email_failed_at = None
    locked.email_error = ""
    locked.save(update_fields=["email_attempts", "email_failed_at", "email_error"])
    log.info("Notification %s: email queued again by %s", locked.pk, acting_user)
    # robust: an email failing again (eagerly, in the embedded run) is recorded on the row, not an error page.
    transaction.on_commit(lambda: jobs.queue_now(tasks.send_notification_email, args=(locked.pk,)), robust=True)
    return True
