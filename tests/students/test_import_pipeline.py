"""The import's machinery: the checking worker, ids reserved ahead, chunk boundaries, COPY."""

import gc
import sys
import threading

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import AuditEvent
from schools.models import ImportBatch, Village
from students.importers import importer as importer_module
from students.importers.bulk import copy_rows, reserve_ids
from students.importers.columns import HOUSEHOLD_FIELDS
from students.importers.pipeline import WorkerQueryError, checked_in_background
from students.models import Household, Student
from students.services import import_household_list
from tests.students.factories import HouseholdFactory, StudentFactory
from tests.students.helpers import pupil, sibling, standard

WORKER = "household-list-check"


def run(source, actor, **kwargs):
    return import_household_list(actor=actor, source=source, filename="ds.xlsx", **kwargs)


def workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == WORKER]


class TestWorker:
    def test_items_come_back_in_order_in_lists_the_first_one_smaller(self):
        chunks = list(checked_in_background(iter(range(100)), size=16))
        assert [len(c) for c in chunks] == [2, 16, 16, 16, 16, 16, 16, 2]
        assert [i for c in chunks for i in c] == list(range(100))
        assert workers() == []

    def test_an_error_in_the_worker_is_raised_in_the_caller(self):
        def items():
            yield 1
            raise ValueError("dòng 3 hỏng")

        with pytest.raises(ValueError, match="dòng 3 hỏng"):
            list(checked_in_background(items(), size=1))
        assert workers() == []

    @pytest.mark.django_db
    def test_the_worker_may_not_query_the_database(self):
        def items():
            yield Student.objects.count()

        with pytest.raises(WorkerQueryError):
            list(checked_in_background(items(), size=1))

    def test_a_caller_that_stops_early_stops_the_worker(self):
        def endless():
            n = 0
            while True:
                n += 1
                yield n

        interval = sys.getswitchinterval()
        chunks = checked_in_background(endless(), size=10)
        assert next(chunks) == [1]
        chunks.close()
        assert workers() == []
        assert sys.getswitchinterval() == interval

    def test_the_collector_is_paused_while_runs_are_in_progress_and_restored_after(self):
        assert gc.isenabled()
        interval = sys.getswitchinterval()
        outer = checked_in_background(iter(range(10)), size=2)
        next(outer)
        assert not gc.isenabled()
        assert list(checked_in_background(iter(range(3)), size=1)) == [[0], [1], [2]]
        assert not gc.isenabled()  # the outer run is still in progress
        assert sys.getswitchinterval() != interval
        assert [i for chunk in outer for i in chunk] == list(range(1, 10))
        assert gc.isenabled()
        assert sys.getswitchinterval() == interval

    def test_messages_are_in_the_callers_language(self):
        def items():
            yield gettext("bắt buộc")

        with translation.override("en"):
            assert list(checked_in_background(items(), size=1)) == [["required"]]


@pytest.mark.django_db
class TestIds:
    @pytest.mark.parametrize("model", [Household, Student])
    def test_reserved_ids_are_never_given_to_another_row(self, model):
        reserved = reserve_ids(model, 5)
        assert len(set(reserved)) == 5
        other = HouseholdFactory() if model is Household else StudentFactory()
        assert other.pk not in reserved
        assert not set(reserve_ids(model, 3)) & set(reserved)


@pytest.mark.django_db
class TestCopyRows:
    def test_values_round_trip_through_copy(self):
        existing = HouseholdFactory()
        now = timezone.now().replace(microsecond=123456)
        (new_id,) = reserve_ids(Household, 1)
        columns = ("id", *HOUSEHOLD_FIELDS, "created_at", "updated_at")
        values = {
            "id": new_id,
            "category_id": existing.category_id,
            "code": "a\\b\tc\nd\re",
            "commune_id": existing.commune_id,
            "village_id": None,
            "guardian_name": "Giàng Seo Phủ",
            "guardian_relation": "",
            "guardian_phone": "0912345678",
            "guardian_id_number": "\\N",
            "created_at": now,
            "updated_at": now,
        }
        copy_rows(Household, columns, [tuple(values[name] for name in columns)])
        stored = Household.objects.filter(pk=new_id).values(*columns).get()
        if connection.vendor != "postgresql":
            # ``bulk_create`` (SQLite) stamps ``auto_now`` fields itself; COPY keeps the run's.
            for name in ("created_at", "updated_at"):
                values[name] = stored[name]
        assert stored == values


