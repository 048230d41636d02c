"""The checking stages, run in the worker thread: normalise cells → validate row → dedupe
in file → place (village, household) → match registry → a ``PlannedRow``.

Each stage is a small class or function over one row; ``RowChecker`` strings them
together for a whole table.  No stage touches the database: everything they read
was loaded before the worker started (``students.validation.Lookups``,
``duplicates.RegistryIndex``).  The hot loop is per row, not per cell: a stage is one
call per row, and each cell is read by one cached normaliser (``rows._Checker.field``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kernel.importing import DuplicateTracker, ImportReport, RowError
from kernel.normalize import clean_text, parse_bool_vi, parse_gender
from kernel.spreadsheets import RowNumber, Table
from schools.models import Commune, School, Village
from students.fastrows import iter_data_rows, quick_fold, quick_name_keys
from students.importers.columns import FIELD_LABELS
from students.importers.duplicates import OwnSchools, RegistryIndex, within
from students.importers.layouts import (
    MONTH_FIRST_TYPES,
    MonthFirstEvidence,
    RowShapes,
    fits_grade,
    read_month_first,
    refusing,
    school_year_start,
    swapped,
)
from students.importers.rows import _Checker, _HouseholdValues, _PlannedRow, _StudentValues
from students.validation import (
    Lookups,
    birth_date,
    normalize_guardian_id,
    normalize_guardian_phone,
    normalize_name,
    normalize_personal_id,
    normalize_pupil_code,
    parse_class,
    parse_needs,
    village_key,
)

__all__ = [
    "Cells",
    "CellNormaliser",
    "FileDuplicates",
    "HouseholdKeys",
    "RowChecker",
    "VillagePlacer",
    "planned_row",
    "validate_row",
]

_UNSEEN: Any = object()
# Columns whose few distinct values repeat thousands of times: normalised once each.
# Names repeat a lot in real lists too: one clean string per distinct value also keeps
# the checked rows small.
_CACHED = (
    "date_of_birth",
    "gender",
    "ethnicity",
    "school",
    "class_name",
    "category",
    "needs",
    "has_device",
    "commune",
    "full_name",
    "guardian_name",
)


def _guardian_text(value: Any) -> str:
    return clean_text(value)[:150]


@dataclass(slots=True)
class Cells:
    """One data row's cells as normalised values (None where the cell was wrong)."""

    name: str | None
    dob: dt.date | None
    uncertain: bool  # a month-first date read back, waiting for the column's evidence
    gender: str | None
    ethnicity: Any  # Ethnicity | None
    school: School | None
    class_info: tuple[str, int] | None  # (class name, grade)
    pupil_code: str | None
    personal_id: str
    phone: str
    guardian_id: str
    category: Any  # HouseholdCategory | None
    needs: tuple[str, bool]  # (device needed, data needed)
    has_device: bool
    commune: Commune | None
    village_name: str
    household_code: str
    guardian_name: str


