"""A trigram index for the registry's accent-free name search (``name_key LIKE '%…%'``).

PostgreSQL only: the pg_trgm extension and a GIN index with gin_trgm_ops, which serve
"contains" in time that follows the matches, not the registry. On SQLite (development,
tests) both steps do nothing and the search scans, correctly. The index is not in
``Student.Meta.indexes``: Django would create it on SQLite too.
"""

from django.db import migrations

INDEX = "student_name_trgm_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Not TrigramExtension(): unapplying it queries pg_extension on SQLite too.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "students_student" '
            "USING gin (name_key gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("students", "0009_verbose_names")]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
