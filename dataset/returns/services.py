"""Writes for returns: each state change whole, atomic and recorded, or refused with a reason in words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies import access
from agencies.models import Agency, User
from dataset.build import requests as build_requests
from dataset.catalogue.selectors import period_edit_block_reason
from dataset.history import record_as, when_in_words
from dataset.models import HistorySource, ReportingPeriod, Return, ReturnValue
from neglect_portal import lifecycle
from neglect_portal.lifecycle import Actor, IllegalTransition, State, Step
from notifications import services as notifications
from notifications.models import Kind

from . import selectors, validation

TEXT_FIELDS = ("numerator", "denominator", "value", "not_available_reason", "commentary")


SIGN_OFF_STATEMENT = "I confirm these figures are accurate and have been checked"


def sign_off_note(user: User, signed_off_by: str = "") -> str:
    """The history's words for a submission signed off (the DfE COLLECT pattern): who, and what they confirmed.
    `signed_off_by` names the person when a system submits for them (an API key)."""
    name = user.get_full_name() or user.get_username()
    if signed_off_by:
        return f"Submitted by {name} and signed off by {signed_off_by}: \u201c{SIGN_OFF_STATEMENT}.\u201d"
    return f"Submitted and signed off by {name}: \u201c{SIGN_OFF_STATEMENT}.\u201d"


class EditRefused(Exception):
    """The return cannot be changed now; the text says why and what to do."""


class NotSignedOff(EditRefused):
    """A return is submitted only with its lead's sign-off, whoever or whatever asks (page, upload, command)."""

    def __init__(self) -> None:
        super().__init__(
            "The return was not submitted: confirm that the figures are accurate and have been checked, then submit."
        )


class ReturnInvalid(Exception):
    def __init__(self, problems: validation.Problems) -> None:
        super().__init__("The return has problems that must be fixed or explained before it can be submitted.")
        self.problems = problems


@dataclass
class Conflict(Exception):
    """Someone saved the return after this user opened it: nothing of theirs is overwritten."""

    changed_by: str
    changed_at: object
    changed_codes: frozenset[str]
    current_version: int

    def __str__(self) -> str:
        when = when_in_words(self.changed_at)
        return (
            f"{self.changed_by} changed this return at {when}, after you opened it. Your changes have not been "
            "saved: they are still in the form below. Check the marked rows, then save again."
        )


def _lock(ret: Return) -> Return:
    return Return.objects.select_for_update().select_related("agency", "period").get(pk=ret.pk)


def _conflict(locked: Return, seen_version: int) -> Conflict:
    last = locked.history.select_related("history_user").order_by("-history_date", "-history_id").first()
    codes = locked.values.filter(changed_in_version__gt=seen_version).values_list("indicator__code", flat=True)
    return Conflict(
        changed_by=str(last.history_user) if last and last.history_user else "Someone",
        changed_at=locked.updated_at,
        changed_codes=frozenset(codes),
        current_version=locked.version,
    )


def conflict_since(ret: Return, seen_version: int) -> Conflict | None:
    """The conflict a save made from `seen_version` would meet now, or None: for checks that save nothing (the API's
    dry run); a save learns it from return_save_values under the row lock."""
    return None if ret.version == seen_version else _conflict(ret, seen_version)


def _actor(user: User, ret: Return) -> Actor:
    if access.can_manage(user):
        return Actor.ANALYST
    if access.can_edit(user, ret.agency):
        return Actor.AGENCY
    raise IllegalTransition("You cannot change the status of this return.")


def _tell(kind: Kind, locked: Return, user: User, reason: str = "") -> None:
    """The people concerned hear of it: rows now, in this transaction; emails once it commits."""
    notifications.work_notify(kind=kind, work=locked, noun="neglect return", acting_user=user, reason=reason)


def _advance(
    locked: Return, *, step: Step, user: User, reason: str = "", source: str = HistorySource.FORM, note: str = ""
) -> Return:
    """`note` is what the history says when it is not the status's reason (a submission's sign-off)."""
    locked.status = lifecycle.check(state=locked.status, step=step, actor=_actor(user, locked), reason=reason)
    locked.status_reason = reason.strip()
    locked.version += 1
    locked.updated_by = user
    record_as(locked, user=user, source=source, reason=note or reason.strip())
    locked.save()
    return locked


