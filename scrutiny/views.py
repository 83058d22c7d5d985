"""Impact Framework, audit, evidence and training pages: thin views that read through selectors, write
through services, and redirect or re-render. Partnership readers read; the scrutineer and the analyst
edit; everyone else, and any POST by a reader, gets a 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from agencies.access_log import access_event
from dataset.catalogue.periods import Quarter
from dataset.models import ReportingPeriod

from . import attachments, selectors, services
from .feeds import selectors as feed_selectors
from .feeds import services as feeds
from .forms import AuditForm, CaseForm, EvidenceForm, OutcomeForm, TrainingForm
from .grading import summarise
from .models import Audit, CaseAudit, EvidenceItem, EvidenceSource, ImpactOutcome


def reader_page(view: Callable) -> Callable:
    """A page to read: out of scope is a 404 first, whatever the method; then anything but GET or HEAD is a 404
    too, so that a member's POST looks the same as an outsider's."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        selectors.require_reader(request.user)
        if request.method not in ("GET", "HEAD"):
            raise Http404("Nothing to post here")
        return view(request, *args, **kwargs)

    return wrapped


def _posted(request: HttpRequest) -> tuple:
    """(data, files) for a bound form on POST, even an empty one; (None, None) on GET."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _save_form(request, form, save: Callable, template: str, context: dict) -> HttpResponse:
    """Validate, call `save(form)` for the URL to go to next; 400 with the typed input if not."""
    if request.method == "POST" and form.is_valid():
        try:
            url = save(form)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        except attachments.AttachmentRefused as refused:
            form.add_error("upload" if "upload" in form.fields else None, str(refused))
        else:
            messages.success(request, context["done"])
            return redirect(url)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form, **context}, status=status)


# --- Impact Framework ---------------------------------------------------------------------------------
@reader_page
def outcome_list(request: HttpRequest) -> HttpResponse:
    outcomes = list(selectors.outcomes(user=request.user))
    labels = dict(EvidenceSource.choices)
    rows = [(o, [labels.get(s, s) for s in o.expected_sources]) for o in outcomes]
    return render(request, "scrutiny/outcome_list.html", {"rows": rows, "can_edit": selectors.can_edit(request.user)})


def _outcome_form(request, outcome: ImpactOutcome | None) -> HttpResponse:
    user = request.user
    form = OutcomeForm(_posted(request)[0], instance=outcome or ImpactOutcome())

    def save(f):
        services.outcome_save(
            outcome=outcome,
            fields=f.fields_for_service(),
            indicators=f.cleaned_data["indicators"],
            actions=f.cleaned_data["actions"],
            acting_user=user,
        )
        return reverse("scrutiny:outcome_list")

    done = "Outcome saved." if outcome else "Outcome added to the Impact Framework."
    return _save_form(request, form, save, "scrutiny/outcome_form.html", {"outcome": outcome, "done": done})


def outcome_create(request: HttpRequest) -> HttpResponse:
    selectors.require_editor(request.user)
    return _outcome_form(request, None)


def outcome_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _outcome_form(request, selectors.outcome_for_edit(user=request.user, pk=pk))


# --- audits -------------------------------------------------------------------------------------------
@reader_page
def audit_list(request: HttpRequest) -> HttpResponse:
    audits = selectors.audits(user=request.user)
    return render(request, "scrutiny/audit_list.html", {"audits": audits, "can_edit": selectors.can_edit(request.user)})


def audit_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_editor(user)
    form = AuditForm(_posted(request)[0], instance=Audit())

    def save(f):
        return services.audit_save(
            audit=None,
            fields=f.fields_for_service(),
            auditor_agencies=f.cleaned_data["auditor_agencies"],
            acting_user=user,
        ).get_absolute_url()

    return _save_form(request, form, save, "scrutiny/audit_form.html", {"done": "Audit added: now add its cases."})


@reader_page
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audit = selectors.audit_for_read(user=request.user, pk=pk)
    cases = selectors.audit_cases(audit)
    return render(
        request,
        "scrutiny/audit_detail.html",
        {
            "audit": audit,
            "cases": cases,
            "summary": summarise([c.grades() for c in cases]),
            "can_edit": selectors.can_edit(request.user),
            "feed": feed_selectors.feed_target(feeds.AUDIT_INDICATOR, audit.period),
        },
    )


def _case_form(request, audit: Audit, case: CaseAudit | None) -> HttpResponse:
    user = request.user
    form = CaseForm(_posted(request)[0], instance=case or CaseAudit(audit=audit))

    def save(f):
        services.case_save(case=case, audit=audit, fields=f.fields_for_service(), acting_user=user)
        return audit.get_absolute_url()

    done = "Case saved." if case else "Case added to the audit."
    return _save_form(request, form, save, "scrutiny/case_form.html", {"audit": audit, "case": case, "done": done})


def case_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_form(request, selectors.audit_for_edit(user=request.user, pk=pk), None)


def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_edit(user=request.user, pk=pk)
    return _case_form(request, case.audit, case)


# --- evidence -----------------------------------------------------------------------------------------
@reader_page
def evidence_list(request: HttpRequest) -> HttpResponse:
    source = request.GET.get("source", "")
    source = source if source in EvidenceSource.values else ""
    items = selectors.evidence(user=request.user, source=source)
    return render(
        request,
        "scrutiny/evidence_list.html",
        {
            "items": items,
            "source": source,
            "source_label": EvidenceSource(source).label if source else "",
            "sources": EvidenceSource.choices,
            "can_edit": selectors.can_edit(request.user),
        },
    )


def _evidence_form(request, item: EvidenceItem | None) -> HttpResponse:
    user = request.user
    data, files = _posted(request)
    form = EvidenceForm(data, files, instance=item or EvidenceItem())

    def save(f):
        services.evidence_save(
            item=item,
            fields=f.fields_for_service(),
            outcomes=f.cleaned_data["outcomes"],
            upload=f.cleaned_data.get("upload"),
            acting_user=user,
        )
        return reverse("scrutiny:evidence_list")

    done = "Evidence saved." if item else "Evidence added."
    return _save_form(request, form, save, "scrutiny/evidence_form.html", {"item": item, "done": done})


def evidence_create(request: HttpRequest) -> HttpResponse:
    selectors.require_editor(request.user)
    return _evidence_form(request, None)


def evidence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _evidence_form(request, selectors.evidence_for_edit(user=request.user, pk=pk))


@reader_page
def evidence_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The attachment, through the permission check: a download, never rendered in the browser."""
    item = selectors.evidence_for_read(user=request.user, pk=pk)
    kind = item.attachment_type
    if not item.attachment or kind not in attachments.CONTENT_TYPES:
        raise Http404("No attachment")
    try:
        handle = item.attachment.open("rb")
    except FileNotFoundError as missing:
        raise Http404("No attachment") from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.attachment_name or f"evidence-{item.pk}.{kind}",
        content_type=attachments.CONTENT_TYPES[kind],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    access_event("attachment_download", request=request, object="scrutiny.evidenceitem", object_id=item.pk)
    return response


# --- training -----------------------------------------------------------------------------------------
@reader_page
def training_list(request: HttpRequest) -> HttpResponse:
    sessions = selectors.training(user=request.user)
    quarters = {Quarter.containing(s.held_on) for s in sessions}
    feed_periods = [p for p in ReportingPeriod.objects.order_by("-year", "-quarter") if p.as_quarter in quarters]
    feeds_offered = [(p, feed_selectors.feed_target(feeds.CONFIDENCE_INDICATOR, p)) for p in feed_periods]
    return render(
        request,
        "scrutiny/training_list.html",
        {"sessions": sessions, "can_edit": selectors.can_edit(request.user), "feeds": feeds_offered},
    )


def training_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    selectors.require_editor(user)
    form = TrainingForm(_posted(request)[0])

    def save(f):
        services.training_save(session=None, fields=f.fields_for_service(), acting_user=user)
        return reverse("scrutiny:training_list")

    return _save_form(request, form, save, "scrutiny/training_form.html", {"done": "Training session added."})
