"""``StudentImporter``: checks a located table of pupils and writes it in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from kernel.importing import ImportReport, RowError
from kernel.spreadsheets import Sheet, SpreadsheetError, Table, reading_notices
from schools.models import District, ImportBatch, School
from students.importers import duplicates
from students.importers.audit import audit_import
from students.importers.bulk import WRITE_CHUNK
from students.importers.changes import forget_changes
from students.importers.checking import RowChecker
from students.importers.locating import locate_table
from students.importers.merge import ConflictChoices
from students.importers.pipeline import checked_in_background
from students.importers.planning import RunState, plan_ids
from students.importers.registered import DIGEST_COLUMNS, registered_digest
from students.importers.rows import _PlannedRow
from students.importers.writing import ChunkWriter
from students.models import Household, Student
from students.validation import Lookups

__all__ = ["StudentImporter"]


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
        self.only_school_id: duplicates.OwnSchools = None
        if scope is not None and scope.is_commune:
            self.only_school_id = scope.school_ids
        if scope is not None and scope.is_school:
            self.only_school_id = scope.school_id
            school = school or actor.school  # type: ignore[union-attr]  # a school scope comes from a signed-in actor
        if district is None:
            if school is not None:
                district = school.district
            elif scope is not None and scope.district_id:
                district = District.objects.get(pk=scope.district_id)
        # A commune officer's lists name the schools of the commune, in their districts.
        self._district_ids = (
            sorted(
                set(
                    School.objects.filter(pk__in=sorted(scope.school_ids)).values_list(
                        "district_id", flat=True
                    )
                )
            )
            if scope is not None and scope.is_commune and district is None
            else None
        )
        self.school = school
        self.district = district
        self.today = today or timezone.localdate()
        self._lookups: Lookups | None = None

    # ------------------------------------------------------------------ reading

    @property
    def lookups(self) -> Lookups:
        if self._lookups is None:
            self._lookups = Lookups(
                district_ids=[self.district.pk] if self.district is not None else self._district_ids
            )
        return self._lookups

    def locate(
        self,
        sheet: Sheet,
        *,
        override: Mapping[str, int] | None = None,
        header_row: int | None = None,
    ) -> Table:
        """The table of pupils in ``sheet`` (``locating.locate_table``)."""
        return locate_table(sheet, override=override, header_row=header_row)

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
            if not duplicates.within(titled.pk, self.only_school_id):
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

    # size: the run's keyword arguments and its docstring; the body is a dozen steps
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
        state = self._new_state(batch, dry_run=dry_run)
        checked = RowChecker(
            lookups=self.lookups,
            registry=self.registry,
            today=self.today,
            school=self.school,
            only_school_id=self.only_school_id,
        ).rows(table, report, labels, release=release_rows, more=more_rows, limit=max_rows)
        try:
            with transaction.atomic():
                counts = self._write_all(
                    plan_ids(checked, state),
                    report,
                    labels,
                    state,
                    write=not dry_run,
                    skip_invalid=skip_invalid,
                    total=total,
                    progress=progress,
                )
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

    def _write_all(
        self,
        planned: Iterator[_PlannedRow],
        report: ImportReport,
        labels: Mapping[str, str],
        state: RunState,
        *,
        write: bool,
        skip_invalid: bool,
        total: int,
        progress: ProgressCallback | None,
    ) -> list[int]:
        """The rows checked and planned in the worker, matched and written here, chunk by
        chunk; the counts (created, updated, unchanged).  Raises ``_Discard`` to roll
        back an all-or-nothing run with errors."""
        writer = ChunkWriter(
            actor=self.actor,
            lookups=self.lookups,
            only_school_id=self.only_school_id,
            district=self.district,
            warnings=self.warnings,
        )
        if write:
            _check_constraints_per_statement(True)
            state.reserve(min(total + 1, state.ahead))
        else:
            state.pretend_ids()
            if state.recording:
                forget_changes(state.batch)
        counts = [0, 0, 0]
        for chunk in checked_in_background(planned, size=state.chunk):
            write_now = write and (skip_invalid or not report.errors)
            if write and not write_now and not state.pretend:
                # All or nothing and a row is wrong: nothing will be written,
                # the rest is only checked (and no more ids are reserved).
                state.pretend_ids()
            chunk_counts = writer.take(chunk, report, labels, state, write=write_now)
            counts = [a + b for a, b in zip(counts, chunk_counts, strict=True)]
            if write_now:
                state.top_up(remaining=max(total - report.rows, 0))
            if progress is not None:
                # Without a known row count (streamed files) the bar must not reach the end.
                progress(min(95, int(95 * report.rows / total)))
        if write and report.errors and not skip_invalid:
            raise _Discard
        if write:
            audit_import(
                state.batch,
                actor_id=self._actor_id,
                created=counts[0],
                updated=counts[1],
                now=state.now,
            )
            _check_constraints_per_statement(False)
        return counts

    def _new_state(self, batch: ImportBatch | None, *, dry_run: bool) -> RunState:
        known_codes, known_households = self._known_keys()
        now = timezone.now()
        return RunState(
            now=now,
            stamp=now.isoformat() if connection.vendor == "postgresql" else now,
            batch_id=batch.pk if batch is not None else None,
            # A pupil created by a batch is the batch uploader's: ``created_by`` names the
            # author of a pupil entered by hand (a null also skips a foreign-key check per row).
            created_by_id=None if batch is not None else self._actor_id,
            batch=batch,
            choices=ConflictChoices.of_batch(batch),
            recording=dry_run and batch is not None,
            # Read here, not in the state's module: tests make them small.
            chunk=WRITE_CHUNK,
            ahead=_AHEAD,
            known_codes=known_codes,
            known_households=known_households,
            pupil_digests=known_codes,
        )

    def _load_duplicates(self) -> None:
        """What the worker needs to decide duplicates (``importers.duplicates``)."""
        commune_ids = [commune.pk for commune in self.lookups.communes.values()]
        self.registry = duplicates.RegistryIndex(actor=self.actor, commune_ids=commune_ids)
        # Possible duplicates and links to other schools' households: the user confirms them.
        self.warnings: list[RowError] = []

    @property
    def _actor_id(self) -> int | None:
        return self.actor.pk if self.actor is not None else None

    def _known_keys(self) -> tuple[dict[str, int], set[tuple[int, str]]]:
        """Pupil codes and household codes already registered: most rows of a new list
        match none, and need no query at all.  The pupils a row may change carry their
        ``registered_digest``, the others 0 (one dict for both: the codes once)."""
        commune_ids = [commune.pk for commune in self.lookups.communes.values()]
        households = (
            Household.objects.filter(commune_id__in=commune_ids).exclude(code="").order_by()
        )
        known = self._pupil_digests(commune_ids)
        add = known.setdefault
        for code in Student.objects.order_by().values_list("pupil_code", flat=True).iterator():
            add(code, 0)
        return known, set(households.values_list("commune_id", "code").iterator())

    def _pupil_digests(self, commune_ids: list[int]) -> dict[str, int]:
        """``registered_digest`` of each pupil of the list's communes that the actor may
        change (``ChunkWriter._may_touch``), by pupil code, read in one pass."""
        pupils = Student.objects.filter(commune_id__in=commune_ids).order_by()
        own = self.only_school_id
        if isinstance(own, frozenset):
            pupils = pupils.filter(school_id__in=sorted(own))
        elif own is not None:
            pupils = pupils.filter(school_id=own)
        elif self.district is not None:
            pupils = pupils.filter(school__district_id=self.district.pk)
        rows = pupils.values_list(*DIGEST_COLUMNS).iterator(chunk_size=5000)
        return {row[0]: registered_digest(row) for row in rows}

    def _load_for_worker(self) -> None:
        """Load what the checks read, so the worker thread never needs the database."""
        lookups = self.lookups
        for school in (self.school, *lookups.schools_by_code.values()):
            if school is not None:
                school.commune  # noqa: B018 - cached on the instance for the worker
                school.district  # noqa: B018


_AHEAD = 4 * WRITE_CHUNK  # ids reserved ahead of the worker, per table


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
