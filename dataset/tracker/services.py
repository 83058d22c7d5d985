"""Writes for reminders: chasing an agency's leads by email, by hand or on schedule, and the analyst's digest.

Every reminder is recorded before it is sent, and marked sent only once the mail server took it. For the
scheduled ones the record is a claim: the unique constraint on (kind, agency, quarter, day) lets exactly one run
create it, so a retried or concurrent run skips what another already recorded. A send that fails, or never ends
(the worker killed, a mail server that never answers), leaves the claim unsent; the sweep sends it again, once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from agencies import access
from agencies.models import Agency, User
from dataset.catalogue.selectors import long_date
from dataset.models import Reminder, ReminderKind, ReportingPeriod, Return
from notifications.models import EMAIL_MAX_ATTEMPTS

from . import completeness
from . import selectors as tracker_selectors
from .delivery import NOT_NEEDED, STOPPED, send_lease
from .selectors import Outstanding

log = logging.getLogger(__name__)

# Nobody is chased twice in an hour (counting the reminders the mail server took).
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
def _backoff(attempts: int) -> timedelta:
    # By default 5, 10, 20, 40 minutes, each to the sweep's next round after it.
    return timedelta(seconds=settings.EMAIL_RETRY_PAUSE * 2 ** (attempts - 1))


class ReminderNotSent(Exception):
    """The mail server did not take the reminder; it is kept unsent with the error, for the sweep to try again."""

    def __init__(self, reminder: Reminder):
        self.reminder = reminder
        super().__init__(reminder.last_error)


def _claim(**fields) -> Reminder | None:
    """Record a scheduled reminder, or None when a run has already recorded it (the unique constraint)."""
    try:
        with transaction.atomic():
            return Reminder.objects.create(attempts=1, retry_at=timezone.now() + send_lease(), **fields)
    except IntegrityError:
        return None


def _deliver(reminder: Reminder, message: EmailMultiAlternatives) -> Reminder:
    """Send a claimed reminder; `sent_at` only once the mail server has taken it. Raises ReminderNotSent."""
    try:
        message.send()
    except OSError as exc:  # smtplib's errors and EMAIL_TIMEOUT's TimeoutError included
        # Kept, unsent, with the error: the sweep tries it again after a pause, the chase is not held up by it.
        # Anything else is not caught: the claim then stays until its lease ends, and the sweep takes it.
        now = timezone.now()
        retry_at = None if reminder.attempts >= EMAIL_MAX_ATTEMPTS else now + _backoff(reminder.attempts)
        error = f"{exc.__class__.__name__}: {exc}"[:2000]
        # Only while this attempt still holds it: not over a later reminder that closed it meanwhile.
        Reminder.objects.filter(pk=reminder.pk, attempts=reminder.attempts, retry_at__isnull=False).update(
            failed_at=now, last_error=error, retry_at=retry_at
        )
        reminder.failed_at, reminder.last_error, reminder.retry_at = now, error, retry_at
        log.warning("reminders: %s not sent (attempt %s): %s", reminder, reminder.attempts, error)
        raise ReminderNotSent(reminder) from exc
    reminder.sent_at = timezone.now()
    reminder.retry_at = None
    Reminder.objects.filter(pk=reminder.pk).update(sent_at=reminder.sent_at, retry_at=None)
    # Older unsent reminders of the same agency and quarter are not needed now: the sweep must not send them too.
    stale = Reminder.objects.filter(sent_at__isnull=True, retry_at__isnull=False, pk__lt=reminder.pk)
    stale = (
        stale.filter(kind=ReminderKind.DIGEST)
        if reminder.agency_id is None
        else stale.filter(agency_id=reminder.agency_id, period_id=reminder.period_id)
    )
    stale.update(
        retry_at=None, last_error=f"{NOT_NEEDED}: a later reminder was sent at {_local_time(reminder.sent_at)}."
    )
    return reminder


def reminder_send_manual(*, agency: Agency, acting_user: User) -> Reminder:
    """Email the agency's active leads about the current quarter's return now, unless it has been submitted, it was
    sent a reminder in the last hour (any kind), is being sent one now, or has no lead with an email address.
    Raises ReminderNotSent when the mail server did not take it: it is kept for the sweep to try again."""
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
        # Only reminders the mail server took count: one that failed or never went does not hold the chase up.
        last = Reminder.objects.filter(agency=agency, sent_at__gt=now - QUIET_PERIOD).order_by("-sent_at").first()
        if last:
            at = last.sent_at
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
        # One being sent now (its attempt not over) would make a second: wait for it instead.
        sending = Reminder.objects.filter(
            agency=agency, sent_at__isnull=True, failed_at__isnull=True, retry_at__gt=now
        ).first()
        if sending:
            raise ReminderRefused(
                f"A reminder to {agency} is being sent now (started {_local_time(sending.retry_at - send_lease())}). "
                "Wait a minute, then look at this page again: it will say whether it went."
            )
        message = reminder_message(item=item, kind=ReminderKind.MANUAL, today=today)
        reminder = Reminder.objects.create(
            attempts=1,
            retry_at=now + send_lease(),
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
    failed: list[str] = field(default_factory=list)  # the mail server did not take it: kept for the sweep

    def as_dict(self) -> dict[str, list[str]]:
        return {"sent": self.sent, "skipped": self.skipped, "failed": self.failed}


def _send(outcome: Outcome, what: str, reminder: Reminder | None, message: EmailMultiAlternatives) -> None:
    if reminder is None:
        outcome.skipped.append(f"{what}: already recorded")
        return
    try:
        _deliver(reminder, message)
    except ReminderNotSent:  # kept with its error, for the sweep; anything else stops the run
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


# --- the sweep: unsent reminders tried again ----------------------------------------------------------
def _what(reminder: Reminder) -> str:
    about = reminder.period or long_date(reminder.occasion)
    return f"{reminder.get_kind_display()} to {reminder.agency or 'the analyst'} for {about}"


def _message_now(reminder: Reminder, today: date) -> tuple[EmailMultiAlternatives | None, str]:
    """The reminder's message as it would be written today (the return's state may have moved on), or None and why
    it is no longer needed."""
    if reminder.kind == ReminderKind.DIGEST:
        if reminder.occasion != today:
            return None, "the next weekly digest replaces it"
        periods = tracker_selectors.periods_being_collected(today=today)
        to = tracker_selectors.analyst_addresses()
        if not periods or not to:
            return None, "no quarter is being collected, or no analyst has an email address"
        items = tracker_selectors.outstanding(periods=periods, today=today)
        return digest_message(items=items, periods=periods, today=today, to=to), ""
    period = reminder.period
    if reminder.kind != ReminderKind.MANUAL and period.is_locked(today):
        return None, f"the {period} quarter has locked"
    item = next(
        (i for i in tracker_selectors.outstanding(periods=[period], today=today) if i.agency.pk == reminder.agency_id),
        None,
    )
    if item is None:
        return None, f"{reminder.agency} has submitted its {period} work"
    if not item.emails:
        return None, f"{reminder.agency} has no active lead with an email address"
    if "\n".join(item.emails) != reminder.recipients:
        reminder.recipients = "\n".join(item.emails)
        Reminder.objects.filter(pk=reminder.pk).update(recipients=reminder.recipients)
    return reminder_message(item=item, kind=reminder.kind, today=today), ""


def reminders_send_unsent(*, now: datetime | None = None, limit: int = 200) -> Outcome:
    """The sweep: send again every reminder the mail server has not taken whose attempt is over (it failed and its
    pause has passed, or its lease ran out: the worker died mid-send, or the server never answered), up to
    EMAIL_MAX_ATTEMPTS attempts. Each is claimed by a conditional update, so two sweeps never send one twice; one
    that is no longer needed (the agency submitted, a later reminder went) is closed unsent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    outcome = Outcome()
    # The last attempt's lease ran out without an answer: nothing will try it again by itself.
    Reminder.objects.filter(sent_at__isnull=True, retry_at__lte=now, attempts__gte=EMAIL_MAX_ATTEMPTS).update(
        retry_at=None, failed_at=now, last_error=f"{STOPPED}: the send stopped before the mail server took it."
    )
    due = Reminder.objects.filter(sent_at__isnull=True, retry_at__lte=now).select_related("agency", "period")
    for reminder in due.order_by("retry_at", "pk")[:limit]:
        taken = Reminder.objects.filter(
            pk=reminder.pk, sent_at__isnull=True, attempts=reminder.attempts, retry_at=reminder.retry_at
        ).update(attempts=F("attempts") + 1, retry_at=now + send_lease(), failed_at=None)
        what = _what(reminder)
        if not taken:  # another sweep (or the analyst) took it first
            outcome.skipped.append(f"{what}: taken by another run")
            continue
        reminder.attempts, reminder.retry_at, reminder.failed_at = reminder.attempts + 1, now + send_lease(), None
        message, why_not = _message_now(reminder, today)
        if message is None:
            Reminder.objects.filter(pk=reminder.pk).update(retry_at=None, last_error=f"{NOT_NEEDED}: {why_not}.")
            outcome.skipped.append(f"{what}: not needed, {why_not}")
            continue
        _send(outcome, what, reminder, message)
    return outcome