class CellNormaliser:
    """Stage "normalise cells": each mapped cell of a row to its value, or a cell error.

    ``school`` is the list's default school; ``only_school_id`` the acting school
    user's school (rows of another school are errors).
    """

    def __init__(
        self,
        *,
        lookups: Lookups,
        today: dt.date,
        school: School | None,
        only_school_id: OwnSchools,
        has_school_column: bool,
        title_lines: list[str],
        refuse_shapes: bool = False,
    ) -> None:
        self.lookups = lookups
        self.school = school
        self.only_school_id = only_school_id
        self.has_school_column = has_school_column
        self.title_lines = title_lines
        self.evidence = MonthFirstEvidence()
        self.caches: dict[str, dict[Any, Any]] = {name: {} for name in _CACHED}
        self.title_communes: dict[int, Commune | None] = {}
        self.read_name: Callable[[Any], Any] = normalize_name
        self.read_gender: Callable[[Any], Any] = parse_gender
        self.read_category: Callable[[Any], Any] = lookups.category

        def read_birth(x: Any) -> Any:
            return birth_date(x, today=today)

        self.read_birth: Callable[[Any], Any] = read_birth
        if refuse_shapes:
            # Cells a row shape (split name, date parts, marks) refused carry their message.
            self.read_name, self.read_gender, self.read_category, self.read_birth = map(
                refusing, (self.read_name, self.read_gender, self.read_category, self.read_birth)
            )

    def __call__(self, v: _Checker) -> Cells:
        """The row's cells (errors go to ``v``).  Long because it reads each column once, in
        the order of the columns' errors on the check page; each step is a cached call."""
        caches, lookups = self.caches, self.lookups
        name = v.field("full_name", self.read_name, required=True, cache=caches["full_name"])
        dob, uncertain = self._birth(v)
        gender = v.field("gender", self.read_gender, required=True, cache=caches["gender"])
        ethnicity = v.field("ethnicity", lookups.ethnicity, cache=caches["ethnicity"])
        school = self._school(v)
        class_info = v.field(
            "class_name",
            lambda x, s=school: parse_class(x, s),  # type: ignore[misc]  # default arg binds the value; mypy cannot infer the lambda
            required=True,
            cache=caches["class_name"],
            scope=school.id if school is not None else None,
        )
        pupil_code = v.field("pupil_code", normalize_pupil_code, required=True)
        personal_id = v.field("personal_id", normalize_personal_id, default="")
        phone = v.field("guardian_phone", normalize_guardian_phone, default="")
        guardian_id = v.field("guardian_id_number", normalize_guardian_id, default="")
        category = v.field("category", self.read_category, required=True, cache=caches["category"])
        needs = v.field("needs", parse_needs, default=("", False), cache=caches["needs"])
        has_device = v.field("has_device", parse_bool_vi, default=False, cache=caches["has_device"])
        commune = self._commune(v, school)
        return Cells(
            name=name,
            dob=dob,
            uncertain=uncertain,
            gender=gender,
            ethnicity=ethnicity,
            school=school,
            class_info=class_info,
            pupil_code=pupil_code,
            personal_id=personal_id,
            phone=phone,
            guardian_id=guardian_id,
            category=category,
            needs=needs,
            has_device=has_device,
            commune=commune,
            village_name=v.text("village"),
            household_code=v.text("household_code"),
            guardian_name=v.field(
                "guardian_name", _guardian_text, default="", cache=caches["guardian_name"]
            ),
        )

    def _birth(self, v: _Checker) -> tuple[dt.date | None, bool]:
        """The birth date, and whether it is a month-first cell of uncertain order."""
        values, evidence, cache = v.values, self.evidence, self.caches["date_of_birth"]
        raw = values.get("date_of_birth")
        if raw.__class__ in MONTH_FIRST_TYPES:
            stored, uncertain = read_month_first(raw, evidence)
            if uncertain and evidence.flagged:
                v.error("date_of_birth", evidence.message())
                return None, False
            # An uncertain date is checked as read back (the likelier reading).
            values["date_of_birth"] = swapped(stored) if uncertain else stored  # type: ignore[arg-type,index]  # a row's cells hold any spreadsheet value
            return v.field("date_of_birth", self.read_birth, required=True, cache=cache), uncertain
        dob = v.field("date_of_birth", self.read_birth, required=True, cache=cache)
        if dob is not None and raw.__class__ is str:
            evidence.text_dates += 1
        return dob, False

    def _school(self, v: _Checker) -> School | None:
        """The row's school (its column, else the list's), within the user's scope."""
        school = self.school
        if self.has_school_column:
            cache, lookups = self.caches["school"], self.lookups
            named = v.field("school_code", lookups.school, cache=cache) or v.field(
                "school", lookups.school, cache=cache
            )
            if named is not None:
                school = named
            elif v.ok and school is None:
                v.error("school", v.required)
        if school is not None and not within(school.id, self.only_school_id):
            v.error(
                "school" if "school" in v.values else "school_code",
                _("trường khác với trường của bạn"),
            )
            school = None
        if school is None and not self.has_school_column and v.ok:
            v.row_error(_("không xác định được trường"))
        return school

    def _commune(self, v: _Checker, school: School | None) -> Commune | None:
        """The row's commune, in the school's district; else the title's, else the school's."""
        if school is None:
            return None
        district_id = school.district_id
        lookups = self.lookups
        commune = v.field(
            "commune",
            lambda x, d=district_id: lookups.commune(d, x),  # type: ignore[misc]  # default arg binds the value; mypy cannot infer the lambda
            cache=self.caches["commune"],
            scope=district_id,
        )
        if commune is None and v.ok:
            # A commune-level list names its commune in the title block; a
            # school's list leaves the school's commune.
            titled = self.title_communes.get(district_id, _UNSEEN)
            if titled is _UNSEEN:
                titled = self.title_communes[district_id] = lookups.commune_in_title(
                    district_id, self.title_lines
                )
            commune = titled or school.commune
        return commune


