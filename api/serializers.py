"""What the API reads and writes, as drf-spectacular documents it: the schema is these classes."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dataset.catalogue.numbers import FIELDS_BY_UNIT
from dataset.models import Indicator, NotAvailableReason
from neglect_portal.lifecycle import State

FIGURE_MAX = 40
COMMENTARY_MAX = 4000


class ProblemErrorSerializer(serializers.Serializer):
    pointer = serializers.CharField(
        required=False, help_text='A JSON pointer (RFC 6901) into the body, e.g. "/values/N01/value".'
    )
    parameter = serializers.CharField(required=False, help_text="The query parameter or header at fault.")
    detail = serializers.CharField()
    rule = serializers.CharField(required=False, help_text="The validation rule, e.g. V03 (see the rules page).")


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = ProblemErrorSerializer(many=True, required=False)
    changed_by = serializers.CharField(required=False, help_text="412: who saved the return after your version.")
    changed_at = serializers.DateTimeField(required=False, help_text="412: when they saved it.")
    changed_codes = serializers.ListField(child=serializers.CharField(), required=False)
    current_version = serializers.IntegerField(required=False, help_text="412: the version to fetch and retry on.")


class AgencyRefSerializer(serializers.Serializer):
    short_name = serializers.CharField()
    name = serializers.CharField()


class KeyInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["agency", "reader"])
    read_only = serializers.BooleanField()
    expires_at = serializers.DateTimeField()
    agency = AgencyRefSerializer(allow_null=True)
    acts_as = serializers.CharField(help_text="Whose rights the key has, in words.")


class IndicatorSerializer(serializers.ModelSerializer):
    suppliers = serializers.SlugRelatedField(many=True, read_only=True, slug_field="short_name")
    fields_to_give = serializers.SerializerMethodField(
        help_text='The figure fields a return gives for it: ["value"] for a count, else numerator and denominator.'
    )

    class Meta:
        model = Indicator
        fields = [
            "code",
            "title",
            "objective",
            "unit",
            "definition",
            "numerator_label",
            "denominator_label",
            "allow_negative",
            "polarity",
            "accumulation",
            "target",
            "active",
            "suppliers",
            "fields_to_give",
        ]

    def get_fields_to_give(self, indicator: Indicator) -> list[str]:
        return list(FIELDS_BY_UNIT[indicator.unit])


class QuarterSerializer(serializers.Serializer):
    period = serializers.CharField(help_text='The quarter, e.g. "2026-27 Q2" (financial years start in April).')
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    start = serializers.DateField()
    end = serializers.DateField()
    opens_on = serializers.DateField()
    due_on = serializers.DateField()
    locks_on = serializers.DateField()
    state = serializers.CharField(help_text='Where it stands, e.g. "Open, due 28 July 2026".')
    note = serializers.CharField(allow_blank=True)


class ReturnLinksSerializer(serializers.Serializer):
    self = serializers.CharField()
    values = serializers.CharField()
    submit = serializers.CharField()
    history = serializers.CharField()


class ReturnSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agency = AgencyRefSerializer()
    period = serializers.CharField()
    status = serializers.ChoiceField(choices=State.choices)
    status_label = serializers.CharField()
    status_reason = serializers.CharField(allow_blank=True, help_text="The analyst's reason when returned or reopened.")
    version = serializers.IntegerField(help_text="Goes up with every saved change; the ETag carries it.")
    revision = serializers.IntegerField()
    editable = serializers.BooleanField(help_text="Whether this key may change it now.")
    edit_block_reason = serializers.CharField(allow_blank=True, help_text="Why not, in words, when it may not.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    updated_by = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    submitted_by = serializers.CharField(allow_blank=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    reviewed_by = serializers.CharField(allow_blank=True)
    links = ReturnLinksSerializer()


PERIOD_PATTERN = r"^[0-9]{4}-[0-9]{2} Q[1-4]$"


class ReturnStartSerializer(serializers.Serializer):
    period = serializers.RegexField(
        PERIOD_PATTERN,
        max_length=10,
        help_text='The quarter to start, e.g. "2026-27 Q2".',
        error_messages={"invalid": 'Write the quarter like "2026-27 Q2".'},
    )


class RowProblemSerializer(serializers.Serializer):
    rule = serializers.CharField(
        help_text="V.. errors block saving by API and submitting; Q.. queries need commentary."
    )
    kind = serializers.ChoiceField(choices=["error", "query"])
    blocking = serializers.BooleanField()
    explained = serializers.BooleanField()
    field = serializers.CharField(allow_blank=True)
    pointer = serializers.CharField()
    message = serializers.CharField()


class ValueOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    numerator = serializers.CharField(allow_blank=True)
    denominator = serializers.CharField(allow_blank=True)
    value = serializers.CharField(allow_blank=True)
    not_available_reason = serializers.CharField(allow_blank=True)
    commentary = serializers.CharField(allow_blank=True)
    computed = serializers.CharField(allow_blank=True, help_text='What the figures make, as shown: "35.7%".')
    problems = RowProblemSerializer(many=True)


class ValuesOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    values = ValueOutSerializer(many=True)


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "maxLength": FIGURE_MAX}, {"type": "number"}],
        "nullable": True,
        "description": 'A figure as typed ("1,234" or 1234); "" or null clears it.',
    }
)
class FigureField(serializers.Field):
    """A figure as text, exactly as a person would type it ("1,234", "12.5"); a JSON number is taken as its text."""

    default_error_messages = {
        "invalid": 'Give the figure as a number or as text, such as 12 or "12".',
        "max_length": f"A figure has at most {FIGURE_MAX} characters.",
    }

    def to_internal_value(self, data):
        if data is None:
            return ""
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        if isinstance(data, float):
            if data != data or data in (float("inf"), float("-inf")):
                self.fail("invalid")
            data = format(Decimal(repr(data)), "f")
        text = str(data)
        if len(text) > FIGURE_MAX or "\x00" in text:
            self.fail("max_length")
        return text

    def to_representation(self, value):
        return value


class ValueInSerializer(serializers.Serializer):
    """Only the fields given change; a field given as "" or null is cleared."""

    numerator = FigureField(required=False, help_text="Ratios and means: what is counted.")
    denominator = FigureField(required=False, help_text="Ratios and means: out of what.")
    value = FigureField(required=False, help_text="Counts: the figure.")
    not_available_reason = serializers.ChoiceField(
        choices=[("", "(available)"), *NotAvailableReason.choices], required=False, allow_blank=True, allow_null=True
    )
    commentary = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=COMMENTARY_MAX, trim_whitespace=False
    )

    def validate(self, attrs):
        if "\x00" in (attrs.get("commentary") or ""):
            raise serializers.ValidationError({"commentary": "Commentary cannot hold a null character."})
        return {name: "" if text is None else str(text) for name, text in attrs.items()}


class ValuesInSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=ValueInSerializer(),
        help_text='Indicator code -> its fields, e.g. {"N01": {"value": "12"}}. Codes not given are left alone.',
    )


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField(allow_blank=True)
    after = serializers.CharField(allow_blank=True)
    changed = serializers.BooleanField()


class PreviewRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    changed = serializers.BooleanField()
    fields = FieldChangeSerializer(many=True)
    value_before = serializers.CharField(allow_blank=True)
    value_after = serializers.CharField(allow_blank=True)
    problems = RowProblemSerializer(many=True)


class PutResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    saved = serializers.BooleanField(help_text="False on a dry run, and when nothing changed.")
    changed = serializers.IntegerField(help_text="How many indicators' figures changed (or would change).")
    version = serializers.IntegerField(help_text="The return's version now: the new ETag.")
    errors = serializers.IntegerField(help_text="Errors (V..): a save with any saves nothing.")
    queries = serializers.IntegerField(help_text="Unexplained queries (Q..): explain them in commentary to submit.")
    explained_queries = serializers.IntegerField(help_text="Queries already explained in the row's commentary.")
    rows = PreviewRowSerializer(many=True)


@extend_schema_field({"type": "boolean", "enum": [True]})
class TrueField(serializers.BooleanField):
    """Only true will do (a sign-off); false is refused with the reason."""


class SubmitSerializer(serializers.Serializer):
    signed_off = TrueField(help_text='Must be true: "I confirm these figures are accurate and have been checked".')
    signed_off_by = serializers.RegexField(
        r"\S",
        max_length=120,
        trim_whitespace=False,
        help_text="The person at the agency who checked the figures and signs them off.",
        error_messages={"invalid": "Name the person who signs the figures off."},
    )

    def validate_signed_off(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(
                "Confirm that the figures are accurate and have been checked: send signed_off true."
            )
        return value

    def validate_signed_off_by(self, value: str) -> str:
        name = " ".join(value.split())
        if not name or "\x00" in name:
            raise serializers.ValidationError("Name the person who signs the figures off.")
        return name


class ChangeSerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    who = serializers.CharField()
    what = serializers.CharField()
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)
    how = serializers.CharField(help_text='How it was made: "Form", "Upload", "API", "Review"...')
    reason = serializers.CharField(allow_blank=True)


class HistorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    timeline = ChangeSerializer(many=True)
    changes = ChangeSerializer(many=True)


class DatasetRowSerializer(serializers.Serializer):
    """One partnership figure, exactly as the CSV export publishes it: numbers without separators, or a symbol."""

    indicator_code = serializers.CharField()
    indicator_title = serializers.CharField()
    period = serializers.CharField()
    value = serializers.CharField(help_text="A number, or c (suppressed), z (not applicable), : (not available).")
    numerator = serializers.CharField()
    denominator = serializers.CharField()
    unit = serializers.CharField()
    rag = serializers.CharField()
    spc = serializers.CharField()
    completeness = serializers.CharField(help_text='How many expected agencies are in it: "8 of 9 agencies".')
    partial = serializers.ChoiceField(choices=["yes", "no"])
    partial_note = serializers.CharField(allow_blank=True)


class SnapshotRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    published_at = serializers.DateTimeField(allow_null=True)
    built_at = serializers.DateTimeField()
    latest_period = serializers.CharField(allow_blank=True)
