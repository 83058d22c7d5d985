"""Reads for the Impact Framework and its evidence. Partnership readers (the analyst, members and the
scrutineer) read everything here; the scrutineer and the analyst edit; everyone else gets a 404."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from agencies import access
from agencies.models import User

from .models import Audit, CaseAudit, EvidenceItem, EvidenceSource, ImpactOutcome, TrainingSession


def can_read(user: User) -> bool:
    return access.can_read_all(user)


def can_edit(user: User) -> bool:
    return access.can_scrutinise(user) or access.can_manage(user)


def require_reader(user: User) -> None:
    if not can_read(user):
        raise Http404("Not found")


def require_editor(user: User) -> None:
    if not can_edit(user):
        raise Http404("Not found")


def outcomes(*, user: User) -> QuerySet[ImpactOutcome]:
    require_reader(user)
    # evidence_count: an outcome with no linked action or no evidence is a gap the scrutineer is shown.
    qs = ImpactOutcome.objects.prefetch_related("indicators", "actions__plan__agency")
    return qs.annotate(evidence_count=Count("evidence", distinct=True))


def outcome_for_edit(*, user: User, pk: int) -> ImpactOutcome:
    require_editor(user)
    return get_object_or_404(ImpactOutcome, pk=pk)


def audits(*, user: User) -> QuerySet[Audit]:
    require_reader(user)
    return (
        Audit.objects.select_related("period").prefetch_related("auditor_agencies").annotate(case_count=Count("cases"))
    )


def audit_for_read(*, user: User, pk: int) -> Audit:
    return get_object_or_404(audits(user=user), pk=pk)


def audit_for_edit(*, user: User, pk: int) -> Audit:
    require_editor(user)
    return get_object_or_404(Audit.objects.select_related("period"), pk=pk)


def audit_cases(audit: Audit) -> list[CaseAudit]:
    return list(audit.cases.select_related("agency").order_by("case_reference"))


def case_for_edit(*, user: User, pk: int) -> CaseAudit:
    require_editor(user)
    return get_object_or_404(CaseAudit.objects.select_related("audit__period", "agency"), pk=pk)


def evidence(*, user: User, source: str = "") -> QuerySet[EvidenceItem]:
    require_reader(user)
    qs = EvidenceItem.objects.select_related("agency").prefetch_related("outcomes")
    if source in EvidenceSource.values:
        qs = qs.filter(source=source)
    return qs


def evidence_for_read(*, user: User, pk: int) -> EvidenceItem:
    return get_object_or_404(evidence(user=user), pk=pk)


def evidence_for_edit(*, user: User, pk: int) -> EvidenceItem:
    require_editor(user)
    return get_object_or_404(EvidenceItem, pk=pk)


def training(*, user: User) -> QuerySet[TrainingSession]:
    require_reader(user)
    return TrainingSession.objects.select_related("agency")
