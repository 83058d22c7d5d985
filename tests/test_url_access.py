"""Every URL pattern, every persona, GET and POST, against a table of expected answers (issue 15 item 9).

The patterns come from the URLconf itself (Django's admin and static files left out), so a new URL without a row in
EXPECTED fails with a message naming it. Ids are filled with real demo objects of each kind, all of Children's Social
Care's where the object belongs to an agency: csc.lead reads its own, police.lead tries another agency's and must be
answered as if it did not exist. POSTs carry no data: a view must refuse, redirect or show its form, never answer 500
or act on another agency's object. Each request runs in a savepoint that is rolled back, so no request changes what
the next one sees. One database setup (the demo partnership) serves the whole table.

A row is seven "GET/POST" pairs in PERSONAS order. To see the table for today's URLconf (after adding a URL):
URL_ACCESS_PRINT=1 pytest tests/test_url_access.py -s, then read each new row before pasting it: it is the
expected answer, not whatever the code does.
"""

from __future__ import annotations

import os
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

PERSONAS = ("anonymous", "csc.lead", "police.lead", "analyst", "member", "scrutineer", "admin")
# URLs whose object belongs to Children's Social Care: police.lead must never get more than a 404 (or 405) there.
OTHER_AGENCYS = {
    "agencies:detail",
    "dataset:return_detail", "dataset:return_edit", "dataset:return_submit", "dataset:return_history",
    "dataset:return_template_xlsx", "dataset:return_template_csv", "dataset:return_upload",
    "dataset:upload_preview", "dataset:upload_confirm",
    "actionplans:plan_detail", "actionplans:plan_edit", "actionplans:action_create", "actionplans:action_edit",
    "actionplans:report_detail", "actionplans:report_edit", "actionplans:report_submit",
    "actionplans:report_history", "actionplans:report_print",
    "notifications:open",  # the scrutineer's: nobody else's to open
}  # fmt: skip