def validate_row(cells: Cells, v: _Checker, *, start_year: int) -> None:
    """Stage "validate row": the rules over several cells or a cell's length."""
    dob, class_info = cells.dob, cells.class_info
    if (
        dob is not None
        and class_info is not None
        and not fits_grade(dob, class_info[1], start_year)
    ):
        v.error(
            "date_of_birth",
            _("năm sinh %(year)s không phù hợp với khối %(grade)s (năm học %(start)s–%(end)s)")
            % {
                "year": dob.year,
                "grade": class_info[1],
                "start": start_year,
                "end": start_year + 1,
            },
        )
    if len(cells.village_name) > 150:
        v.error("village", _("dài quá 150 ký tự"))
    if len(cells.household_code) > 80:
        v.error("household_code", _("dài quá 80 ký tự"))


class FileDuplicates:
    """Stage "dedupe in file": the same pupil code, or the same name, birth date and school,
    on an earlier row.  Also gives the row its name keys (folded name, sort key)."""

    __slots__ = ("by_code", "by_identity", "name_keys")

    def __init__(self) -> None:
        self.by_code = DuplicateTracker()
        self.by_identity = DuplicateTracker()
        self.name_keys: dict[str, tuple[str, str]] = {}

    def check(self, cells: Cells, v: _Checker, row: int) -> tuple[str, str] | None:
        """The name keys; None (and a row error) for a duplicate.  ("", "") when the
        identity is incomplete (the row has a cell error then)."""
        if cells.pupil_code:
            first = self.by_code.seen(cells.pupil_code, row)
            if first is not None:
                v.duplicate_of(first)
                return None
        name, dob, school = cells.name, cells.dob, cells.school
        if not (name and dob and school is not None):
            return ("", "")
        keys = self.name_keys.get(name)
        if keys is None:
            keys = self.name_keys[name] = quick_name_keys(name)
        first = self.by_identity.seen((keys[0], dob, school.id), row)
        if first is not None:
            v.duplicate_of(first)
            return None
        return keys


class VillagePlacer:
    """The row's village: a registered one's id, or the village the run will create."""

    __slots__ = ("found", "keys", "lookups", "pending")

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.keys: dict[str, str] = {}  # name as written -> key
        self.found: dict[tuple[int, str], Village | None] = {}
        self.pending: dict[tuple[int, str], str] = {}  # (commune id, key) -> first name seen

    def key(self, name: str) -> str:
        key = self.keys.get(name)
        if key is None:
            key = self.keys[name] = village_key(name)
        return key

    def place(self, commune_id: int, name: str) -> tuple[int | None, tuple[int, str, str] | None]:
        """(village id, None) for a registered village, (None, (commune id, key, name)) for
        a new one, (None, None) without a village."""
        if not name:
            return None, None
        vkey = self.key(name)
        village = self.found.get((commune_id, name), _UNSEEN)
        if village is _UNSEEN:
            village = self.found[(commune_id, name)] = self.lookups.village(commune_id, name, vkey)
        if village is None:
            # Created by this run meanwhile, or not yet: the stored key decides.
            village = self.lookups.villages.get((commune_id, vkey))
        if village is not None:
            return village.pk, None
        first_name = self.pending.setdefault((commune_id, vkey), name)
        return None, (commune_id, vkey, first_name)