def family_list(count: int) -> bytes:
    """Every third pupil is a sibling of the one before (same household code)."""
    rows = []
    for n in range(1, count + 1):
        first = n - 1 if n % 3 == 0 else n  # the household's first pupil
        code = f"HN-{first:04d}"
        village = f"Thôn Mới {first % 4}"
        rows.append(sibling(n, first, **{"Mã hộ": code, "Thôn/bản": village}))
    return standard(rows)


def snapshot():
    return sorted(
        Student.objects.values_list(
            "pupil_code", "household__code", "village__name", "household__village__name"
        )
    )


@pytest.mark.django_db
class TestChunks:
    @pytest.fixture
    def tiny_chunks(self, monkeypatch):
        monkeypatch.setattr(importer_module, "WRITE_CHUNK", 4)

    def test_households_and_villages_across_chunks(self, tiny_chunks, school_staff):
        report = run(family_list(20), school_staff)
        assert (report.created, report.errors) == (20, [])
        assert Household.objects.count() == 14  # 20 pupils, 6 of them siblings
        assert Village.objects.filter(name__startswith="Thôn Mới").count() == 4
        for student in Student.objects.select_related("household"):
            assert student.village_id == student.household.village_id
            assert student.commune_id == student.household.commune_id

    def test_pools_running_dry_give_the_same_registry(self, monkeypatch, school_staff):
        run(family_list(20), school_staff)
        expected = snapshot()
        Student.objects.all().delete()
        Household.objects.all().delete()
        # Ids reserved one chunk at a time: most rows find the pools empty and are
        # written by the slow path.
        monkeypatch.setattr(importer_module, "WRITE_CHUNK", 3)
        monkeypatch.setattr(importer_module, "_AHEAD", 2)
        report = run(family_list(20), school_staff)
        assert (report.created, report.errors) == (20, [])
        assert snapshot() == expected
        assert Household.objects.count() == 14

    def test_dry_run_counts_what_the_import_does(self, tiny_chunks, school_staff):
        run(standard([pupil(n) for n in range(1, 9)]), school_staff)
        changed = standard([pupil(n, **({"Lớp": "7A"} if n % 2 else {})) for n in range(1, 13)])
        preview = run(changed, school_staff, dry_run=True)
        done = run(changed, school_staff)
        assert (preview.created, preview.updated, preview.unchanged) == (4, 4, 4)
        assert (done.created, done.updated, done.unchanged) == (4, 4, 4)


@pytest.mark.django_db
class TestRegistryMatches:
    def test_new_sibling_joins_a_registered_household(self, school_staff, commune):
        household = HouseholdFactory(commune=commune, code="HN-0777")
        report = run(standard([pupil(1, **{"Mã hộ": "HN-0777"})]), school_staff)
        assert report.created == 1
        assert Student.objects.get().household == household
        assert Household.objects.count() == 1

    def test_registered_pupil_moving_to_a_new_household(self, school_staff):
        run(standard([pupil(1)]), school_staff)
        old = Student.objects.get().household
        report = run(standard([pupil(1, **{"Mã hộ": "HN-9999"})]), school_staff)
        assert (report.created, report.updated) == (0, 1)
        moved = Student.objects.get()
        assert moved.household != old and moved.household.code == "HN-9999"
        event = AuditEvent.objects.get(action="student.update")
        assert event.changes["household"] == [old.pk, moved.household_id]

    def test_locked_pupil_cannot_move_household_by_import(self, school_staff):
        run(standard([pupil(1)]), school_staff)
        Student.objects.update(eligibility_locked=True)
        report = run(standard([pupil(1, **{"Mã hộ": "HN-9999"})]), school_staff)
        assert [e.field for e in report.errors] == ["category"]
        assert not Household.objects.filter(code="HN-9999").exists()

    def test_sibling_without_a_code_joins_the_first_pupils_household(self, school_staff):
        first = pupil(1, **{"Mã hộ": ""})
        second = pupil(2, **{"Mã hộ": "", "Họ tên cha/mẹ/người giám hộ": first[7]})
        second[8] = first[8]  # same guardian phone
        report = run(standard([first, second]), school_staff)
        assert report.created == 2
        assert Household.objects.count() == 1


