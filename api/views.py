"""The API's endpoints. Each reads through the apps' selectors and writes through their services, as the pages do:
a key is scoped by agencies.access as the person it stands for, and refused in the same words."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency
from dataset.build.figures import quarter_label
from dataset.catalogue import numbers
from dataset.catalogue.periods import Quarter
from dataset.catalogue.selectors import period_for_quarter, period_list, period_state
from dataset.models import HistorySource, Indicator, Return
from dataset.reading import selectors as reading
from dataset.returns import selectors as returns
from dataset.returns import services, validation
from dataset.uploads.services import GivenRow, values_preview
from neglect_portal.lifecycle import IllegalTransition, State

from . import serializers as s
from .problems import PROBLEM_TYPE, BadParameter, pointer, problem_response


# --- shared pieces ----------------------------------------------------------------------------------------------------
class WritableKey(permissions.BasePermission):
    message = "This is a read-only reader key: it reads the returns and the dataset but cannot change anything."

    def has_permission(self, request, view) -> bool:
        key = request.auth
        return key is not None and not key.read_only


class Pages(PageNumberPagination):
    """Pages of 100 (page_size up to 1000): a page or size that is not a whole number in range is a 422 naming it,
    a page after the last a 404."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request) -> int:
        size = _Query(request).number(self.page_size_query_param, 1, self.max_page_size)
        return size or self.page_size

    def get_page_number(self, request, paginator) -> int:
        return _Query(request).number(self.page_query_param) or 1

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"Rows per page, at most {self.max_page_size} (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


def problems_for(*statuses: int) -> dict:
    """drf-spectacular: these statuses answer with a problem (application/problem+json)."""
    return {(code, PROBLEM_TYPE): OpenApiResponse(s.ProblemSerializer) for code in statuses}


READ = (401, 429)
LIST = (401, 404, 422, 429)  # 404: a page after the last; 422: a parameter that is wrong
OBJECT = (401, 404, 429)
BODY = (400, 415)  # JSON that cannot be read; a body that is not JSON
WRITE = (*BODY, 401, 403, 404, 409, 412, 422, 428, 429)


PERIOD = r"[0-9]{4}-[0-9]{2} Q[1-4]"
PERIODS = rf"{PERIOD}(,{PERIOD})*"
CODE = r"[A-Za-z0-9_-]{1,10}"
CODES = rf"{CODE}(,{CODE})*"
SHORT_NAME_MAX = 40


def text_param(name: str, description: str, *, max_length: int = SHORT_NAME_MAX, pattern: str = "") -> OpenApiParameter:
    schema: dict = {"type": "string", "minLength": 1, "maxLength": max_length}
    if pattern:
        schema["pattern"] = f"^{pattern}$"
    return OpenApiParameter(name, schema, description=description)


def _quarter_or_none(text: str) -> Quarter | None:
    """A quarter written like "2026-27 Q2"; None when the two years do not follow (it names no quarter)."""
    try:
        return Quarter.parse(text)
    except ValueError:
        return None


def _etag(ret: Return) -> str:
    return f'"{ret.pk}.{ret.version}"'


def _seen_version(request: Request, ret: Return, *, required: bool) -> int | None:
    """The version the client last read, from If-Match; None when not given (and not required)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if required:
            raise _Answer(
                problem_response(
                    428,
                    "Send the return's ETag as If-Match, so that a save never overwrites someone else's change. Get it "
                    f"from GET {reverse('api:return_values', args=[ret.pk])}.",
                    request=request,
                    errors=[{"parameter": "If-Match", "detail": "Missing."}],
                )
            )
        return None
    if header == "*":
        return ret.version
    versions = set()
    for tag in header.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        ident, _, version = tag.partition(".")
        if ident == str(ret.pk) and version.isdigit() and len(version) < 10:
            versions.add(int(version))
    if versions:  # any one of them current matches (RFC 9110); else the newest seen meets the conflict
        return ret.version if ret.version in versions else max(versions)
    raise _Answer(
        problem_response(
            412,
            f"If-Match does not name a version of return {ret.pk}: send the ETag exactly as GET gave it.",
            request=request,
            errors=[{"parameter": "If-Match", "detail": "Not an ETag of this return."}],
            current_version=ret.version,
        )
    )


class _Answer(Exception):
    """A response decided part-way through (a missing If-Match): the view returns it."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _conflict_response(request: Request, conflict: services.Conflict) -> Response:
    when = serializers.DateTimeField().to_representation(conflict.changed_at) if conflict.changed_at else None
    codes = sorted(conflict.changed_codes)
    changed = f" Indicators changed: {', '.join(codes)}." if codes else ""
    return problem_response(
        412,
        f"{conflict.changed_by} changed this return after the version you sent (it is now version "
        f"{conflict.current_version}). Nothing was saved. GET it again, check, and send your change with the new "
        f"ETag.{changed}",
        request=request,
        changed_by=conflict.changed_by,
        changed_at=when,
        changed_codes=codes,
        current_version=conflict.current_version,
    )