EXPECTED: dict[str, str] = {
    # name: anonymous csc.lead police.lead analyst member scrutineer admin, each GET/POST
    "home": "302/302 200/405 200/405 200/405 200/405 200/405 200/405",
    "dashboard": "302/302 404/405 404/405 200/405 200/405 200/405 404/405",
    "healthz": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "login": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "password_change": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "password_reset": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "password_reset_confirm": "200/200 200/200 200/200 200/200 200/200 200/200 200/200",
    "logout": "302/302 405/302 405/302 405/302 405/302 405/302 405/302",
    "password_change_done": "302/302 200/405 200/405 200/405 200/405 200/405 200/405",
    "password_reset_done": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "password_reset_complete": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "agencies:list": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "agencies:detail": "302/302 200/200 404/404 200/200 200/200 200/200 404/404",
    "agencies:access_log": "302/302 404/405 404/405 404/405 404/405 404/405 200/405",
    "agencies:api_keys": "302/302 404/405 404/405 200/405 404/405 404/405 200/405",
    "agencies:api_key_create": "302/302 404/404 404/404 200/400 404/404 404/404 200/400",
    "agencies:api_key_made": "302/302 404/405 404/405 200/405 404/405 404/405 200/405",
    "agencies:api_key_revoke": "302/302 404/404 404/404 200/302 404/404 404/404 200/302",
    "review_queue": "302/302 404/405 404/405 200/405 404/405 404/405 404/405",
    "review_accept_many": "302/302 405/404 405/404 405/400 405/404 405/404 405/404",
    "dataset:return_list": "302/302 200/405 200/405 200/405 200/405 200/405 200/405",
    "dataset:return_start": "302/302 405/302 405/302 405/404 405/404 405/404 405/404",
    "dataset:return_detail": "302/302 200/405 404/405 200/405 200/405 200/405 404/405",
    "dataset:return_edit": "302/302 200/400 404/404 404/404 404/404 404/404 404/404",
    "dataset:return_submit": "302/302 405/302 405/404 405/404 405/404 405/404 405/404",
    "dataset:return_history": "302/302 200/405 404/405 200/405 200/405 200/405 404/405",
    "dataset:return_accept": "302/302 405/404 405/404 405/302 405/404 405/404 405/404",
    "dataset:return_send_back": "302/302 405/404 405/404 405/400 405/404 405/404 405/404",
    "dataset:return_reopen": "302/302 405/404 405/404 405/400 405/404 405/404 405/404",
    "dataset:validation_rules": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "dataset:indicator_list": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "dataset:indicator_create": "302/302 404/404 404/404 200/400 404/404 404/404 404/404",
    "dataset:indicator_edit": "302/302 404/404 404/404 200/400 404/404 404/404 404/404",
    "dataset:indicator_retire": "302/302 404/404 404/404 405/302 404/404 404/404 404/404",
    "dataset:check_list": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "dataset:check_create": "302/302 404/404 404/404 200/400 404/404 404/404 404/404",
    "dataset:check_edit": "302/302 404/404 404/404 200/400 404/404 404/404 404/404",
    "dataset:check_set_active": "302/302 404/404 404/404 405/302 404/404 404/404 404/404",
    "dataset:period_list": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "dataset:period_create_next": "302/302 404/404 404/404 405/302 404/404 404/404 404/404",
    "dataset:period_edit": "302/302 404/404 404/404 200/400 404/404 404/404 404/404",
    "dataset:return_template_xlsx": "302/302 302/405 404/405 404/405 404/405 404/405 404/405",
    "dataset:return_template_csv": "302/302 302/405 404/405 404/405 404/405 404/405 404/405",
    "dataset:return_upload": "302/302 200/400 404/404 404/404 404/404 404/404 404/404",
    "dataset:upload_preview": "302/302 200/405 404/405 404/405 404/405 404/405 404/405",
    "dataset:upload_confirm": "302/302 405/400 405/404 405/404 405/404 405/404 405/404",
    "dataset:tracker": "302/302 404/405 404/405 200/405 200/405 200/405 404/405",
    "dataset:chase_list": "302/302 404/405 404/405 200/405 404/405 404/405 404/405",
    "dataset:chase_send": "302/302 404/404 404/404 405/302 404/404 404/404 404/404",
    "dataset:dataset": "302/302 200/405 200/405 200/405 200/405 200/405 200/405",
    "dataset:themes": "302/302 200/405 200/405 200/405 200/405 200/405 200/405",
    "dataset:dataset_build": "302/302 405/404 405/404 405/302 405/404 405/404 405/404",
    "dataset:dataset_baseline": "302/302 405/404 405/404 405/302 405/404 405/404 405/404",
    "dataset:dataset_publish": "302/302 405/404 405/404 405/302 405/404 405/404 405/404",
    "dataset:dataset_export": "302/302 200/405 200/405 200/405 200/405 200/405 404/405",
    "dataset:dataset_export_job": "302/302 302/302 302/302 302/302 302/302 302/302 404/404",
    "dataset:export_job_progress": "302/302 404/405 404/405 200/405 200/405 200/405 404/405",
    "dataset:export_job_download": "302/302 404/405 404/405 200/405 200/405 200/405 404/405",
    "dataset:dataset_cell": "302/302 200/405 200/405 200/405 200/405 200/405 404/405",
    "dataset:indicator": "302/302 200/405 200/405 200/405 200/405 200/405 200/405",
    "dataset:indicator_data": "302/302 200/405 200/405 200/405 200/405 200/405 404/405",
    "dataset:process_change_add": "302/302 405/404 405/404 405/400 405/404 405/404 405/404",
    "dataset:process_change_remove": "302/302 405/404 405/404 405/302 405/404 405/404 405/404",
    "dataset:agency_view": "302/302 200/405 200/405 404/405 404/405 404/405 404/405",
    "dataset:glossary": "302/302 200/405 200/405 200/405 200/405 200/405 200/405",
    "actionplans:plan_list": "302/302 200/405 200/405 200/405 200/405 200/405 200/405",
    "actionplans:plan_create": "302/302 200/400 200/400 404/404 404/404 404/404 404/404",
    "actionplans:plan_detail": "302/302 200/405 404/405 200/405 200/405 200/405 404/405",
    "actionplans:plan_edit": "302/302 200/400 404/404 404/404 404/404 404/404 404/404",
    "actionplans:action_create": "302/302 200/400 404/404 404/404 404/404 404/404 404/404",
    "actionplans:action_edit": "302/302 200/400 404/404 404/404 404/404 404/404 404/404",
    "actionplans:report_start": "302/302 405/302 405/302 405/404 405/404 405/404 405/404",
    "actionplans:report_detail": "302/302 200/405 404/405 200/405 200/405 200/405 404/405",
    "actionplans:report_edit": "302/302 200/400 404/404 404/404 404/404 404/404 404/404",
    "actionplans:report_submit": "302/302 405/302 405/404 405/404 405/404 405/404 405/404",
    "actionplans:report_accept": "302/302 405/404 405/404 405/302 405/404 405/404 405/404",
    "actionplans:report_send_back": "302/302 405/404 405/404 405/400 405/404 405/404 405/404",
    "actionplans:report_reopen": "302/302 405/404 405/404 405/400 405/404 405/404 405/404",
    "actionplans:report_history": "302/302 200/405 404/405 200/405 200/405 200/405 404/405",
    "actionplans:report_print": "302/302 200/405 404/405 200/405 200/405 200/405 404/405",
    "actionplans:summary": "302/302 404/404 404/404 200/200 200/200 200/200 404/404",
    "scrutiny:audit_feed": "302/302 405/404 405/404 405/302 405/404 405/302 405/404",
    "scrutiny:training_feed": "302/302 405/404 405/404 405/302 405/404 405/302 405/404",
    "scrutiny:outcome_list": "302/302 404/404 404/404 200/404 200/404 200/404 404/404",
    "scrutiny:outcome_create": "302/302 404/404 404/404 200/400 404/404 200/400 404/404",
    "scrutiny:outcome_edit": "302/302 404/404 404/404 200/400 404/404 200/400 404/404",
    "scrutiny:audit_list": "302/302 404/404 404/404 200/404 200/404 200/404 404/404",
    "scrutiny:audit_create": "302/302 404/404 404/404 200/400 404/404 200/400 404/404",
    "scrutiny:audit_detail": "302/302 404/404 404/404 200/404 200/404 200/404 404/404",
    "scrutiny:case_create": "302/302 404/404 404/404 200/400 404/404 200/400 404/404",
    "scrutiny:case_edit": "302/302 404/404 404/404 200/400 404/404 200/400 404/404",
    "scrutiny:evidence_list": "302/302 404/404 404/404 200/404 200/404 200/404 404/404",
    "scrutiny:evidence_create": "302/302 404/404 404/404 200/400 404/404 200/400 404/404",
    "scrutiny:evidence_edit": "302/302 404/404 404/404 200/400 404/404 200/400 404/404",
    "scrutiny:evidence_attachment": "302/302 404/404 404/404 200/404 200/404 200/404 404/404",
    "scrutiny:training_list": "302/302 404/404 404/404 200/404 200/404 200/404 404/404",
    "scrutiny:training_create": "302/302 404/404 404/404 200/400 404/404 200/400 404/404",
    "scrutiny:event_list": "302/302 404/404 404/404 200/405 200/405 200/405 404/404",
    "scrutiny:event_create": "302/302 404/404 404/404 200/400 404/404 200/400 404/404",
    "scrutiny:event_detail": "302/302 404/404 404/404 200/405 200/405 200/405 404/404",
    "scrutiny:pack_build": "302/302 404/404 404/404 405/302 404/404 405/302 404/404",
    "scrutiny:event_snapshot_switch": "302/302 404/404 404/404 405/302 404/404 405/302 404/404",
    "scrutiny:pack_detail": "302/302 404/404 404/404 200/405 200/405 200/405 404/404",
    "scrutiny:pack_progress": "302/302 404/404 404/404 200/405 200/405 200/405 404/404",
    "scrutiny:pack_download": "302/302 404/404 404/404 200/405 200/405 200/405 404/404",
    "scrutiny:pack_pdf": "302/302 404/404 404/404 200/405 200/405 200/405 404/404",
    "notifications:list": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "notifications:open": "302/302 404/404 404/404 404/404 404/404 302/302 404/404",
    "notifications:mark_all_read": "302/302 405/302 405/302 405/302 405/302 405/302 405/302",
    "notifications:preferences": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "notifications:failed": "302/302 404/405 404/405 200/405 404/405 404/405 200/405",
    "notifications:failed_retry": "302/302 405/404 405/404 405/302 405/404 405/404 405/302",
    "session_extend": "302/302 405/200 405/200 405/200 405/200 405/200 405/200",
    "accessibility": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "privacy": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "help": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "contact": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "search": "302/302 200/405 200/405 200/405 200/405 200/405 200/405",
    "two_factor:settings": "302/302 200/200 200/200 200/200 200/200 200/200 200/200",
    "two_factor:verify": "302/302 302/302 302/302 302/302 302/302 302/302 302/302",
    "two_factor:setup": "302/302 200/200 200/200 302/302 302/302 302/302 302/302",
    "two_factor:recovery_codes": "302/302 302/302 302/302 302/302 302/302 302/302 302/302",
    "two_factor:recovery_codes_download": "302/302 404/404 404/404 404/404 404/404 404/404 404/404",
    "two_factor:recovery_codes_renew": "302/302 405/302 405/302 405/302 405/302 405/302 405/302",
    "two_factor:remove": "302/302 405/400 405/400 405/400 405/400 405/400 405/400",
    "two_factor:people": "302/302 404/404 404/404 200/200 404/404 404/404 200/200",
    "two_factor:reset": "302/302 404/404 404/404 200/200 404/404 404/404 200/200",
    # issue 16: the API answers to keys, never to a session (401 for everyone signed in or not; the key access table
    # is tests/api/test_access.py); its schema and docs are public.
    "api:schema": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "api:docs": "200/405 200/405 200/405 200/405 200/405 200/405 200/405",
    "api:me": "401/401 401/401 401/401 401/401 401/401 401/401 401/401",
    "api:indicators": "401/401 401/401 401/401 401/401 401/401 401/401 401/401",
    "api:indicator": "401/401 401/401 401/401 401/401 401/401 401/401 401/401",
    "api:quarters": "401/401 401/401 401/401 401/401 401/401 401/401 401/401",
    "api:returns": "401/401 401/401 401/401 401/401 401/401 401/401 401/401",
    "api:return_detail": "401/401 401/401 401/401 401/401 401/401 401/401 401/401",
    "api:return_values": "401/401 401/401 401/401 401/401 401/401 401/401 401/401",
    "api:return_submit": "401/401 401/401 401/401 401/401 401/401 401/401 401/401",
    "api:return_history": "401/401 401/401 401/401 401/401 401/401 401/401 401/401",
    "api:dataset": "401/401 401/401 401/401 401/401 401/401 401/401 401/401",
}  # fmt: skip


