"""Writes for the Impact Framework, audits, evidence and training: each a whole change, atomically, with its
history record (who, by form). Only the scrutineer and the analyst may make them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from agencies.models import User
from dataset.history import record_as
from dataset.models import HistorySource

from . import attachments, selectors
from .models import Audit, CaseAudit, EvidenceItem, ImpactOutcome, TrainingSession


class EditRefused(Exception):
    """The acting user may not make this change."""


def _check(user: User) -> None:
    if not selectors.can_edit(user):
        raise EditRefused("Only the scrutineer and the partnership analyst can change the Impact Framework evidence.")


def _apply(instance, fields: Mapping[str, object], user: User, *, exclude: Iterable[str] = ()):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=list(exclude))
    record_as(instance, user=user, source=HistorySource.FORM)
    instance.save()
    return instance


@transaction.atomic
def outcome_save(
    *, outcome: ImpactOutcome | None, fields: Mapping[str, object], indicators, actions, acting_user: User
) -> ImpactOutcome:
    _check(acting_user)
    outcome = _apply(outcome or ImpactOutcome(), fields, acting_user)
    outcome.indicators.set(indicators)
    outcome.actions.set(actions)
    return outcome


@transaction.atomic
def audit_save(*, audit: Audit | None, fields: Mapping[str, object], auditor_agencies, acting_user: User) -> Audit:
    _check(acting_user)
    audit = audit or Audit(created_by=acting_user)
    audit = _apply(audit, fields, acting_user)
    audit.auditor_agencies.set(auditor_agencies)
    return audit


@transaction.atomic
def case_save(*, case: CaseAudit | None, audit: Audit, fields: Mapping[str, object], acting_user: User) -> CaseAudit:
    _check(acting_user)
    return _apply(case or CaseAudit(audit=audit), fields, acting_user)


@transaction.atomic
def evidence_save(
    *,
    item: EvidenceItem | None,
    fields: Mapping[str, object],
    outcomes,
    upload: UploadedFile | None,
    acting_user: User,
) -> EvidenceItem:
    """`upload`, when given, replaces any earlier attachment; its kind comes from its content."""
    _check(acting_user)
    item = item or EvidenceItem(created_by=acting_user)
    kind = None
    if upload is not None:  # AttachmentRefused when its content is not what it should be
        kind = attachments.check(upload, size=upload.size, name=upload.name or "")
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean(exclude=["attachment"])
    if upload is not None and kind:
        original = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
        stem = original.rsplit(".", 1)[0] if "." in original else original
        item.attachment.save(f"{uuid.uuid4().hex}.{kind}", upload, save=False)  # never the typed name on disk
        item.attachment_name = f"{stem or 'evidence'}.{kind}"
        item.attachment_type = kind
    record_as(item, user=acting_user, source=HistorySource.FORM)
    item.save()
    item.outcomes.set(outcomes)
    return item


@transaction.atomic
def training_save(*, session: TrainingSession | None, fields: Mapping[str, object], acting_user: User):
    _check(acting_user)
    return _apply(session or TrainingSession(), fields, acting_user)
