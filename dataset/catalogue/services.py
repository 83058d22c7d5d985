"""Writes for the indicator catalogue and the reporting quarters. Every change is recorded with who, how and why."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import User
from dataset.history import record_as
from dataset.models import HistorySource, Indicator, ProcessChange, RelationshipCheck, ReportingPeriod

from . import periods, selectors

# Everything about an indicator except its id and its suppliers (a many-to-many, saved separately).
INDICATOR_FIELDS: tuple[str, ...] = tuple(
    f.name for f in Indicator._meta.concrete_fields if not f.primary_key and f.name != "id"
)

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class IndicatorSaved:
    indicator: Indicator
    outcome: Outcome


def duplicate_code_error(code: str, *, exclude_pk: int | None = None) -> ValidationError | None:
    """The message for a code another indicator already has, or None when the code is free."""
    other = Indicator.objects.filter(code__iexact=code).exclude(pk=exclude_pk).first()
    if other is None:
        return None
    return ValidationError(
        {"code": f"{other.code} is already the code of \u201c{other.title}\u201d. Choose a different code."},
        code="unique",
    )


@transaction.atomic
def indicator_save(
    *,
    indicator: Indicator | None,
    fields: Mapping[str, Any],
    supplier_ids: Collection[int],
    acting_user: User | None,
    source: str = HistorySource.FORM,
    reason: str = "",
) -> IndicatorSaved:
    """Create an indicator (`indicator=None`) or change one; a save that changes nothing records nothing.

    Raises ValidationError (field -> messages) when the result would break the model's rules or reuse a code.
    """
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValueError(f"not indicator fields: {', '.join(sorted(unknown))}")
    # A fresh, locked copy: the caller's instance may already hold the new values (a bound ModelForm does).
    target = Indicator() if indicator is None else Indicator.objects.select_for_update().get(pk=indicator.pk)
    changed = [name for name, value in fields.items() if getattr(target, name) != value]
    for name in changed:
        setattr(target, name, fields[name])
    target.full_clean(validate_unique=False)
    duplicate = duplicate_code_error(target.code, exclude_pk=target.pk)
    if duplicate:
        raise duplicate
    wanted = set(supplier_ids)
    suppliers_changed = target.pk is None or set(target.suppliers.values_list("pk", flat=True)) != wanted
    if not changed and not suppliers_changed:
        return IndicatorSaved(target, "unchanged")

    created = target.pk is None
    record_as(target, user=acting_user, source=source, reason=reason or ("Created" if created else "Changed"))
    try:
        with transaction.atomic():  # a savepoint, so a lost race on the code leaves the transaction usable
            if created:
                target.save()
                # One more historical row, snapshotting the suppliers just set (simple-history records m2m changes).
                target.suppliers.set(wanted)
            else:
                if suppliers_changed:
                    # Record the whole change as one historical row: the save below snapshots the new suppliers.
                    target.skip_history_when_saving = True
                    try:
                        target.suppliers.set(wanted)
                    finally:
                        del target.skip_history_when_saving
                target.save()
    except IntegrityError as error:
        # Someone else took the code between the check above and the save.
        duplicate = duplicate_code_error(target.code, exclude_pk=target.pk)
        if duplicate:
            raise duplicate from error
        raise
    return IndicatorSaved(target, "created" if created else "updated")


@transaction.atomic
def indicator_set_active(*, indicator: Indicator, active: bool, acting_user: User | None) -> Indicator:
    """Retire (`active=False`) or restore an indicator. Retired indicators keep their data but are not collected."""
    locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
    if locked.active == active:
        return locked
    locked.active = active
    record_as(locked, user=acting_user, source=HistorySource.FORM, reason="Restored" if active else "Retired")
    locked.save(update_fields=["active"])
    return locked


# --- quarters -----------------------------------------------------------------------------------
def _period_create(
    quarter: periods.Quarter, *, acting_user: User | None, source: str, reason: str
) -> tuple[ReportingPeriod, bool]:
    """The quarter, created with the default dates if it is missing. Safe when two callers race."""
    existing = ReportingPeriod.objects.filter(year=quarter.year, quarter=quarter.number).first()
    if existing:
        return existing, False
    opens_on, due_on, locks_on = periods.default_dates(quarter)
    period = ReportingPeriod(
        year=quarter.year, quarter=quarter.number, opens_on=opens_on, due_on=due_on, locks_on=locks_on
    )
    period.full_clean()
    record_as(period, user=acting_user, source=source, reason=reason)
    try:
        with transaction.atomic():
            period.save()
    except IntegrityError:
        return ReportingPeriod.objects.get(year=quarter.year, quarter=quarter.number), False
    return period, True


@transaction.atomic
def period_ensure_upcoming(*, today: date) -> list[ReportingPeriod]:
    """Make sure the quarter being collected now (the one that last ended) and the next one to open (the one
    containing `today`) exist; returns those it created."""
    current = periods.Quarter.containing(today)
    created = []
    for quarter in (current.previous(), current):
        period, made = _period_create(
            quarter, acting_user=None, source=HistorySource.SYSTEM, reason="Created by the daily quarter check"
        )
        if made:
            created.append(period)
    return created


@transaction.atomic
def period_create_next(
    *, seen_latest: periods.Quarter | None, acting_user: User | None, today: date
) -> tuple[ReportingPeriod, bool]:
    """Add the quarter after `seen_latest`, the latest quarter the person saw (returns (period, created)).

    Keyed on what was seen, so a second click, or two analysts at once, cannot add two quarters.
    With nothing seen, the quarter containing `today`.
    """
    quarter = seen_latest.next() if seen_latest else periods.Quarter.containing(today)
    return _period_create(quarter, acting_user=acting_user, source=HistorySource.FORM, reason="Added next quarter")


@transaction.atomic
def period_update_dates(
    *,
    period: ReportingPeriod,
    opens_on: date,
    due_on: date,
    locks_on: date,
    reason: str,
    acting_user: User | None,
    today: date,
    note: str | None = None,
) -> ReportingPeriod:
    """Change a quarter's dates. A quarter that is already locked needs a reason, which goes into its history.

    Raises ValidationError (field -> messages) for dates out of order or a missing reason.
    """
    locked = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    reason = reason.strip()
    if locked.is_locked(today) and not reason:
        raise ValidationError(
            {"reason": f"{locked.label} locked on {selectors.long_date(locked.locks_on)}, so say why its dates change."}
        )
    new: dict[str, object] = {"opens_on": opens_on, "due_on": due_on, "locks_on": locks_on}
    if note is not None:
        new["note"] = note.strip()
    changed = [name for name, value in new.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, new[name])
    locked.full_clean()
    record_as(locked, user=acting_user, source=HistorySource.FORM, reason=reason or "Dates changed")
    locked.save(update_fields=changed)
    return locked


# --- relationship checks ------------------------------------------------------------------------
CHECK_FIELDS: tuple[str, ...] = ("indicator", "compared_with", "at_least", "why", "question")


def duplicate_check_error(
    indicator: Indicator, compared_with: Indicator, *, exclude_pk: int | None = None
) -> ValidationError | None:
    """The message for a pair that already has a check, or None when the pair is free."""
    pair = RelationshipCheck.objects.filter(indicator=indicator, compared_with=compared_with)
    if not pair.exclude(pk=exclude_pk).exists():
        return None
    return ValidationError(
        {
            "compared_with": f"{indicator.code} is already checked against {compared_with.code}. "
            "Edit that check instead, or choose a different indicator."
        },
        code="unique",
    )


@transaction.atomic
def relationship_check_save(
    *,
    check: RelationshipCheck | None,
    fields: Mapping[str, Any],
    acting_user: User | None,
    source: str = HistorySource.FORM,
    reason: str = "",
) -> RelationshipCheck:
    """Create a check (`check=None`) or change one; a save that changes nothing records nothing. The next dataset
    build uses it. Raises ValidationError (field -> messages) for a bad factor, the same indicator twice or a pair that
    already has a check."""
    unknown = set(fields) - set(CHECK_FIELDS)
    if unknown:
        raise ValueError(f"not check fields: {', '.join(sorted(unknown))}")
    target = RelationshipCheck() if check is None else RelationshipCheck.objects.select_for_update().get(pk=check.pk)
    changed = [name for name, value in fields.items() if target.pk is None or getattr(target, name) != value]
    if not changed:
        return target
    for name in changed:
        setattr(target, name, fields[name])
    target.full_clean(validate_unique=False)
    duplicate = duplicate_check_error(target.indicator, target.compared_with, exclude_pk=target.pk)
    if duplicate:
        raise duplicate
    created = target.pk is None
    record_as(target, user=acting_user, source=source, reason=reason or ("Created" if created else "Changed"))
    try:
        with transaction.atomic():  # a savepoint: a lost race on the pair leaves the transaction usable
            target.save()
    except IntegrityError as error:
        duplicate = duplicate_check_error(target.indicator, target.compared_with, exclude_pk=target.pk)
        if duplicate:
            raise duplicate from error
        raise
    return target


@transaction.atomic
def relationship_check_set_active(
    *, check: RelationshipCheck, active: bool, acting_user: User | None
) -> RelationshipCheck:
    """Stop using a check (`active=False`) or use it again; it is kept, with its history, either way."""
    locked = RelationshipCheck.objects.select_for_update().get(pk=check.pk)
    if locked.active == active:
        return locked
    locked.active = active
    record_as(locked, user=acting_user, source=HistorySource.FORM, reason="Reactivated" if active else "Deactivated")
    locked.save(update_fields=["active"])
    return locked


# --- process changes ----------------------------------------------------------------------------
def duplicate_process_change_error(indicator: Indicator, period: ReportingPeriod) -> ValidationError | None:
    """The message for a quarter that already starts a phase of this indicator, or None when it is free."""
    other = ProcessChange.objects.filter(indicator=indicator, period=period).first()
    if other is None:
        return None
    return ValidationError(
        {
            "period": f"{indicator.code} already has a process change from {period.label} "
            f"(\u201c{other.reason}\u201d). Remove it first to record a different one, or choose another quarter."
        },
        code="unique",
    )


@transaction.atomic
def process_change_record(
    *,
    indicator: Indicator,
    period: ReportingPeriod,
    reason: str,
    acting_user: User | None,
    source: str = HistorySource.FORM,
) -> ProcessChange:
    """Record that `indicator`'s figures arise differently from `period` on: the next build starts a new SPC phase
    there, with its own limits. Raises ValidationError (field -> messages) for a missing or long reason, or a quarter
    that already has a change. The caller asks for the rebuild (the catalogue does not know the build)."""
    change = ProcessChange(
        indicator=indicator, period=period, reason=reason.strip(), recorded_by=acting_user, recorded_at=timezone.now()
    )
    change.full_clean(validate_unique=False, validate_constraints=False)
    duplicate = duplicate_process_change_error(indicator, period)
    if duplicate:
        raise duplicate
    record_as(change, user=acting_user, source=source, reason=f"Process change recorded: {change.reason}")
    try:
        with transaction.atomic():  # a savepoint: a lost race on the quarter leaves the transaction usable
            change.save()
    except IntegrityError as error:
        duplicate = duplicate_process_change_error(indicator, period)
        if duplicate:
            raise duplicate from error
        raise
    return change


@transaction.atomic
def process_change_remove(*, change: ProcessChange, acting_user: User | None, reason: str = "") -> bool:
    """Remove a process change (its history keeps it): the next build joins the two phases again. False when it was
    already gone, so a repeated request does nothing."""
    locked = ProcessChange.objects.select_for_update().filter(pk=change.pk).first()
    if locked is None:
        return False
    record_as(locked, user=acting_user, source=HistorySource.FORM, reason=reason or "Process change removed")
    locked.delete()
    return True