@pytest.mark.django_db
class TestBatchRecord:
    def import_batch(self, actor, data, name="ds.xlsx"):
        batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.STUDENTS,
            status=ImportBatch.Status.IMPORTING,
            uploaded_by=actor,
            school=actor.school,
            file_name=name,
            file_sha256="0" * 64,
        )
        report = run(data, actor, batch=batch)
        return batch, report

    def test_a_batch_is_the_record_of_the_pupils_it_creates(self, school_staff):
        batch, report = self.import_batch(school_staff, standard([pupil(1), pupil(2)]))
        assert report.created == 2
        assert not AuditEvent.objects.filter(action="student.create").exists()
        event = AuditEvent.objects.get(action="student.import")
        assert (event.object_id, event.actor, event.changes) == (
            str(batch.pk),
            school_staff,
            {"created": 2, "updated": 0},
        )
        for student in Student.objects.all():
            assert (student.import_batch_id, student.created_by_id) == (batch.pk, None)

    def test_pupil_page_names_the_file_and_its_uploader(self, school_staff, client_for):
        self.import_batch(school_staff, standard([pupil(1)]), name="ds-tan-tien.xlsx")
        student = Student.objects.get()
        page = client_for(school_staff).get(f"/hoc-sinh/{student.pk}/").content.decode()
        assert "ds-tan-tien.xlsx" in page
        assert str(school_staff) in page
        assert "Nhập danh sách học sinh" in page  # the batch's event in the pupil's history

    def test_a_later_batch_updates_but_does_not_take_over_the_pupil(self, school_staff):
        first, _report = self.import_batch(school_staff, standard([pupil(1)]), name="a.xlsx")
        _second, report = self.import_batch(
            school_staff, standard([pupil(1, Lớp="7A")]), name="b.xlsx"
        )
        assert report.updated == 1
        student = Student.objects.get()
        assert (student.class_name, student.import_batch_id) == ("7A", first.pk)
        update = AuditEvent.objects.get(action="student.update")
        assert "b.xlsx" in update.reason

    def test_a_failed_batch_leaves_no_event_and_no_rows(self, school_staff):
        rows = [pupil(1), pupil(2, **{"Ngày sinh": "31/02/2009"})]
        _batch, report = self.import_batch(school_staff, standard(rows))
        assert len(report.errors) == 1 and report.created == 0
        assert not Student.objects.exists() and not Household.objects.exists()
        assert not AuditEvent.objects.filter(action="student.import").exists()


@pytest.mark.django_db
def test_running_batch_shows_the_progress_its_worker_reported(school_staff):
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.STUDENTS,
        status=ImportBatch.Status.IMPORTING,
        uploaded_by=school_staff,
        file_name="ds.xlsx",
        file_sha256="0" * 64,
        progress=5,
    )
    ImportBatch.report_progress(batch.pk, 42)
    assert batch.live_progress == 42
    batch.status = ImportBatch.Status.DONE
    batch.progress = 100
    assert batch.live_progress == 100


@pytest.mark.django_db
class TestReimport:
    def test_siblings_listed_with_another_village_change_nothing_the_second_time(
        self, school_staff
    ):
        first = pupil(1, **{"Thôn/bản": "Thôn Nậm Đét"})
        second = sibling(2, 1, **{"Thôn/bản": "Thôn Sín Chải"})
        data = standard([first, second])
        run(data, school_staff)
        household = Household.objects.get()
        assert household.village.name == "Thôn Nậm Đét"  # from the household's first row
        report = run(data, school_staff)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
        household.refresh_from_db()
        assert household.village.name == "Thôn Nậm Đét"

    def test_blank_guardian_details_keep_the_registered_ones(self, school_staff):
        run(standard([pupil(1)]), school_staff)
        Household.objects.update(guardian_id_number="001234567890", guardian_relation="Bố")
        blank = pupil(1, **{"Họ tên cha/mẹ/người giám hộ": "", "Số điện thoại": ""})
        report = run(standard([blank]), school_staff)
        assert (report.updated, report.unchanged) == (0, 1)
        household = Household.objects.get()
        assert (household.guardian_id_number, household.guardian_relation) == (
            "001234567890",
            "Bố",
        )
        assert household.guardian_phone == "0912300001"

    def test_changed_household_details_update_it_and_its_pupils(self, school_staff):
        run(standard([pupil(1), sibling(2, 1)]), school_staff)
        moved = {"Số điện thoại": "0987654321"}
        report = run(standard([pupil(1, **moved), sibling(2, 1)]), school_staff)
        assert (report.created, report.updated) == (0, 2)  # both pupils' household changed
        assert Household.objects.get().guardian_phone == "0987654321"


@pytest.mark.django_db
def test_update_rows_sets_exactly_the_given_columns():
    from students.importers.bulk import update_rows

    first, second = (
        HouseholdFactory(guardian_name="A", code="X-1"),
        HouseholdFactory(guardian_name="B", code="X-2"),
    )
    update_rows(Household, ("guardian_name",), [(first.pk, "Giàng A Páo"), (second.pk, "Lý\tB")])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.guardian_name, first.code) == ("Giàng A Páo", "X-1")
    assert (second.guardian_name, second.code) == ("Lý\tB", "X-2")