def _row_problems(problems: Iterable[validation.Problem]) -> list[dict]:
    return [
        {
            "rule": p.code,
            "kind": p.kind,
            "blocking": p.blocking,
            "explained": p.explained,
            "field": p.field,
            "pointer": pointer("values", p.indicator, p.field) if p.field else pointer("values", p.indicator),
            "message": p.message,
        }
        for p in problems
    ]


def _as_errors(problems: Iterable[validation.Problem]) -> list[dict]:
    return [
        {"pointer": row["pointer"], "detail": row["message"], "rule": row["rule"]} for row in _row_problems(problems)
    ]


def _person(user) -> str:
    return str(user) if user else ""


def return_data(ret: Return, user) -> dict:
    refusal = returns.edit_block_reason(ret, user) or ""
    return {
        "id": ret.pk,
        "agency": {"short_name": ret.agency.short_name, "name": ret.agency.name},
        "period": ret.period.label,
        "status": ret.status,
        "status_label": State(ret.status).label,
        "status_reason": ret.status_reason,
        "version": ret.version,
        "revision": ret.revision,
        "editable": not refusal,
        "edit_block_reason": refusal,
        "created_at": ret.created_at,
        "updated_at": ret.updated_at,
        "updated_by": _person(ret.updated_by),
        "submitted_at": ret.submitted_at,
        "submitted_by": _person(ret.submitted_by),
        "reviewed_at": ret.reviewed_at,
        "reviewed_by": _person(ret.reviewed_by),
        "links": {
            "self": reverse("api:return_detail", args=[ret.pk]),
            "values": reverse("api:return_values", args=[ret.pk]),
            "submit": reverse("api:return_submit", args=[ret.pk]),
            "history": reverse("api:return_history", args=[ret.pk]),
        },
    }


def _with_etag(response: Response, ret: Return) -> Response:
    response["ETag"] = _etag(ret)
    return response


# --- who am I -----------------------------------------------------------------------------------------------------
class MeView(APIView):
    @extend_schema(
        summary="The key in use, and whose rights it has", responses={200: s.KeyInfoSerializer, **problems_for(*READ)}
    )
    def get(self, request: Request) -> Response:
        key = request.auth
        agency = key.agency
        acts_as = (
            f"a lead of {agency.name}: reads and submits its returns"
            if agency is not None
            else "a partnership reader: reads accepted returns and the published dataset, changes nothing"
        )
        return Response(
            {
                "name": key.name,
                "kind": key.kind,
                "read_only": key.read_only,
                "expires_at": key.expires_at,
                "agency": {"short_name": agency.short_name, "name": agency.name} if agency else None,
                "acts_as": acts_as,
            }
        )


# --- the catalogue ------------------------------------------------------------------------------------------------
@extend_schema(
    summary="The indicator catalogue",
    parameters=[
        OpenApiParameter("objective", str, enum=["recognise", "respond", "quantify", "evaluate"]),
        OpenApiParameter("include_retired", bool, description="Also retired indicators (default false)."),
        text_param("supplier", "Only those an agency supplies: its short name, e.g. CSC."),
    ],
    responses={200: s.IndicatorSerializer(many=True), **problems_for(*LIST)},
)
class IndicatorList(generics.ListAPIView):
    serializer_class = s.IndicatorSerializer
    pagination_class = Pages

    def get_queryset(self):
        query = _Query(self.request)
        qs = Indicator.objects.prefetch_related("suppliers").order_by("code")
        objective = query.choice("objective", ("recognise", "respond", "quantify", "evaluate"))
        if objective:
            qs = qs.filter(objective=objective)
        if not query.flag("include_retired"):
            qs = qs.filter(active=True)
        supplier = query.text("supplier", SHORT_NAME_MAX)
        if supplier:
            qs = qs.filter(suppliers__short_name=supplier)
        return qs


