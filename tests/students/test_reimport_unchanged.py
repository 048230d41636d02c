"""A list imported again: rows that repeat a pupil exactly are counted unchanged without
reading the pupil back (``ChunkWriter._skip_unchanged``), and change nothing the full
comparison would not."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from students.importers import importer as importer_module
from students.models import Household, Student
from tests.students.test_reimport import row, run, sheet

pytestmark = pytest.mark.django_db


def sibling(n, of):
    """Row ``n`` as a sibling of row ``of``: same household code and guardian."""
    first = row(of)
    return row(
        n,
        **{
            key: first[key]
            for key in ("Mã hộ", "Họ tên cha/mẹ/người giám hộ", "Số điện thoại", "Quan hệ")
        },
        **{"CCCD người giám hộ": first["CCCD người giám hộ"], "Diện hộ": first["Diện hộ"]},
    )


def versions():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pupil_code, version FROM students_student ORDER BY pupil_code")
        return dict(cursor.fetchall())


def pupil_reads(queries):
    """Queries that read registered pupils by their codes (the per-chunk match)."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT")
        and ('"students_student"."pupil_code" IN' in q["sql"] or '"pupil_code" = ANY' in q["sql"])
    ]


class TestUnchangedRows:
    def test_list_again_reads_no_pupil_back_and_writes_nothing(self, school_staff, monkeypatch):
        monkeypatch.setattr(importer_module, "WRITE_CHUNK", 4)
        rows = [row(1), sibling(2, of=1), row(3), row(4), sibling(5, of=4), row(6)]
        run(sheet(rows), school_staff)
        before, events = versions(), AuditEvent.objects.count()
        with CaptureQueriesContext(connection) as queries:
            report = run(sheet(rows), school_staff)
        assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 6, [])
        assert pupil_reads(queries.captured_queries) == []
        assert versions() == before
        assert AuditEvent.objects.count() == events
        assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "students_')]

    @pytest.mark.parametrize("chunk", [2, 4, 100])
    def test_a_sibling_repeated_exactly_follows_its_household_changed_by_the_first_row(
        self, school_staff, monkeypatch, chunk
    ):
        # The first row changes the household (a new phone); its siblings repeat what is
        # stored: they are updated as the full comparison updates them (their household
        # changed), in the same chunk or a later one.
        monkeypatch.setattr(importer_module, "WRITE_CHUNK", chunk)
        rows = [row(1), sibling(2, of=1), sibling(3, of=1), row(4)]
        run(sheet(rows), school_staff)
        household = Student.objects.get(pupil_code="3100000001").household_id
        before = versions()
        changed = [row(1, **{"Số điện thoại": "0988000111"}), *rows[1:]]
        report = run(sheet(changed), school_staff)
        assert (report.created, report.updated, report.unchanged, report.errors) == (0, 3, 1, [])
        assert Household.objects.get(pk=household).guardian_phone == "0988000111"
        after = versions()
        assert {code: after[code] - before[code] for code in after} == {
            "3100000001": 1,
            "3100000002": 1,
            "3100000003": 1,
            "3100000004": 0,
        }
        updates = AuditEvent.objects.filter(action="student.update")
        assert sorted(updates.values_list("object_id", "changes")) == sorted(
            (str(pk), {})
            for pk in Student.objects.filter(household_id=household).values_list("pk", flat=True)
        )
        assert AuditEvent.objects.filter(action="household.update").count() == 1

    def test_a_row_differing_in_one_value_is_still_compared_and_written(self, school_staff):
        rows = [row(1), sibling(2, of=1)]
        run(sheet(rows), school_staff)
        report = run(sheet([rows[0], sibling(2, of=1) | {"Lớp": "7A"}]), school_staff)
        assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
        pupil = Student.objects.get(pupil_code="3100000002")
        assert (pupil.class_name, pupil.grade, pupil.version) == ("7A", 7, 2)
        event = AuditEvent.objects.get(action="student.update")
        assert event.changes == {"class_name": ["6A", "7A"], "grade": [6, 7]}
