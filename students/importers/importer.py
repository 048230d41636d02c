"""``StudentImporter``: checks a located table of pupils and writes it in one transaction."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from kernel.importing import DuplicateTracker, ImportReport, RowError
from kernel.normalize import clean_text, parse_bool_vi, parse_gender
from kernel.spreadsheets import (
    RowNumber,
    Sheet,
    SpreadsheetError,
    Table,
    guess_table,
    reading_notices,
)
from schools.models import Commune, District, ImportBatch, School, Village
from students.fastrows import iter_data_rows, quick_fold, quick_name_keys
from students.importers import duplicates
from students.importers.audit import (
    audit_created,
    audit_households_updated,
    audit_import,
    audit_updated,
    household_name,
)
from students.importers.bulk import (
    WRITE_CHUNK,
    copy_lines,
    copy_rows,
    copy_text,
    filter_pairs,
    filter_values,
    reserve_ids,
    update_rows,
)
from students.importers.changes import forget_changes, store_changes
from students.importers.columns import (
    COLUMNS,
    FIELD_LABELS,
    HOUSEHOLD_FIELDS,
    NEW_STUDENT_COLUMNS,
    STUDENT_FIELDS,
)
from students.importers.layouts import (
    MONTH_FIRST_TYPES,
    MonthFirstEvidence,
    RowShapes,
    fits_grade,
    missing_required,
    read_month_first,
    refusing,
    school_year_start,
    swapped,
)
from students.importers.merge import (
    ALL_GIVEN,
    STUDENT_FOLLOWS,
    ConflictChoices,
    Merged,
    given_reader,
    jsonable,
    merge_values,
)
from students.importers.pipeline import checked_in_background
from students.importers.rows import (
    _Checker,
    _HouseholdValues,
    _PlannedRow,
    _StudentValues,
)
from students.models import Household, Student
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

__all__ = ["StudentImporter"]


def _is_list(table: Table) -> bool:
    """A sheet with a pupil-list header and every required column."""
    return table.header_row > 0 and bool(table.mapping) and not table.missing_required


def _year_or_male(table: Table) -> None:
    """Give a "Năm"/"Nam" column to the birth year or to the male mark by its accented header."""
    for wrong, right, word in (
        ("birth_year", "gender_male", "nam"),
        ("gender_male", "birth_year", "năm"),
    ):
        col = table.mapping.get(wrong)
        if col is None or right in table.mapping:
            continue
        words = clean_text(table.headers.get(col, "")).lower().split(" ")
        if words[-1:] == [word]:
            table.mapping[right] = table.mapping.pop(wrong)


def _guardian_text(value: Any) -> str:
    return clean_text(value)[:150]


ProgressCallback = Callable[[int], None]


class StudentImporter:
    """Validates and writes one household list on behalf of ``actor``.

    ``school`` is the default school for rows that do not name one (the user's
    own school, the one chosen on upload or ``--school``); a school user's rows
    must all belong to their school.  ``district`` bounds the schools and
    communes a file may name; it is derived from the actor or the school.
    """

    def __init__(
        self,
        *,
        actor: User | None,
        school: School | None = None,
        district: District | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.actor = actor if actor is not None and actor.pk else None
        scope = self.actor.scope if self.actor is not None else None
        self.notices: list[str] = []  # how the file was read (``reading_notices``)
        self.only_school_id: int | None = None
        if scope is not None and scope.is_school:
            self.only_school_id = scope.school_id
            school = school or actor.school  # type: ignore[union-attr]
        if district is None:
            if school is not None:
                district = school.district
            elif scope is not None and scope.district_id:
                district = District.objects.get(pk=scope.district_id)
        self.school = school
        self.district = district
        self.today = today or timezone.localdate()
        self._lookups: Lookups | None = None

    # ------------------------------------------------------------------ reading

    @property
    def lookups(self) -> Lookups:
        if self._lookups is None:
            self._lookups = Lookups(
                district_ids=[self.district.pk] if self.district is not None else None
            )
        return self._lookups

    def locate(
        self,
        sheet: Sheet,
        *,
        override: Mapping[str, int] | None = None,
        header_row: int | None = None,
    ) -> Table:
        """The table of pupils in ``sheet``; raises ``SpreadsheetError`` when it cannot be used.

        A workbook with one sheet per class: the table is found on the first sheet
        with a list header (``override`` and ``header_row`` apply to that one), and
        every other sheet whose header has the same required columns is read as
        more rows of the list (``Table.extra``); the others are named in
        ``Table.ignored_sheets``.
        """
        sheets = [sheet, *sheet.others]
        found = [self._guess(each) for each in sheets] if len(sheets) > 1 else []
        first = next((i for i, t in enumerate(found) if _is_list(t)), 0)
        if found and not (override or header_row) and _is_list(found[first]):
            table = found[first]
        else:
            table = self._guess(sheets[first], override=override, header_row=header_row)
        if found:
            # Every required column is mapped on a list sheet: the same as the first one's.
            read = {i for i, t in enumerate(found) if i > first and _is_list(t)}
            table.add_sheets(
                [found[i] for i in sorted(read)],
                [t.sheet.sheet_name for i, t in enumerate(found) if i != first and i not in read],
            )
        if table.header_row == 0 or not table.mapping:
            raise SpreadsheetError(
                _(
                    "Không tìm thấy dòng tiêu đề cột (ví dụ “Họ và tên”, “Ngày sinh”) "
                    "trong 30 dòng đầu của tệp."
                )
            )
        return table

    def _guess(
        self,
        sheet: Sheet,
        *,
        override: Mapping[str, int] | None = None,
        header_row: int | None = None,
    ) -> Table:
        table = guess_table(sheet, COLUMNS, override=override, header_row=header_row)
        # A name in "Họ đệm" + "Tên", a date in "Ngày | Tháng | Năm", marks under
        # "Nam | Nữ" or one column per category stand for the required columns.
        _year_or_male(table)
        table.missing_required = missing_required(table.missing_required, table.mapping)
        return table

    def check_table(self, table: Table) -> None:
        """Refuse a table missing required columns, or whose school cannot be known."""
        if table.missing_required:
            labels = ", ".join(f"“{spec.label}”" for spec in table.missing_required)
            raise SpreadsheetError(
                _("Dòng tiêu đề (dòng %(row)s) thiếu cột bắt buộc: %(labels)s.")
                % {"row": table.header_row, "labels": labels}
            )
        self.resolve_default_school(table)
        if self.school is None and not ({"school", "school_code"} & table.mapping.keys()):
            raise SpreadsheetError(
                _(
                    "Không xác định được trường của danh sách: hãy chọn trường, "
                    "thêm cột “Trường”/“Mã trường” hoặc ghi tên trường ở đầu tệp."
                )
            )

    def resolve_default_school(self, table: Table) -> School | None:
        """Use the school named in the title block when none was given."""
        if self.school is not None or not table.title_lines:
            return self.school
        titled = self.lookups.school_in_title(table.title_lines)
        if titled is None and self.district is None:
            return None
        if titled is not None:
            if self.only_school_id is not None and titled.pk != self.only_school_id:
                raise SpreadsheetError(
                    _("Tệp là danh sách của %(school)s, không phải trường của bạn.")
                    % {"school": titled.name}
                )
            self.school = titled
            if self.district is None:
                self.district = titled.district
                self._lookups = None
        return self.school

    # ---------------------------------------------------------------------- run

    def run(
        self,
        table: Table,
        *,
        dry_run: bool = False,
        skip_invalid: bool = False,
        batch: ImportBatch | None = None,
        progress: ProgressCallback | None = None,
        release_rows: bool = False,
        more_rows: Iterable[list[Any]] = (),
        expected_rows: int | None = None,
        max_rows: int | None = None,
    ) -> ImportReport:
        """Check every data row and, unless ``dry_run``, write the list in one transaction.

        Rows are checked in a worker thread (``pipeline.checked_in_background``),
        which also gives each new pupil and household an id reserved ahead, while
        this thread writes the rows already checked, chunk by chunk.  All or
        nothing unless ``skip_invalid``: when any row has an error, what was
        written is rolled back and the report counts nothing as written; with
        ``skip_invalid`` exactly the valid rows are written.  A dry run writes
        nothing and counts what an import would create, update or leave unchanged.

        ``release_rows`` frees each raw row of the sheet once checked (big files);
        ``more_rows`` continues the sheet with rows still being read
        (``students.fastrows.read_streaming``); ``expected_rows`` sizes the progress bar.
        More than ``max_rows`` data rows raise ``SpreadsheetError`` (nothing written).
        """
        self.resolve_default_school(table)
        self._load_for_worker()
        self._load_duplicates()
        report = ImportReport(rows=0)
        labels = table.field_labels()
        total = expected_rows or max(table.sheet.row_count - table.first_data_index, 1)
        writing = not dry_run
        state = _RunState(
            now=timezone.now(),
            batch_id=batch.pk if batch is not None else None,
            # A pupil created by a batch is the batch uploader's: ``created_by`` names the
            # author of a pupil entered by hand (a null also skips a foreign-key check per row).
            created_by_id=None if batch is not None else self._actor_id,
            batch=batch,
            copy_lines=writing and connection.vendor == "postgresql",
            choices=ConflictChoices.of_batch(batch),
            recording=dry_run and batch is not None,
            **self._known_keys(),
        )
        counts = [0, 0, 0]  # created, updated, unchanged
        try:
            with transaction.atomic():
                if writing:
                    _check_constraints_per_statement(True)
                    state.reserve(min(total + 1, _AHEAD))
                else:
                    state.pretend_ids()
                    if state.recording:
                        forget_changes(batch)
                checked = self._checked_rows(
                    table, report, labels, release=release_rows, more=more_rows, limit=max_rows
                )
                for chunk in checked_in_background(self._planned(checked, state), size=WRITE_CHUNK):
                    write_now = writing and (skip_invalid or not report.errors)
                    if writing and not write_now and not state.pretend:
                        # All or nothing and a row is wrong: nothing will be written,
                        # the rest is only checked (and no more ids are reserved).
                        state.pretend_ids()
                    chunk_counts = self._take(chunk, report, labels, state, write=write_now)
                    counts = [a + b for a, b in zip(counts, chunk_counts, strict=True)]
                    if write_now:
                        state.top_up(remaining=max(total - report.rows, 0))
                    if progress is not None:
                        # Without a known row count (streamed files) the bar must not reach the end.
                        progress(min(95, int(95 * report.rows / total)))
                if writing and report.errors and not skip_invalid:
                    raise _Discard
                if writing:
                    audit_import(
                        batch,
                        actor_id=self._actor_id,
                        created=counts[0],
                        updated=counts[1],
                        now=state.now,
                    )
                    _check_constraints_per_statement(False)
        except _Discard:
            counts = [0, 0, 0]
        report.created, report.updated, report.unchanged = counts
        # Legacy encodings converted, hidden rows skipped, sections read: for the dry run.
        self.notices = reading_notices(table)
        report.errors.sort(key=lambda e: (e.row, e.field == ""))
        self.warnings.extend(self.registry.warnings)
        self.warnings.sort(key=lambda e: e.row)
        if progress is not None:
            progress(100)
        return report

    def _load_duplicates(self) -> None:
        """What the worker needs to decide duplicates (``importers.duplicates``)."""
        commune_ids = [commune.pk for commune in self.lookups.communes.values()]
        self.registry = duplicates.RegistryIndex(actor=self.actor, commune_ids=commune_ids)
        # Possible duplicates and links to other schools' households: the user confirms them.
        self.warnings: list[RowError] = []

    @property
    def _actor_id(self) -> int | None:
        return self.actor.pk if self.actor is not None else None

    def _known_keys(self) -> dict[str, set[Any]]:
        """Pupil codes and household codes already registered: most rows of a new list
        match none, and need no query at all."""
        commune_ids = [commune.pk for commune in self.lookups.communes.values()]
        households = Household.objects.filter(commune_id__in=commune_ids).exclude(code="")
        return {
            "known_codes": set(Student.objects.values_list("pupil_code", flat=True).iterator()),
            "known_households": set(households.values_list("commune_id", "code").iterator()),
        }

    def _load_for_worker(self) -> None:
        """Load what the checks read, so the worker thread never needs the database."""
        lookups = self.lookups
        for school in (self.school, *lookups.schools_by_code.values()):
            if school is not None:
                school.commune  # noqa: B018 - cached on the instance for the worker
                school.district  # noqa: B018

    # ------------------------------------------------------------------ checking

    def _checked_rows(
        self,
        table: Table,
        report: ImportReport,
        labels: Mapping[str, str],
        *,
        release: bool,
        more: Iterable[list[Any]],
        limit: int | None = None,
    ) -> Iterator[_PlannedRow]:
        """The valid rows of ``table``, checked one by one; errors go to ``report``.

        Runs in the worker thread: no database access (``Lookups`` holds the data).
        Rows whose birth date is a month-first cell of uncertain order wait for the
        rest of the column (``layouts.MonthFirstEvidence``) and come last.
        """
        lookups = self.lookups
        labels = dict(labels)
        shapes = RowShapes(table.mapping, labels)
        evidence = MonthFirstEvidence()
        held: list[_PlannedRow] = []  # valid rows of uncertain month-first dates
        held_rows: list[int] = []  # and the rows of such dates with other errors
        start_year = school_year_start(self.today)
        title_communes: dict[int, Commune | None] = {}
        household_heads: dict[tuple[Any, ...], tuple[int, str, str]] = {}  # key -> row, name, fold
        errors = report.errors
        registry = self.registry
        by_code = DuplicateTracker()
        by_identity = DuplicateTracker()
        household_first: dict[tuple[Any, ...], tuple[int, int]] = {}  # key -> (row, category id)
        pending_villages: dict[tuple[int, str], str] = {}
        today = self.today
        default_school = self.school
        has_school_column = bool({"school", "school_code"} & table.mapping.keys())
        registry.several_schools = has_school_column
        required = _("bắt buộc")
        caches: dict[str, dict[Any, Any]] = {
            name: {}
            for name in (
                "date_of_birth",
                "gender",
                "ethnicity",
                "school",
                "class_name",
                "category",
                "needs",
                "has_device",
                "commune",
                "village",
                # Names repeat a lot in real lists (and in the benchmark's): one clean
                # string per distinct value also keeps the checked rows small.
                "full_name",
                "guardian_name",
                "name_keys",
            )
        }
        name_keys = caches["name_keys"]
        village_keys = caches["village"]
        village_found: dict[tuple[int, str], Village | None] = {}
        read_name: Callable[[Any], Any] = normalize_name
        read_gender: Callable[[Any], Any] = parse_gender
        read_category: Callable[[Any], Any] = lookups.category

        def read_birth(x: Any) -> Any:
            return birth_date(x, today=today)

        if shapes.active:
            read_name, read_gender, read_category = map(
                refusing, (read_name, read_gender, read_category)
            )
            read_birth = refusing(read_birth)
        for row, values in iter_data_rows(table, release=release, more=more, limit=limit):
            report.rows += 1
            if shapes.active:
                shapes.apply(values)
            v = _Checker(row, values, labels, errors, required)
            name = v.field("full_name", read_name, required=True, cache=caches["full_name"])
            raw_dob = values.get("date_of_birth")
            uncertain = False
            if raw_dob.__class__ in MONTH_FIRST_TYPES:
                stored, uncertain = read_month_first(raw_dob, evidence)
                if uncertain and evidence.flagged:
                    v.error("date_of_birth", evidence.message())
                    dob = None
                    uncertain = False
                else:
                    # An uncertain date is checked as read back (the likelier reading).
                    values["date_of_birth"] = swapped(stored) if uncertain else stored  # type: ignore[arg-type]
                    dob = v.field(
                        "date_of_birth", read_birth, required=True, cache=caches["date_of_birth"]
                    )
            else:
                dob = v.field(
                    "date_of_birth", read_birth, required=True, cache=caches["date_of_birth"]
                )
                if dob is not None and raw_dob.__class__ is str:
                    evidence.text_dates += 1
            gender = v.field("gender", read_gender, required=True, cache=caches["gender"])
            ethnicity = v.field("ethnicity", lookups.ethnicity, cache=caches["ethnicity"])
            school = default_school
            if has_school_column:
                named = v.field("school_code", lookups.school, cache=caches["school"]) or v.field(
                    "school", lookups.school, cache=caches["school"]
                )
                if named is not None:
                    school = named
                elif v.ok and school is None:
                    v.error("school", required)
            if school is not None and self.only_school_id and school.id != self.only_school_id:
                v.error(
                    "school" if "school" in values else "school_code",
                    _("trường khác với trường của bạn"),
                )
                school = None
            if school is None and not has_school_column and v.ok:
                v.row_error(_("không xác định được trường"))
            class_info = v.field(
                "class_name",
                lambda x, s=school: parse_class(x, s),  # type: ignore[misc]
                required=True,
                cache=caches["class_name"],
                scope=school.id if school is not None else None,
            )
            if (
                dob is not None
                and class_info is not None
                and not fits_grade(dob, class_info[1], start_year)
            ):
                v.error(
                    "date_of_birth",
                    _(
                        "năm sinh %(year)s không phù hợp với khối %(grade)s (năm học %(start)s–%(end)s)"
                    )
                    % {
                        "year": dob.year,
                        "grade": class_info[1],
                        "start": start_year,
                        "end": start_year + 1,
                    },
                )
            pupil_code = v.field("pupil_code", normalize_pupil_code, required=True)
            personal_id = v.field("personal_id", normalize_personal_id, default="")
            phone = v.field("guardian_phone", normalize_guardian_phone, default="")
            guardian_id = v.field("guardian_id_number", normalize_guardian_id, default="")
            category = v.field("category", read_category, required=True, cache=caches["category"])
            needs = v.field("needs", parse_needs, default=("", False), cache=caches["needs"])
            has_device = v.field(
                "has_device", parse_bool_vi, default=False, cache=caches["has_device"]
            )
            district_id = school.district_id if school is not None else None
            commune = None
            if district_id is not None:
                commune = v.field(
                    "commune",
                    lambda x, d=district_id: lookups.commune(d, x),  # type: ignore[misc]
                    cache=caches["commune"],
                    scope=district_id,
                )
                if commune is None and v.ok:
                    # A commune-level list names its commune in the title block; a
                    # school's list leaves the school's commune.
                    titled = title_communes.get(district_id, _UNSEEN)
                    if titled is _UNSEEN:
                        titled = title_communes[district_id] = lookups.commune_in_title(
                            district_id, table.title_lines
                        )
                    commune = titled or school.commune  # type: ignore[union-attr,assignment]
            village_name = v.text("village")
            if len(village_name) > 150:
                v.error("village", _("dài quá 150 ký tự"))
            household_code = v.text("household_code")
            if len(household_code) > 80:
                v.error("household_code", _("dài quá 80 ký tự"))
            guardian_name = v.field(
                "guardian_name", _guardian_text, default="", cache=caches["guardian_name"]
            )

            if pupil_code:
                first = by_code.seen(pupil_code, row)
                if first is not None:
                    v.duplicate_of(first)
                    continue
            if name and dob and school is not None:
                keys = name_keys.get(name)
                if keys is None:
                    keys = name_keys[name] = quick_name_keys(name)
                name_key, sort_key = keys
                first = by_identity.seen((name_key, dob, school.id), row)
                if first is not None:
                    v.duplicate_of(first)
                    continue
            if not v.ok:
                if uncertain:
                    held_rows.append(row)
                continue
            assert commune is not None and school is not None and category is not None
            village_id: int | None = None
            new_village: tuple[int, str, str] | None = None
            if village_name:
                vkey = village_keys.get(village_name) or village_keys.setdefault(
                    village_name, village_key(village_name)
                )
                place = (commune.id, village_name)
                existing_village = village_found.get(place, _UNSEEN)  # type: ignore[arg-type]
                if existing_village is _UNSEEN:
                    existing_village = village_found[place] = lookups.village(
                        commune.id, village_name, vkey
                    )
                if existing_village is None:
                    # Created by this run meanwhile, or not yet: the stored key decides.
                    existing_village = lookups.villages.get((commune.id, vkey))
                if existing_village is not None:
                    village_id = existing_village.pk
                else:
                    pending_villages.setdefault((commune.id, vkey), village_name)
                    new_village = (commune.id, vkey, pending_villages[(commune.id, vkey)])
            problem = registry.check(
                row=row,
                pupil_code=pupil_code,
                personal_id=personal_id,
                name_key=name_key,
                date_of_birth=dob,
                commune_id=commune.id,
                village=village_keys[village_name] if village_name else "",
                school_id=school.id,
                labels=labels,
            )
            if problem is not None:
                errors.append(problem)
                continue
            if household_code:
                hkey: tuple[Any, ...] = ("code", commune.id, household_code)
            elif guardian_name and phone:
                hkey = ("guardian", commune.id, quick_fold(guardian_name), phone)
            else:
                hkey = ("row", row)
            first_household = household_first.get(hkey)
            if first_household is None:
                household_first[hkey] = (row, category.id)
                if guardian_name and hkey[0] == "code":
                    household_heads[hkey] = (row, guardian_name, quick_fold(guardian_name))
            elif first_household[1] != category.id:
                v.error(
                    "category",
                    _("khác diện hộ của cùng hộ ở %(where)s") % {"where": first_household[0]}
                    if isinstance(first_household[0], RowNumber)
                    else _("khác diện hộ của cùng hộ ở dòng %(row)s") % {"row": first_household[0]},
                )
                continue
            elif guardian_name and hkey[0] == "code":
                # Siblings share a head of household; another name under the same
                # code is another family (a typing mistake in the code), not a sibling.
                head = household_heads.get(hkey)
                if head is None:
                    household_heads[hkey] = (row, guardian_name, quick_fold(guardian_name))
                elif guardian_name != head[1] and quick_fold(guardian_name) != head[2]:
                    v.error(
                        "household_code",
                        (
                            _("mã hộ %(code)s đã dùng ở %(row)s cho chủ hộ khác: %(name)s")
                            if isinstance(head[0], RowNumber)
                            else _(
                                "mã hộ %(code)s đã dùng ở dòng %(row)s cho chủ hộ khác: %(name)s"
                            )
                        )
                        % {"code": household_code, "row": head[0], "name": head[1]},
                    )
                    continue
            class_name, grade = class_info
            need_device, need_data = needs
            planned = _PlannedRow(
                row=row,
                # Positional, in _StudentValues.NAMES / _HouseholdValues.NAMES order.
                student=_StudentValues(
                    (
                        pupil_code,
                        name,
                        name_key,
                        sort_key,
                        dob,
                        gender,
                        ethnicity.id if ethnicity is not None else None,
                        school.id,
                        class_name,
                        grade,
                        personal_id,
                        commune.id,
                        village_id,
                        has_device,
                        need_device,
                        need_data,
                        v.text("notes"),
                    )
                ),
                household=_HouseholdValues(
                    (
                        category.id,
                        household_code,
                        commune.id,
                        village_id,
                        guardian_name,
                        v.text("guardian_relation")[:40],
                        phone,
                        guardian_id,
                    )
                ),
                household_key=hkey,
                new_village=new_village,
                raw=values,
            )
            if uncertain:
                held.append(planned)
                held_rows.append(row)
                continue
            if held_rows and evidence.flagged:
                self._flag_month_first(held, held_rows, labels, errors, evidence)
            yield planned
        if evidence.swap():
            yield from held
        elif held_rows:
            self._flag_month_first(held, held_rows, labels, errors, evidence)

    @staticmethod
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

    def _planned(self, rows: Iterator[_PlannedRow], state: _RunState) -> Iterator[_PlannedRow]:
        """Give each checked row its ids, in file order (runs in the worker thread).

        The first row of a household decides it: a household code already
        registered, or a registered pupil's own household, is left for the writer
        to find (``household_id`` None); any other household is new and gets an
        id from the pool.  A new pupil whose household is known gets an id too and
        its row is built ready to copy (``fast``); the writer only sends it.
        """
        known_codes = state.known_codes
        known_households = state.known_households
        decided = state.household_plan
        take_household = state.take_household
        take_student = state.take_student
        now = state.now
        tail = (state.batch_id, state.created_by_id, "studying", False, now, now)
        # PostgreSQL: the rows are also formatted for COPY here, off the writer's path.
        lines = state.copy_lines
        tail_text = "\t" + copy_text(tail)
        stamps_text = "\t" + copy_text((now, now))
        unseen = _UNSEEN
        given_of = given_reader()
        for planned in rows:
            ready = lines and planned.new_village is None
            registered = planned.student[0] in known_codes
            key = planned.household_key
            household_id = decided.get(key, unseen)
            if household_id is unseen:
                planned.first_of_household = True
                if key[0] == "code":
                    in_registry = (key[1], key[2]) in known_households
                else:
                    in_registry = registered
                household_id = None if in_registry else take_household()
                if household_id is not None:
                    planned.new_household = (household_id, *planned.household, now, now)
                    if ready:
                        planned.household_line = (
                            copy_text((household_id, *planned.household)) + stamps_text
                        )
                decided[key] = household_id
            planned.household_id = household_id
            if not registered:
                student_id = planned.student_id = take_student()
                if household_id is not None and student_id is not None:
                    planned.fast = (student_id, *planned.student, household_id, *tail)
                    if ready:
                        planned.fast_line = (
                            copy_text((student_id, *planned.student, household_id)) + tail_text
                        )
            if planned.fast is None:
                # The row meets the registry: only the values its cells give may change.
                planned.given = given_of(planned.raw)
            planned.raw = None
            yield planned

    def _take(
        self,
        chunk: list[_PlannedRow],
        report: ImportReport,
        labels: Mapping[str, str],
        state: _RunState,
        *,
        write: bool,
    ) -> tuple[int, int, int]:
        """Match a chunk of planned rows to the registry and, with ``write``, write it.

        Returns the counts (created, updated, unchanged).  Rows that may not be
        written (a pupil of another unit, a locked beneficiary) become errors.
        """
        if write:
            self._create_villages(chunk, state)
        for planned in chunk:
            if planned.new_household is not None:
                state.unborn[planned.new_household[0]] = (
                    planned.new_household,
                    planned.household_line,
                )
        new_pupils: list[tuple[Any, ...]] = []
        pupil_lines: list[str | None] = []
        slow: list[_PlannedRow] = []
        for planned in chunk:
            if planned.fast is not None:
                new_pupils.append(planned.fast)
                pupil_lines.append(planned.fast_line)
            else:
                slow.append(planned)
        updates = _Updates()
        unchanged = 0
        if slow:
            unchanged = self._take_slow(slow, report, labels, state, new_pupils, updates)
        if updates.records:
            store_changes(state.batch, updates.records)
        if not write:
            return len(new_pupils), len(updates.pupils), unchanged
        # Households first (the pupils refer to them), then pupils; foreign keys are
        # checked as each statement ends.
        born: list[tuple[tuple[Any, ...], str | None]] = []
        unborn = state.unborn
        for row in new_pupils:
            household = unborn.pop(row[_HOUSEHOLD_AT], None)
            if household is not None:
                born.append(household)
        for row in updates.pupils:
            household = unborn.pop(row[_UPDATE_HOUSEHOLD_AT], None)
            if household is not None:
                born.append(household)
        self._copy(Household, _HOUSEHOLD_COPY, born)
        update_rows(Household, _HOUSEHOLD_UPDATE, updates.households)
        audit_households_updated(
            updates.household_changes,
            actor_id=self._actor_id,
            district_of=self._district_of,
            batch=state.batch,
            now=state.now,
        )
        pupil_lines.extend([None] * (len(new_pupils) - len(pupil_lines)))
        self._copy(Student, _STUDENT_COPY, list(zip(new_pupils, pupil_lines, strict=True)))
        if state.batch_id is None and new_pupils:
            audit_created(
                [row[1:] for row in new_pupils],
                [row[0] for row in new_pupils],
                actor_id=self._actor_id,
                district_of=self._district_of,
                batch=None,
                now=state.now,
            )
        if updates.pupils:
            # ``import_batch`` stays the batch that created the pupil; each update is
            # audited with the file it came from.
            update_rows(Student, _STUDENT_UPDATE, updates.pupils)
            duplicates.bump_versions([row[0] for row in updates.pupils])
            audit_updated(
                updates.changes,
                actor_id=self._actor_id,
                district_of=self._district_of,
                batch=state.batch,
                now=state.now,
            )
        return len(new_pupils), len(updates.pupils), unchanged

    def _take_slow(
        self,
        rows: list[_PlannedRow],
        report: ImportReport,
        labels: Mapping[str, str],
        state: _RunState,
        new_pupils: list[tuple[Any, ...]],
        updates: _Updates,
    ) -> int:
        """The rows that need the registry: pupils already registered, households to find.

        Registered pupils and households are read as plain values (no model
        instances, no timestamps): a list imported again compares 100,000 rows.
        Appends new pupils' rows to ``new_pupils`` and what changed to ``updates``;
        returns the number of unchanged pupils.  Only the values a row gives may
        change, and values set in the portal only as the user chose (``merge``).
        """
        codes = [p.student[0] for p in rows if p.student[0] in state.known_codes]
        existing: dict[str, _Pupil] = {
            values[1]: _Pupil(values)
            for values in filter_values(
                Student.objects.values_list(*_PUPIL_COLUMNS), "pupil_code", codes
            )
        }
        pairs = list(
            dict.fromkeys(
                (p.household_key[1], p.household_key[2])
                for p in rows
                if p.household_id is None and p.household_key[0] == "code"
            )
        )
        by_code: dict[tuple[int, str], _House] = {}
        households = Household.objects.values_list("id", *HOUSEHOLD_FIELDS, "portal_edits")
        for values in filter_pairs(households, ("commune_id", "code"), pairs):
            house = _House(values[0], values[1:-1], values[-1])
            by_code[(house.values[_HH_COMMUNE], house.values[_HH_CODE])] = house
        shared = duplicates.SharedHouseholds(
            actor=self.actor,
            household_ids=[h.pk for h in by_code.values()]
            + [p.household_id for p in existing.values()],
            warnings=self.warnings,
        )
        now = state.now
        tail = (state.batch_id, state.created_by_id, "studying", False, now, now)
        unchanged = 0
        state.writer_block = len(rows)  # ids the pools ran short of: one block per chunk
        for planned in rows:
            key = planned.household_key
            pupil = existing.get(planned.student[0])
            house: _House | None = None  # the registered household the row names
            household_id = planned.household_id
            if household_id is None:
                if key[0] == "code":
                    house = by_code.get((key[1], key[2]))
                    # ... or created by an earlier row of this run.
                    household_id = house.pk if house is not None else state.resolved.get(key)
                else:
                    # Siblings without a household code join the household the first
                    # of them is registered in.
                    household_id = state.resolved.get(key)
                    if household_id is None and pupil is not None:
                        house = pupil.household
                        household_id = house.pk
            if household_id is None:
                # Nothing to join: the row's household is new (the worker left it to us).
                household_id = state.take_household() or state.reserve_one(Household)
                state.unborn[household_id] = ((household_id, *planned.household, now, now), None)
            if house is not None:
                problem = self._check_shared(shared, planned, house, pupil, labels)
                if problem is not None:
                    report.errors.append(problem)
                    continue
            if pupil is None:
                student_id = planned.student_id or state.reserve_one(Student)
                new_pupils.append((student_id, *planned.student, household_id, *tail))
                state.resolved.setdefault(key, household_id)
                plan = self._household_plan(house, planned, state)
                if plan is not None:
                    self._household_apply(house, plan, planned, state, updates)  # type: ignore[arg-type]
                    self._record(updates, state, planned, None, {}, {}, house, plan)
                continue
            if not self._may_touch(pupil):
                report.errors.append(
                    RowError(
                        planned.row,
                        labels.get("pupil_code", FIELD_LABELS["pupil_code"]),
                        "pupil_code",
                        _("mã định danh đã thuộc học sinh của đơn vị khác"),
                    )
                )
                continue
            moving = household_id != pupil.household_id
            current = house or (None if moving else pupil.household)
            plan = self._household_plan(current, planned, state)
            student = self._pupil_plan(pupil, planned, state, moving=moving, household=plan)
            changed = moving or bool(student.changed) or (plan is not None and bool(plan.changed))
            if (
                changed
                and pupil.eligibility_locked
                and (moving or _touches_eligibility(pupil, student.values, planned, plan))
            ):
                report.errors.append(
                    RowError(
                        planned.row,
                        labels.get("category", FIELD_LABELS["category"]),
                        "category",
                        _(
                            "học sinh đã được duyệt hỗ trợ: không được sửa diện hộ, nhu cầu, "
                            "thiết bị, họ tên, ngày sinh, số định danh qua tệp nhập"
                        ),
                    )
                )
                continue
            state.resolved.setdefault(key, household_id)
            touched = plan is not None and self._household_apply(
                current,  # type: ignore[arg-type]
                plan,
                planned,
                state,
                updates,
            )
            changes = _diff(pupil.values, student.values)
            if moving:
                changes["household"] = [pupil.household_id, household_id]
            if changes or touched or household_id in state.changed_households:
                updates.pupils.append(
                    (pupil.pk, *student.values[1:], household_id, student.marks, now)
                )
                updates.changes.append((pupil.pk, planned.student[1], pupil.school_id, changes))
            else:
                unchanged += 1
            if changes or student.conflicts or plan is not None:
                self._record(
                    updates, state, planned, pupil, changes, student.conflicts, current, plan
                )
        return unchanged

    @staticmethod
    def _pupil_plan(
        pupil: _Pupil,
        planned: _PlannedRow,
        state: _RunState,
        *,
        moving: bool,
        household: Merged | None,
    ) -> Merged:
        """A registered pupil's values after the row: only the values the row gives, and
        values set in the portal only as the user chose."""
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
        # The pupil lives where their household does: a new household's place is the
        # row's; a registered one's is what it keeps.
        if moving:
            place = (planned.student[_COMMUNE_AT], planned.student[_VILLAGE_AT])
        elif household is not None:
            place = (household.values[_HH_COMMUNE], household.values[_HH_VILLAGE])
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

    @staticmethod
    def _household_plan(
        house: _House | None, planned: _PlannedRow, state: _RunState
    ) -> Merged | None:
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

    @staticmethod
    def _household_apply(
        house: _House, plan: Merged, planned: _PlannedRow, state: _RunState, updates: _Updates
    ) -> bool:
        """Write (with the chunk) and audit what the row changes in a registered household."""
        if not plan.changed:
            return False
        state.changed_households.add(house.pk)
        updates.households.append((house.pk, *plan.values, plan.marks, state.now))
        updates.household_changes.append(
            (house.pk, household_name(plan.values), planned.student[_SCHOOL_AT], plan.changed)
        )
        return True

    @staticmethod
    def _record(
        updates: _Updates,
        state: _RunState,
        planned: _PlannedRow,
        pupil: _Pupil | None,
        changes: Mapping[str, list[Any]],
        conflicts: Mapping[str, dict[str, Any]],
        house: _House | None,
        plan: Merged | None,
    ) -> None:
        """Keep, for the dry run's page, what the row changes and what it conflicts with."""
        if not state.recording:
            return
        changed = {name: [jsonable(a), jsonable(b)] for name, (a, b) in changes.items()}
        conflicting = dict(conflicts)
        if plan is not None:
            for name, (a, b) in plan.changed.items():
                changed[f"household.{name}"] = [jsonable(a), jsonable(b)]
            for name, conflict in plan.conflicts.items():
                conflicting[f"household.{name}"] = conflict
        if not changed and not conflicting:
            return
        updates.records.append(
            (
                planned.row,
                pupil.pk if pupil is not None else None,
                planned.student[1],
                house.pk if house is not None else None,
                changed,
                conflicting,
            )
        )

    @staticmethod
    def _copy(
        model: type[Model], columns: Sequence[str], rows: list[tuple[tuple[Any, ...], str | None]]
    ) -> None:
        """Insert new rows; on PostgreSQL, as COPY text the worker mostly formatted already."""
        if connection.vendor == "postgresql":
            copy_lines(model, columns, [line or copy_text(row) for row, line in rows])
        else:
            copy_rows(model, columns, [row for row, _line in rows])

    def _create_villages(self, chunk: list[_PlannedRow], state: _RunState) -> None:
        """Create the villages the chunk names for the first time; put their ids in its rows."""
        pending = [p for p in chunk if p.new_village is not None]
        if not pending:
            return
        missing: dict[tuple[int, str], Village] = {}
        for planned in pending:
            commune_id, vkey, name = planned.new_village  # type: ignore[misc]
            if (commune_id, vkey) not in state.village_ids:
                missing.setdefault(
                    (commune_id, vkey), Village(commune_id=commune_id, name=name[:150], key=vkey)
                )
        if missing:
            Village.objects.bulk_create(missing.values(), batch_size=2000)
            for village_key_, village in missing.items():
                state.village_ids[village_key_] = village.pk
                self.lookups.villages[village_key_] = (
                    village  # later rows find it as they are checked
                )
        for planned in pending:
            village_id = state.village_ids[planned.new_village[:2]]  # type: ignore[index]
            planned.student = planned.student.replace(village_id=village_id)
            planned.household = planned.household.replace(village_id=village_id)
            if planned.fast is not None:
                fast = list(planned.fast)
                fast[_STUDENT_VILLAGE_AT] = village_id
                planned.fast = tuple(fast)
            if planned.new_household is not None:
                household = list(planned.new_household)
                household[_HOUSEHOLD_VILLAGE_AT] = village_id
                planned.new_household = tuple(household)
            planned.fast_line = planned.household_line = None  # formatted again by the writer
            planned.new_village = None

    @staticmethod
    def _check_shared(
        shared: duplicates.SharedHouseholds,
        planned: _PlannedRow,
        house: _House,
        pupil: _Pupil | None,
        labels: Mapping[str, str],
    ) -> RowError | None:
        """A row that links a pupil to, or changes, a registered household (issue 13)."""
        linking = pupil is None or pupil.household_id != house.pk
        changes = planned.first_of_household and _household_differs(house.values, planned.household)
        if not (linking or changes):
            return None
        return shared.check(
            row=planned.row,
            household_id=house.pk,
            household_code=house.values[_HH_CODE],
            school_id=planned.student[_SCHOOL_AT],
            pupil_pk=pupil.pk if pupil is not None else None,
            linking=linking,
            changes=changes,
            current=house.values,
            new=planned.household,
            labels=labels,
        )

    def _may_touch(self, pupil: _Pupil) -> bool:
        if self.only_school_id is not None:
            return pupil.school_id == self.only_school_id
        if self.district is not None:
            return pupil.district_id == self.district.pk
        return True

    @cached_property
    def _district_of(self) -> dict[int, int]:
        return {s.pk: s.district_id for s in self.lookups.schools_by_code.values()}


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


