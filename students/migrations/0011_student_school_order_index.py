"""An index that serves a district's registry in Vietnamese order without reading the heap.

A district list is the pupils of the district's schools ordered by (sort_key,
date_of_birth, id). Without this index PostgreSQL read every pupil of the province (a
parallel sequential scan) to find a district's page 100 or to count its pupils with a
filter (need, device, status): at 470,000 pupils 0.3 s of a page. With it, the page reads
the district's schools' index entries only (an index-only scan per school, then a top-N
sort), and the filters the list offers are answered from the entries too (``INCLUDE``).

PostgreSQL only, as in 0010: SQLite (development, tests) has no ``INCLUDE`` and its lists
are small; the step does nothing there.
"""

from django.db import migrations

INDEX = "student_school_order_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "students_student" '
            '(school_id, sort_key, date_of_birth, id) INCLUDE (need_device, need_data, '
            "has_device, status)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("students", "0010_student_name_trigram_index")]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
