"""Spreadsheets onto a return: templates out, uploads in, in two steps (a dry run, then Confirm).

The file is read by uploads.spreadsheets (pure), and its figures are checked by returns.selectors.return_rows, the
same rules the web form uses. Confirm applies every row in one transaction through returns.services.return_save_values,
so an upload is refused, recorded and conflict-checked exactly like a save from the form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format

from agencies.models import User
from dataset.catalogue import numbers
from dataset.models import HistorySource, Indicator, Return, ReturnValue, Upload
from dataset.returns import selectors, services, validation

from . import spreadsheets
from .spreadsheets import FileProblem, Parsed

FIELDS = ("numerator", "denominator", "value", "not_available_reason", "commentary")


class FileRefused(Exception):
    """The file cannot be read as this return's spreadsheet at all; nothing was stored."""

    def __init__(self, problems: tuple[FileProblem, ...]) -> None:
        super().__init__(problems[0].message if problems else "The file was refused.")
        self.problems = problems


class AlreadyApplied(Exception):
    def __init__(self, upload: Upload) -> None:
        when = date_format(timezone.localtime(upload.applied_at), "H:i \\o\\n j F Y")
        super().__init__(
            f"\u201c{upload.file_name}\u201d was already applied to this return at {when}. Nothing more was changed."
        )


class UploadInvalid(Exception):
    def __init__(self, dry_run: DryRun) -> None:
        super().__init__(dry_run.refusal or "The file has problems.")
        self.dry_run = dry_run


# --- templates out ---------------------------------------------------------------------------------------------
def _format(indicator: Indicator, value: Decimal | None) -> str:
    return "" if value is None else numbers.format_value(indicator.unit, value)


def template_rows(ret: Return) -> list[spreadsheets.TemplateRow]:
    """One row per indicator the agency is expected to supply, with what is saved and last quarters' values."""
    expected = {i.pk for i in selectors.expected_indicators(agency=ret.agency)}
    groups, _ = selectors.return_rows(ret=ret)
    rows = [row for group in groups for row in group.rows if row.indicator.pk in expected]
    out = []
    for row in sorted(rows, key=lambda r: r.indicator.code):
        indicator, value = row.indicator, row.value
        out.append(
            spreadsheets.TemplateRow(
                code=indicator.code,
                title=indicator.title,
                unit=indicator.unit,
                allow_negative=indicator.allow_negative,
                numerator=getattr(value, "numerator", ""),
                denominator=getattr(value, "denominator", ""),
                value=getattr(value, "value", ""),
                not_available_reason=getattr(value, "not_available_reason", ""),
                commentary=getattr(value, "commentary", ""),
                previous=_format(indicator, row.previous),
                year_earlier=_format(indicator, row.year_earlier),
                definition=indicator.definition,
            )
        )
    return out


def template_xlsx(*, ret: Return) -> tuple[str, bytes]:
    info = spreadsheets.TemplateInfo(
        agency_short_name=ret.agency.short_name,
        agency_name=ret.agency.name,
        quarter_label=ret.period.label,
        return_id=ret.pk,
        version=ret.version,
        downloaded_at=date_format(timezone.localtime(), "j F Y H:i"),
    )
    name = spreadsheets.template_file_name(ret.agency.short_name, ret.period.label, "xlsx")
    return name, spreadsheets.write_xlsx(info, template_rows(ret))


def template_csv(*, ret: Return) -> tuple[str, bytes]:
    name = spreadsheets.template_file_name(ret.agency.short_name, ret.period.label, "csv")
    return name, spreadsheets.write_csv(template_rows(ret))


# --- files in --------------------------------------------------------------------------------------------------
def expected_for(ret: Return) -> spreadsheets.Expected:
    return spreadsheets.Expected(
        agency_short_name=ret.agency.short_name,
        quarter_label=ret.period.label,
        units={i.code: i.unit for i in selectors.expected_indicators(agency=ret.agency)},
        known_codes=frozenset(Indicator.objects.values_list("code", flat=True)),
    )


def upload_create(*, ret: Return, acting_user: User, file_name: str, content: bytes) -> Upload:
    """Keep the file for its dry run. Refused, and nothing stored, when the user may not change the return now
    or when the file cannot be read as this return's spreadsheet at all."""
    refusal = selectors.edit_block_reason(ret, acting_user)
    if refusal:
        raise services.EditRefused(refusal)
    if len(content) > spreadsheets.MAX_BYTES:  # the form checks first; this keeps the rule in the service too
        raise FileRefused((FileProblem(spreadsheets.too_big_message(len(content))),))
    expected = expected_for(ret)
    parsed = spreadsheets.read_upload(content, file_name, expected)
    if parsed.fatal:
        raise FileRefused(parsed.problems)
    return Upload.objects.create(
        ret=ret,
        file_name=file_name,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        seen_version=ret.version,
        uploaded_by=acting_user,
        parsed=_kept(parsed, expected),
    )


