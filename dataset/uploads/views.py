"""Spreadsheet pages of a return: template downloads, upload, dry run and Confirm. Thin: a form, one service."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dataset.models import Return
from dataset.returns import selectors, services, validation
from neglect_portal.lifecycle import Actor, allowed_steps

from . import services as upload_services
from . import spreadsheets
from .forms import UploadForm

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context(request: HttpRequest, ret: Return, **extra) -> dict:
    # Only the agency's own leads reach these pages (selectors.return_for_edit), so the actor is the agency.
    return {
        "ret": ret,
        "steps": [s.value for s in allowed_steps(ret.status, Actor.AGENCY)],
        "edit_refusal": selectors.edit_block_reason(ret, request.user),
        "tab": "upload",
        "max_mb": spreadsheets.MAX_BYTES // (1024 * 1024),
        "max_rows": f"{spreadsheets.MAX_ROWS:,}",
        "columns": spreadsheets.INPUT_COLUMNS,
        "reasons": list(validation.NOT_AVAILABLE_REASONS.values()),
        **extra,
    }


def _download(request: HttpRequest, pk: int, build, content_type: str) -> HttpResponse:
    ret = selectors.return_for_edit(user=request.user, pk=pk)  # another agency's return: 404
    refusal = selectors.edit_block_reason(ret, request.user)
    if refusal:
        messages.error(request, refusal)
        return redirect(ret)
    name, content = build(ret=ret)
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition_header(True, name), "Cache-Control": "no-store"},
    )


@require_safe
def return_template_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, upload_services.template_xlsx, XLSX_TYPE)


@require_safe
def return_template_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, upload_services.template_csv, "text/csv; charset=utf-8")


@require_http_methods(["GET", "HEAD", "POST"])
def return_upload(request: HttpRequest, pk: int) -> HttpResponse:
    ret = selectors.return_for_edit(user=request.user, pk=pk)
    if request.method != "POST":
        return render(request, "dataset/upload_form.html", _context(request, ret, form=UploadForm()))
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            upload = upload_services.upload_create(
                ret=ret,
                acting_user=request.user,
                file_name=form.file_name(),
                content=form.cleaned_data["file"].read(),
            )
        except services.EditRefused as refused:
            messages.error(request, str(refused))
            return redirect(ret)
        except upload_services.FileRefused as refused:
            for problem in refused.problems:
                form.add_error("file", problem.message)
        else:
            return redirect("dataset:upload_preview", pk=ret.pk, upload_pk=upload.pk)
    form.mark_invalid()
    return render(request, "dataset/upload_form.html", _context(request, ret, form=form), status=400)


@dataclass(frozen=True)
class Issue:
    row: int | None
    column: str
    cell: str
    kind: str  # "File", "Error", "Query", "Query (explained)"
    message: str
    href: str
    blocking: bool


def _issues(dry_run: upload_services.DryRun) -> list[Issue]:
    """Every problem with its row and column, each linking to where it is shown on the page."""
    shown = {r.row: {f.name for f in r.fields} for r in dry_run.rows}
    rows_by_code = {r.indicator.code: r.row for r in dry_run.rows}
    issues: list[Issue] = []
    for n, p in enumerate(dry_run.file_problems, start=1):
        if p.row in shown:
            href = f"#row-{p.row}-{p.column}" if p.column in shown[p.row] else f"#row-{p.row}"
        else:
            href = f"#file-problem-{n}"
        issues.append(Issue(p.row, p.column, p.cell, "File", p.message, href, True))
    for p in dry_run.problems:
        row = rows_by_code.get(p.indicator)
        kind = "Error" if p.kind == validation.ERROR else "Query (explained)" if p.explained else "Query"
        href = f"#row-{row}-{p.field}" if row and p.field in shown.get(row, ()) else f"#row-{row}"
        issues.append(Issue(row, p.field, "", kind, p.message, href, p.kind == validation.ERROR))
    return sorted(issues, key=lambda i: (i.row or 0, not i.blocking))


def _preview(request: HttpRequest, ret: Return, dry_run, *, status: int = 200, conflict=None) -> HttpResponse:
    issues = _issues(dry_run)
    unplaced = {i.href for i in issues if i.href.startswith("#file-problem-")}
    return render(
        request,
        "dataset/upload_preview.html",
        _context(
            request,
            ret,
            dry_run=dry_run,
            upload=dry_run.upload,
            issues=issues,
            blocking=[i for i in issues if i.blocking],
            unplaced=[
                (f"file-problem-{n}", p)
                for n, p in enumerate(dry_run.file_problems, 1)
                if f"#file-problem-{n}" in unplaced
            ],
            conflict=conflict,
            conflict_message=upload_services.conflict_message(conflict) if conflict else "",
        ),
        status=status,
    )


@require_safe
def upload_preview(request: HttpRequest, pk: int, upload_pk: int) -> HttpResponse:
    ret = selectors.return_for_edit(user=request.user, pk=pk)
    upload = upload_services.upload_for_edit(ret=ret, pk=upload_pk)  # another return's upload: 404
    upload.ret = ret
    return _preview(request, ret, upload_services.upload_dry_run(upload=upload))


@require_POST
def upload_confirm(request: HttpRequest, pk: int, upload_pk: int) -> HttpResponse:
    ret = selectors.return_for_edit(user=request.user, pk=pk)
    upload = upload_services.upload_for_edit(ret=ret, pk=upload_pk)
    try:
        ret, changed = upload_services.upload_apply(upload=upload, acting_user=request.user)
    except upload_services.AlreadyApplied as done:
        messages.info(request, str(done))
        return redirect("dataset:return_edit", pk=ret.pk)
    except upload_services.UploadInvalid as invalid:
        return _preview(request, ret, invalid.dry_run, status=400)
    except services.Conflict as conflict:
        ret.refresh_from_db()
        upload.ret = ret
        return _preview(request, ret, upload_services.upload_dry_run(upload=upload), status=409, conflict=conflict)
    except services.EditRefused as refused:
        messages.error(request, str(refused))
        return redirect(ret)
    if changed:
        messages.success(request, f"Saved {changed} figure(s) from \u201c{upload.file_name}\u201d to the draft.")
    else:
        messages.info(request, f"Nothing in \u201c{upload.file_name}\u201d differed from the saved figures.")
    return redirect("dataset:return_edit", pk=ret.pk)
