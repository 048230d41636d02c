"""Stage "plan writes": ids for new pupils and households, reserved ahead, and the rows
ready to copy; ``RunState`` is what a run carries from chunk to chunk."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import deque
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from schools.models import ImportBatch
from students.importers.bulk import WRITE_CHUNK, reserve_ids
from students.importers.merge import ConflictChoices, given_reader
from students.importers.rows import _PlannedRow, _StudentValues
from students.models import Household, Student

__all__ = ["RunState", "plan_ids"]

_UNSEEN: Any = object()
_VILLAGE_AT = _StudentValues.INDEX["village_id"]


def plan_ids(rows: Iterator[_PlannedRow], state: RunState) -> Iterator[_PlannedRow]:
    """Stage "plan writes": give each checked row its ids, in file order (worker thread).

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
    now = state.stamp
    tail = (state.batch_id, state.created_by_id, "studying", False, now, now)
    unseen = _UNSEEN
    given_of = given_reader()
    places = state.household_places
    for planned in rows:
        registered = planned.student[0] in known_codes
        key = planned.household_key
        household_id = decided.get(key, unseen)
        if household_id is unseen:
            planned.first_of_household = True
            # A household code is looked up as such; a household without one is the
            # registered pupil's own.
            in_registry = (key[1], key[2]) in known_households if key[0] == "code" else registered
            if not in_registry:
                places[key] = (planned.student[_VILLAGE_AT], planned.new_village)
            household_id = None if in_registry else take_household()
        elif key in places:
            _live_with_household(planned, places[key])
        if planned.first_of_household:
            if household_id is not None:
                planned.new_household = (household_id, *planned.household, now, now)
            decided[key] = household_id
        planned.household_id = household_id
        if not registered:
            student_id = planned.student_id = take_student()
            if household_id is not None and student_id is not None:
                planned.fast = (student_id, *planned.student, household_id, *tail)
        if planned.fast is None:
            # The row meets the registry: only the values its cells give may change.
            planned.given = given_of(planned.raw)
        planned.raw = None
        yield planned


def _live_with_household(
    planned: _PlannedRow, place: tuple[int | None, tuple[int, str, str] | None]
) -> None:
    """A sibling lives where its household does: the village of the household's first row
    (the household is made from that row), whatever the sibling's own cell says.  The
    commune is the same already: it is part of the household's key."""
    village_id, new_village = place
    if (planned.student[_VILLAGE_AT], planned.new_village) != place:
        planned.student = planned.student.replace(village_id=village_id)
        planned.new_village = new_village


@dataclass
class RunState:
    """What one run carries from chunk to chunk, shared by the worker and the writer.

    The worker only reads the known keys and takes ids from the pools
    (``deque.popleft`` is atomic); ``household_plan`` is the worker's own.
    """

    now: dt.datetime
    batch_id: int | None
    created_by_id: int | None
    known_codes: Collection[str]  # pupil codes registered before the run
    known_households: set[tuple[int, str]]  # (commune id, household code) registered before
    batch: ImportBatch | None = None
    household_plan: dict[tuple[Any, ...], int | None] = field(default_factory=dict)  # worker's
    resolved: dict[tuple[Any, ...], int] = field(default_factory=dict)  # key -> registered id
    unborn: dict[int, tuple[Any, ...]] = field(
        default_factory=dict
    )  # new households not copied yet
    changed_households: set[int] = field(default_factory=set)
    # ... and their (commune id, code) as registered before the run.
    changed_household_keys: set[tuple[int, str]] = field(default_factory=set)
    # ``registered.registered_digest`` of the pupils the run may change, by pupil code
    # (0: not to compare): rows that repeat one exactly are counted unchanged without
    # reading the pupil back.  The importer passes one dict as this and ``known_codes``.
    pupil_digests: Mapping[str, int] = field(default_factory=dict)
    village_ids: dict[tuple[int, str], int] = field(default_factory=dict)  # created by the run
    household_pool: deque[int] = field(default_factory=deque)
    student_pool: deque[int] = field(default_factory=deque)
    pretend: bool = False
    # The village (id, or the new one's (commune id, key, name)) of each household the
    # run creates, from its first row: its siblings live there (worker's).
    household_places: dict[tuple[Any, ...], tuple[int | None, tuple[int, str, str] | None]] = field(
        default_factory=dict
    )
    # Chunk size and ids reserved ahead per table (``importer.WRITE_CHUNK``, ``_AHEAD``).
    chunk: int = WRITE_CHUNK
    ahead: int = 4 * WRITE_CHUNK
    _fake_ids: Iterator[int] = field(default_factory=lambda: itertools.count(-1, -1))
    # The writer's own ids for rows the worker found no id for, reserved in blocks.
    writer_pools: dict[type[Model], deque[int]] = field(default_factory=dict)
    writer_block: int = 1
    choices: ConflictChoices = field(default_factory=ConflictChoices)
    # What the rows written carry as ``created_at`` / ``updated_at``: ``now``, or on
    # PostgreSQL its ISO text, which COPY parses (psycopg formats a datetime per cell
    # at a cost of several microseconds, four per new pupil and household).
    stamp: dt.datetime | str | None = None
    recording: bool = False  # a batch's dry run keeps what each pupil would change

    def __post_init__(self) -> None:
        if self.stamp is None:
            self.stamp = self.now

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
        want = min(self.ahead, remaining + self.chunk)
        for model, pool in ((Household, self.household_pool), (Student, self.student_pool)):
            short = want - len(pool)
            if short >= self.chunk // 2:
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