@extend_schema(summary="One indicator", responses={200: s.IndicatorSerializer, **problems_for(*OBJECT)})
class IndicatorDetail(generics.RetrieveAPIView):
    serializer_class = s.IndicatorSerializer
    lookup_field = "code"
    queryset = Indicator.objects.prefetch_related("suppliers")


def quarter_data(period) -> dict:
    return {
        "period": period.label,
        "year": period.year,
        "quarter": period.quarter,
        "start": period.start,
        "end": period.end,
        "opens_on": period.opens_on,
        "due_on": period.due_on,
        "locks_on": period.locks_on,
        "state": period_state(period),
        "note": period.note,
    }


class QuarterList(APIView):
    @extend_schema(
        summary="The reporting quarters, newest first, with their dates",
        responses={200: s.QuarterSerializer(many=True), **problems_for(*READ)},
    )
    def get(self, request: Request) -> Response:
        return Response([quarter_data(p) for p in period_list()])


class _Query:
    """Query parameters, checked: a wrong one is a 422 naming the parameter, never a 500 or a silent default."""

    def __init__(self, request: Request) -> None:
        self.params = request.query_params

    def text(self, name: str, max_length: int = 200, pattern: str = "") -> str:
        if name not in self.params:
            return ""
        value = self.params.get(name, "")
        if not value:
            raise BadParameter(name, f"Give a value for {name}, or leave it out.")
        if len(value) > max_length:
            raise BadParameter(name, f"At most {max_length} characters.")
        if "\x00" in value:
            raise BadParameter(name, "A null character is not allowed.")
        if pattern and not re.fullmatch(pattern, value):
            raise BadParameter(name, f"{value!r} is not in the form this parameter takes: see /api/docs/.")
        return value

    def choice(self, name: str, choices: Sequence[str]) -> str:
        value = self.text(name)
        if value and value not in choices:
            raise BadParameter(name, f"Use one of: {', '.join(choices)}.")
        return value

    def flag(self, name: str) -> bool:
        value = self.text(name).lower()
        if value in ("", "false", "0", "no"):
            return False
        if value in ("true", "1", "yes"):
            return True
        raise BadParameter(name, "Use true or false.")

    def number(self, name: str, low: int = 1, high: int = 2**31 - 1) -> int | None:
        value = self.text(name, 12)
        if not value:
            return None
        if not value.isdigit() or not low <= int(value) <= high:
            raise BadParameter(name, f"Use a whole number from {low} to {high}.")
        return int(value)


