"""Form fields bounded by what the database column can hold.

A plain ``forms.IntegerField`` accepts any integer, so 2³¹ for a quota
(``PositiveIntegerField``) or 2⁶³ for an amount (``PositiveBigIntegerField``)
passed the form and ended in a database overflow: a 500.  These fields refuse
such values on the form, with a message naming the field.

``model_choice_field`` / ``choice_field`` fetch a form's own field by name as the kind
it was declared, for forms that narrow choices to what the user may pick.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

__all__ = [
    "INT_MAX",
    "MAX_VND",
    "BoundedIntegerField",
    "MoneyField",
    "choice_field",
    "int_limit_error",
    "model_choice_field",
]

# PostgreSQL ``integer`` (Django's IntegerField, PositiveIntegerField).
INT_MAX = 2**31 - 1
# Any amount of đồng the portal records: far above a province's budget, well inside
# ``bigint`` (2⁶³ − 1) so sums of many amounts cannot overflow either.
MAX_VND = 10**15 - 1


def _grouped(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def int_limit_error(label: Any, limit: int) -> Any:
    """ "Số tiền (đồng) tối đa là 999.999.999.999.999." (lazy: translated when shown)"""
    return format_lazy(gettext_lazy("{label} tối đa là {max}."), label=label, max=_grouped(limit))


class BoundedIntegerField(forms.IntegerField):
    """An ``IntegerField`` whose ``max_value`` defaults to the ``integer`` column's."""

    default_max_value = INT_MAX

    def __init__(self, *, max_value: int | None = None, **kwargs: Any) -> None:
        limit = self.default_max_value if max_value is None else max_value
        super().__init__(**kwargs)
        self.max_value = limit
        if isinstance(self.widget, forms.NumberInput):
            self.widget.attrs["max"] = limit
        label = self.label or gettext_lazy("Giá trị")
        self.validators.append(MaxValueValidator(limit, message=int_limit_error(label, limit)))


class MoneyField(BoundedIntegerField):
    """Whole đồng, at most ``MAX_VND``."""

    default_max_value = MAX_VND


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The form's own copy of its model-choice field ``name``, to narrow its queryset.

    ``form.fields`` holds plain ``Field`` objects as far as types go; this says which
    kind the form declared, and fails loudly if a rename made it something else.
    """
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a ModelChoiceField")
    return field


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's own copy of its choice field ``name``, to set its choices per request."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a ChoiceField")
    return field
