"""Stage "match registry": registered pupils and households as plain values, and what a
row of the file changes in them (only the values its cells give, and values set in the
portal only as the user chose: ``merge``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from students.importers import duplicates
from students.importers.columns import HOUSEHOLD_FIELDS, STUDENT_FIELDS
from students.importers.merge import ALL_GIVEN, STUDENT_FOLLOWS, Merged, merge_values
from students.importers.planning import RunState
from students.importers.rows import _PlannedRow, _StudentValues
from students.models import Student

_HH_CATEGORY = HOUSEHOLD_FIELDS.index("category_id")
_HH_CODE = HOUSEHOLD_FIELDS.index("code")
_HH_COMMUNE = HOUSEHOLD_FIELDS.index("commune_id")
_HH_VILLAGE = HOUSEHOLD_FIELDS.index("village_id")
_COMMUNE_AT = _StudentValues.INDEX["commune_id"]
_VILLAGE_AT = _StudentValues.INDEX["village_id"]
_NEVER_COMPARED = frozenset({_StudentValues.INDEX["pupil_code"]})  # the key the pupil is found by
_DIFF_FIELDS = [
    (i + 1, name) for i, name in enumerate(STUDENT_FIELDS) if name not in {"name_key", "sort_key"}
]
_ELIGIBILITY_AT = [
    1 + STUDENT_FIELDS.index(name)
    for name in ("has_device", "need_device", "need_data", *Student.IDENTITY_FIELDS[:3])
]
_SCHOOL_AT = 1 + STUDENT_FIELDS.index("school_id")
# Registered pupils as the import reads them: the values of _StudentValues, then
# what classification needs, then the pupil's household's values.
_PUPIL_COLUMNS = (
    "id",
    "pupil_code",
    *STUDENT_FIELDS,
    "household_id",
    "eligibility_locked",
    "school__district_id",
    *(f"household__{name}" for name in HOUSEHOLD_FIELDS),
    "portal_edits",
    "household__portal_edits",
)
# What a registered pupil's digest covers (``registered_digest``): its values, then its
# household's, as ``_PUPIL_COLUMNS`` reads them.
DIGEST_COLUMNS = (
    "pupil_code",
    *STUDENT_FIELDS,
    *(f"household__{name}" for name in HOUSEHOLD_FIELDS),
)
_STUDENT_UPDATE = (*STUDENT_FIELDS, "household_id", "portal_edits", "updated_at")
_UPDATE_HOUSEHOLD_AT = 1 + _STUDENT_UPDATE.index("household_id")
_HOUSEHOLD_UPDATE = (*HOUSEHOLD_FIELDS, "portal_edits", "updated_at")


class _House:
    """A registered household as plain values (HOUSEHOLD_FIELDS order) and its portal edits."""

    __slots__ = ("edits", "pk", "values")

    def __init__(self, pk: int, values: tuple[Any, ...], edits: dict[str, Any] | None) -> None:
        self.pk = pk
        self.values = values
        self.edits = edits


class _Pupil:
    """A registered pupil as plain values, read by ``_PUPIL_COLUMNS``."""

    __slots__ = (
        "district_id",
        "edits",
        "eligibility_locked",
        "household",
        "household_id",
        "pk",
        "values",
    )

    def __init__(self, row: tuple[Any, ...]) -> None:
        width = 1 + len(_StudentValues.NAMES)
        self.pk = row[0]
        self.values = row[1:width]  # in _StudentValues order: compared to a row as is
        self.household_id, self.eligibility_locked, self.district_id = row[width : width + 3]
        self.household = _House(self.household_id, row[width + 3 : -2], row[-1])
        self.edits = row[-2]

    @property
    def school_id(self) -> int:
        return self.values[_SCHOOL_AT]


class _Registered(NamedTuple):
    """What a chunk's rows meet in the registry (``ChunkWriter._registered``)."""

    pupils: dict[str, _Pupil]  # by pupil code
    households: dict[tuple[int, str], _House]  # by (commune id, household code)
    shared: duplicates.SharedHouseholds


@dataclass
class _Updates:
    """What a chunk changes in the registry."""

    pupils: list[tuple[Any, ...]] = field(default_factory=list)  # id, *_STUDENT_UPDATE
    changes: list[tuple[int, str, int, dict[str, list[Any]]]] = field(default_factory=list)
    households: list[tuple[Any, ...]] = field(default_factory=list)  # id, *_HOUSEHOLD_UPDATE
    # (household id, name, school id of the row, {field: [old, new]}), audited
    household_changes: list[tuple[int, str, int, dict[str, list[Any]]]] = field(
        default_factory=list
    )
    records: list[tuple[Any, ...]] = field(default_factory=list)  # the dry run's ImportChange rows
    moved: list[tuple[int, int, int | None]] = field(default_factory=list)  # household, place