# --- returns ------------------------------------------------------------------------------------------------------
class ReturnList(generics.ListAPIView):
    serializer_class = s.ReturnSerializer
    pagination_class = Pages

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.IsAuthenticated(), WritableKey()]
        return super().get_permissions()

    def get_queryset(self):
        query = _Query(self.request)
        qs = returns.returns_readable(user=self.request.user).order_by(
            "-period__year", "-period__quarter", "agency__short_name", "pk"
        )
        agency = query.text("agency", SHORT_NAME_MAX)
        if agency:
            qs = qs.filter(agency__short_name=agency)
        period = query.text("period", 10, PERIOD)
        if period:
            quarter = _quarter_or_none(period)
            if quarter is None:
                return qs.none()
            qs = qs.filter(period__year=quarter.year, period__quarter=quarter.number)
        status = query.choice("status", [choice for choice, _ in State.choices])
        if status:
            qs = qs.filter(status=status)
        return qs

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([return_data(r, request.user) for r in page])

    @extend_schema(
        summary="The returns this key may read (an agency key: its own agency's)",
        parameters=[
            text_param("agency", "An agency's short name, e.g. CSC."),
            text_param("period", 'A quarter, e.g. "2026-27 Q2".', max_length=10, pattern=PERIOD),
            OpenApiParameter("status", str, enum=[choice for choice, _ in State.choices]),
        ],
        responses={200: s.ReturnSerializer(many=True), **problems_for(*LIST)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Start the agency's return for a quarter (or find the one started)",
        request=s.ReturnStartSerializer,
        responses={
            200: OpenApiResponse(s.ReturnSerializer, description="It was already started: this is it."),
            201: OpenApiResponse(s.ReturnSerializer, description="Started, with a blank row per indicator."),
            **problems_for(*BODY, 401, 403, 409, 422, 429),
        },
    )
    def post(self, request: Request) -> Response:
        body = s.ReturnStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        quarter = _quarter_or_none(body.validated_data["period"])
        if quarter is None:
            raise ValidationError(
                {"period": ['Write the quarter like "2026-27 Q2": the second year follows the first.']}
            )
        period = period_for_quarter(quarter)
        agency: Agency = request.user.agency
        if period is None:
            raise ValidationError({"period": [f"There is no {quarter.label} collection: see GET /api/v1/quarters/."]})
        existed = Return.objects.filter(agency=agency, period=period).exists()
        try:
            ret = services.return_start(
                agency=agency, period=period, acting_user=request.user, source=HistorySource.API
            )
        except services.EditRefused as refused:
            return problem_response(409, str(refused), request=request)
        ret = returns.return_for_read(user=request.user, pk=ret.pk)
        response = Response(return_data(ret, request.user), status=200 if existed else 201)
        response["Location"] = reverse("api:return_detail", args=[ret.pk])
        return _with_etag(response, ret)


class ReturnDetail(APIView):
    @extend_schema(
        summary="A return's status, version (the ETag) and who did what when",
        responses={200: s.ReturnSerializer, **problems_for(*OBJECT)},
    )
    def get(self, request: Request, pk: int) -> Response:
        ret = returns.return_for_read(user=request.user, pk=pk)
        return _with_etag(Response(return_data(ret, request.user)), ret)


def _values_data(ret: Return) -> dict:
    groups, _ = returns.return_rows(ret=ret)
    rows = []
    for group in groups:
        for row in group.rows:
            v = row.value
            rows.append(
                {
                    "code": row.indicator.code,
                    "title": row.indicator.title,
                    "unit": row.indicator.unit,
                    **{name: (getattr(v, name, "") or "") for name in services.TEXT_FIELDS},
                    "computed": numbers.format_value(row.indicator.unit, row.current)
                    if row.current is not None
                    else "",
                    "problems": _row_problems(row.problems),
                }
            )
    rows.sort(key=lambda r: r["code"])
    return {"id": ret.pk, "version": ret.version, "status": ret.status, "values": rows}


DRY_RUN = OpenApiParameter("dry_run", bool, description="true: check and show what would change, saving nothing.")
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag from GET, e.g. "12.7": the version the change is made on. A stale one is refused with 412.',
)


