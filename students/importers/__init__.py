"""The household-list importer: official pupil lists in, registry rows out, fast.

Built for province-scale files (100,000 rows): the sheet is read once with
python-calamine (``kernel.spreadsheets.read_rows``), every row is validated in
memory against reference data loaded in a few queries (``students.validation.Lookups``),
existing pupils and households are fetched by key in chunks, and the result is
written in one transaction (``COPY`` on PostgreSQL, ``bulk_create`` elsewhere), audited
in bulk.  Rows are checked in a worker thread while the rows already checked are
written (``pipeline``), so Python and PostgreSQL work at the same time.

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
