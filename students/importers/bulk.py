"""Bulk inserts for province-scale imports: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model, Q, QuerySet

__all__ = ["WRITE_CHUNK", "chunks", "filter_pairs", "filter_values", "insert_rows"]

WRITE_CHUNK = 5000


def insert_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    ids: bool = True,
) -> list[int]:
    """Insert ``rows`` (values in ``columns`` order, attnames) and return their new ids.

    PostgreSQL: ids are reserved from the table's sequence in one query and the rows
    are streamed with ``COPY`` (the bulk path of the province-wide import); with
    ``ids=False`` the table's default numbers the rows and nothing is returned.
    Other databases: ``bulk_create``.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objects, batch_size=1000)
        return [obj.pk for obj in objects] if ids else []
    meta = model._meta
    table = meta.db_table
    fields = {f.attname: f for f in meta.concrete_fields}
    db_columns = [fields[name].column for name in columns]
    json_columns = [
        i for i, name in enumerate(columns) if fields[name].get_internal_type() == "JSONField"
    ]
    new_ids: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(rows)],
            )
            new_ids = [r[0] for r in cursor.fetchall()]
            db_columns = ["id", *db_columns]
            json_columns = [i + 1 for i in json_columns]
            rows = [(pk, *row) for pk, row in zip(new_ids, rows, strict=True)]
        quoted = ", ".join(connection.ops.quote_name(c) for c in db_columns)
        with cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
        ) as copy:
            write_row = copy.write_row
            if not json_columns:
                for row in rows:
                    write_row(row)
            else:
                dumps = json.JSONEncoder(ensure_ascii=False).encode
                for row in rows:
                    values = list(row)
                    for i in json_columns:
                        values[i] = dumps(values[i])
                    write_row(values)
    return new_ids


def filter_values(queryset: QuerySet, column: str, values: Sequence[Any]) -> Iterable[Any]:
    """The objects of ``queryset`` whose ``column`` is one of ``values``, for many values.

    PostgreSQL: one query per 50,000 values with a single array parameter
    (``= ANY(%s)``); a long ``IN (%s, %s, ...)`` list costs more to build and parse
    than to run.  Other databases: ``__in`` in chunks.
    """
    if connection.vendor != "postgresql":
        for chunk in chunks(values, 2000):
            yield from queryset.filter(**{f"{column}__in": chunk})
        return
    # Identifiers come from the model's metadata (quoted); values are parameters.
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    name = connection.ops.quote_name(queryset.model._meta.get_field(column).column)
    for chunk in chunks(values, 50_000):
        where = f"{table}.{name} = ANY(%s)"
        yield from queryset.extra(where=[where], params=[list(chunk)])  # noqa: S610


def filter_pairs(
    queryset: QuerySet, columns: tuple[str, str], pairs: Sequence[tuple[int, str]]
) -> Iterable[Any]:
    """The objects of ``queryset`` whose (integer, text) ``columns`` are one of ``pairs``."""
    first, second = columns
    if connection.vendor != "postgresql":
        for chunk in chunks(pairs, 2000):
            condition = Q()
            for a, b in chunk:
                condition |= Q(**{first: a, second: b})
            yield from queryset.filter(condition)
        return
    meta = queryset.model._meta
    table = connection.ops.quote_name(meta.db_table)
    a_col, b_col = (connection.ops.quote_name(meta.get_field(c).column) for c in columns)
    where = (
        f"({table}.{a_col}, {table}.{b_col}) IN (SELECT * FROM unnest(%s::bigint[], %s::text[]))"  # noqa: S608, E501
    )
    for chunk in chunks(pairs, 50_000):
        params = [[a for a, _b in chunk], [b for _a, b in chunk]]
        yield from queryset.extra(where=[where], params=params)  # noqa: S610


def chunks(items: Sequence[Any], size: int = 5000) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
