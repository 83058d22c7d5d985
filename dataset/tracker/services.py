"""Writes for reminders: chasing an agency's leads by email, by hand or on schedule, and the analyst's digest.

Every reminder is recorded before it is sent. For the scheduled ones the record is a claim: the unique
constraint on (kind, agency, quarter, day) lets exactly one run create it, so a retried or concurrent run
skips what another already sent. A send that fails gives its claim up, so a retry may send it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from agencies import access
from agencies.models import Agency, User
from dataset.catalogue.selectors import long_date
from dataset.models import Reminder, ReminderKind, ReportingPeriod, Return

from . import completeness
from . import selectors as tracker_selectors
from .selectors import Outstanding

log = logging.getLogger(__name__)

# Nobody is chased twice in an hour.
QUIET_PERIOD = timedelta(hours=1)
DUE_SOON_DAYS = 7
OVERDUE_EVERY_DAYS = 7


class ReminderRefused(Exception):
    """The reminder was not sent; the text says why and what to do."""


def scheduled_kind(*, due_on: date, today: date) -> ReminderKind | None:
    """Which scheduled reminder, if any, an agency that has not submitted gets today: a week before the due date,
    on it, and every week it is overdue."""
    days_late = (today - due_on).days
    if days_late == -DUE_SOON_DAYS:
        return ReminderKind.DUE_SOON
    if days_late == 0:
        return ReminderKind.DUE_TODAY
    if days_late > 0 and days_late % OVERDUE_EVERY_DAYS == 0:
        return ReminderKind.OVERDUE
    return None


def _site_url(path: str) -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def _local_time(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


# --- messages ------------------------------------------------------------------------------------------
def _message(template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    """Plain text and HTML from `email/<template>.txt|.html`, the subject from `email/<template>_subject.txt`."""
    subject = " ".join(render_to_string(f"email/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(subject, render_to_string(f"email/{template}.txt", context), to=to)
    message.attach_alternative(render_to_string(f"email/{template}.html", context), "text/html")
    return message


def _period_context(period: ReportingPeriod, today: date) -> dict:
    return {
        "period": period,
        "due_on": long_date(period.due_on),
        "locks_on": long_date(period.locks_on),
        "due_words": completeness.due_in_words(period.due_on, today),
        "overdue": today > period.due_on,
        "locked": period.is_locked(today),
    }


def reminder_message(*, item: Outstanding, kind: str, today: date) -> EmailMultiAlternatives:
    return _message(
        "return_reminder",
        {
            **_period_context(item.period, today),
            "agency": item.agency,
            "kind": kind,
            "status": item.status,
            "status_words": item.status_words.lower(),
            "return_outstanding": item.return_outstanding,
            "pending": [
                {"name": p.name, "status_words": p.status_words.lower(), "url": _site_url(p.url)} for p in item.pending
            ],
            "leads": item.leads,
            "returns_url": _site_url(reverse("dataset:return_list")),
        },
        item.emails,
    )


def digest_message(
    *, items: list[Outstanding], periods: list[ReportingPeriod], today: date, to: list[str]
) -> EmailMultiAlternatives:
    by_period = {p.pk: [] for p in periods}
    for item in items:
        by_period[item.period.pk].append(item)
    quarters = [{**_period_context(p, today), "outstanding": by_period[p.pk]} for p in periods]
    return _message(
        "reminder_digest",
        {
            "today": long_date(today),
            "quarters": quarters,
            "chase_url": _site_url(reverse("dataset:chase_list")),
            "tracker_url": _site_url(reverse("dataset:tracker")),
        },
        to,
    )


# --- recording and sending ----------------------------------------------------------------------------
def _claim(**fields) -> Reminder | None:
    """Record a scheduled reminder, or None when a run has already recorded it (the unique constraint)."""
    try:
        with transaction.atomic():
            return Reminder.objects.create(**fields)
    except IntegrityError:
        return None


def _deliver(reminder: Reminder, message: EmailMultiAlternatives) -> Reminder:
    try:
        message.send()
    except OSError:  # smtplib's errors included
        # The mail server refused it or could not be reached: give the claim up, so that a retry (or the analyst,
        # at once) may send it. Anything else leaves the claim: better one reminder lost than two sent.
        Reminder.objects.filter(pk=reminder.pk).delete()
        raise
    reminder.sent_at = timezone.now()
    Reminder.objects.filter(pk=reminder.pk).update(sent_at=reminder.sent_at)
    return reminder


def reminder_send_manual(*, agency: Agency, acting_user: User) -> Reminder:
    """Email the agency's active leads about the current quarter's return now, unless it has been submitted, it was
    reminded in the last hour (any kind), or it has no lead with an email address."""
    if not access.can_manage(acting_user):
        raise ReminderRefused("Only the partnership analyst can send reminders.")
    now = timezone.now()
    today = timezone.localdate(now)
    period = tracker_selectors.current_period(today=today)
    if period is None:
        raise ReminderRefused("No quarter has opened yet, so there is no return to chase.")
    with transaction.atomic():
        # Two analysts pressing Send at once: the second waits here, then finds the first one's reminder.
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        ret = Return.objects.filter(agency=agency, period=period).first()
        pending = tuple(tracker_selectors.pending_work(periods=[period]).get((agency.pk, period.pk), ()))
        supplies = any(a.pk == agency.pk for a in tracker_selectors.supplying_agencies())
        if (not supplies or (ret and ret.status in completeness.IN)) and not pending:
            raise ReminderRefused(f"{agency} has already submitted its {period} return: there is nothing to chase.")
        recent = Reminder.objects.filter(agency=agency, created_at__gt=now - QUIET_PERIOD).order_by("-created_at")
        last = recent.first()
        if last:
            at = last.sent_at or last.created_at
            raise ReminderRefused(
                f"{agency} was reminded at {_local_time(at)}; try again after {_local_time(at + QUIET_PERIOD)}."
            )
        leads = tracker_selectors.lead_lists(agency_ids=[agency.pk]).get(agency.pk, [])
        item = Outstanding(
            agency,
            period,
            ret.status if ret else completeness.NOT_STARTED,
            leads,
            None,
            today,
            pending=pending,
            return_expected=supplies,
        )
        if not item.emails:
            raise ReminderRefused(
                f"{agency} has no active lead with an email address, so no reminder was sent. "
                "An administrator can add one in the administration pages."
            )
        message = reminder_message(item=item, kind=ReminderKind.MANUAL, today=today)
        reminder = Reminder.objects.create(
            kind=ReminderKind.MANUAL,
            agency=agency,
            period=period,
            occasion=today,
            recipients="\n".join(item.emails),
            sent_by=acting_user,
        )
    return _deliver(reminder, message)


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already sent by another run, or nobody to send to
    failed: list[str] = field(default_factory=list)  # the email could not be sent: the claim was given up

    def as_dict(self) -> dict[str, list[str]]:
        return {"sent": self.sent, "skipped": self.skipped, "failed": self.failed}


def _send(outcome: Outcome, what: str, reminder: Reminder | None, message: EmailMultiAlternatives) -> None:
    if reminder is None:
        outcome.skipped.append(f"{what}: already sent")
        return
    try:
        _deliver(reminder, message)
    except OSError:  # the claim was given up; anything else stops the run
        log.exception("reminders: could not send %s", what)
        outcome.failed.append(what)
    else:
        outcome.sent.append(what)


def reminders_send_scheduled(*, today: date) -> Outcome:
    """Today's reminders for every quarter being collected (opened, not locked): DUE_SOON 7 days before the due
    date, DUE_TODAY on it, OVERDUE every 7 days after it, to each expected agency that has not submitted; and on
    Mondays the analyst's DIGEST of who has not. Safe to run again the same day: nothing is sent twice."""
    outcome = Outcome()
    periods = tracker_selectors.periods_being_collected(today=today)
    items = tracker_selectors.outstanding(periods=periods, today=today)
    for item in items:
        kind = scheduled_kind(due_on=item.period.due_on, today=today)
        if kind is None:
            continue
        what = f"{kind.label} to {item.agency} for {item.period}"
        if not item.emails:
            log.warning("reminders: %s has no active lead with an email address", item.agency)
            outcome.skipped.append(f"{what}: no lead with an email address")
            continue
        # The message first: a template that fails to render must not leave a claim behind.
        message = reminder_message(item=item, kind=kind, today=today)
        reminder = _claim(
            kind=kind, agency=item.agency, period=item.period, occasion=today, recipients="\n".join(item.emails)
        )
        _send(outcome, what, reminder, message)
    if today.weekday() == 0 and periods:
        what = f"Weekly digest for {long_date(today)}"
        to = tracker_selectors.analyst_addresses()
        if not to:
            outcome.skipped.append(f"{what}: no analyst with an email address")
            return outcome
        message = digest_message(items=items, periods=periods, today=today, to=to)
        reminder = _claim(kind=ReminderKind.DIGEST, occasion=today, recipients="\n".join(to))
        _send(outcome, what, reminder, message)
    return outcome
