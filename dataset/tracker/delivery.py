"""Where a reminder's email stands, for the sweep that retries it and for the analyst's chase list.

A reminder is sent when `sent_at` is set, which happens only once the mail server took the message. Unsent, it is
in one of four states: being sent (an attempt holds it until `retry_at`), failed (waiting for `retry_at`), stopped
(its attempt ran past `retry_at` with no answer: the worker died or the server never answered; the sweep takes it)
or closed (`retry_at` empty: given up, or not needed any more).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from dataset.models import Reminder
from notifications.sending import plain_error

# The sweep of unsent reminders runs this often, on the clock (neglect_portal/schedules.py).
SWEEP_EVERY_MINUTES = 15
# How an unsent reminder's `last_error` starts when nothing will try it again: not needed any more, or its last
# attempt stopped (the worker died) before the mail server took it.
NOT_NEEDED = "Not needed"
STOPPED = "Stopped"


def send_lease() -> timedelta:
    """How long one attempt holds its reminder: past this, an unsent one is taken again by the sweep."""
    return timedelta(seconds=settings.EMAIL_SEND_LEASE)


def next_sweep(after: datetime) -> datetime:
    """When the sweep (every SWEEP_EVERY_MINUTES, on the clock) next runs at or after `after` (pure)."""
    slot = after.replace(second=0, microsecond=0)
    slot -= timedelta(minutes=slot.minute % SWEEP_EVERY_MINUTES)
    return slot if slot >= after else slot + timedelta(minutes=SWEEP_EVERY_MINUTES)


def in_flight(reminder: Reminder, now: datetime) -> bool:
    """An attempt is under way: started, not failed, its lease not over."""
    return (
        reminder.sent_at is None and reminder.failed_at is None and bool(reminder.retry_at and reminder.retry_at > now)
    )


def not_needed(reminder: Reminder) -> bool:
    return reminder.sent_at is None and reminder.retry_at is None and reminder.last_error.startswith(NOT_NEEDED)


def _hhmm(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _lower_first(words: str) -> str:
    return words[:1].lower() + words[1:]


def delivery_words(reminder: Reminder, now: datetime) -> str:
    """The chase list's note on a reminder the mail server has not taken; "" for one that was sent or not needed."""
    if reminder.sent_at is not None or not_needed(reminder):
        return ""
    if reminder.retry_at is None:
        why = (
            "the sending stopped before the mail server took it."
            if reminder.last_error.startswith(STOPPED)
            else _lower_first(plain_error(reminder.last_error))
        )
        return (
            f"Not sent: {why} It was tried {reminder.attempts} times and will not be tried again by itself; "
            "use Send reminder to send one now."
        )
    retry = _hhmm(next_sweep(max(reminder.retry_at, now)))
    if in_flight(reminder, now):
        started = _hhmm(reminder.retry_at - send_lease())
        return (
            f"Being sent (started {started}). If the mail server does not take it, it will be tried again at {retry}."
        )
    if reminder.failed_at is None:
        return f"Not sent yet: the sending stopped before the mail server took it. It will be tried again at {retry}."
    return f"Not sent yet: {_lower_first(plain_error(reminder.last_error))} It will be tried again at {retry}."
