"""Duplicates and shared households, as the household-list import decides them.

The import checks rows in a worker thread that never touches the database, so the
registry facts these checks need are loaded once, before the run, into memory:

- ``RegistryIndex`` (loaded by ``StudentImporter.run``; checked per row in
  ``checking.RowChecker``): the personal IDs already registered (an ID belongs to one
  pupil: another pupil's ID is a row error, so is the same ID on two rows of the
  file), and the pupils of the file's communes by folded name and birth date (same
  name + birth date + village with another pupil code is a *possible duplicate*: a
  warning the user must confirm before the import is written).
- ``SharedHouseholds`` (per chunk, in the writer's slow path, where rows meet the
  registered households they name): linking a pupil to a household whose pupils
  study at another school is a warning to confirm; changing such a household is a
  row error where a pupil of another school is in a submitted or decided proposal
  (for school users: the district decides), and changing the category of a
  household with an approved (locked) pupil is a row error for everyone.

Per row the cost is a dict lookup or two, and only for rows that carry a personal
ID or whose name and birth date match a registered pupil.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any, TypedDict

from django.utils.translation import gettext as _

from accounts.models import User
from kernel.importing import RowError
from kernel.spreadsheets import RowNumber
from schools.models import School
from students import dependents
from students.importers.columns import FIELD_LABELS, HOUSEHOLD_FIELDS
from students.models import Student, mask

__all__ = ["RegistryIndex", "SharedHouseholds"]

_HH_CATEGORY = HOUSEHOLD_FIELDS.index("category_id")
_HH_CODE = HOUSEHOLD_FIELDS.index("code")


# The acting user's own school, or a commune officer's schools (Scope.school_ids).
OwnSchools = int | frozenset[int] | None


def within(school_id: int, own: OwnSchools) -> bool:
    """Whether ``school_id`` is the acting user's school (or one of their commune's)."""
    if own is None:
        return True
    return school_id in own if isinstance(own, frozenset) else school_id == own


class _Scope:
    """Whether the acting user may see a pupil, decided in memory (worker thread)."""

    def __init__(self, actor: User | None) -> None:
        scope = actor.scope if actor is not None else None
        self.school_id = scope.school_id if scope is not None and scope.is_school else None
        self.district_id = scope.district_id if scope is not None and scope.is_district else None
        # A commune officer: the schools of the commune today.
        self.school_ids = scope.school_ids if scope is not None and scope.is_commune else None
        self.everything = scope is None or not (
            scope.is_school or scope.is_district or scope.is_commune
        )

    def sees(self, school_id: int, district_id: int) -> bool:
        if self.everything:
            return True
        if self.school_ids is not None:
            return school_id in self.school_ids
        if self.school_id is not None:
            return school_id == self.school_id
        return district_id == self.district_id


class RegistryIndex:
    """What the worker thread needs to know of the registry to decide duplicates."""

    def __init__(self, *, actor: User | None, commune_ids: Iterable[int]) -> None:
        self.scope = _Scope(actor)
        # personal ID -> (pupil code, school id, district id) of the pupil holding it
        self.personal_ids: dict[str, tuple[str, int, int]] = {
            pid: (code, school_id, district_id)
            for pid, code, school_id, district_id in Student.objects.exclude(personal_id="")
            .order_by()
            .values_list("personal_id", "pupil_code", "school_id", "school__district_id")
        }
        # (name key, birth date, commune id) -> (pupil code, village key, school id, district
        # id, class), or a list of them when several pupils share the key
        self.identities: dict[tuple[str, dt.date, int], Any] = {}
        registered = Student.objects.filter(commune_id__in=list(commune_ids)).values_list(
            "name_key",
            "date_of_birth",
            "commune_id",
            "pupil_code",
            "village__key",
            "school_id",
            "school__district_id",
            "class_name",
        )
        school_ids: set[object] = set()  # values as the rows hold them
        # Names, birth dates, villages and classes repeat: one object per distinct value
        # (the index of a district's 100,000 pupils took ~55 MB with one per pupil).
        distinct: dict[Any, Any] = {}
        same = distinct.setdefault
        identities = self.identities
        for (
            name_key,
            dob,
            commune_id,
            code,
            vkey,
            school_id,
            district_id,
            class_name,
        ) in registered.iterator(chunk_size=5000):
            vkey = vkey or ""
            entry = (code, same(vkey, vkey), school_id, district_id, same(class_name, class_name))
            key = (same(name_key, name_key), same(dob, dob), commune_id)
            found = identities.get(key)
            if found is None:
                identities[key] = entry
            elif found.__class__ is list:
                found.append(entry)
            else:
                identities[key] = [found, entry]
            school_ids.add(school_id)
        self.school_names = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "name"))
        self.file_ids: dict[str, tuple[int, str]] = {}  # personal ID -> (row, pupil code)
        self.file_identities: dict[tuple[Any, ...], tuple[int, str, int]] = {}
        # Same name and birth date at one school is already a duplicate row: only a file
        # naming several schools needs its rows remembered.
        self.several_schools = False
        self.warnings: list[RowError] = []

    # size: one row against the registry index, each rule with its message in turn
    def check(
        self,
        *,
        row: int,
        pupil_code: str,
        personal_id: str,
        name_key: str,
        date_of_birth: dt.date,
        commune_id: int,
        village: str,
        school_id: int,
        labels: dict[str, str] | Any,
    ) -> RowError | None:
        """A row error for a personal ID that belongs to another pupil; possible
        duplicates go to ``warnings``.  Runs in the worker thread."""
        if personal_id:
            holder = self.personal_ids.get(personal_id)
            if holder is not None and holder[0] != pupil_code:
                if self.scope.sees(holder[1], holder[2]):
                    message = _("số định danh cá nhân %(id)s đã thuộc học sinh mã %(code)s") % {
                        "id": personal_id,
                        "code": holder[0],
                    }
                else:
                    message = _("số định danh cá nhân %(id)s đã thuộc một học sinh khác") % {
                        "id": personal_id
                    }
                return RowError(
                    row,
                    labels.get("personal_id", FIELD_LABELS["personal_id"]),
                    "personal_id",
                    message,
                )
            first = self.file_ids.get(personal_id)
            if first is not None and first[1] != pupil_code:
                return RowError(
                    row,
                    labels.get("personal_id", FIELD_LABELS["personal_id"]),
                    "personal_id",
                    _("số định danh cá nhân trùng với %(where)s") % {"where": first[0]}
                    if isinstance(first[0], RowNumber)
                    else _("số định danh cá nhân trùng với dòng %(row)s") % {"row": first[0]},
                )
            if first is None:
                self.file_ids[personal_id] = (row, pupil_code)
        key = (name_key, date_of_birth, commune_id)
        registered = self.identities.get(key)
        if registered is not None:
            for code, vkey, other_school, district_id, class_name in (
                registered if registered.__class__ is list else (registered,)
            ):
                if code != pupil_code and (not village or not vkey or vkey == village):
                    self._warn(row, self._describe(code, other_school, district_id, class_name))
                    break
        if not self.several_schools:
            return None
        in_file = self.file_identities.get((*key, village))
        if in_file is None:
            self.file_identities[(*key, village)] = (row, pupil_code, school_id)
        elif in_file[1] != pupil_code and in_file[2] != school_id:
            # Same name, birth date and village at two schools of one file.
            where = in_file[0]
            self._warn(
                row,
                str(where) if isinstance(where, RowNumber) else _("dòng %(row)s") % {"row": where},
            )
        return None

    def _describe(self, code: str, school_id: int, district_id: int, class_name: str) -> str:
        if self.scope.sees(school_id, district_id):
            return _("mã %(code)s (%(school)s, lớp %(class)s)") % {
                "code": code,
                "school": self.school_names.get(school_id, ""),
                "class": class_name,
            }
        return _("mã %(code)s (ngoài phạm vi quản lý của bạn)") % {"code": mask(code)}

    def _warn(self, row: int, other: str) -> None:
        self.warnings.append(
            RowError(
                row,
                "",
                "possible_duplicate",
                _("có thể trùng với học sinh %(other)s: cùng họ tên, ngày sinh và thôn/bản")
                % {"other": other},
            )
        )


class SharedHouseholds:
    """Registered households named by a chunk's rows, with who else belongs to them."""

    def __init__(
        self, *, actor: User | None, household_ids: Iterable[int], warnings: list[RowError]
    ) -> None:
        self.ids = household_ids
        self.school_scope = actor is not None and actor.scope.is_school
        self.members: dict[int, list[tuple[int, int, bool, str]]] | None = None
        self.decided: set[int] = set()
        self.warnings = warnings

    def _load(self) -> dict[int, list[tuple[int, int, bool, str]]]:
        """Members of the chunk's households: read only once a row links or changes one."""
        if self.members is not None:
            return self.members
        ids = list(set(self.ids))
        self.members = {}
        rows = Student.objects.filter(household_id__in=ids).values_list(
            "household_id", "pk", "school_id", "eligibility_locked", "school__name"
        )
        for household_id, pk, school_id, locked, school_name in rows:
            self.members.setdefault(household_id, []).append((pk, school_id, locked, school_name))
        if self.school_scope:
            self.decided = dependents.decided_ids(Student.objects.filter(household_id__in=ids))
        return self.members

    # size: the three household rules (link, change, locked category) with their messages
    def check(
        self,
        *,
        row: int,
        household_id: int,
        household_code: str,
        school_id: int,
        pupil_pk: int | None,
        linking: bool,
        changes: bool,
        current: tuple[Any, ...],
        new: tuple[Any, ...],
        labels: dict[str, str] | Any,
    ) -> RowError | None:
        """A row error when the row may not change the household; a warning (to confirm)
        when it links a pupil to a household shared with another school."""
        others = [m for m in self._load().get(household_id, ()) if m[0] != pupil_pk]
        label = labels.get("household_code", FIELD_LABELS["household_code"])
        if changes:
            category_changes = (current[_HH_CATEGORY], current[_HH_CODE]) != (
                new[_HH_CATEGORY],
                new[_HH_CODE],
            )
            if category_changes and any(locked for _pk, _s, locked, _n in others):
                return RowError(
                    row,
                    labels.get("category", FIELD_LABELS["category"]),
                    "category",
                    _(
                        "hộ %(code)s có học sinh đã được duyệt hỗ trợ: không được sửa diện hộ "
                        "qua tệp nhập"
                    )
                    % {"code": household_code},
                )
            if self.school_scope and any(
                pk in self.decided and other_school != school_id
                for pk, other_school, _l, _n in others
            ):
                return RowError(
                    row,
                    label,
                    "household_code",
                    _(
                        "hộ %(code)s có học sinh của trường khác trong danh sách đề xuất đã gửi "
                        "hoặc đã duyệt: trường không được sửa thông tin hộ, Phòng GD&ĐT quyết định"
                    )
                    % {"code": household_code},
                )
        if linking:
            schools = sorted({name for _pk, other, _l, name in others if other != school_id})
            if schools:
                self.warnings.append(
                    RowError(
                        row,
                        label,
                        "shared_household",
                        _("ghép vào hộ %(code)s đã có học sinh của %(schools)s")
                        % {"code": household_code, "schools": ", ".join(schools)},
                    )
                )
        return None


class KnownKeys(TypedDict):
    """Pupil codes and household codes registered before a run (``_RunState``'s fields)."""

    known_codes: Collection[str]  # a dict of their digests (``registered_digest``)
    known_households: set[tuple[int, str]]  # (commune id, household code)
