"""Bulk inserts for province-scale imports: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

__all__ = ["WRITE_CHUNK", "chunks", "insert_rows"]

WRITE_CHUNK = 5000


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> list[int]:
    """Insert ``rows`` (values in ``columns`` order, attnames) and return their new ids.

    PostgreSQL: ids are reserved from the table's sequence in one query and the rows
    are streamed with ``COPY`` (the bulk path of the province-wide import).  Other
    databases: ``bulk_create``.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objects, batch_size=1000)
        return [obj.pk for obj in objects]
    meta = model._meta
    table = meta.db_table
    fields = {f.attname: f for f in meta.concrete_fields}
    db_columns = [fields[name].column for name in columns]
    json_columns = {
        i for i, name in enumerate(columns) if fields[name].get_internal_type() == "JSONField"
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [r[0] for r in cursor.fetchall()]
        quoted = ", ".join(connection.ops.quote_name(c) for c in ["id", *db_columns])
        with cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
        ) as copy:
            for pk, row in zip(ids, rows, strict=True):
                if json_columns:
                    row = tuple(
                        json.dumps(v, ensure_ascii=False) if i in json_columns else v
                        for i, v in enumerate(row)
                    )
                copy.write_row((pk, *row))
    return ids


def chunks(items: Sequence[Any], size: int = 5000) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