@transaction.atomic
def return_start(
    *,
    agency: Agency,
    period: ReportingPeriod,
    acting_user: User,
    today: date | None = None,
    source: str = HistorySource.FORM,
) -> Return:
    """Start (or find) this agency's return for the quarter, with a blank row per expected indicator."""
    if not access.can_edit(acting_user, agency):
        raise EditRefused(f"Only {agency}'s leads can start its return.")
    existing = Return.objects.filter(agency=agency, period=period).first()
    if existing:
        return existing
    refusal = period_edit_block_reason(period, today or timezone.localdate())
    if refusal:
        raise EditRefused(refusal)
    return return_find_or_create(agency=agency, period=period, acting_user=acting_user, source=source)


def return_find_or_create(
    *, agency: Agency, period: ReportingPeriod, acting_user: User, source: str = HistorySource.FORM, reason: str = ""
) -> Return:
    """The agency's return for the quarter, made now (with a blank row per expected indicator) if there is none.

    The caller has checked who may. Six starts at the same moment (double clicks, tabs, a colleague, a scrutiny
    feed) give one return: the unique constraint decides, and the others get the one it kept."""
    existing = Return.objects.filter(agency=agency, period=period).first()
    if existing:
        return existing
    try:
        with transaction.atomic():  # a savepoint, so a lost race leaves the caller's transaction usable
            ret = Return(agency=agency, period=period, updated_by=acting_user)
            record_as(ret, user=acting_user, source=source, reason=reason or "started")
            ret.save()
            for indicator in selectors.expected_indicators(agency=agency):
                value = ReturnValue(ret=ret, indicator=indicator, changed_in_version=ret.version)
                record_as(value, user=acting_user, source=source, reason=reason or "started")
                value.save()
    except IntegrityError:
        return Return.objects.get(agency=agency, period=period)
    return ret


def _clean(data: Mapping[str, object]) -> dict[str, object]:
    """Only the fields given: an upload, which has no expected date, leaves the stored one alone."""
    cleaned: dict[str, object] = {name: str(data.get(name) or "").strip() for name in TEXT_FIELDS if name in data}
    if "expected_on" in data:
        cleaned["expected_on"] = data.get("expected_on") or None
    return cleaned


@transaction.atomic
def return_save_values(
    *,
    ret: Return,
    acting_user: User,
    seen_version: int,
    inputs: Mapping[str, Mapping[str, object]],
    source: str = HistorySource.FORM,
    reason: str = "",
) -> tuple[Return, int]:
    """Save typed values exactly as typed (even invalid ones: a draft never loses anything).

    `inputs` maps indicator code to its fields. Refused whole if the user may not edit, or if anyone
    saved since `seen_version`. Returns (the return, how many values changed).
    """
    locked = _lock(ret)
    refusal = selectors.edit_block_reason(locked, acting_user)
    if refusal:
        raise EditRefused(refusal)
    if locked.version != seen_version:
        raise _conflict(locked, seen_version)
    # What changed is found from plain rows first; only the changed values are read as models and saved (each
    # with its history record). A save of a 150-indicator return usually changes a few: the others cost nothing.
    names = (*TEXT_FIELDS, "expected_on")
    stored = {
        code: dict(zip(("pk", *names), figures, strict=True))
        for code, *figures in locked.values.values_list("indicator__code", "pk", *names)
    }
    changes: dict[str, dict[str, object]] = {}
    for code, data in inputs.items():
        cleaned = _clean(data)
        row = stored.get(code)
        if row is None or any(row[name] != new for name, new in cleaned.items()):
            changes[code] = cleaned
    if not changes:
        return locked, 0
    code_of = {stored[code]["pk"]: code for code in changes if code in stored}
    values = {code_of[v.pk]: v for v in ReturnValue.objects.filter(pk__in=list(code_of))}
    missing = [code for code in changes if code not in values]
    if missing:  # a value the return has no row for yet: only for an indicator this agency supplies
        indicators = {i.code: i for i in selectors.expected_indicators(agency=locked.agency).filter(code__in=missing)}
        values.update(
            {code: ReturnValue(ret=locked, indicator=indicators[code]) for code in missing if code in indicators}
        )
    new_version = locked.version + 1
    changed = 0
    for code, cleaned in changes.items():
        value = values.get(code)
        if value is None:
            continue  # not an indicator this agency supplies: never stored
        for name, new in cleaned.items():
            setattr(value, name, new)
        value.changed_in_version = new_version
        record_as(value, user=acting_user, source=source, reason=reason)
        value.save()
        changed += 1
    if changed:
        locked.version = new_version
        locked.updated_by = acting_user
        record_as(locked, user=acting_user, source=source, reason=reason or f"{changed} value(s) saved")
        locked.save()
    return locked, changed


