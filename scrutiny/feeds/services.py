"""Feeding scrutiny evidence into the dataset: an audit's share of cases rated good or better, and training
sessions' confidence change, go into the Partnership's return for the quarter as that indicator's figures.

The figures then follow the return's ordinary path (submitted, accepted, built into the dataset), and the
value's history says where they came from and who fed them."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from agencies.models import Sector, User
from dataset.history import record_as, when_in_words
from dataset.models import HistorySource, Indicator, ReportingPeriod, Return, ReturnValue
from dataset.returns.services import return_find_or_create
from neglect_portal.lifecycle import EDITABLE
from scrutiny import selectors
from scrutiny.grading import summarise
from scrutiny.models import Audit, TrainingSession

AUDIT_INDICATOR = "N32"  # Multi-agency audit: neglect cases rated good or better
CONFIDENCE_INDICATOR = "N33"  # Staff confidence change after neglect training (mean points)


class FeedRefused(Exception):
    """Says in words why the figures could not be fed, and what to do."""


def _stale(ret: Return) -> FeedRefused:
    last = ret.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    user = last.history_user if last else None
    who = (user.get_full_name() or user.get_username()) if user else str(ret.agency.short_name or ret.agency)
    return FeedRefused(
        f"{who} changed this return at {when_in_words(last.history_date if last else ret.updated_at)}, after you "
        "opened the feed. Nothing was fed and their text is as they saved it. Open it again to see their text."
    )


def _fed_commentary(value: ReturnValue) -> bool:
    """True if the value's commentary is blank or what a feed last wrote: a lead's own words are never replaced."""
    if not value.pk or not value.commentary.strip():
        return True
    fed = value.history.filter(history_source=HistorySource.SYSTEM).order_by("-history_date", "-history_id")
    return fed.values_list("commentary", flat=True).first() == value.commentary


def _number(value: Decimal | int) -> str:
    value = Decimal(value)
    return (
        format(value.normalize(), "f") if value == value.to_integral_value() else str(value.quantize(Decimal("0.01")))
    )


@transaction.atomic
def feed_indicator(
    *,
    code: str,
    period: ReportingPeriod,
    numerator: Decimal | int,
    denominator: Decimal | int,
    reason: str,
    acting_user: User,
    seen_version: int | None = None,
) -> ReturnValue:
    """`seen_version`: the Partnership return's version when the feed's page was opened (0: there was none).
    If its lead changed the return since, nothing is fed (FeedRefused, saying who and when). None: no page."""
    selectors.require_editor(acting_user)
    indicator = Indicator.objects.filter(code=code, active=True).first()
    if indicator is None:
        raise FeedRefused(f"There is no active indicator {code} in the catalogue to feed.")
    agency = indicator.suppliers.filter(sector=Sector.PARTNERSHIP).first()
    if agency is None:
        raise FeedRefused(f"{code} is not supplied by the Partnership, so scrutiny evidence cannot feed it.")
    ret = Return.objects.select_for_update().filter(agency=agency, period=period).first()
    if ret is not None and seen_version is not None and ret.version != seen_version:
        raise _stale(ret)
    if ret is None:
        made = return_find_or_create(
            agency=agency, period=period, acting_user=acting_user, source=HistorySource.SYSTEM, reason=reason
        )
        ret = Return.objects.select_for_update().get(pk=made.pk)
    if ret.status not in EDITABLE:
        raise FeedRefused(
            f"The Partnership's {period} return is {ret.get_status_display().lower()}: ask the partnership analyst "
            f"to reopen it before feeding {code}."
        )
    value, _ = ReturnValue.objects.get_or_create(ret=ret, indicator=indicator)
    value.numerator, value.denominator, value.value = _number(numerator), _number(denominator), ""
    value.not_available_reason, value.expected_on = "", None
    # The caller can tell the scrutineer the lead's words were kept (the feed's reason is in the history either way).
    value.kept_commentary = not _fed_commentary(value)
    if not value.kept_commentary:
        value.commentary = reason
    value.changed_in_version = ret.version + 1
    record_as(value, user=acting_user, source=HistorySource.SYSTEM, reason=reason)
    value.save()
    ret.version += 1
    ret.updated_by = acting_user
    record_as(ret, user=acting_user, source=HistorySource.SYSTEM, reason=reason)
    ret.save()
    return value


def feed_audit(*, audit: Audit, acting_user: User, seen_version: int | None = None) -> ReturnValue:
    """The audit's cases rated good or better (on all four questions) over the cases audited, into N32."""
    summary = summarise([case.grades() for case in audit.cases.all()])
    if not summary.cases:
        raise FeedRefused("The audit has no cases yet.")
    return feed_indicator(
        code=AUDIT_INDICATOR,
        period=audit.period,
        numerator=summary.cases_good_or_better,
        denominator=summary.cases,
        reason=f"From the audit \u201c{audit.title}\u201d: {summary.cases_good_or_better} of {summary.cases} cases "
        "rated good or better on all four questions.",
        acting_user=acting_user,
        seen_version=seen_version,
    )


def feed_training(*, period: ReportingPeriod, acting_user: User, seen_version: int | None = None) -> ReturnValue:
    """Sessions held in the quarter: total of (mean after - mean before) x respondents over respondents, into N33."""
    sessions = list(TrainingSession.objects.filter(held_on__gte=period.start, held_on__lte=period.end))
    if not sessions:
        raise FeedRefused(f"No training sessions were held in {period}.")
    respondents = sum(s.respondents for s in sessions)
    total = sum((s.change * s.respondents for s in sessions), Decimal(0))
    return feed_indicator(
        code=CONFIDENCE_INDICATOR,
        period=period,
        numerator=total,
        denominator=respondents,
        reason=f"From {len(sessions)} training session(s) in {period}: confidence change across {respondents} "
        "respondents.",
        acting_user=acting_user,
        seen_version=seen_version,
    )
