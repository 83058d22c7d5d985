"""Setting up, checking, removing and resetting a person's second factor. Every event goes to the access log."""

from __future__ import annotations

import re
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime, timedelta

import django_otp
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.access_log import access_event
from agencies.models import User

APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"
RECOVERY_CODES = 10
# Set while a person is signed in and has no device and no duty to have one: the middleware asks the database once.
NO_DEVICE_KEY = "second_factor_none_for"
# Recovery codes just made, shown once on the next page (and offered as a text file) until the person moves on.
NEW_CODES_KEY = "second_factor_new_codes"


class CodeRefused(Exception):
    """A code that was not accepted; `message` says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def app_device(user: User, *, confirmed: bool | None = True) -> TOTPDevice | None:
    qs = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        qs = qs.filter(confirmed=confirmed)
    return qs.order_by("-confirmed", "pk").first()


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_in_groups(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32 in groups of four ("ABCD EFGH ...")."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise(code: str) -> str:
    """Spaces and dashes people type between groups do not count; recovery codes are lower case."""
    return re.sub(r"[\s-]", "", code or "").lower()


# --- the lock: wrong codes counted on the person's app device, whichever kind of code was tried --------------
@dataclass(frozen=True)
class Lock:
    until: datetime

    @property
    def minutes(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds() + 59) // 60)


def lock_for(device: TOTPDevice) -> Lock | None:
    if device.throttling_failure_count < settings.OTP_LOCK_AFTER or device.throttling_failure_timestamp is None:
        return None
    until = device.throttling_failure_timestamp + timedelta(minutes=settings.OTP_LOCK_MINUTES)
    return Lock(until) if until > timezone.now() else None


def _lock_expire(device: TOTPDevice) -> None:
    """A lock that has run out starts the count again (else the next slip would lock at once)."""
    if device.throttling_failure_count >= settings.OTP_LOCK_AFTER and lock_for(device) is None:
        _clear_failures(device)
        device.throttling_failure_count = 0
        device.throttling_failure_timestamp = None


def _refuse_if_locked(device: TOTPDevice, *, request: HttpRequest, user: User, step: str) -> None:
    lock = lock_for(device)
    if lock:
        access_event("otp_failed", request=request, user=user, outcome="locked", step=step)
        raise CodeRefused(locked_message(lock))
    _lock_expire(device)


def _count_failure(device: TOTPDevice) -> None:
    """One more wrong code. (TOTPDevice.verify_token counts its own failures; this is for every other kind.)"""
    device.throttle_increment(commit=False)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=F("throttling_failure_count") + 1,
        throttling_failure_timestamp=device.throttling_failure_timestamp,
    )
    device.refresh_from_db(fields=["throttling_failure_count", "throttling_failure_timestamp"])


def _clear_failures(device: TOTPDevice) -> None:
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def _wrong_code_message(device: TOTPDevice, *, recovery_allowed: bool) -> str:
    left = settings.OTP_LOCK_AFTER - device.throttling_failure_count
    what = "the 6-digit code your authenticator app shows now"
    if recovery_allowed:
        what += ", or one of your recovery codes"
    return (
        f"The code is not right. Enter {what}. You can try {left} more time{'s' if left != 1 else ''} "
        f"before this step is locked for {settings.OTP_LOCK_MINUTES} minutes."
    )


def locked_message(lock: Lock) -> str:
    return (
        f"There have been {settings.OTP_LOCK_AFTER} wrong codes, so the code step is locked. "
        f"Try again in {lock.minutes} minute{'s' if lock.minutes != 1 else ''}."
    )


def _signed_in_with(request: HttpRequest, device) -> None:
    """Mark the session verified by `device`, with a new session key (the person's privileges just rose)."""
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session.pop(NO_DEVICE_KEY, None)


# --- setting up -------------------------------------------------------------------------------------------
@transaction.atomic
def app_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device a person is setting up: the same one (same secret) until they confirm it."""
    device = app_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)
    return device


@transaction.atomic
def recovery_codes_new(*, user: User) -> list[str]:
    """Ten new single-use recovery codes, replacing any the person had."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def app_device_confirm(*, request: HttpRequest, user: User, code: str) -> list[str]:
    """Confirm the device being set up with a code from the app; returns the new recovery codes."""
    device = app_device(user, confirmed=False)
    if device is None:
        raise CodeRefused("Start again: the set-up has expired. Scan the new QR code, then enter its code.")
    _refuse_if_locked(device, request=request, user=user, step="setup")
    if _try_code(user=user, app=device, token=normalise(code), recovery=False) is None:
        access_event("otp_failed", request=request, user=user, outcome="refused", step="setup")
        raise CodeRefused(_refusal(device, recovery_allowed=False))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = recovery_codes_new(user=user)
    _signed_in_with(request, device)
    access_event("otp_setup", request=request, user=user, device_id=device.pk)
    return codes


def _try_code(*, user: User, app: TOTPDevice, token: str, recovery: bool = True) -> TOTPDevice | StaticDevice | None:
    """The device that accepts `token` (a 6-digit app code, or a recovery code when `recovery`), or None.

    A wrong code of any kind counts once towards the lock on the app device; a right one clears the count.
    Never inside a transaction that a refusal would roll back: the count must stay."""
    if re.fullmatch(r"\d{6}", token):
        with transaction.atomic():
            locked = TOTPDevice.objects.select_for_update().get(pk=app.pk)
            # verify_token counts its own failure, and clears the count on success.
            verified = locked if locked.verify_token(token) else None
        app.refresh_from_db(fields=["throttling_failure_count", "throttling_failure_timestamp"])
        return verified
    verified = None
    rec = recovery_device(user) if recovery and token else None
    if rec is not None:
        verified = django_otp.verify_token(user, rec.persistent_id, token)
    if verified is None:
        _count_failure(app)
    else:
        _clear_failures(app)
    return verified


def _refusal(app: TOTPDevice, *, recovery_allowed: bool) -> str:
    lock = lock_for(app)
    return locked_message(lock) if lock else _wrong_code_message(app, recovery_allowed=recovery_allowed)


# --- signing in with a code --------------------------------------------------------------------------------
def code_check(*, request: HttpRequest, user: User, code: str) -> str:
    """Check a code from the app or a recovery code and mark the session verified; returns "app" or "recovery".

    Raises CodeRefused with the message to show. Wrong codes of either kind count towards the lock."""
    app = app_device(user)
    if app is None:
        raise CodeRefused("You have no second factor set up. Set one up to carry on.")
    _refuse_if_locked(app, request=request, user=user, step="sign_in")
    token = normalise(code)
    kind = "app" if re.fullmatch(r"\d{6}", token) else "recovery"
    verified = _try_code(user=user, app=app, token=token)
    if verified is None:
        access_event("otp_failed", request=request, user=user, outcome="refused", step="sign_in", kind=kind)
        raise CodeRefused(_refusal(app, recovery_allowed=True))
    _signed_in_with(request, verified)
    if kind == "recovery":
        access_event("otp_recovery_used", request=request, user=user, codes_left=recovery_codes_left(user))
    else:
        access_event("otp_verified", request=request, user=user, device_id=verified.pk)
    return kind


# --- removing and resetting ---------------------------------------------------------------------------------
def _delete_devices(user: User) -> int:
    deleted = TOTPDevice.objects.filter(user=user).delete()[0]
    return deleted + StaticDevice.objects.filter(user=user).delete()[0]


def second_factor_remove(*, request: HttpRequest, user: User, code: str) -> None:
    """The person removes their own second factor, confirming with a current code (or a recovery code)."""
    app = app_device(user)
    if app is None:
        return
    _refuse_if_locked(app, request=request, user=user, step="remove")
    if _try_code(user=user, app=app, token=normalise(code)) is None:
        access_event("otp_failed", request=request, user=user, outcome="refused", step="remove")
        raise CodeRefused(_refusal(app, recovery_allowed=True))
    with transaction.atomic():
        _delete_devices(user)
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    access_event("otp_removed", request=request, user=user)


@transaction.atomic
def second_factor_reset(*, person: User, acting_user: User, reason: str, request: HttpRequest | None = None) -> int:
    """An administrator (or the analyst) removes a person's devices, e.g. a lost phone: they set up again at
    their next sign-in. Recorded in the person's history with the reason, and in the access log."""
    deleted = _delete_devices(person)
    person._history_user = acting_user
    person._change_reason = f"Second factor reset by {acting_user.get_username()}: {reason}"[:1000]
    person.save(update_fields=["role"])  # nothing changes but the history row records who, when and why
    access_event(
        "otp_reset_by_admin",
        request=request,
        user=acting_user,
        person=person.get_username(),
        person_id=person.pk,
        devices=deleted,
        reason=reason,
    )
    return deleted


def people_with_second_factor(pks: list[int]) -> set[int]:
    return set(TOTPDevice.objects.filter(user_id__in=pks, confirmed=True).values_list("user_id", flat=True))