@transaction.atomic
def return_submit(
    *,
    ret: Return,
    acting_user: User,
    seen_version: int,
    signed_off: bool,
    signed_off_by: str = "",
    source: str = HistorySource.FORM,
) -> Return:
    """`signed_off`: the lead confirmed the sign-off statement. Without it nothing changes (NotSignedOff); with it
    the history records the statement with the signer's name, and the record's time is when they signed.
    `signed_off_by`: the person who signed, when a system (an API key) submits for them."""
    if signed_off is not True:
        raise NotSignedOff()
    locked = _lock(ret)
    lifecycle.check(state=locked.status, step=Step.SUBMIT, actor=_actor(acting_user, locked))
    refusal = selectors.edit_block_reason(locked, acting_user)
    if refusal:
        raise EditRefused(refusal)
    if locked.version != seen_version:
        raise _conflict(locked, seen_version)
    problems = selectors.current_problems(locked)
    if problems.blocking:
        raise ReturnInvalid(problems)
    locked.submitted_at = timezone.now()
    locked.submitted_by = acting_user
    submitted = _advance(
        locked,
        step=Step.SUBMIT,
        user=acting_user,
        reason="",
        source=source,
        note=sign_off_note(acting_user, signed_off_by),
    )
    _tell(Kind.SUBMITTED, submitted, acting_user)
    return submitted


@transaction.atomic
def return_accept(*, ret: Return, acting_user: User) -> Return:
    locked = _lock(ret)
    lifecycle.check(state=locked.status, step=Step.ACCEPT, actor=_actor(acting_user, locked))
    problems = selectors.current_problems(locked)
    if problems.blocking:
        raise ReturnInvalid(problems)
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = acting_user
    accepted = _advance(locked, step=Step.ACCEPT, user=acting_user, source=HistorySource.REVIEW)
    build_requests.dataset_request_build(reason=f"accepted: {accepted}")
    _tell(Kind.ACCEPTED, accepted, acting_user)
    return accepted


@transaction.atomic
def return_send_back(*, ret: Return, acting_user: User, reason: str) -> Return:
    locked = _lock(ret)
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = acting_user
    sent_back = _advance(locked, step=Step.RETURN, user=acting_user, reason=reason, source=HistorySource.REVIEW)
    _tell(Kind.SENT_BACK, sent_back, acting_user, reason)
    return sent_back


@transaction.atomic
def return_reopen(*, ret: Return, acting_user: User, reason: str) -> Return:
    locked = _lock(ret)
    if locked.status == State.ACCEPTED:
        locked.revision += 1
    reopened = _advance(locked, step=Step.REOPEN, user=acting_user, reason=reason, source=HistorySource.REOPEN)
    build_requests.dataset_request_build(reason=f"reopened: {reopened}")
    _tell(Kind.REOPENED, reopened, acting_user, reason)
    return reopened


def returns_accept_many(*, ids: Iterable[int], acting_user: User) -> tuple[list[Return], list[tuple[Return, str]]]:
    """Accept each return that can be accepted; each in its own transaction, so one refusal stops no other."""
    accepted: list[Return] = []
    skipped: list[tuple[Return, str]] = []
    for ret in Return.objects.filter(pk__in=list(ids)).select_related("agency", "period"):
        try:
            accepted.append(return_accept(ret=ret, acting_user=acting_user))
        except ReturnInvalid as invalid:
            skipped.append((ret, f"It has {invalid.problems.blocking_summary()}: open it to review."))
        except IllegalTransition as refused:
            skipped.append((ret, str(refused)))
    return accepted, skipped
