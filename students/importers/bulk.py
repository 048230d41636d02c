"""Bulk inserts for province-scale imports: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import F, Model, Q, QuerySet

__all__ = [
    "WRITE_CHUNK",
    "chunks",
    "copy_rows",
    "filter_pairs",
    "filter_values",
    "insert_rows",
    "reserve_ids",
    "update_rows",
]

WRITE_CHUNK = 5000


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> list[int]:
    """Insert ``rows`` (values in ``columns`` order, attnames) and return their new ids.

    PostgreSQL: ids reserved from the table's sequence (``reserve_ids``), rows streamed
    with ``COPY``, JSON columns encoded.  Other databases: ``bulk_create``.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objects, batch_size=1000)
        return [obj.pk for obj in objects]
    fields = {f.attname: f for f in model._meta.concrete_fields}
    json_at = [
        i + 1 for i, name in enumerate(columns) if fields[name].get_internal_type() == "JSONField"
    ]
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    new_ids = reserve_ids(model, len(rows))
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(_copy_sql(model, ("id", *columns))) as copy,
    ):
        for pk, row in zip(new_ids, rows, strict=True):
            values = [pk, *row]
            for i in json_at:
                values[i] = dumps(values[i])
            copy.write_row(values)
    return new_ids


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` new ids of ``model``'s table, taken now so rows can refer to each other
    before they are written.  No other insert can receive them.

    PostgreSQL: from the table's sequence.  SQLite (``AUTOINCREMENT``): by moving the
    table's counter in ``sqlite_sequence``, inside the caller's transaction.  The
    settings accept no other engine.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence's name once (not per id), the ids as one array.
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
                [sequence, count],
            )
            return list(cursor.fetchone()[0])
        # SQLite, the only other engine settings accept.
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608 - model metadata
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        start = max(highest, found[0] if found else 0) + 1
        if found:
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [start + count - 1, table]
            )
        else:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                [table, start + count - 1],
            )
    return list(range(start, start + count))


def copy_rows(model: type[Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` whose values, ids included, are in ``columns`` order (attnames).

    PostgreSQL: one ``COPY``, each row formatted by psycopg's C ``write_row`` (several
    times faster than formatting text in Python, which the checking worker used to do
    while holding the interpreter).  Other databases: ``bulk_create``.
    """
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(_copy_sql(model, columns)) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)
        return
    objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
    model._default_manager.bulk_create(objects, batch_size=1000)


def _copy_sql(model: type[Model], columns: Sequence[str]) -> str:
    """``COPY table (columns) FROM STDIN``; names from the model's metadata, quoted."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    quoted = ", ".join(connection.ops.quote_name(fields[name].column) for name in columns)
    return f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN"


def update_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    *,
    increment: Sequence[str] = (),
) -> None:
    """Set ``columns`` of existing rows: each row is (id, *values in ``columns`` order);
    the integer columns ``increment`` (attnames) go up by one in the same statement.

    PostgreSQL: the values are copied into a temporary table and applied by one
    ``UPDATE … FROM`` (``bulk_update``'s ``CASE`` per column grows with the rows); one
    statement, so each row gets one new version, not one per column set.  Other
    databases: ``bulk_update``, then one ``UPDATE`` per chunk for ``increment``.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        objects = [model(pk=row[0], **dict(zip(columns, row[1:], strict=True))) for row in rows]
        model._default_manager.bulk_update(objects, list(columns), batch_size=1000)
        if increment:
            bumped = {name: F(name) + 1 for name in increment}
            for chunk in chunks([row[0] for row in rows], 2000):
                model._default_manager.filter(pk__in=chunk).update(**bumped)
        return
    quote = connection.ops.quote_name
    fields = {f.attname: f for f in model._meta.concrete_fields}
    names = [quote(fields[name].column) for name in columns]
    table = quote(model._meta.db_table)
    staging = quote(f"import_update_{model._meta.db_table}")
    assignments = ", ".join(
        [f"{name} = s.{name}" for name in names]
        + [
            f"{quote(fields[name].column)} = t.{quote(fields[name].column)} + 1"
            for name in increment
        ]
    )
    with connection.cursor() as cursor:
        # Names and types come from the model's table (metadata); values go through COPY.
        cursor.execute(
            f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT id, {', '.join(names)} FROM {table} WITH NO DATA"
        )
        json_at = [
            i + 1
            for i, name in enumerate(columns)
            if fields[name].get_internal_type() == "JSONField"
        ]
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        with cursor.cursor.copy(f"COPY {staging} (id, {', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                if json_at:
                    values = list(row)
                    for i in json_at:
                        if values[i] is not None:
                            values[i] = dumps(values[i])
                    row = tuple(values)
                copy.write_row(row)
        cursor.execute(f"UPDATE {table} t SET {assignments} FROM {staging} s WHERE t.id = s.id")  # noqa: S608
        cursor.execute(f"DROP TABLE {staging}")


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
