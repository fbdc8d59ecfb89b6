"""What the app accepts as input, for every form: plain text without control characters (a
multi-line text may hold tabs and line breaks), and amounts written plainly.

Every form of the project derives from `Form` or `ModelForm` here (a test checks it), so each
text field refuses control characters with a message on the field, never a 500 from the
database (PostgreSQL refuses NUL in text). Amounts accept ASCII digits with an optional point
and at most two decimals: `1e3`, `1_000`, `+3.00` or other scripts' digits, which Python's
Decimal would take, are refused, with the exact form to use.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SINGLE_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MULTI_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # not \t \n \r


def validate_single_line(value: str) -> None:
    if SINGLE_LINE_FORBIDDEN.search(value):
        raise ValidationError(
            _("Remove the control characters (such as tabs or line breaks): this field takes "
              "one line of plain text."), code="control_characters")


def validate_multi_line(value: str) -> None:
    if MULTI_LINE_FORBIDDEN.search(value):
        raise ValidationError(
            _("Remove the control characters: besides words, this text may hold only tabs "
              "and line breaks."), code="control_characters")


class PlainTextMixin:
    """Gives every text field of the form the control-character check that suits it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                multi_line = isinstance(field.widget, forms.Textarea)
                field.validators.append(validate_multi_line if multi_line else validate_single_line)


class Form(PlainTextMixin, forms.Form):
    """The project's base form."""


class ModelForm(PlainTextMixin, forms.ModelForm):
    """The project's base model form."""


AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


class MoneyField(forms.DecimalField):
    """An amount of dollars as people write it: 1500 or 1500.00, nothing else."""

    default_error_messages = {"invalid": _("Write the amount like 1500.00")}

    def __init__(self, *, min_value=Decimal("0.01"), **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(min_value=min_value, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not AMOUNT.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text)
