"""Scrutiny fixtures: the URLs (until the site includes them), a quarter, an outcome, an
audit with hand-graded cases, evidence with a real PDF attached, a training session, and tiny real files."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dataset.models import ReportingPeriod
from scrutiny import services
from scrutiny.models import Audit, CaseAudit, EvidenceItem, EvidenceSource, ImpactOutcome, TrainingSession

# --- tiny real files -----------------------------------------------------------------------------------
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


MAIN_TYPES = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}


def office_zip(main_part: str, *, content_type: str | None = None) -> bytes:
    """A tiny Office file: `main_part` declared in [Content_Types].xml as what it is (or as `content_type`)."""
    declared = content_type or MAIN_TYPES.get(main_part, "application/xml")
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{main_part}" ContentType="{declared}"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr(main_part, '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


@pytest.fixture
def pdf_upload():
    return SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")


# --- objects -------------------------------------------------------------------------------------------
@pytest.fixture
def period(db):
    return ReportingPeriod.objects.create(
        year=2020, quarter=2, opens_on=date(2020, 7, 1), due_on=date(2020, 8, 1), locks_on=date(2020, 9, 1)
    )


@pytest.fixture
def outcome(scrutineer):
    return services.outcome_save(
        outcome=None,
        fields={
            "title": "Neglect is recognised early",
            "description": "",
            "key_questions": "Do practitioners recognise neglect?\nDo they act on it?",
            "expected_sources": [EvidenceSource.AUDIT, EvidenceSource.VOICE_PRACTITIONERS],
            "position": 1,
        },
        indicators=[],
        actions=[],
        acting_user=scrutineer,
    )


GRADED = [  # (reference, identification, history, impact, actions)
    ("MAA-01", "outstanding", "good", "good", "good"),
    ("MAA-02", "good", "requires_improvement", "good", "inadequate"),
    ("MAA-03", "inadequate", "good", "requires_improvement", "good"),
    ("MAA-04", "good", "outstanding", "good", "good"),
]


@pytest.fixture
def audit(scrutineer, period, csc, police):
    audit = services.audit_save(
        audit=None,
        fields={"title": "Neglect audit, summer 2020", "period": period, "scope": "Eight cases open to CSC."},
        auditor_agencies=[csc, police],
        acting_user=scrutineer,
    )
    for ref, ident, hist, impact, acts in GRADED:
        services.case_save(
            case=None,
            audit=audit,
            fields={
                "case_reference": ref,
                "agency": csc,
                "grade_identification": ident,
                "grade_history": hist,
                "grade_impact": impact,
                "grade_actions": acts,
                "findings": "",
                "actions": "",
            },
            acting_user=scrutineer,
        )
    return audit


@pytest.fixture
def case(audit):
    return audit.cases.get(case_reference="MAA-01")


@pytest.fixture
def evidence(scrutineer, csc, outcome, pdf_upload):
    return services.evidence_save(
        item=None,
        fields={
            "source": EvidenceSource.VOICE_CHILDREN,
            "title": "Young people's group, June",
            "gathered_on": date(2020, 6, 12),
            "agency": csc,
            "summary": "Young people said workers listened.",
            "quotes": "They came back when they said they would.",
            "heard_count": 9,
            "heard_who": "children",
        },
        outcomes=[outcome],
        upload=pdf_upload,
        acting_user=scrutineer,
    )


@pytest.fixture
def training(scrutineer):
    return services.training_save(
        session=None,
        fields={
            "title": "Graded Care Profile 2",
            "held_on": date(2020, 5, 4),
            "agency": None,
            "scale_max": 10,
            "respondents": 18,
            "mean_before": Decimal("4.50"),
            "mean_after": Decimal("7.25"),
        },
        acting_user=scrutineer,
    )


def db_state():
    """Everything the scrutiny pages can change, for before/after comparisons."""
    return (
        list(ImpactOutcome.objects.order_by("pk").values_list("title", "key_questions", "expected_sources")),
        list(ImpactOutcome.indicators.through.objects.order_by("pk").values_list("impactoutcome_id", "indicator_id")),
        list(Audit.objects.order_by("pk").values_list("title", "scope")),
        list(CaseAudit.objects.order_by("pk").values_list("case_reference", "grade_identification", "findings")),
        list(EvidenceItem.objects.order_by("pk").values_list("title", "summary", "attachment", "attachment_type")),
        list(TrainingSession.objects.order_by("pk").values_list("title", "mean_before", "mean_after")),
    )