class HouseholdKeys:
    """Which household a row belongs to, and the rules between rows of one household:
    one category, and one head of household per household code."""

    __slots__ = ("first", "heads")

    def __init__(self) -> None:
        self.first: dict[tuple[Any, ...], tuple[int, int]] = {}  # key -> (row, category id)
        self.heads: dict[tuple[Any, ...], tuple[int, str]] = {}  # key -> row, name

    @staticmethod
    def key(cells: Cells, commune_id: int, row: int) -> tuple[Any, ...]:
        if cells.household_code:
            return ("code", commune_id, cells.household_code)
        if cells.guardian_name and cells.phone:
            return ("guardian", commune_id, quick_fold(cells.guardian_name), cells.phone)
        return ("row", row)

    def check(self, hkey: tuple[Any, ...], cells: Cells, v: _Checker, row: int) -> bool:
        """False (and an error) when the row contradicts an earlier row of its household."""
        category_id = cells.category.id
        guardian = cells.guardian_name
        first = self.first.get(hkey)
        if first is None:
            self.first[hkey] = (row, category_id)
            if guardian and hkey[0] == "code":
                self.heads[hkey] = (row, guardian)
            return True
        if first[1] != category_id:
            v.error(
                "category",
                _("khác diện hộ của cùng hộ ở %(where)s") % {"where": first[0]}
                if isinstance(first[0], RowNumber)
                else _("khác diện hộ của cùng hộ ở dòng %(row)s") % {"row": first[0]},
            )
            return False
        if not (guardian and hkey[0] == "code"):
            return True
        # Siblings share a head of household; another name under the same
        # code is another family (a typing mistake in the code), not a sibling.
        head = self.heads.get(hkey)
        if head is None:
            self.heads[hkey] = (row, guardian)
            return True
        # Folded only when the names differ as written (most siblings' are the same).
        if guardian == head[1] or quick_fold(guardian) == quick_fold(head[1]):
            return True
        message = (
            _("mã hộ %(code)s đã dùng ở %(row)s cho chủ hộ khác: %(name)s")
            if isinstance(head[0], RowNumber)
            else _("mã hộ %(code)s đã dùng ở dòng %(row)s cho chủ hộ khác: %(name)s")
        )
        v.error(
            "household_code",
            message % {"code": cells.household_code, "row": head[0], "name": head[1]},
        )
        return False


def planned_row(
    row: int,
    cells: Cells,
    v: _Checker,
    *,
    keys: tuple[str, str],
    village_id: int | None,
    new_village: tuple[int, str, str] | None,
    household_key: tuple[Any, ...],
) -> _PlannedRow:
    """A valid row as the typed values the writer takes (``_StudentValues`` and
    ``_HouseholdValues``, positional in their ``NAMES`` order)."""
    school, commune, ethnicity = cells.school, cells.commune, cells.ethnicity
    class_name, grade = cells.class_info  # type: ignore[misc]  # required: set on every row that gets here
    need_device, need_data = cells.needs
    assert school is not None and commune is not None and cells.category is not None
    return _PlannedRow(
        row=row,
        student=_StudentValues(
            (
                cells.pupil_code,
                cells.name,
                keys[0],
                keys[1],
                cells.dob,
                cells.gender,
                ethnicity.id if ethnicity is not None else None,
                school.id,
                class_name,
                grade,
                cells.personal_id,
                commune.id,
                village_id,
                cells.has_device,
                need_device,
                need_data,
                v.text("notes"),
            )
        ),
        household=_HouseholdValues(
            (
                cells.category.id,
                cells.household_code,
                commune.id,
                village_id,
                cells.guardian_name,
                v.text("guardian_relation")[:40],
                cells.phone,
                cells.guardian_id,
            )
        ),
        household_key=household_key,
        new_village=new_village,
        raw=v.values,
    )