def patterns(resolver=None, prefix: str = "", namespace: str = "") -> list[tuple[str, str, URLPattern]]:
    """(name, route, pattern) of every named URL pattern but the admin's and static files'."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin" or str(entry.pattern).startswith(("static", "media")):
                continue
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            found += patterns(entry, prefix + str(entry.pattern), inner)
        elif entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            found.append((name, prefix + str(entry.pattern), entry))
    return found


@pytest.fixture
def world(db, settings, django_capture_on_commit_callbacks):
    """The demo partnership with its pack built, and the kinds of object it does not hold (an upload, an export job,
    an attachment)."""
    from scrutiny.packs import files

    with (
        mock.patch.object(files, "pdf_bytes", return_value=b"%PDF-1.4\n%%EOF\n"),  # the pack, without the PDF's time
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("seed_demo", "--force", verbosity=0)
    from actionplans.models import Action, ActionPlan, ProgressReport
    from agencies import api_keys
    from agencies.models import Agency, ApiKeyKind, User
    from dataset.models import (
        DatasetSnapshot,
        ExportJob,
        Indicator,
        ProcessChange,
        RelationshipCheck,
        ReportingPeriod,
        Return,
        SnapshotStatus,
        Upload,
    )
    from notifications.models import Notification
    from scrutiny.models import Audit, CaseAudit, EvidenceItem, EvidencePack, ImpactOutcome, ScrutinyEvent

    csc = Agency.objects.get(short_name="CSC")
    lead = User.objects.get(username="csc.lead")
    period = ReportingPeriod.objects.order_by("-year", "-quarter").first()
    ret = Return.objects.filter(agency=csc).order_by("-period__year", "-period__quarter").first()
    upload = Upload.objects.create(
        ret=ret,
        file_name="q1.csv",
        content=b"code,value\n",
        sha256="0" * 64,
        seen_version=ret.version,
        uploaded_by=lead,
    )
    snapshot = DatasetSnapshot.objects.filter(status=SnapshotStatus.COMPLETE).order_by("-built_at").first()
    job = ExportJob.objects.create(snapshot=snapshot, scope="all", requested_by=User.objects.get(username="analyst"))
    job.file_name = "exports/x.xlsx"
    from django.core.files.storage import default_storage

    default_storage.save(job.file_name, ContentFile(b"PK\x05\x06" + b"\x00" * 18))
    job.status, job.progress = "complete", 100
    job.save()
    change = ProcessChange.objects.select_related("indicator").first()
    plan = ActionPlan.objects.filter(agency=csc).first()
    evidence = EvidenceItem.objects.first()
    evidence.attachment.save("minutes.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    evidence.attachment_type, evidence.attachment_name = "pdf", "minutes.pdf"
    evidence.save()
    pack = EvidencePack.objects.order_by("-pk").first()
    api_key = api_keys.key_create(
        acting_user=User.objects.get(username="analyst"),
        name="Mosaic quarterly extract",
        kind=ApiKeyKind.AGENCY,
        agency=csc,
        expires_on=timezone.localdate() + timedelta(days=30),
    ).key
    code = change.indicator.code if change else Indicator.objects.order_by("code").first().code
    ids = {
        "pk:agencies": csc.pk,
        "pk:return": ret.pk,
        "upload_pk": upload.pk,
        "period_pk": period.pk,
        "agency_pk": csc.pk,
        "pk:indicator": Indicator.objects.get(code=code).pk,
        "pk:check": RelationshipCheck.objects.values_list("pk", flat=True).first() or 1,
        "pk:period": period.pk,
        "pk:snapshot": snapshot.pk,
        "pk:exportjob": job.pk,
        "code": code,
        "quarter": (snapshot.meta.get("quarters") or [0])[-1] if isinstance(snapshot.meta, dict) else 0,
        "fmt": "csv",
        "pk:processchange": change.pk if change else 1,
        "pk:plan": plan.pk,
        "pk:action": Action.objects.filter(plan=plan).first().pk,
        "pk:report": ProgressReport.objects.filter(agency=csc).first().pk,
        "pk:outcome": ImpactOutcome.objects.first().pk,
        "pk:audit": Audit.objects.first().pk,
        "pk:case": CaseAudit.objects.filter(agency=csc).first().pk,
        "pk:evidence": evidence.pk,
        "pk:event": ScrutinyEvent.objects.first().pk,
        "pk:pack": pack.pk,
        "pk:notification": Notification.objects.filter(recipient=lead).values_list("pk", flat=True).first()
        or Notification.objects.first().pk,
        "pk:apikey": api_key.pk,
        "pk:user": lead.pk,  # whose second factor is reset: the Children's Social Care lead
        "uidb64": "MQ",
        "token": "set-password",
    }
    return {"ids": ids, "users": {u.username: u for u in User.objects.filter(username__in=PERSONAS)}}


# Which object a URL's `pk` names, by the URL's name.
PK_KIND = [
    ("agencies:api_key", "apikey"), ("agencies:", "agencies"), ("dataset:return_template", "return"),
    ("dataset:return_upload", "return"),
    ("dataset:upload_", "return"), ("dataset:return_", "return"), ("dataset:indicator_", "indicator"),
    ("dataset:check_", "check"), ("dataset:period_", "period"), ("dataset:export_job_", "exportjob"),
    ("dataset:dataset_", "snapshot"), ("dataset:process_change_", "processchange"),
    ("actionplans:action_edit", "action"), ("actionplans:report_", "report"), ("actionplans:", "plan"),
    ("scrutiny:outcome_", "outcome"), ("scrutiny:audit_", "audit"), ("scrutiny:case_create", "audit"),
    ("scrutiny:case_", "case"), ("scrutiny:evidence_", "evidence"), ("scrutiny:pack_build", "event"),
    ("scrutiny:event_", "event"), ("scrutiny:pack_", "pack"), ("notifications:", "notification"),
    ("two_factor:", "user"), ("api:return_", "return"),
]  # fmt: skip


def url_for(name: str, pattern: URLPattern, ids: dict) -> str:
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "pk":
            kind = next(kind for prefix, kind in PK_KIND if name.startswith(prefix))
            kwargs[key] = ids[f"pk:{kind}"]
        else:
            kwargs[key] = ids[key]
    return reverse(name, kwargs=kwargs)


def answer(client: Client, method: str, url: str) -> int:
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    return response.status_code


def observed(world) -> dict[str, str]:
    clients = {}
    for persona in PERSONAS:
        client = Client(raise_request_exception=False)
        if persona != "anonymous":
            client.force_login(world["users"][persona])
        clients[persona] = client
    table = {}
    for name, _route, pattern in patterns():
        url = url_for(name, pattern, world["ids"])
        cells = []
        for persona in PERSONAS:
            client = clients[persona]
            codes = []
            for method in ("GET", "POST"):
                codes.append(str(answer(client, method, url)))
                if persona != "anonymous" and "_auth_user_id" not in client.session:  # signed out or in: again
                    client.force_login(world["users"][persona])
            cells.append("/".join(codes))
        table[name] = " ".join(cells)
    return table


def test_every_url_answers_every_persona_as_the_table_says(world):
    table = observed(world)
    if os.environ.get("URL_ACCESS_PRINT"):
        print("\nEXPECTED = {")
        for name, row in table.items():
            print(f'    "{name}": "{row}",')
        print("}")
    for problem in problems(table, EXPECTED):
        pytest.fail(problem)


def problems(table: dict[str, str], expected: dict[str, str]) -> list[str]:
    """What is wrong with the observed `table`, first things first: rows missing either way, 500s, another
    agency's object reached, then any answer that differs from the expected one."""
    if missing := sorted(set(table) - set(expected)):
        return [f"URL patterns without a row in EXPECTED (tests/test_url_access.py): {', '.join(missing)}"]
    if gone := sorted(set(expected) - set(table)):
        return [f"Rows in EXPECTED for URL patterns that no longer exist: {', '.join(gone)}"]
    found = []
    if errors := {name: row for name, row in table.items() if "500" in row.replace("/", " ").split()}:
        found.append(f"500s: {errors}")
    police = PERSONAS.index("police.lead")
    reached = {}
    for name in OTHER_AGENCYS & set(table):
        cell = table[name].split()[police]
        if any(code not in ("404", "405") for code in cell.split("/")):
            reached[name] = cell
    if reached:
        found.append(f"police.lead reached Children's Social Care's objects: {reached}")
    if differ := {name: (expected[name], row) for name, row in table.items() if expected[name] != row}:
        found.append(
            "answers differ from EXPECTED (expected, got): " + "; ".join(f"{k}: {v}" for k, v in differ.items())
        )
    return found


def test_a_new_url_without_a_row_and_a_reached_object_are_both_named():
    table = dict(EXPECTED, **{"dataset:brand_new": "302/302 200/405 200/405 200/405 200/405 200/405 200/405"})
    assert problems(table, EXPECTED) == [
        "URL patterns without a row in EXPECTED (tests/test_url_access.py): dataset:brand_new"
    ]
    leaked = dict(EXPECTED, **{"dataset:return_edit": "302/302 200/400 200/400 404/404 404/404 404/404 404/404"})
    found = problems(leaked, EXPECTED)
    assert "police.lead reached" in found[0] and "dataset:return_edit" in found[0] and "answers differ" in found[1]
    assert problems(dict(EXPECTED), EXPECTED) == []


def test_the_table_knows_every_persona_and_method():
    for name, row in EXPECTED.items():
        cells = row.split()
        assert len(cells) == len(PERSONAS), name
        assert all(len(cell.split("/")) == 2 for cell in cells), name
