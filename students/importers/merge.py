"""Re-importing a list: which registered values a row may change, and which it may not.

A household list imported again must not undo what was corrected since:

- a blank cell, or a column the file does not have, leaves the stored value as it is
  (``Given``: the values a row really gives);
- a value set in the portal after the import that last set it (``portal_edits`` on
  the pupil or household) is a conflict: the user chooses, per value or for all,
  between the portal's value (the default) and the file's (``ConflictChoices``).

Pure functions on plain tuples (the importer's ``_StudentValues`` and
``_HouseholdValues`` order), cheap enough for the slow path's 100,000 rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from students.importers.columns import HOUSEHOLD_FIELDS, STUDENT_FIELDS

__all__ = [
    "ALL_GIVEN",
    "KEEP_PORTAL",
    "TAKE_FILE",
    "ConflictChoices",
    "Given",
    "Merged",
    "conflict_key",
    "given_reader",
    "jsonable",
    "merge_values",
    "remaining_marks",
]

STUDENT_NAMES = ("pupil_code", *STUDENT_FIELDS)  # _StudentValues.NAMES
KEEP_PORTAL = "portal"
TAKE_FILE = "file"

# The column a pupil's optional value comes from; the other values are always set by a
# row (required columns, and what the importer derives: school, grade, name keys).
_STUDENT_SOURCE = {
    "ethnicity_id": "ethnicity",
    "personal_id": "personal_id",
    "commune_id": "commune",
    "village_id": "village",
    "has_device": "has_device",
    "need_device": "needs",
    "need_data": "needs",
    "notes": "notes",
}
_HOUSEHOLD_SOURCE = {
    "code": "household_code",
    "commune_id": "commune",
    "village_id": "village",
    "guardian_name": "guardian_name",
    "guardian_relation": "guardian_relation",
    "guardian_phone": "guardian_phone",
    "guardian_id_number": "guardian_id_number",
}
_SOURCES = tuple(dict.fromkeys([*_STUDENT_SOURCE.values(), *_HOUSEHOLD_SOURCE.values()]))
# Values that follow another one: kept or set with it, never a conflict of their own.
STUDENT_FOLLOWS = {
    STUDENT_NAMES.index("name_key"): STUDENT_NAMES.index("full_name"),
    STUDENT_NAMES.index("sort_key"): STUDENT_NAMES.index("full_name"),
    STUDENT_NAMES.index("grade"): STUDENT_NAMES.index("class_name"),
}


class Given:
    """The positions of the pupil's and the household's values that a row sets."""

    __slots__ = ("household", "student")

    def __init__(self, columns: set[str] | None) -> None:
        def taken(names: tuple[str, ...], source: Mapping[str, str]) -> tuple[int, ...]:
            return tuple(
                i
                for i, name in enumerate(names)
                if name not in source or columns is None or source[name] in columns
            )

        self.student = taken(STUDENT_NAMES, _STUDENT_SOURCE)
        self.household = taken(HOUSEHOLD_FIELDS, _HOUSEHOLD_SOURCE)


ALL_GIVEN = Given(None)


def _blank(value: Any) -> bool:
    return value is None or value == "" or (value.__class__ is str and value.isspace())


def given_reader() -> Callable[[Mapping[str, Any]], Given]:
    """A function giving a row's ``Given`` from its cells (by field name, as read).

    A column absent from the file is blank in every row.  One ``Given`` per
    distinct pattern of blank cells: a list has only a few.
    """
    cache: dict[tuple[bool, ...], Given] = {}

    def given(values: Mapping[str, Any]) -> Given:
        key = tuple(not _blank(values.get(name)) for name in _SOURCES)
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = Given({n for n, there in zip(_SOURCES, key, strict=True) if there})
        return hit

    return given


def conflict_key(kind: str, pk: int, name: str) -> str:
    """The key of one conflicting value: ``s12:notes`` (pupil 12), ``h7:guardian_phone``."""
    return f"{kind}{pk}:{name}"


class ConflictChoices:
    """What the user chose for the values set in the portal that a file would overwrite.

    Stored on the batch (``options["conflicts"]``): ``{"all": "portal"|"file",
    "file": [keys], "portal": [keys]}``; a key chosen one by one wins over "all".
    Without a choice the portal's value is kept.
    """

    __slots__ = ("default", "file", "portal")

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        options = options or {}
        self.default = options.get("all") == TAKE_FILE
        self.file = frozenset(options.get("file") or ())
        self.portal = frozenset(options.get("portal") or ())

    @classmethod
    def of_batch(cls, batch: Any) -> ConflictChoices:
        return cls(((batch.options or {}).get("conflicts")) if batch is not None else None)

    def takes_file(self, key: str) -> bool:
        if key in self.file:
            return True
        if key in self.portal:
            return False
        return self.default


class Merged:
    """A registered record's values after a row: what changes, what conflicts."""

    __slots__ = ("changed", "conflicts", "marks", "values")

    def __init__(
        self,
        values: tuple[Any, ...],
        changed: dict[str, list[Any]],
        conflicts: dict[str, dict[str, Any]],
        marks: dict[str, Any] | None,
    ) -> None:
        self.values = values
        self.changed = changed  # {name: [old, new]} of the values the row sets
        self.conflicts = conflicts  # {name: {"portal", "file", "by", "at", "key"}}
        self.marks = marks  # portal_edits after the row


def merge_values(
    names: tuple[str, ...],
    old: tuple[Any, ...],
    new: tuple[Any, ...],
    taken: tuple[int, ...],
    *,
    marks: Mapping[str, Any] | None,
    kind: str,
    pk: int,
    choices: ConflictChoices,
    follows: Mapping[int, int] | None = None,
    skip: frozenset[int] = frozenset(),
) -> Merged:
    """``old`` with the values of ``new`` at ``taken`` positions, unless set in the portal.

    A value marked in ``marks`` (the record's ``portal_edits``) that the row would
    change is a conflict, settled by ``choices``; a value the row sets loses its
    mark.  ``follows`` ties a value to another (the name's keys to the name), and
    ``skip`` positions are never compared (the pupil code).
    """
    merged = list(old)
    changed: dict[str, list[Any]] = {}
    conflicts: dict[str, dict[str, Any]] = {}
    kept: set[int] = set()
    cleared: list[str] = []
    follows = follows or {}
    for i in taken:
        value = new[i]
        if i in skip or value == old[i]:
            continue
        lead = follows.get(i)
        if lead is not None:
            if lead not in kept:
                merged[i] = value
            continue
        name = names[i]
        mark = marks.get(name) if marks else None
        if mark is not None:
            key = conflict_key(kind, pk, name)
            conflicts[name] = {
                "portal": jsonable(old[i]),
                "file": jsonable(value),
                "by": mark.get("by"),
                "at": mark.get("at"),
                "key": key,
            }
            if not choices.takes_file(key):
                kept.add(i)
                continue
            cleared.append(name)
        merged[i] = value
        changed[name] = [old[i], value]
    return Merged(tuple(merged), changed, conflicts, remaining_marks(marks, cleared))


def remaining_marks(marks: Mapping[str, Any] | None, cleared: list[str]) -> dict[str, Any] | None:
    """``portal_edits`` without the ``cleared`` fields (None when nothing is left)."""
    if not marks:
        return None
    if not cleared:
        return dict(marks)
    left = {name: mark for name, mark in marks.items() if name not in cleared}
    return left or None


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
