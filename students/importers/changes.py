"""The dry run's per-pupil difference, kept with the batch (``students.models.ImportChange``).

Stored rather than recomputed on demand: the check page is paged and exported
many times between the dry run and the confirmation, and recomputing means
reading and checking the whole file again (minutes for a district list).  One
compact row per pupil that would change, or whose portal values the file would
overwrite, raw values only (ids, codes); labels come when it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schools.models import ImportBatch
from students.importers.bulk import insert_rows
from students.models import ImportChange

__all__ = ["forget_changes", "store_changes"]

_COLUMNS = ("batch_id", "row", "student_id", "full_name", "household_id", "changes", "conflicts")


def forget_changes(batch: ImportBatch | None) -> None:
    """Drop what an earlier dry run of ``batch`` planned (the list is checked again)."""
    if batch is not None:
        ImportChange.objects.filter(batch_id=batch.pk).delete()


def store_changes(batch: ImportBatch | None, records: Sequence[tuple[Any, ...]]) -> None:
    """Keep a chunk's records: (row, pupil id, name, household id, changes, conflicts)."""
    if batch is None or not records:
        return
    insert_rows(ImportChange, _COLUMNS, [(batch.pk, *record) for record in records])
