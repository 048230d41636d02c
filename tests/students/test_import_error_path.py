"""A list with errors: refused as a whole it writes nothing and reserves no ids row by row;
with "only the valid rows" exactly those are written.  The flagged rows are exact."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from schools.models import ImportBatch, Village
from students.importers import importer as importer_module
from students.models import Household, Student
from students.services import import_household_list
from tests.students.factories import StudentFactory
from tests.students.helpers import pupil, standard

OTHER_SCHOOLS_CODE = "3000000040"


def run(source, actor, **kwargs):
    return import_household_list(actor=actor, source=source, filename="ds.xlsx", **kwargs)


def faulty_list(count: int) -> bytes:
    """``count`` pupils (pupil n on row 6 + n) with errors at rows 8 (no such date), 11 (the
    pupil of row 10 again) and 46 (another school's pupil's code, found only when the
    registry is matched)."""
    rows = []
    for n in range(1, count + 1):
        if n == 2:
            rows.append(pupil(n, **{"Ngày sinh": "31/02/2009"}))
        elif n == 5:
            rows.append(pupil(4, STT=5, **{"Mã định danh": "3000009999", "Mã hộ": "HN-9999"}))
        else:
            rows.append(pupil(n))
    return standard(rows)


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Student, Household, Village, AuditEvent, ImportBatch)
    }


def reservations(queries) -> int:
    """Statements that take ids from a table's sequence (PostgreSQL) or counter (SQLite)."""
    return sum(
        1
        for q in queries
        if "nextval" in q["sql"]
        or (q["sql"].lstrip().startswith(("UPDATE", "INSERT")) and "sqlite_sequence" in q["sql"])
    )


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(importer_module, "WRITE_CHUNK", 4)
    monkeypatch.setattr(importer_module, "_AHEAD", 8)


@pytest.fixture
def other_schools_pupil(other_school):
    return StudentFactory(pupil_code=OTHER_SCHOOLS_CODE, school=other_school)


FLAGGED = {(8, "date_of_birth"), (11, ""), (46, "pupil_code")}


@pytest.mark.django_db
class TestRefused:
    def test_a_strict_import_with_errors_writes_nothing(
        self, tiny_chunks, school_staff, other_schools_pupil
    ):
        before = counts()
        report = run(faulty_list(60), school_staff)
        assert {(e.row, e.field) for e in report.errors} == FLAGGED
        assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
        assert report.rows == 60
        assert counts() == before
        assert (
            Student.objects.get(pupil_code=OTHER_SCHOOLS_CODE).school == other_schools_pupil.school
        )

    def test_ids_are_not_reserved_row_by_row_once_a_row_is_wrong(
        self, tiny_chunks, school_staff, other_schools_pupil
    ):
        taken = []
        for count in (60, 200):
            with CaptureQueriesContext(connection) as queries:
                report = run(faulty_list(count), school_staff)
            assert {(e.row, e.field) for e in report.errors} == FLAGGED
            taken.append(reservations(queries.captured_queries))
        # The first error stops every reservation: a longer list takes no more id blocks
        # than a short one (row by row it took two statements per row after the error).
        # How many blocks the writer reserved ahead before the checker met row 8 depends on
        # thread timing, so the bound is the ahead-window, not an exact count.
        assert max(taken) <= 4

    def test_the_dry_run_flags_the_same_rows(self, tiny_chunks, school_staff, other_schools_pupil):
        before = counts()
        report = run(faulty_list(60), school_staff, dry_run=True)
        assert {(e.row, e.field) for e in report.errors} == FLAGGED
        assert report.created == 57
        assert counts() == before


@pytest.mark.django_db
class TestOnlyValidRows:
    def test_exactly_the_valid_rows_are_written(
        self, tiny_chunks, school_staff, other_schools_pupil
    ):
        before = counts()
        report = run(faulty_list(60), school_staff, skip_invalid=True)
        assert {(e.row, e.field) for e in report.errors} == FLAGGED
        assert report.created == 57
        assert Student.objects.count() == before["Student"] + 57
        written = set(
            Student.objects.filter(school__code="08700002").values_list("pupil_code", flat=True)
        )
        expected = {f"{3000000000 + n}" for n in range(1, 61) if n not in (2, 5, 40)}
        assert written == expected

    def test_ids_come_in_blocks_when_the_pools_run_dry(self, monkeypatch, school_staff):
        # Two ids reserved ahead, chunks of 20: the worker's pools are dry after two rows.
        monkeypatch.setattr(importer_module, "WRITE_CHUNK", 20)
        monkeypatch.setattr(importer_module, "_AHEAD", 2)
        with CaptureQueriesContext(connection) as queries:
            report = run(standard([pupil(n) for n in range(1, 61)]), school_staff)
        assert (report.created, report.errors) == (60, [])
        # 60 pupils and 60 households in 4 chunks: a block per table and chunk, not an id per row.
        assert reservations(queries.captured_queries) <= 2 + 2 * 4
        ids = list(Student.objects.order_by("id").values_list("id", flat=True))
        assert len(set(ids)) == 60


def test_a_row_is_valid_whatever_other_threads_add_to_the_error_list():
    from students.importers.rows import _Checker

    errors: list = []
    checker = _Checker(12, {"full_name": "Giàng Seo Phủ"}, {}, errors, "bắt buộc")
    errors.append(object())  # the writer flags another row meanwhile
    assert checker.ok
    checker.error("gender", "bắt buộc")
    assert not checker.ok
    assert [(e.row, e.field) for e in errors[1:]] == [(12, "gender")]
