"""Audit records of an import, inserted in bulk: one per pupil and one for the batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils.translation import gettext as _

from accounts.services import AuditRow, record_audits, record_audits_selected
from schools.models import ImportBatch, School
from students.importers.bulk import insert_rows
from students.importers.columns import HOUSEHOLD_FIELDS, NEW_STUDENT_COLUMNS
from students.models import Household, Student

__all__ = [
    "audit_created",
    "audit_households_updated",
    "audit_import",
    "audit_updated",
    "household_name",
]


def _reason(batch: ImportBatch | None) -> str:
    if batch is None:
        return _("Nhập từ tệp danh sách học sinh")
    return _("Nhập từ tệp %(file)s") % {"file": batch.file_name}


def audit_created(
    rows: Sequence[tuple[Any, ...]],
    ids: Sequence[int],
    *,
    actor_id: int | None,
    district_of: Mapping[int, int],
    batch: ImportBatch | None,
    now: Any,
) -> None:
    """One ``student.create`` event per new pupil, inserted in bulk.

    PostgreSQL builds the events from the pupils just copied in, in one
    ``INSERT … SELECT`` (no JSON encoding or second copy of the rows in Python);
    other databases get the same rows from Python.
    """
    content_type_id = ContentType.objects.get_for_model(Student).pk
    reason = _reason(batch)
    if connection.vendor == "postgresql":
        _audit_created_in_database(
            ids, actor_id=actor_id, content_type_id=content_type_id, reason=reason, now=now
        )
        return
    code_at = NEW_STUDENT_COLUMNS.index("pupil_code")
    name_at = NEW_STUDENT_COLUMNS.index("full_name")
    school_at = NEW_STUDENT_COLUMNS.index("school_id")
    class_at = NEW_STUDENT_COLUMNS.index("class_name")
    events = [
        AuditRow(
            now,
            actor_id,
            "student.create",
            content_type_id,
            str(pk),
            row[name_at][:255],
            {
                "pupil_code": [None, row[code_at]],
                "school": [None, row[school_at]],
                "class_name": [None, row[class_at]],
            },
            reason,
            district_of.get(row[school_at]),
            row[school_at],
        )
        for row, pk in zip(rows, ids, strict=True)
    ]
    record_audits(events, insert=insert_rows)


def _audit_created_in_database(
    ids: Sequence[int], *, actor_id: int | None, content_type_id: int, reason: str, now: Any
) -> None:
    quote = connection.ops.quote_name
    student = quote(Student._meta.db_table)
    school = quote(School._meta.db_table)
    # Same values as the Python path: changes {pupil_code, school, class_name: [None, new]},
    # the pupil's school and its district as snapshots, ids in the pupils' order.
    sql = f"""
        SELECT %s, %s, 'student.create', %s, s.id::text, left(s.full_name, 255),
               jsonb_build_object(
                   'pupil_code', jsonb_build_array(NULL, s.pupil_code),
                   'school', jsonb_build_array(NULL, s.school_id),
                   'class_name', jsonb_build_array(NULL, s.class_name)
               ),
               %s, sc.district_id, s.school_id
        FROM {student} s JOIN {school} sc ON sc.id = s.school_id
        WHERE s.id = ANY(%s)
        ORDER BY s.id
    """  # noqa: S608 - table names come from model metadata; values are parameters
    record_audits_selected(sql, [now, actor_id, content_type_id, reason, list(ids)])


def audit_updated(
    updated: Sequence[tuple[int, str, int, dict[str, list[Any]]]],
    *,
    actor_id: int | None,
    district_of: Mapping[int, int],
    batch: ImportBatch | None,
    now: Any,
) -> None:
    """One ``student.update`` event per changed pupil: (id, name, school id, changes)."""
    _audit_changes(
        Student,
        "student.update",
        updated,
        actor_id=actor_id,
        district_of=district_of,
        batch=batch,
        now=now,
    )


def _audit_changes(
    model: type[Student] | type[Household],
    action: str,
    updated: Sequence[tuple[int, str, int, dict[str, list[Any]]]],
    *,
    actor_id: int | None,
    district_of: Mapping[int, int],
    batch: ImportBatch | None,
    now: Any,
) -> None:
    """One ``action`` event per changed object, written with one INSERT."""
    if not updated:
        return
    content_type = ContentType.objects.get_for_model(model).pk
    reason = _reason(batch)
    events = [
        AuditRow(
            now,
            actor_id,
            action,
            content_type,
            str(pk),
            name[:255],
            {k: [_json(a), _json(b)] for k, (a, b) in changes.items()},
            reason,
            district_of.get(school_id),
            school_id,
        )
        for pk, name, school_id, changes in updated
    ]
    record_audits(events, insert=insert_rows)


def household_name(values: Sequence[Any]) -> str:
    """How an audit record names a household (HOUSEHOLD_FIELDS values): guardian and code."""
    guardian = values[_GUARDIAN_AT]
    code = values[_CODE_AT]
    if guardian and code:
        return _("Hộ %(guardian)s (%(code)s)") % {"guardian": guardian, "code": code}
    return _("Hộ %(name)s") % {"name": guardian or code or "—"}


_GUARDIAN_AT = HOUSEHOLD_FIELDS.index("guardian_name")
_CODE_AT = HOUSEHOLD_FIELDS.index("code")


def audit_households_updated(
    updated: Sequence[tuple[int, str, int, dict[str, list[Any]]]],
    *,
    actor_id: int | None,
    district_of: Mapping[int, int],
    batch: ImportBatch | None,
    now: Any,
) -> None:
    """One ``household.update`` event per household a list changed, like a pupil's:
    (id, name, school id of the row that changed it, {field: [old, new]})."""
    _audit_changes(
        Household,
        "household.update",
        updated,
        actor_id=actor_id,
        district_of=district_of,
        batch=batch,
        now=now,
    )


def audit_import(
    batch: ImportBatch | None, *, actor_id: int | None, created: int, updated: int, now: Any
) -> None:
    """One ``student.import`` event for the batch, with its counts."""
    if batch is None:
        return
    event = AuditRow(
        now,
        actor_id,
        "student.import",
        ContentType.objects.get_for_model(ImportBatch).pk,
        str(batch.pk),
        str(batch.file_name)[:255],
        {"created": created, "updated": updated},
        _reason(batch),
        batch.district_id,
        batch.school_id,
    )
    record_audits([event], insert=insert_rows)


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
