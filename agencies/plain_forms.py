"""Plain-English field messages for every form (GOV.UK error messages, issue 14): Django's stock wording ("This
field is required.", "Enter a valid date.") becomes a message that names the field and says how to fix it
("Enter the due date", "Due date must be a real date"). A message a form already words for itself is kept.

Forms inherit `PlainMessages` first; `plain_messages(form)` does the same for a form that cannot."""

from __future__ import annotations

from django import forms

CHOOSE = (forms.Select, forms.RadioSelect, forms.CheckboxSelectMultiple, forms.SelectMultiple, forms.FileInput)


QUESTION_WORDS = ("what ", "why ", "who ", "how ", "when ", "which ", "where ")


def _noun(label: str) -> str:
    """ "Due date" -> "the due date"; "RAG rating" keeps its capitals; "What will be done" -> "what will be done"."""
    label = label.removesuffix("(optional)").strip()
    if len(label) > 1 and not label[1].isupper():
        label = label[0].lower() + label[1:]
    return label if label.startswith(QUESTION_WORDS) else f"the {label}"


def _subject(label: str) -> str:
    label = label.removesuffix("(optional)").strip()
    return label[:1].upper() + label[1:]


# Messages a field's validators raise (limits): the field's error_messages override them by code when present.
VALIDATOR_CODES = frozenset(
    {"invalid", "min_value", "max_value", "max_length", "max_digits", "max_whole_digits", "max_decimal_places"}
)


def _stock(field: forms.Field, key: str) -> bool:
    """True if the field's message for `key` is still one Django wrote (any class in its hierarchy)."""
    current = field.error_messages.get(key)
    if current is None:
        return key in VALIDATOR_CODES
    for klass in type(field).__mro__:
        stock = getattr(klass, "default_error_messages", {}).get(key)
        if stock is not None and str(stock) == str(current):
            return True
    return False


def field_messages(name: str, field: forms.Field) -> dict[str, str]:
    """The plain messages for one field, for every stock message it still has."""
    label = str(field.label or name.replace("_", " "))
    the, subject = _noun(label), _subject(label)
    choose = isinstance(field.widget, CHOOSE) or isinstance(field, forms.ChoiceField | forms.FileField)
    plain: dict[str, str] = {
        "required": f"Choose {the}" if choose else f"Enter {the}",
        "invalid_choice": f"Choose {the} from the list",
        "invalid_list": f"Choose {the} from the list",
        "invalid_pk_value": f"Choose {the} from the list",
    }
    if isinstance(field, forms.DateField):
        plain["invalid"] = f"{subject} must be a real date, for example 31/3/2020"
    elif isinstance(field, forms.IntegerField):
        plain["invalid"] = f"{subject} must be a whole number, like 12"
        plain["max_digits"] = plain["max_whole_digits"] = f"{subject} is too large"
        plain["max_decimal_places"] = f"{subject} has too many decimal places"
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        plain["invalid"] = f"{subject} must be a number, like 3.5"
        plain["max_digits"] = plain["max_whole_digits"] = f"{subject} is too large"
        plain["max_decimal_places"] = f"{subject} must have at most %(max)s decimal places"
    elif isinstance(field, forms.EmailField):
        plain["invalid"] = f"Enter {the} in the right format, like name@example.org"
    if isinstance(field, forms.CharField) and field.max_length:
        plain["max_length"] = f"{subject} must be {field.max_length:,} characters or fewer"
    plain["min_value"] = f"{subject} must be %(limit_value)s or more"
    plain["max_value"] = f"{subject} must be %(limit_value)s or less"
    return {key: message for key, message in plain.items() if _stock(field, key)}


def plain_messages(form: forms.BaseForm) -> None:
    """Replace the stock messages of every field of `form` (the form's own copies: fields are deep-copied)."""
    for name, field in form.fields.items():
        field.error_messages.update(field_messages(name, field))


class PlainMessages:
    """Mixin: put first in the bases, `class PlanForm(PlainMessages, forms.ModelForm)`. The messages are worded
    when the form is cleaned, so labels a form's __init__ sets are the ones the messages name."""

    def full_clean(self) -> None:
        plain_messages(self)  # type: ignore[arg-type]
        super().full_clean()  # type: ignore[misc]
