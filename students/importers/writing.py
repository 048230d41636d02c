"""Stages "match registry" and "write": a chunk of planned rows meets the registered
pupils and households it names (read in blocks, as plain values), and is written
(``COPY`` on PostgreSQL, ``bulk_create`` elsewhere) and audited.

Runs in the caller's thread, inside the run's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import User
from kernel.importing import ImportReport, RowError
from schools.models import District, Village
from students.importers import duplicates
from students.importers.audit import (
    audit_created,
    audit_households_updated,
    audit_updated,
    household_name,
)
from students.importers.bulk import (
    copy_rows,
    filter_pairs,
    filter_values,
    update_rows,
)
from students.importers.changes import store_changes
from students.importers.columns import (
    FIELD_LABELS,
    HOUSEHOLD_FIELDS,
    NEW_STUDENT_COLUMNS,
)
from students.importers.merge import Merged, jsonable
from students.importers.planning import RunState
from students.importers.registered import (
    _HH_CODE,
    _HH_COMMUNE,
    _HH_VILLAGE,
    _HOUSEHOLD_UPDATE,
    _PUPIL_COLUMNS,
    _SCHOOL_AT,
    _STUDENT_UPDATE,
    _UPDATE_HOUSEHOLD_AT,
    _at_place,
    _diff,
    _House,
    _household_differs,
    _Pupil,
    _Registered,
    _touches_eligibility,
    _Updates,
    household_plan,
    pupil_plan,
    unchanged_by,
)
from students.importers.rows import _PlannedRow
from students.models import Household, Student
from students.validation import Lookups

__all__ = ["ChunkWriter"]


class ChunkWriter:
    """Matches each chunk to the registry and writes it, on behalf of ``actor``.

    ``only_school_id`` / ``district`` bound the registered pupils a list may change;
    ``warnings`` collects what the user must confirm (shared households).
    """

    def __init__(
        self,
        *,
        actor: User | None,
        lookups: Lookups,
        only_school_id: duplicates.OwnSchools,
        district: District | None,
        warnings: list[RowError],
    ) -> None:
        self.actor = actor
        self.lookups = lookups
        self.only_school_id = only_school_id
        self.district = district
        self.warnings = warnings

    @property
    def _actor_id(self) -> int | None:
        return self.actor.pk if self.actor is not None else None

    def take(
        self,
        chunk: list[_PlannedRow],
        report: ImportReport,
        labels: Mapping[str, str],
        state: RunState,
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
                state.unborn[planned.new_household[0]] = planned.new_household
        new_pupils: list[tuple[Any, ...]] = []
        slow: list[_PlannedRow] = []
        for planned in chunk:
            if planned.fast is not None:
                new_pupils.append(planned.fast)
            else:
                slow.append(planned)
        updates = _Updates()
        unchanged = 0
        if slow:
            unchanged = self._take_slow(slow, report, labels, state, new_pupils, updates)
        if updates.records:
            store_changes(state.batch, updates.records)
        if write:
            self._write(new_pupils, updates, state)
        return len(new_pupils), len(updates.pupils), unchanged

    def _write(
        self,
        new_pupils: list[tuple[Any, ...]],
        updates: _Updates,
        state: RunState,
    ) -> None:
        """Stage "write": a chunk's new households and pupils, its updates, their audit."""
        # Households first (the pupils refer to them), then pupils; foreign keys are
        # checked as each statement ends.
        born: list[tuple[Any, ...]] = []
        unborn = state.unborn
        for row in new_pupils:
            household = unborn.pop(row[_HOUSEHOLD_AT], None)
            if household is not None:
                born.append(household)
        for row in updates.pupils:
            household = unborn.pop(row[_UPDATE_HOUSEHOLD_AT], None)
            if household is not None:
                born.append(household)
        copy_rows(Household, _HOUSEHOLD_COPY, born)
        update_rows(Household, _HOUSEHOLD_UPDATE, updates.households)
        for household_id, commune_id, village_id in updates.moved:
            # Its pupils move with it (the rows of the file among them are updated below
            # to the same place); rare, one statement per household moved.
            Student.objects.filter(household_id=household_id).update(
                commune_id=commune_id, village_id=village_id
            )
        audit_households_updated(
            updates.household_changes,
            actor_id=self._actor_id,
            district_of=self._district_of,
            batch=state.batch,
            now=state.now,
        )
        copy_rows(Student, _STUDENT_COPY, new_pupils)
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
            # A changed pupil's open edit forms become stale (optimistic lock: ``version``).
            update_rows(Student, _STUDENT_UPDATE, updates.pupils, increment=("version",))
            audit_updated(
                updates.changes,
                actor_id=self._actor_id,
                district_of=self._district_of,
                batch=state.batch,
                now=state.now,
            )

    def _take_slow(
        self,
        rows: list[_PlannedRow],
        report: ImportReport,
        labels: Mapping[str, str],
        state: RunState,
        new_pupils: list[tuple[Any, ...]],
        updates: _Updates,
    ) -> int:
        """The rows that need the registry: pupils already registered, households to find.

        Appends new pupils' rows to ``new_pupils`` and what changed to ``updates``;
        returns the number of unchanged pupils.  Rows that may not be written become
        errors in ``report``.
        """
        state.writer_block = len(rows)  # ids the pools ran short of: one block per chunk
        rows, registered, unchanged = self._skip_unchanged(rows, state)
        now = state.stamp
        tail = (state.batch_id, state.created_by_id, "studying", False, now, now)
        for planned in rows:
            pupil = registered.pupils.get(planned.student[0])
            house, household_id = self._household_of(planned, pupil, registered, state)
            problem = None
            if house is not None:
                problem = self._check_shared(registered.shared, planned, house, pupil, labels)
            if problem is not None:
                report.errors.append(problem)
            elif pupil is None:
                student_id = planned.student_id or state.reserve_one(Student)
                plan = household_plan(house, planned, state)
                values = tuple(planned.student)
                if house is not None:
                    # A new pupil of a registered household lives where it does (as the
                    # row leaves it, when the row is the household's first).
                    where = plan.values if plan is not None and plan.changed else house.values
                    values = _at_place(values, where)
                new_pupils.append((student_id, *values, household_id, *tail))
                state.resolved.setdefault(planned.household_key, household_id)
                if plan is not None and house is not None:  # a plan needs a registered house
                    self._household_apply(house, plan, planned, state, updates)
                    self._record(updates, state, planned, None, {}, {}, house, plan)
            else:
                outcome = self._update_registered(
                    planned, pupil, house, household_id, labels, state, updates
                )
                if isinstance(outcome, RowError):
                    report.errors.append(outcome)
                else:
                    unchanged += outcome
        return unchanged

    def _skip_unchanged(
        self, rows: list[_PlannedRow], state: RunState
    ) -> tuple[list[_PlannedRow], _Registered, int]:
        """The rows that repeat a registered pupil exactly (``registered.unchanged_by``) are
        counted and left out: the other rows, what they meet in the registry, and the count.

        Such a row changes nothing, as the full comparison would find, when its household
        is the pupil's own (named by code) and no row changes that household: neither one
        of an earlier chunk (``changed_household_keys``) nor, possibly, one of this chunk
        (any household the other rows meet).  A list imported again reads no pupil back.
        """
        digests = state.pupil_digests
        skipped: list[_PlannedRow] = []
        others: list[_PlannedRow] = []
        for planned in rows:
            digest = digests.get(planned.student[0]) if digests else None
            if (
                digest
                and planned.household_id is None
                and planned.household_key[0] == "code"
                and planned.household_key[1:] not in state.changed_household_keys
                and unchanged_by(planned, digest)
            ):
                skipped.append(planned)
            else:
                others.append(planned)
        registered = self._registered(others, state)
        if not skipped:
            return others, registered, 0
        met = set(registered.households)
        met.update(
            (p.household.values[_HH_COMMUNE], p.household.values[_HH_CODE])
            for p in registered.pupils.values()
        )
        if any(p.household_key[1:] in met for p in skipped):
            # A household of this chunk may change before its siblings are reached: those
            # rows take the full comparison (rare: read the chunk's pupils again).
            kept = {id(p) for p in skipped if p.household_key[1:] not in met}
            others = [p for p in rows if id(p) not in kept]
            registered = self._registered(others, state)
            return others, registered, len(kept)
        return others, registered, len(skipped)

    def _registered(self, rows: list[_PlannedRow], state: RunState) -> _Registered:
        """Stage "match registry": the registered pupils and households a chunk names.

        Read as plain values (no model instances, no timestamps), in blocks: a list
        imported again compares 100,000 rows.
        """
        codes = [p.student[0] for p in rows if p.student[0] in state.known_codes]
        existing: dict[str, _Pupil] = {
            values[1]: _Pupil(values)
            for values in filter_values(
                # Unordered: the rows go into a dict (the model's ordering sorts every chunk).
                Student.objects.order_by().values_list(*_PUPIL_COLUMNS),
                "pupil_code",
                codes,
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
        households = Household.objects.order_by().values_list(
            "id", *HOUSEHOLD_FIELDS, "portal_edits"
        )
        for values in filter_pairs(households, ("commune_id", "code"), pairs):
            house = _House(values[0], values[1:-1], values[-1])
            by_code[(house.values[_HH_COMMUNE], house.values[_HH_CODE])] = house
        shared = duplicates.SharedHouseholds(
            actor=self.actor,
            household_ids=[h.pk for h in by_code.values()]
            + [p.household_id for p in existing.values()],
            warnings=self.warnings,
        )
        return _Registered(existing, by_code, shared)

    @staticmethod
    def _household_of(
        planned: _PlannedRow, pupil: _Pupil | None, registered: _Registered, state: RunState
    ) -> tuple[_House | None, int]:
        """The registered household the row names (if any) and the household id it joins."""
        key = planned.household_key
        house: _House | None = None
        household_id = planned.household_id
        if household_id is None:
            if key[0] == "code":
                house = registered.households.get((key[1], key[2]))
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
            now = state.stamp
            state.unborn[household_id] = (household_id, *planned.household, now, now)
        return house, household_id

    def _update_registered(
        self,
        planned: _PlannedRow,
        pupil: _Pupil,
        house: _House | None,
        household_id: int,
        labels: Mapping[str, str],
        state: RunState,
        updates: _Updates,
    ) -> RowError | int:
        """A registered pupil's row: what it changes goes to ``updates``.  Only the values a
        row gives may change, and values set in the portal only as the user chose
        (``merge``).  Returns 1 when nothing changes, 0 when something does, or the error."""
        if not self._may_touch(pupil):
            return RowError(
                planned.row,
                labels.get("pupil_code", FIELD_LABELS["pupil_code"]),
                "pupil_code",
                _("mã định danh đã thuộc học sinh của đơn vị khác"),
            )
        moving = household_id != pupil.household_id
        current = house or (None if moving else pupil.household)
        plan = household_plan(current, planned, state)
        student = pupil_plan(pupil, planned, state, moving=moving, household=plan, house=current)
        changed = moving or bool(student.changed) or (plan is not None and bool(plan.changed))
        if (
            changed
            and pupil.eligibility_locked
            and (moving or _touches_eligibility(pupil, student.values, planned, plan))
        ):
            return RowError(
                planned.row,
                labels.get("category", FIELD_LABELS["category"]),
                "category",
                _(
                    "học sinh đã được duyệt hỗ trợ: không được sửa diện hộ, nhu cầu, "
                    "thiết bị, họ tên, ngày sinh, số định danh qua tệp nhập"
                ),
            )
        state.resolved.setdefault(planned.household_key, household_id)
        touched = (
            plan is not None
            and current is not None
            and self._household_apply(current, plan, planned, state, updates)
        )
        changes = _diff(pupil.values, student.values)
        if moving:
            changes["household"] = [pupil.household_id, household_id]
        unchanged = 0
        if changes or touched or household_id in state.changed_households:
            updates.pupils.append(
                (pupil.pk, *student.values[1:], household_id, student.marks, state.stamp)
            )
            updates.changes.append((pupil.pk, planned.student[1], pupil.school_id, changes))
        else:
            unchanged = 1
        if changes or student.conflicts or plan is not None:
            self._record(updates, state, planned, pupil, changes, student.conflicts, current, plan)
        return unchanged

    @staticmethod
    def _household_apply(
        house: _House, plan: Merged, planned: _PlannedRow, state: RunState, updates: _Updates
    ) -> bool:
        """Write (with the chunk) and audit what the row changes in a registered household."""
        if not plan.changed:
            return False
        state.changed_households.add(house.pk)
        state.changed_household_keys.add((house.values[_HH_COMMUNE], house.values[_HH_CODE]))
        updates.households.append((house.pk, *plan.values, plan.marks, state.stamp))
        updates.household_changes.append(
            (house.pk, household_name(plan.values), planned.student[_SCHOOL_AT], plan.changed)
        )
        if "commune_id" in plan.changed or "village_id" in plan.changed:
            updates.moved.append((house.pk, plan.values[_HH_COMMUNE], plan.values[_HH_VILLAGE]))
        return True

    @staticmethod
    def _record(
        updates: _Updates,
        state: RunState,
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

    def _create_villages(self, chunk: list[_PlannedRow], state: RunState) -> None:
        """Create the villages the chunk names for the first time; put their ids in its rows."""
        pending = [p for p in chunk if p.new_village is not None]
        if not pending:
            return
        missing: dict[tuple[int, str], Village] = {}
        for planned in pending:
            commune_id, vkey, name = planned.new_village  # type: ignore[misc]  # pending rows all have a new village
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
            village_id = state.village_ids[planned.new_village[:2]]  # type: ignore[index]  # pending rows all have a new village
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
            return duplicates.within(pupil.school_id, self.only_school_id)
        if self.district is not None:
            return pupil.district_id == self.district.pk
        return True

    @cached_property
    def _district_of(self) -> dict[int, int]:
        return {s.pk: s.district_id for s in self.lookups.schools_by_code.values()}


_STUDENT_COPY = ("id", *NEW_STUDENT_COLUMNS)
_HOUSEHOLD_COPY = ("id", *HOUSEHOLD_FIELDS, "created_at", "updated_at")
_HOUSEHOLD_AT = _STUDENT_COPY.index("household_id")
_STUDENT_VILLAGE_AT = _STUDENT_COPY.index("village_id")
_HOUSEHOLD_VILLAGE_AT = _HOUSEHOLD_COPY.index("village_id")
