"""The household-list importer: official pupil lists in, registry rows out, fast.

Built for province-scale files (100,000 rows): the sheet is read once with
python-calamine (``kernel.spreadsheets.read_rows``), every row is validated in
memory against reference data loaded in a few queries (``students.validation.Lookups``),
existing pupils and households are fetched by key in chunks, and the result is
written in one transaction (``COPY`` on PostgreSQL, ``bulk_create`` elsewhere), audited
in bulk.  Rows are checked in a worker thread while the rows already checked are
written (``pipeline``), so Python and PostgreSQL work at the same time.

The stages, each testable alone (tests/students/test_import_stages.py):

==================  ==============================================  ===========
read                ``students.fastrows.read_streaming``            caller
locate header,      ``locating.locate_table``                       caller
map columns
normalise cells     ``checking.CellNormaliser`` → ``checking.Cells``  worker
validate row        ``checking.validate_row``                       worker
dedupe in file      ``checking.FileDuplicates``                     worker
place               ``checking.VillagePlacer``, ``HouseholdKeys``   worker
match registry      ``duplicates.RegistryIndex`` (in memory);       worker;
                    ``writing.ChunkWriter._registered`` (per chunk)  caller
plan writes         ``planning.plan_ids`` → ``rows._PlannedRow``     worker
write               ``writing.ChunkWriter.take``                    caller
==================  ==============================================  ===========

``checking.RowChecker`` strings the worker's stages together and ``StudentImporter.run``
the whole run.

Usage::

    importer = StudentImporter(actor=user, school=default_school)
    table = importer.locate(sheet)            # header row, mapping, title block
    report = importer.run(table, dry_run=True)  # every row checked, nothing written
    report = importer.run(table, skip_invalid=False, batch=batch)  # all or nothing
"""

from __future__ import annotations

from students.importers.bulk import insert_rows
from students.importers.columns import COLUMNS, FIELD_LABELS
from students.importers.importer import StudentImporter

__all__ = ["COLUMNS", "FIELD_LABELS", "StudentImporter", "insert_rows"]