class ReturnValues(APIView):
    def get_permissions(self):
        if self.request.method in ("PUT", "PATCH"):
            return [permissions.IsAuthenticated(), WritableKey()]
        return super().get_permissions()

    @extend_schema(
        summary="A return's figures, with each row's problems",
        responses={200: s.ValuesOutSerializer, **problems_for(*OBJECT)},
    )
    def get(self, request: Request, pk: int) -> Response:
        ret = returns.return_for_read(user=request.user, pk=pk)
        return _with_etag(Response(_values_data(ret)), ret)

    @extend_schema(
        summary="Change some figures (only the codes and fields given), or check them with dry_run=true",
        parameters=[DRY_RUN, IF_MATCH],
        request=s.ValuesInSerializer,
        responses={200: s.PutResultSerializer, **problems_for(*WRITE)},
    )
    def put(self, request: Request, pk: int) -> Response:
        dry_run = _Query(request).flag("dry_run")
        ret = returns.return_for_edit(user=request.user, pk=pk)
        body = s.ValuesInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        given = body.validated_data["values"]
        _check_codes(ret, given)
        try:
            seen = _seen_version(request, ret, required=True)
        except _Answer as answer:
            return answer.response
        refusal = returns.edit_block_reason(ret, request.user)
        if refusal:
            return problem_response(409, refusal, request=request)
        if seen is not None:
            conflict = services.conflict_since(ret, seen)
            if conflict is not None:
                return _conflict_response(request, conflict)
        preview = values_preview(
            ret=ret, rows=[GivenRow(code, dict(fields)) for code, fields in sorted(given.items())], blank_keeps=False
        )
        errors = [p for p in preview.problems if p.kind == validation.ERROR]
        queries = [p for p in preview.problems if p.kind == validation.QUERY]
        result = {
            "dry_run": dry_run,
            "saved": False,
            "changed": len(preview.inputs),
            "version": ret.version,
            "errors": len(errors),
            "queries": sum(1 for p in queries if not p.explained),
            "explained_queries": sum(1 for p in queries if p.explained),
            "rows": [
                {
                    "code": row.indicator.code,
                    "title": row.indicator.title,
                    "changed": row.changed,
                    "fields": [
                        {"field": f.name, "label": f.label, "before": f.before, "after": f.after, "changed": f.changed}
                        for f in row.fields
                    ],
                    "value_before": row.value_before,
                    "value_after": row.value_after,
                    "problems": _row_problems(row.problems),
                }
                for row in preview.rows
            ],
        }
        if dry_run:
            return _with_etag(Response(result), ret)
        if errors:
            return problem_response(
                422,
                f"The figures have {numbers.counted(len(errors), 'error')}, listed in errors: nothing was saved. "
                "Fix them and send again (dry_run=true checks without saving).",
                request=request,
                errors=_as_errors(errors),
            )
        try:
            saved, changed = services.return_save_values(
                ret=ret,
                acting_user=request.user,
                seen_version=seen,
                inputs=preview.inputs,
                source=HistorySource.API,
                reason=f"API key \u201c{request.auth.name}\u201d",
            )
        except services.Conflict as conflict:
            return _conflict_response(request, conflict)
        except services.EditRefused as refused:
            return problem_response(409, str(refused), request=request)
        result.update(saved=changed > 0, changed=changed, version=saved.version)
        return _with_etag(Response(result), saved)


def _check_codes(ret: Return, given: dict) -> None:
    """Every code given is one this agency supplies, and every field one its unit uses: else 422, naming each."""
    expected = {i.code: i for i in returns.expected_indicators(agency=ret.agency)}
    known = set(Indicator.objects.filter(code__in=list(given)).values_list("code", flat=True))
    errors: dict[str, object] = {}
    for code, fields in given.items():
        indicator = expected.get(code)
        if indicator is None:
            errors[code] = [
                f"{ret.agency.short_name} does not supply {code}: see GET /api/v1/indicators/."
                if code in known
                else f"No indicator has the code {code!r}."
            ]
            continue
        figures = numbers.FIELDS_BY_UNIT[indicator.unit]
        wrong = {
            name: [
                f"{code} is a {indicator.get_unit_display().lower()}: give its "
                + (" and ".join(figures) if len(figures) > 1 else "value")
                + f", not a {name}."
            ]
            for name in ("numerator", "denominator", "value")
            if name in fields and name not in figures
        }
        if wrong:
            errors[code] = wrong
    if errors:
        raise ValidationError({"values": errors})


class ReturnSubmit(APIView):
    permission_classes = [permissions.IsAuthenticated, WritableKey]

    @extend_schema(
        summary="Submit the return to the partnership analyst, signed off by a named person",
        parameters=[IF_MATCH],
        request=s.SubmitSerializer,
        responses={200: s.ReturnSerializer, **problems_for(*WRITE)},
    )
    def post(self, request: Request, pk: int) -> Response:
        ret = returns.return_for_edit(user=request.user, pk=pk)
        body = s.SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            seen = _seen_version(request, ret, required=True)
        except _Answer as answer:
            return answer.response
        try:
            submitted = services.return_submit(
                ret=ret,
                acting_user=request.user,
                seen_version=seen,
                signed_off=body.validated_data["signed_off"],
                signed_off_by=body.validated_data["signed_off_by"],
                source=HistorySource.API,
            )
        except services.Conflict as conflict:
            return _conflict_response(request, conflict)
        except services.ReturnInvalid as invalid:
            return problem_response(
                422,
                f"The return has {invalid.problems.blocking_summary()}, listed in errors: it was not submitted.",
                request=request,
                errors=_as_errors(p for p in invalid.problems.items if p.blocking),
            )
        except (services.EditRefused, IllegalTransition) as refused:
            return problem_response(409, str(refused), request=request)
        submitted = returns.return_for_read(user=request.user, pk=submitted.pk)
        return _with_etag(Response(return_data(submitted, request.user)), submitted)