def _household_differs(current: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    """A row's household details differ from the registered ones (a blank cell never changes one)."""
    return any(
        old != value and value not in ("", None) for old, value in zip(current, new, strict=True)
    )


def _touches_eligibility(
    pupil: _Pupil, values: tuple[Any, ...], planned: _PlannedRow, household: Merged | None
) -> bool:
    if household is not None:
        if "category_id" in household.changed:
            return True
    elif pupil.household.values[_HH_CATEGORY] != planned.household[_HH_CATEGORY]:
        return True
    return any(pupil.values[i] != values[i] for i in _ELIGIBILITY_AT)


def _at_place(values: tuple[Any, ...], household: tuple[Any, ...]) -> tuple[Any, ...]:
    """A pupil's values (``_StudentValues`` order) with its household's commune and village."""
    place = (household[_HH_COMMUNE], household[_HH_VILLAGE])
    if (values[_COMMUNE_AT], values[_VILLAGE_AT]) == place:
        return values
    moved = list(values)
    moved[_COMMUNE_AT], moved[_VILLAGE_AT] = place
    return tuple(moved)


def _diff(current: tuple[Any, ...], new: tuple[Any, ...]) -> dict[str, list[Any]]:
    return {name: [current[i], new[i]] for i, name in _DIFF_FIELDS if current[i] != new[i]}


def pupil_plan(
    pupil: _Pupil,
    planned: _PlannedRow,
    state: RunState,
    *,
    moving: bool,
    household: Merged | None,
    house: _House | None = None,
) -> Merged:
    """A registered pupil's values after the row: only the values the row gives, and
    values set in the portal only as the user chose.  ``household`` is what the row
    changes in ``house``, the registered household the pupil stays in or joins."""
    if pupil.values == planned.student:
        return Merged(pupil.values, {}, {}, pupil.edits)
    merged = merge_values(
        _StudentValues.NAMES,
        pupil.values,
        planned.student,
        (planned.given or ALL_GIVEN).student,
        marks=pupil.edits,
        kind="s",
        pk=pupil.pk,
        choices=state.choices,
        follows=STUDENT_FOLLOWS,
        skip=_NEVER_COMPARED,
    )
    # The pupil lives where their household does: a registered one's place is what the
    # row leaves it (a sibling's own village cell does not move the pupil away from
    # it); a new household's is the row's (its first row's: ``planning``).
    if household is not None:
        place = (household.values[_HH_COMMUNE], household.values[_HH_VILLAGE])
    elif house is not None:
        place = (house.values[_HH_COMMUNE], house.values[_HH_VILLAGE])
    elif moving:
        place = (planned.student[_COMMUNE_AT], planned.student[_VILLAGE_AT])
    else:
        return merged
    if place != (merged.values[_COMMUNE_AT], merged.values[_VILLAGE_AT]):
        values = list(merged.values)
        values[_COMMUNE_AT], values[_VILLAGE_AT] = place
        merged.values = tuple(values)
        for at in (_COMMUNE_AT, _VILLAGE_AT):
            name = _StudentValues.NAMES[at]
            if pupil.values[at] != values[at]:
                merged.changed[name] = [pupil.values[at], values[at]]
            else:
                merged.changed.pop(name, None)
    return merged


def household_plan(house: _House | None, planned: _PlannedRow, state: RunState) -> Merged | None:
    """What the first row of a household in the file changes in the registered household.

    Later rows of the same household (siblings) do not change it: a new household
    is also made from its first row, and a file imported twice changes nothing.
    None when nothing changes and nothing conflicts.
    """
    if house is None or not planned.first_of_household:
        return None
    if house.pk in state.changed_households or house.values == planned.household:
        return None
    merged = merge_values(
        HOUSEHOLD_FIELDS,
        house.values,
        planned.household,
        (planned.given or ALL_GIVEN).household,
        marks=house.edits,
        kind="h",
        pk=house.pk,
        choices=state.choices,
    )
    if not merged.changed and not merged.conflicts:
        return None
    return merged


_MASK = (1 << 64) - 1
_WIDTH = len(_StudentValues.NAMES)


def registered_digest(row: tuple[Any, ...]) -> int:
    """Two hashes of a registered pupil read by ``DIGEST_COLUMNS``, in one int: of its
    values with its household's values (the upper 64 bits), and of its values with its
    household's commune and code (the lower).

    A list imported again repeats most pupils exactly: ``unchanged_by`` compares a row
    with these instead of reading the pupil back (``ChunkWriter._take_slow``).  Equal
    values have equal hashes; different values the same hash by chance only (one in
    2**64 per row), which would leave that row's change unwritten.
    """
    student, household = row[:_WIDTH], row[_WIDTH:]
    first = hash((student, household)) & _MASK
    later = hash((student, household[_HH_COMMUNE], household[_HH_CODE])) & _MASK
    return (first << 64) | later


def unchanged_by(planned: _PlannedRow, digest: int) -> bool:
    """Whether the row gives exactly the registered pupil's values and names its household
    by code; the household's first row in the file must also give all the household's
    values (it is the row that would change them, ``household_plan``)."""
    household = planned.household
    if planned.first_of_household:
        return hash((planned.student, household)) & _MASK == digest >> 64
    return hash((planned.student, household[_HH_COMMUNE], household[_HH_CODE])) & _MASK == (
        digest & _MASK
    )