def _diff(current: tuple[Any, ...], new: tuple[Any, ...]) -> dict[str, list[Any]]:
    return {name: [current[i], new[i]] for i, name in _DIFF_FIELDS if current[i] != new[i]}


_UNSEEN = object()
_AHEAD = 4 * WRITE_CHUNK  # ids reserved ahead of the worker, per table
_STUDENT_COPY = ("id", *NEW_STUDENT_COLUMNS)
_HOUSEHOLD_COPY = ("id", *HOUSEHOLD_FIELDS, "created_at", "updated_at")
_HOUSEHOLD_AT = _STUDENT_COPY.index("household_id")
_STUDENT_VILLAGE_AT = _STUDENT_COPY.index("village_id")
_HOUSEHOLD_VILLAGE_AT = _HOUSEHOLD_COPY.index("village_id")


@dataclass
class _RunState:
    """What one run carries from chunk to chunk, shared by the worker and the writer.

    The worker only reads the known keys and takes ids from the pools
    (``deque.popleft`` is atomic); ``household_plan`` is the worker's own.
    """

    now: dt.datetime
    batch_id: int | None
    created_by_id: int | None
    known_codes: set[str]  # pupil codes registered before the run
    known_households: set[tuple[int, str]]  # (commune id, household code) registered before
    batch: ImportBatch | None = None
    household_plan: dict[tuple[Any, ...], int | None] = field(default_factory=dict)  # worker's
    resolved: dict[tuple[Any, ...], int] = field(default_factory=dict)  # key -> registered id
    unborn: dict[int, tuple[Any, ...]] = field(
        default_factory=dict
    )  # new households not copied yet
    changed_households: set[int] = field(default_factory=set)
    village_ids: dict[tuple[int, str], int] = field(default_factory=dict)  # created by the run
    household_pool: deque[int] = field(default_factory=deque)
    student_pool: deque[int] = field(default_factory=deque)
    pretend: bool = False
    _fake_ids: Iterator[int] = field(default_factory=lambda: itertools.count(-1, -1))
    # The writer's own ids for rows the worker found no id for, reserved in blocks.
    writer_pools: dict[type[Model], deque[int]] = field(default_factory=dict)
    writer_block: int = 1
    copy_lines: bool = False  # PostgreSQL: the worker formats rows as COPY text
    choices: ConflictChoices = field(default_factory=ConflictChoices)
    recording: bool = False  # a batch's dry run keeps what each pupil would change

    def take_household(self) -> int | None:
        try:
            return self.household_pool.popleft()
        except IndexError:
            return next(self._fake_ids) if self.pretend else None

    def take_student(self) -> int | None:
        try:
            return self.student_pool.popleft()
        except IndexError:
            return next(self._fake_ids) if self.pretend else None

    def reserve(self, count: int) -> None:
        """Reserve ``count`` more ids for each table (a run may leave some unused: gaps only)."""
        self.household_pool.extend(reserve_ids(Household, count))
        self.student_pool.extend(reserve_ids(Student, count))

    def top_up(self, *, remaining: int) -> None:
        """Keep the worker, which runs a few chunks ahead, supplied with ids.

        ``remaining`` is the number of rows the file may still hold.  When a pool
        runs dry anyway, rows take the slow path: the writer reserves their ids.
        """
        want = min(_AHEAD, remaining + WRITE_CHUNK)
        for model, pool in ((Household, self.household_pool), (Student, self.student_pool)):
            short = want - len(pool)
            if short >= WRITE_CHUNK // 2:
                pool.extend(reserve_ids(model, short))

    def reserve_one(self, model: type[Household] | type[Student]) -> int:
        """An id for a row the worker left without one (its pool ran dry).

        Taken from the writer's own block, reserved ``writer_block`` at a time: one
        statement per block, not two per row.  Unused ids are gaps only.
        """
        if self.pretend:
            return next(self._fake_ids)
        pool = self.writer_pools.setdefault(model, deque())
        if not pool:
            pool.extend(reserve_ids(model, max(self.writer_block, 1)))
        return pool.popleft()

    def pretend_ids(self) -> None:
        """Number new rows with negative ids from now on: counted, never written.

        A dry run does from the start; an all-or-nothing run from its first error
        on (nothing will be written): checking goes on in chunks without
        reserving a single id more.  The worker uses up the ids it holds, then
        takes negative ones too.
        """
        self.pretend = True
        self.household_pool.clear()
        self.student_pool.clear()


class _Discard(Exception):
    """Rolls back a run whose list has errors (all or nothing)."""


def _check_constraints_per_statement(on: bool) -> None:
    """PostgreSQL: check foreign keys as each chunk is written, not all at commit.

    Django declares them ``DEFERRABLE INITIALLY DEFERRED``; deferred, the ~10
    checks per pupil would all run at ``COMMIT``, after the last row was checked.
    Per statement they run while the worker thread checks the next chunk.  Set
    back to deferred before the run's transaction (or savepoint) ends.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS ALL {'IMMEDIATE' if on else 'DEFERRED'}")
