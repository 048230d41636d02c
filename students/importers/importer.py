"""``StudentImporter``: checks a located table of pupils and writes it in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from schools.importing import DuplicateTracker, ImportReport, RowError
from schools.models import District, ImportBatch, School, Village
from schools.normalize import clean_text, parse_bool_vi, parse_gender
from schools.spreadsheets import Sheet, SpreadsheetError, Table, guess_table
from students.fastrows import iter_data_rows, quick_fold, quick_name_keys
from students.importers.audit import audit_created, audit_import, audit_updated
from students.importers.bulk import WRITE_CHUNK, filter_pairs, filter_values, insert_rows
from students.importers.columns import (
    COLUMNS,
    FIELD_LABELS,
    HOUSEHOLD_FIELDS,
    NEW_STUDENT_COLUMNS,
    STUDENT_FIELDS,
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


def _guardian_text(value: Any) -> str:
    return clean_text(value)[:150]


_ELIGIBILITY_ATTRS = {"household_id", "need_device", "need_data", "has_device"}
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
        """The table of pupils in ``sheet``; raises ``SpreadsheetError`` when it cannot be used."""
        table = guess_table(sheet, COLUMNS, override=override, header_row=header_row)
        if table.header_row == 0 or not table.mapping:
            raise SpreadsheetError(
                _(
                    "Không tìm thấy dòng tiêu đề cột (ví dụ “Họ và tên”, “Ngày sinh”) "
                    "trong 30 dòng đầu của tệp."
                )
            )
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
    ) -> ImportReport:
        """Check every data row and, unless ``dry_run``, write the list in one transaction.

        Rows are checked in a worker thread (``pipeline.checked_in_background``)
        while this thread writes the rows already checked, chunk by chunk.  All or
        nothing unless ``skip_invalid``: when any row has an error, what was written
        is rolled back and the report counts nothing as written; with
        ``skip_invalid`` exactly the valid rows are written.  A dry run writes
        nothing and counts what an import would create, update or leave unchanged.

        ``release_rows`` frees each raw row of the sheet once checked (big files);
        ``more_rows`` continues the sheet with rows still being read
        (``students.fastrows.read_streaming``); ``expected_rows`` sizes the progress bar.
        """
        self.resolve_default_school(table)
        self._load_for_worker()
        report = ImportReport(rows=0)
        labels = table.field_labels()
        total = expected_rows or max(len(table.sheet.rows) - table.first_data_index, 1)
        checked = self._checked_rows(table, report, labels, release=release_rows, more=more_rows)
        state = _RunState(now=timezone.now(), **self._known_keys())
        writing = not dry_run
        counts = [0, 0, 0]  # created, updated, unchanged
        try:
            with transaction.atomic():
                if writing:
                    _check_constraints_per_statement(True)
                for chunk in checked_in_background(checked, size=WRITE_CHUNK):
                    classified = self._classify(chunk, report, labels, state)
                    if writing and (skip_invalid or not report.errors):
                        created, updated = self._write_chunk(classified, state, batch=batch)
                        chunk_counts = (created, updated, len(classified.rows) - created - updated)
                    else:
                        chunk_counts = classified.counts
                    counts = [a + b for a, b in zip(counts, chunk_counts, strict=True)]
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
        report.errors.sort(key=lambda e: (e.row, e.field == ""))
        if progress is not None:
            progress(100)
        return report

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
    ) -> Iterator[_PlannedRow]:
        """The valid rows of ``table``, checked one by one; errors go to ``report``.

        Runs in the worker thread: no database access (``Lookups`` holds the data).
        """
        lookups = self.lookups
        errors = report.errors
        by_code = DuplicateTracker()
        by_identity = DuplicateTracker()
        household_first: dict[tuple[Any, ...], tuple[int, int]] = {}  # key -> (row, category id)
        pending_villages: dict[tuple[int, str], str] = {}
        today = self.today
        default_school = self.school
        has_school_column = bool({"school", "school_code"} & table.mapping.keys())
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
        for row, values in iter_data_rows(table, release=release, more=more):
            report.rows += 1
            v = _Checker(row, values, labels, errors, required)
            name = v.field("full_name", normalize_name, required=True, cache=caches["full_name"])
            dob = v.field(
                "date_of_birth",
                lambda x: birth_date(x, today=today),
                required=True,
                cache=caches["date_of_birth"],
            )
            gender = v.field("gender", parse_gender, required=True, cache=caches["gender"])
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
            pupil_code = v.field("pupil_code", normalize_pupil_code, required=True)
            personal_id = v.field("personal_id", normalize_personal_id, default="")
            phone = v.field("guardian_phone", normalize_guardian_phone, default="")
            guardian_id = v.field("guardian_id_number", normalize_guardian_id, default="")
            category = v.field(
                "category", lookups.category, required=True, cache=caches["category"]
            )
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
                    commune = school.commune  # type: ignore[union-attr]
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
                continue
            assert commune is not None and school is not None and category is not None
            village_id: int | None = None
            new_village: tuple[int, str, str] | None = None
            if village_name:
                vkey = village_keys.get(village_name) or village_keys.setdefault(
                    village_name, village_key(village_name)
                )
                existing_village = lookups.villages.get((commune.id, vkey))
                if existing_village is not None:
                    village_id = existing_village.pk
                else:
                    pending_villages.setdefault((commune.id, vkey), village_name)
                    new_village = (commune.id, vkey, pending_villages[(commune.id, vkey)])
            if household_code:
                hkey: tuple[Any, ...] = ("code", commune.id, household_code)
            elif guardian_name and phone:
                hkey = ("guardian", commune.id, quick_fold(guardian_name), phone)
            else:
                hkey = ("row", row)
            first_household = household_first.get(hkey)
            if first_household is None:
                household_first[hkey] = (row, category.id)
            elif first_household[1] != category.id:
                v.error(
                    "category",
                    _("khác diện hộ của cùng hộ ở dòng %(row)s") % {"row": first_household[0]},
                )
                continue
            class_name, grade = class_info
            need_device, need_data = needs
            yield _PlannedRow(
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
            )

    def _classify(
        self,
        chunk: list[_PlannedRow],
        report: ImportReport,
        labels: Mapping[str, str],
        state: _RunState,
    ) -> _Classified:
        """Match a chunk of checked rows to pupils already registered.

        Rows that may not be written (a pupil of another unit, a locked
        beneficiary) become errors; the others are kept and counted as
        created, updated or unchanged.
        """
        students = Student.objects.select_related("household", "school")
        codes = [p.student[0] for p in chunk if p.student[0] in state.known_codes]
        existing: dict[str, Student] = {
            s.pupil_code: s for s in filter_values(students, "pupil_code", codes)
        }
        households = self._load_households(chunk, existing, state)
        result = _Classified(existing=existing, households=households)
        created = updated = unchanged = 0
        for planned in chunk:
            student = existing.get(planned.student[0])
            if student is None:
                created += 1
                result.rows.append(planned)
                continue
            if not self._may_touch(student):
                report.errors.append(
                    RowError(
                        planned.row,
                        labels.get("pupil_code", FIELD_LABELS["pupil_code"]),
                        "pupil_code",
                        _("mã định danh đã thuộc học sinh của đơn vị khác"),
                    )
                )
                continue
            household = households.get(planned.household_key) or student.household
            changed = self._student_changes(student, planned) or self._household_changes(
                household, planned
            )
            if household.pk != student.household_id:
                changed = True
            if (
                changed
                and student.eligibility_locked
                and self._touches_eligibility(student, household, planned)
            ):
                report.errors.append(
                    RowError(
                        planned.row,
                        labels.get("category", FIELD_LABELS["category"]),
                        "category",
                        _(
                            "học sinh đã được duyệt hỗ trợ: không được sửa diện hộ, nhu cầu, "
                            "thiết bị qua tệp nhập"
                        ),
                    )
                )
                continue
            if changed:
                updated += 1
            else:
                unchanged += 1
            result.rows.append(planned)
        result.counts = (created, updated, unchanged)
        return result

    def _may_touch(self, student: Student) -> bool:
        if self.only_school_id is not None:
            return student.school_id == self.only_school_id
        if self.district is not None:
            return student.school.district_id == self.district.pk
        return True

    def _load_households(
        self, chunk: list[_PlannedRow], existing: Mapping[str, Student], state: _RunState
    ) -> dict[tuple[Any, ...], Household]:
        """Existing households keyed like the chunk's rows: by (commune, code) or the pupil's own.

        Households this run created are not looked up again: the later rows of a
        household join the one its first row created.
        """
        found: dict[tuple[Any, ...], Household] = {}
        pairs = list(
            dict.fromkeys(
                (key[1], key[2])
                for key in (p.household_key for p in chunk)
                if key[0] == "code" and (key[1], key[2]) in state.known_households
            )
        )
        for household in filter_pairs(Household.objects.all(), ("commune_id", "code"), pairs):
            found[("code", household.commune_id, household.code)] = household
        # Rows without a code keep the household their pupil already has.
        for planned in chunk:
            key = planned.household_key
            if key[0] != "code" and key not in state.new_household_keys:
                student = existing.get(planned.student[0])
                if student is not None:
                    found.setdefault(key, student.household)
        return found

    @staticmethod
    def _student_changes(student: Student, planned: _PlannedRow) -> bool:
        data = planned.student
        if planned.new_village is not None:
            return True
        return any(getattr(student, name) != data[name] for name in STUDENT_FIELDS)

    @staticmethod
    def _household_changes(household: Household, planned: _PlannedRow) -> bool:
        data = planned.household
        if planned.new_village is not None:
            return True
        return any(
            getattr(household, name) != data[name]
            for name in HOUSEHOLD_FIELDS
            if not (
                name in {"guardian_name", "guardian_phone", "guardian_relation"} and not data[name]
            )
        )

    @staticmethod
    def _touches_eligibility(student: Student, household: Household, planned: _PlannedRow) -> bool:
        data = planned.student
        if household.pk != student.household_id:
            return True
        if household.category_id != planned.household["category_id"]:
            return True
        return any(
            getattr(student, name) != data[name] for name in _ELIGIBILITY_ATTRS - {"household_id"}
        )

    # ------------------------------------------------------------------ writing

    def _write_chunk(
        self, chunk: _Classified, state: _RunState, *, batch: ImportBatch | None
    ) -> tuple[int, int]:
        """Write one classified chunk; returns (pupils created, pupils updated)."""
        rows = chunk.rows
        existing = chunk.existing
        now = state.now
        # 1. Villages named for the first time, created in their commune (once per run).
        new_villages: dict[tuple[int, str], Village] = {}
        for planned in rows:
            if planned.new_village is not None:
                commune_id, vkey, name = planned.new_village
                if (commune_id, vkey) not in state.village_ids:
                    new_villages.setdefault(
                        (commune_id, vkey),
                        Village(commune_id=commune_id, name=name[:150], key=vkey),
                    )
        if new_villages:
            Village.objects.bulk_create(new_villages.values(), batch_size=2000)
            for village_key_, village in new_villages.items():
                state.village_ids[village_key_] = village.pk
        for planned in rows:
            if planned.new_village is not None:
                village_id = state.village_ids[planned.new_village[:2]]
                planned.student = planned.student.replace(village_id=village_id)
                planned.household = planned.household.replace(village_id=village_id)
        # 2. Existing households whose data changed (the first row of a household that
        #    changes it wins; later rows of a run do not change it back).
        changed_households: list[Household] = []
        for planned in rows:
            household = chunk.households.get(planned.household_key)
            if household is None:
                continue
            state.household_ids[planned.household_key] = household.pk
            if household.pk in state.changed_households:
                continue
            if self._apply(household, planned.household, HOUSEHOLD_FIELDS, keep_blank=True):
                household.updated_at = now
                state.changed_households.add(household.pk)
                changed_households.append(household)
        if changed_households:
            Household.objects.bulk_update(
                changed_households, [*HOUSEHOLD_FIELDS, "updated_at"], batch_size=2000
            )
        # 3. New households (one per key, from its first row), then pupils.
        household_ids = state.household_ids
        new_keys: list[tuple[Any, ...]] = []
        new_rows: list[tuple[Any, ...]] = []
        for planned in rows:
            key = planned.household_key
            if key not in household_ids:
                household_ids[key] = 0  # reserved; the id comes back from the insert
                new_keys.append(key)
                # _HouseholdValues is positional in HOUSEHOLD_FIELDS order.
                new_rows.append((*planned.household[:], now, now))
        if new_rows:
            ids = insert_rows(Household, [*HOUSEHOLD_FIELDS, "created_at", "updated_at"], new_rows)
            household_ids.update(zip(new_keys, ids, strict=True))
            state.new_household_keys.update(new_keys)
        batch_id = batch.pk if batch is not None else None
        actor_id = self._actor_id
        # A pupil created by a batch is the batch uploader's: ``created_by`` names the
        # author of a pupil entered by hand (a null also skips a foreign-key check per row).
        created_by_id = None if batch is not None else actor_id
        student_rows: list[tuple[Any, ...]] = []
        to_update: list[tuple[Student, dict[str, list[Any]]]] = []
        for planned in rows:
            household_id = household_ids[planned.household_key]
            student = existing.get(planned.student[0])
            if student is None:
                # _StudentValues is positional: pupil_code, then STUDENT_FIELDS.
                student_rows.append(
                    (
                        *planned.student[:],
                        household_id,
                        batch_id,
                        created_by_id,
                        "studying",
                        False,
                        now,
                        now,
                    )
                )
                continue
            changes = self._diff(student, planned.student)
            if student.household_id != household_id:
                changes["household"] = [student.household_id, household_id]
                student.household_id = household_id
            if changes or household_id in state.changed_households:
                self._apply(student, planned.student, STUDENT_FIELDS)
                student.updated_at = now
                to_update.append((student, changes))
        if student_rows:
            # With a batch, the batch is the record of who created these pupils (each
            # pupil points to it; one ``student.import`` event at the end); an import
            # without one (command line) audits each pupil it creates.
            ids = insert_rows(Student, NEW_STUDENT_COLUMNS, student_rows)
            if batch is None:
                audit_created(
                    student_rows,
                    ids,
                    actor_id=actor_id,
                    district_of=self._district_of,
                    batch=batch,
                    now=now,
                )
        if to_update:
            # ``import_batch`` stays the batch that created the pupil; each update is
            # audited with the file it came from.
            Student.objects.bulk_update(
                [s for s, _c in to_update],
                [*STUDENT_FIELDS, "household_id", "updated_at"],
                batch_size=2000,
            )
            audit_updated(
                to_update, actor_id=actor_id, district_of=self._district_of, batch=batch, now=now
            )
        return len(student_rows), len(to_update)

    @cached_property
    def _district_of(self) -> dict[int, int]:
        return {s.pk: s.district_id for s in self.lookups.schools_by_code.values()}

    @staticmethod
    def _apply(
        obj: Any, data: Mapping[str, Any], names: Iterable[str], keep_blank: bool = False
    ) -> bool:
        changed = False
        for name in names:
            value = data[name]
            if keep_blank and name.startswith("guardian_") and not value:
                continue  # a sibling row without guardian details keeps those on file
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        return changed

    @staticmethod
    def _diff(student: Student, data: Mapping[str, Any]) -> dict[str, list[Any]]:
        return {
            name: [getattr(student, name), data[name]]
            for name in STUDENT_FIELDS
            if name not in {"name_key", "sort_key"} and getattr(student, name) != data[name]
        }


@dataclass
class _RunState:
    """What one run carries from chunk to chunk."""

    now: dt.datetime
    known_codes: set[str]  # pupil codes registered before the run
    known_households: set[tuple[int, str]]  # (commune id, household code) registered before
    household_ids: dict[tuple[Any, ...], int] = field(default_factory=dict)  # key -> id
    new_household_keys: set[tuple[Any, ...]] = field(default_factory=set)  # created by the run
    changed_households: set[int] = field(default_factory=set)
    village_ids: dict[tuple[int, str], int] = field(default_factory=dict)  # created by the run


@dataclass
class _Classified:
    """A chunk of checked rows matched to the registry."""

    existing: dict[str, Student]
    households: dict[tuple[Any, ...], Household]
    rows: list[_PlannedRow] = field(default_factory=list)
    counts: tuple[int, int, int] = (0, 0, 0)  # created, updated, unchanged


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