def _kept(parsed: Parsed, expected: spreadsheets.Expected) -> dict:
    # With the indicators and units it was read against: if the catalogue changes, the file is read again.
    return {**spreadsheets.parsed_to_json(parsed), "units": dict(expected.units)}


def upload_parsed(upload: Upload) -> Parsed:
    """The file as it was read at upload. Read again, once, and kept, only for an upload from before reads were kept
    or when the agency's indicators or their units have changed since."""
    expected = expected_for(upload.ret)
    if upload.parsed is not None and upload.parsed.get("units") == dict(expected.units):
        return spreadsheets.parsed_from_json(upload.parsed)
    parsed = spreadsheets.read_upload(bytes(upload.content), upload.file_name, expected)
    upload.parsed = _kept(parsed, expected)
    Upload.objects.filter(pk=upload.pk).update(parsed=upload.parsed)
    return parsed


def upload_for_edit(*, ret: Return, pk: int) -> Upload:
    """An upload onto `ret`, which the caller fetched through selectors.return_for_edit: any other is 404."""
    return get_object_or_404(Upload.objects.select_related("uploaded_by"), ret=ret, pk=pk)


# --- the dry run -----------------------------------------------------------------------------------------------
@dataclass
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    changed: bool


@dataclass
class RowPreview:
    row: int
    indicator: Indicator
    fields: list[FieldChange]
    value_before: str
    value_after: str
    blank: bool = False  # nothing in the file's row: the saved figures stay as they are
    problems: list[validation.Problem] = field(default_factory=list)
    file_problems: list[FileProblem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(f.changed for f in self.fields)

    @property
    def value_label(self) -> str:
        """What the figures make, for ratios and means; "" for a count, whose figure is its value."""
        return {"percentage": "Percentage", "rate_per_10k": "Rate per 10,000", "mean": "Mean"}.get(
            self.indicator.unit, ""
        )


@dataclass
class DryRun:
    upload: Upload
    parsed: Parsed
    rows: list[RowPreview]
    file_problems: list[FileProblem]
    problems: list[validation.Problem]
    inputs: dict[str, dict[str, str]]  # what Confirm saves: only the fields that change
    not_in_file: list[Indicator]

    @property
    def errors(self) -> list[validation.Problem]:
        return [p for p in self.problems if p.kind == validation.ERROR]

    @property
    def queries(self) -> list[validation.Problem]:
        return [p for p in self.problems if p.kind == validation.QUERY]

    @property
    def changed_rows(self) -> list[RowPreview]:
        return [r for r in self.rows if r.changed]

    @property
    def unchanged_rows(self) -> list[RowPreview]:
        return [r for r in self.rows if not r.changed]

    @property
    def stale(self) -> bool:
        """Someone saved the return after this file was uploaded: Confirm would be refused."""
        return not self.upload.applied_at and self.upload.ret.version != self.upload.seen_version

    @property
    def refusal(self) -> str | None:
        """Why Confirm is refused, in words; None when it may go ahead."""
        if self.upload.applied_at:
            return "This file has already been applied."
        if self.file_problems:
            return (
                f"The file has {numbers.counted(len(self.file_problems), 'problem')} listed below. Fix them in the "
                "file and upload it again; nothing has been saved."
            )
        if self.errors:
            return (
                f"The figures have {numbers.counted(len(self.errors), 'error')} listed below. Fix them in the file and "
                "upload it again; nothing has been saved."
            )
        return None


def _label(indicator: Indicator, name: str) -> str:
    if name == "numerator":
        return indicator.numerator_label or "Numerator"
    if name == "denominator":
        return indicator.denominator_label or "Denominator"
    return {"value": "Count", "not_available_reason": "Not available", "commentary": "Commentary"}[name]


def _show(name: str, text: str) -> str:
    if name == "not_available_reason":
        return validation.NOT_AVAILABLE_REASONS.get(text, text)
    return text


def _same(name: str, before: str, after: str) -> bool:
    """Equal as saved: figures by their number ("1,234" is 1234), text ignoring line endings and edge spaces."""
    if name in spreadsheets.NUMBER_COLUMNS:
        try:
            return numbers.parse_number(before) == numbers.parse_number(after)
        except ValueError:
            pass
    return _lines(before) == _lines(after)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _computed(indicator: Indicator, value: ReturnValue | None, overrides: dict | None = None) -> str:
    number = validation.computed_value(selectors.value_input(indicator, value, overrides))
    return _format(indicator, number)


@dataclass(frozen=True)
class GivenRow:
    """One indicator's figures as given (a spreadsheet row, or a value in an API request): `row` is its line in a
    file, None when there is none."""

    code: str
    fields: dict[str, str]
    row: int | None = None


@dataclass
class ValuesPreview:
    rows: list[RowPreview]
    problems: list[validation.Problem]
    inputs: dict[str, dict[str, str]]  # what a save would store: only the fields that change


def values_preview(
    *,
    ret: Return,
    rows: Sequence[GivenRow],
    file_problems: Sequence[FileProblem] = (),
    blank_keeps: bool = True,
) -> ValuesPreview:
    """What saving `rows` onto `ret` would change, row by row, with every problem of those rows, saving nothing.

    The upload preview and the API's dry run (and its save) are this one reading, so both report the same problems
    in the same words. Every row's code must be one the agency supplies (the caller has checked). With `blank_keeps`
    (a spreadsheet) a row with nothing in it leaves the saved figures alone; without it (the API) an empty field
    given is a field cleared.
    """
    indicators = {i.code: i for i in selectors.expected_indicators(agency=ret.agency)}
    stored = {v.indicator.code: v for v in ret.values.select_related("indicator")}
    inputs: dict[str, dict[str, str]] = {}
    blank: set[str] = set()
    for row in rows:
        if blank_keeps and not any(text.strip() for text in row.fields.values()):
            blank.add(row.code)
            continue
        value = stored.get(row.code)
        changes = {
            name: text for name, text in row.fields.items() if not _same(name, getattr(value, name, "") or "", text)
        }
        if changes:
            inputs[row.code] = changes
    row_numbers = {row.code: row.row for row in rows if row.row is not None}
    groups, problems = selectors.return_rows(ret=ret, overrides=inputs, row_numbers=row_numbers or None)
    # A cell already reported as text where a number belongs is not reported a second time as "not a number".
    flagged = {(p.code, p.column) for p in file_problems}
    checked = {row.code for row in rows} - blank
    mine = [
        p for p in problems if p.indicator in checked and not (p.code == "V01" and (p.indicator, p.field) in flagged)
    ]
    current = {row.indicator.code: row.current for group in groups for row in group.rows}

    previews = []
    for row in rows:
        indicator = indicators[row.code]
        value = stored.get(row.code)
        changes = inputs.get(row.code, {})
        fields = []
        for name in FIELDS:
            if name not in row.fields:
                continue
            before = getattr(value, name, "") or ""
            after = changes.get(name, before)
            fields.append(
                FieldChange(name, _label(indicator, name), _show(name, before), _show(name, after), name in changes)
            )
        previews.append(
            RowPreview(
                row=row.row or 0,
                indicator=indicator,
                fields=fields,
                value_before=_computed(indicator, value),
                value_after=_format(indicator, current.get(row.code)),
                blank=row.code in blank,
                problems=[p for p in mine if p.indicator == row.code],
                file_problems=[p for p in file_problems if p.code == row.code],
            )
        )
    return ValuesPreview(rows=previews, problems=mine, inputs=inputs)


def upload_dry_run(*, upload: Upload) -> DryRun:
    """What Confirm would do, and every problem, without saving anything."""
    ret = upload.ret
    parsed = upload_parsed(upload)
    preview = values_preview(
        ret=ret,
        rows=[GivenRow(row.code, dict(row.fields), row.row) for row in parsed.rows],
        file_problems=parsed.problems,
    )
    in_file = {row.code for row in parsed.rows}
    return DryRun(
        upload=upload,
        parsed=parsed,
        rows=preview.rows,
        file_problems=list(parsed.problems),
        problems=preview.problems,
        inputs=preview.inputs,
        not_in_file=[i for i in selectors.expected_indicators(agency=ret.agency) if i.code not in in_file],
    )


# --- Confirm ---------------------------------------------------------------------------------------------------
@transaction.atomic
def upload_apply(*, upload: Upload, acting_user: User) -> tuple[Return, int]:
    """Apply every row of the file in one transaction, or nothing.

    Raises AlreadyApplied (a second Confirm), UploadInvalid (file problems or validation errors; queries are
    allowed and explained before submitting), and whatever return_save_values raises: services.Conflict when
    anyone saved the return after the upload, services.EditRefused when it can no longer be changed.
    """
    locked = Upload.objects.select_for_update().select_related("ret__agency", "ret__period").get(pk=upload.pk)
    if locked.applied_at:
        raise AlreadyApplied(locked)
    dry_run = upload_dry_run(upload=locked)
    if dry_run.refusal:
        raise UploadInvalid(dry_run)
    ret, changed = services.return_save_values(
        ret=locked.ret,
        acting_user=acting_user,
        seen_version=locked.seen_version,
        inputs=dry_run.inputs,
        source=HistorySource.UPLOAD,
        reason=f"upload: {locked.file_name}",
    )
    locked.applied_at = timezone.now()
    locked.save(update_fields=["applied_at"])
    return ret, changed


def conflict_message(conflict: services.Conflict) -> str:
    when = date_format(timezone.localtime(conflict.changed_at), "H:i \\o\\n j F Y")
    return (
        f"{conflict.changed_by} changed this return at {when}, after you uploaded this file. Nothing from the file "
        "has been saved. Upload the file again to see its changes against the figures saved now."
    )
