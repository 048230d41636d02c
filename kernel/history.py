"""Change history in words: the registry of audit-action labels and the display of changes.

An audit row stores its action as a code (``student.create``) and its changes as field
names and raw values (``{"gender": [None, "F"]}``). A history page shows neither: each
app declares, in its ``audit_actions.py`` next to the services that write the rows, the
words for its actions (``register_actions``) and for change keys that are not fields of
the audited model (``register_change_keys``); ``change_lines`` turns stored changes into
the model's field labels and display values (choice labels, dates dd/mm/yyyy, yes/no,
names of related objects). ``tests/kernel/test_audit_actions.py`` finds every action
written anywhere in the code and fails on one without a label here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, ForeignObjectRel, Model
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _

type Label = str | Promise


@dataclass(frozen=True)
class ChangeKey:
    """How to show a change key that is not a field of the audited model.

    ``label`` is the words (or, for a key ending in ``*``, a function of the rest of the
    key: ``signal.viettel`` → "Sóng Viettel"); ``field`` is a model field whose choices,
    type or relation display the values."""

    label: Label | Callable[[str], Label]
    field: Field[Any, Any] | None = None
    display: Callable[[Any], str] | None = None  # a value in words, when no field says it


@dataclass(frozen=True)
class ChangeLine:
    label: str
    old: str | None  # None: the change has one value, not a before/after pair
    new: str


_actions: dict[str, Label] = {}
_keys: dict[str, dict[str, ChangeKey]] = defaultdict(dict)


def register_actions(labels: Mapping[str, Label]) -> None:
    """Declare the words for audit actions (an app's ``audit_actions.py``, at start)."""
    for action, label in labels.items():
        if action in _actions and str(_actions[action]) != str(label):
            raise ValueError(f"Audit action {action!r} is labelled twice")
        _actions[action] = label


ANY_MODEL = "*"


def register_change_keys(model: type[Model] | None, keys: Mapping[str, ChangeKey]) -> None:
    """Declare change keys of ``model``'s audit rows that are not its fields.

    ``model=None``: keys that mean the same on any model's rows (counts, reasons), used
    when the audited model has no field of that name."""
    _keys[model._meta.label_lower if model is not None else ANY_MODEL].update(keys)


def registered_actions() -> frozenset[str]:
    return frozenset(_actions)


def action_label(action: str) -> str:
    """The action in words, in the active language; an unregistered code as it is."""
    label = _actions.get(action)
    return str(label) if label is not None else action


def _declared(bucket: str, name: str) -> ChangeKey | None:
    keys = _keys.get(bucket, {})
    for pattern, key in keys.items():
        if pattern == name or (pattern.endswith("*") and name.startswith(pattern[:-1])):
            label = key.label(name[len(pattern) - 1 :]) if callable(key.label) else key.label
            return ChangeKey(str(label), key.field, key.display)
    return None


def _key(model: type[Model] | None, name: str) -> ChangeKey:
    """The words for change key ``name`` of ``model``'s rows and how to show its values."""
    field: Any = None
    if model is not None:
        declared = _declared(model._meta.label_lower, name)
        if declared is not None:
            return declared
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if isinstance(field, Field):
            label: Label = field.verbose_name or name
            related = field.related_model
            if str(label) == name.replace("_", " ") and related and not isinstance(related, str):
                label = related._meta.verbose_name or label  # a relation left unnamed
            return ChangeKey(str(label), field)
    declared = _declared(ANY_MODEL, name)
    if declared is not None:
        return declared
    if isinstance(field, ForeignObjectRel) and not isinstance(field.related_model, str):
        return ChangeKey(str(field.related_model._meta.verbose_name))
    return ChangeKey(name.replace("_", " "))


type Related = dict[type[Model], dict[Any, Model]]


def _display(value: Any, key: ChangeKey, related: Related) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_display(v, key, related) for v in value)
    if key.display is not None:
        return key.display(value)
    field = key.field
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if field is not None:
        if field.choices:
            choices = {str(k): v for k, v in field.flatchoices}
            if str(value) in choices:
                return str(choices[str(value)])
        if field.is_relation and field.related_model is not None:
            obj = related.get(field.related_model, {}).get(_pk(value))  # type: ignore[arg-type]  # a model class, not "self"
            if obj is not None:
                return str(obj)
        internal = field.get_internal_type()
        if internal == "DateTimeField" and isinstance(value, str):
            return _datetime(value)
        if internal == "DateField" and isinstance(value, str):
            return _date(value)
        if internal == "BooleanField" and isinstance(value, str | int):
            return _("Có") if value else _("Không")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_display(v, ChangeKey(k), related)}" for k, v in value.items())
    return str(value)


def _pk(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _date(value: str) -> str:
    try:
        return dt.date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return value


def _datetime(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "d/m/Y H:i")


@dataclass(frozen=True)
class Changes:
    """One audit row's changes with the model they are of."""

    model: type[Model] | None
    changes: Mapping[str, Any]


def _pairs(changes: Mapping[str, Any]) -> Iterable[tuple[str, Any, bool]]:
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            yield name, value, True
        else:
            yield name, value, False


def _related(rows: Sequence[Changes]) -> Related:
    """The related objects named by id in the changes, one query per related model."""
    wanted: dict[type[Model], set[Any]] = defaultdict(set)
    for row in rows:
        for name, value, pair in _pairs(row.changes):
            field = _key(row.model, name).field
            if field is None or not field.is_relation or field.related_model is None:
                continue
            for v in value if pair else [value]:
                if isinstance(v, int) and not isinstance(v, bool):
                    wanted[field.related_model].add(v)  # type: ignore[index]  # a model class
    return {
        model: model._default_manager.in_bulk(sorted(ids)) for model, ids in wanted.items() if ids
    }


def change_lines(
    rows: Sequence[Changes], mask: Callable[[str, Any], Any] | None = None
) -> list[list[ChangeLine]]:
    """Each row's changes in words, in the order of ``rows``; ``mask`` hides ID numbers."""
    related = _related(rows)
    out: list[list[ChangeLine]] = []
    for row in rows:
        lines = []
        for name, value, pair in _pairs(row.changes):
            key = _key(row.model, name)
            label = capfirst(str(key.label)) or name
            shown = mask(name, value) if mask is not None else value
            if pair:
                old, new = (_display(v, key, related) for v in shown)
                if old != new:  # an empty field on a creation says nothing
                    lines.append(ChangeLine(label, old, new))
            else:
                lines.append(ChangeLine(label, None, _display(shown, key, related)))
        out.append(sorted(lines, key=lambda line: line.label))
    return out