def _change(change) -> dict:
    return {
        "when": change.when,
        "who": change.who,
        "what": change.what,
        "old": change.old,
        "new": change.new,
        "how": change.how,
        "reason": change.reason,
    }


class ReturnHistory(APIView):
    @extend_schema(
        summary="A return's status timeline and every change of its figures, oldest first",
        responses={200: s.HistorySerializer, **problems_for(*OBJECT)},
    )
    def get(self, request: Request, pk: int) -> Response:
        ret = returns.return_for_read(user=request.user, pk=pk)
        timeline, changes = returns.return_history(ret=ret)
        return Response(
            {
                "id": ret.pk,
                "status": ret.status,
                "timeline": [_change(c) for c in timeline],
                "changes": [_change(c) for c in changes],
            }
        )


# --- the published dataset -----------------------------------------------------------------------------------------
DatasetPageSerializer = inline_serializer(
    "DatasetPage",
    {
        "count": serializers.IntegerField(),
        "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
        "snapshot": s.SnapshotRefSerializer(),
        "results": s.DatasetRowSerializer(many=True),
    },
)


class DatasetView(APIView):
    @extend_schema(
        summary="The published Partnership Neglect Dataset in long format, as the CSV export publishes it",
        parameters=[
            text_param("indicator", "Indicator codes, comma separated: N01,N05.", max_length=2000, pattern=CODES),
            text_param(
                "period", 'Quarters, comma separated: "2025-26 Q4,2026-27 Q1".', max_length=2000, pattern=PERIODS
            ),
            OpenApiParameter(
                "snapshot",
                {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                description="A snapshot's id (default: the latest published).",
            ),
            OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": Pages.max_page_size},
                description=f"Rows per page, at most {Pages.max_page_size} (default {Pages.page_size}).",
            ),
        ],
        responses={200: DatasetPageSerializer, **problems_for(*LIST)},
    )
    def get(self, request: Request) -> Response:
        query = _Query(request)
        codes = [c for c in query.text("indicator", 2000, CODES).split(",") if c]
        named = [_quarter_or_none(p) for p in query.text("period", 2000, PERIODS).split(",") if p]
        quarters = [q.index for q in named if q is not None]
        if named and not quarters:
            quarters = [-1]  # only quarters that name none: no rows
        page = query.number("page") or 1
        size = query.number("page_size", 1, Pages.max_page_size) or Pages.page_size
        snapshot_id = query.number("snapshot")
        try:
            snapshot = reading.snapshot_for(user=request.user, pk=snapshot_id)
        except Http404 as exc:
            raise NotFound("No published snapshot has that id.") from exc
        if snapshot is None:
            raise NotFound("Nothing is published yet: the partnership analyst publishes the dataset each quarter.")
        result = reading.dataset_page_rows(
            snapshot, user=request.user, codes=codes, quarters=quarters, offset=(page - 1) * size, limit=size
        )
        if page > 1 and not result.rows:
            raise NotFound(f"There is no page {page}: the filter matches {result.total} rows.")
        base = request.build_absolute_uri(request.path)

        def link(number: int) -> str:
            params = request.query_params.copy()
            params["page"] = str(number)
            return f"{base}?{params.urlencode()}"

        return Response(
            {
                "count": result.total,
                "next": link(page + 1) if page * size < result.total else None,
                "previous": link(page - 1) if page > 1 else None,
                "snapshot": {
                    "id": snapshot.pk,
                    "published_at": snapshot.published_at,
                    "built_at": snapshot.built_at,
                    "latest_period": quarter_label(snapshot.latest_quarter)
                    if snapshot.latest_quarter is not None
                    else "",
                },
                "results": result.rows,
            }
        )


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other address under /api/v1/, whatever the method: a problem, not the site's HTML 404."""

    permission_classes = [permissions.AllowAny]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound("There is nothing at this address: see /api/docs/ for the API's addresses.")
