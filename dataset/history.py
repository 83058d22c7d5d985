"""How changes are recorded: who, how (form, upload, review, reopen...) and why, on every historical row."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

from agencies.models import User


def record_as(instance: Model, *, user: User | None, source: str, reason: str = "") -> Model:
    """Mark the next save of `instance` with who made it, how and why (django-simple-history reads these)."""
    instance._history_user = user
    instance._history_source = source
    instance._change_reason = reason
    return instance


def when_in_words(moment) -> str:
    """ "09:05 on 1 December 2026": when a change was saved, as a refusal names it (stale saves, feeds)."""
    local = timezone.localtime(moment)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def history_attrs(*, source: str) -> dict[str, Any]:
    """For bulk_create_with_history / bulk_update_with_history: `custom_historical_attrs`."""
    return {"history_source": source}


@receiver(pre_create_historical_record)
def _copy_source(sender, instance: Model, history_instance: Model, **kwargs: Any) -> None:
    source = getattr(instance, "_history_source", None)
    if source and hasattr(history_instance, "history_source"):
        history_instance.history_source = source