class RowChecker:
    """The checking stages over a whole table: the valid rows as ``_PlannedRow``, in
    file order; errors go to the report.

    Rows whose birth date is a month-first cell of uncertain order wait for the
    rest of the column (``layouts.MonthFirstEvidence``) and come last.
    """

    def __init__(
        self,
        *,
        lookups: Lookups,
        registry: RegistryIndex,
        today: dt.date,
        school: School | None,
        only_school_id: OwnSchools,
    ) -> None:
        self.lookups = lookups
        self.registry = registry
        self.today = today
        self.school = school
        self.only_school_id = only_school_id

    # size: the loop over 100,000 rows; each line is one stage's call or the ``continue``
    # that drops the row, kept in one frame so that nothing per row is paid twice.
    def rows(
        self,
        table: Table,
        report: ImportReport,
        labels: Mapping[str, str],
        *,
        release: bool,
        more: Iterable[list[Any]],
        limit: int | None = None,
    ) -> Iterator[_PlannedRow]:
        """The valid rows of ``table``, checked one by one (in the worker thread)."""
        labels = dict(labels)
        shapes = RowShapes(table.mapping, labels)
        has_school_column = bool({"school", "school_code"} & table.mapping.keys())
        self.registry.several_schools = has_school_column
        normalise = CellNormaliser(
            lookups=self.lookups,
            today=self.today,
            school=self.school,
            only_school_id=self.only_school_id,
            has_school_column=has_school_column,
            title_lines=table.title_lines,
            refuse_shapes=shapes.active,
        )
        evidence = normalise.evidence
        start_year = school_year_start(self.today)
        dedupe, villages, households = (
            FileDuplicates(),
            VillagePlacer(self.lookups),
            HouseholdKeys(),
        )
        errors, check_registry = report.errors, self.registry.check
        required = _("bắt buộc")
        held: list[_PlannedRow] = []  # valid rows of uncertain month-first dates
        held_rows: list[int] = []  # and the rows of such dates with other errors
        for row, values in iter_data_rows(table, release=release, more=more, limit=limit):
            report.rows += 1
            if shapes.active:
                shapes.apply(values)
            v = _Checker(row, values, labels, errors, required)
            cells = normalise(v)
            validate_row(cells, v, start_year=start_year)
            keys = dedupe.check(cells, v, row)
            if keys is None:
                continue
            if not v.ok:
                if cells.uncertain:
                    held_rows.append(row)
                continue
            commune = cells.commune
            # A row without errors has every required value.
            assert commune is not None and cells.school is not None
            assert cells.pupil_code is not None and cells.dob is not None
            village_id, new_village = villages.place(commune.id, cells.village_name)
            problem = check_registry(
                row=row,
                pupil_code=cells.pupil_code,
                personal_id=cells.personal_id,
                name_key=keys[0],
                date_of_birth=cells.dob,
                commune_id=commune.id,
                village=villages.key(cells.village_name) if cells.village_name else "",
                school_id=cells.school.id,
                labels=labels,
            )
            if problem is not None:
                errors.append(problem)
                continue
            hkey = households.key(cells, commune.id, row)
            if not households.check(hkey, cells, v, row):
                continue
            planned = planned_row(
                row,
                cells,
                v,
                keys=keys,
                village_id=village_id,
                new_village=new_village,
                household_key=hkey,
            )
            if cells.uncertain:
                held.append(planned)
                held_rows.append(row)
                continue
            if held_rows and evidence.flagged:
                _flag_month_first(held, held_rows, labels, errors, evidence)
            yield planned
        if evidence.swap():
            yield from held
        elif held_rows:
            _flag_month_first(held, held_rows, labels, errors, evidence)


def _flag_month_first(
    held: list[_PlannedRow],
    held_rows: list[int],
    labels: Mapping[str, str],
    errors: list[RowError],
    evidence: MonthFirstEvidence,
) -> None:
    """The uncertain month-first dates of a column without clear evidence: row errors."""
    label = labels.get("date_of_birth", FIELD_LABELS["date_of_birth"])
    message = evidence.message()
    errors.extend(RowError(row, label, "date_of_birth", message) for row in held_rows)
    held.clear()
    held_rows.clear()
