"""The pupil table's commune, village and import_batch columns have no database foreign key
(``students.models.Student``); what holds the rule instead, proved here.

- A pupil lives where its household does: every writer copies the household's commune
  and village, so the household's own foreign keys (which the database keeps) cover
  the pupil's copies.
- Django's PROTECT refuses to delete a commune or village pupils live in.
- Deleting an import batch empties the pupils' reference to it (Django's SET_NULL).
"""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from schools.models import Commune, ImportBatch, Village
from students.models import Household, Student
from students.services import import_household_list
from tests.students.helpers import pupil, sibling, standard

pytestmark = pytest.mark.django_db


def misplaced() -> int:
    """Pupils whose commune or village is not their household's, counted in SQL."""
    student, household = Student._meta.db_table, Household._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT COUNT(*) FROM "{student}" s JOIN "{household}" h ON h.id = s.household_id '  # noqa: S608 - model metadata
            "WHERE s.commune_id <> h.commune_id"
            " OR (s.village_id IS NULL) <> (h.village_id IS NULL)"
            " OR s.village_id <> h.village_id"
        )
        return cursor.fetchone()[0]


def dangling() -> int:
    """Pupils whose commune, village or batch id names no row, counted in SQL."""
    tables = {
        "student": Student._meta.db_table,
        "commune": Commune._meta.db_table,
        "village": Village._meta.db_table,
        "batch": ImportBatch._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT COUNT(*) FROM "{student}" s'  # noqa: S608 - model metadata
            ' LEFT JOIN "{commune}" c ON c.id = s.commune_id'
            ' LEFT JOIN "{village}" v ON v.id = s.village_id'
            ' LEFT JOIN "{batch}" b ON b.id = s.import_batch_id'
            " WHERE c.id IS NULL OR (s.village_id IS NOT NULL AND v.id IS NULL)"
            " OR (s.import_batch_id IS NOT NULL AND b.id IS NULL)".format(**tables)
        )
        return cursor.fetchone()[0]


@pytest.fixture
def imported(school_staff):
    rows = [
        pupil(1, **{"Thôn/bản": "Thôn Nậm Đét"}),
        sibling(
            2, 1, **{"Thôn/bản": "Thôn Khác"}
        ),  # a sibling lives with the first row's household
        pupil(3, **{"Thôn/bản": ""}),
        pupil(4, **{"Thôn/bản": "Thôn Bản Phố"}),
    ]
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.STUDENTS,
        status=ImportBatch.Status.IMPORTING,
        uploaded_by=school_staff,
        school=school_staff.school,
    )
    report = import_household_list(
        actor=school_staff, source=standard(rows), filename="ds.xlsx", batch=batch
    )
    assert (report.created, report.errors) == (4, [])
    return batch


def test_every_imported_pupil_lives_where_its_household_does(imported):
    assert Student.objects.count() == 4
    assert misplaced() == 0
    assert dangling() == 0


def test_a_list_imported_again_with_another_village_moves_pupil_and_household(
    imported, school_staff
):
    again = standard([pupil(4, **{"Thôn/bản": "Thôn Nậm Đét"})])
    report = import_household_list(actor=school_staff, source=again, filename="ds.xlsx")
    assert report.errors == []
    assert misplaced() == 0
    moved = Student.objects.select_related("village", "household__village").get(
        pupil_code="3000000004"
    )
    assert moved.village.name == moved.household.village.name == "Thôn Nậm Đét"


def test_a_village_pupils_live_in_cannot_be_deleted(imported):
    village = Village.objects.get(name="Thôn Bản Phố")
    with pytest.raises(ProtectedError):
        village.delete()
    assert Student.objects.filter(village=village).count() == 1


def test_a_commune_pupils_live_in_cannot_be_deleted(imported, commune):
    with pytest.raises(ProtectedError):
        commune.delete()
    assert Student.objects.filter(commune=commune).count() == 4


def test_the_database_refuses_a_village_deleted_behind_djangos_back(imported):
    """The household's foreign key stands for the pupil's copy of the village."""
    village = Village.objects.get(name="Thôn Bản Phố")
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f'DELETE FROM "{Village._meta.db_table}" WHERE id = %s',  # noqa: S608 - model metadata
                [village.pk],
            )
        connection.check_constraints()
    assert Village.objects.filter(pk=village.pk).exists()
    assert dangling() == 0


def test_deleting_a_batch_empties_the_pupils_reference_to_it(imported):
    assert Student.objects.filter(import_batch=imported).count() == 4
    imported.delete()
    assert Student.objects.filter(import_batch__isnull=True).count() == 4
    assert dangling() == 0


def test_a_new_pupil_of_a_registered_household_lives_where_it_does(imported, school_staff):
    """The household's first row in the file gives its details; a later sibling's own
    village cell does not move the pupil away from the household."""
    later = standard(
        [
            sibling(5, 1, **{"Thôn/bản": "Thôn Nậm Đét"}),
            sibling(6, 1, **{"Thôn/bản": "Thôn Xa"}),
        ]
    )
    report = import_household_list(actor=school_staff, source=later, filename="ds.xlsx")
    assert (report.created, report.errors) == (2, [])
    household = Household.objects.get(code="HN-0001")
    assert household.village.name == "Thôn Nậm Đét"
    assert sorted(household.members.values_list("pupil_code", "village__name")) == [
        (f"300000000{n}", "Thôn Nậm Đét") for n in (1, 2, 5, 6)
    ]
    assert misplaced() == 0


def test_a_list_that_moves_a_household_moves_all_its_pupils(imported, school_staff):
    """The file's first row of a registered household gives its village: the household
    moves, and so do its pupils the file does not name."""
    later = standard([sibling(5, 1, **{"Thôn/bản": "Thôn Xa"})])
    report = import_household_list(actor=school_staff, source=later, filename="ds.xlsx")
    assert (report.created, report.errors) == (1, [])
    household = Household.objects.get(code="HN-0001")
    assert household.village.name == "Thôn Xa"
    assert sorted(household.members.values_list("pupil_code", "village__name")) == [
        ("3000000001", "Thôn Xa"),
        ("3000000002", "Thôn Xa"),
        ("3000000005", "Thôn Xa"),
    ]
    assert misplaced() == 0


def test_a_household_moved_on_the_form_takes_its_pupils_along(imported, school_staff):
    from students.services import StudentData, update_student

    student = Student.objects.select_related("household").get(pupil_code="3000000001")
    household = student.household
    data = StudentData(
        full_name=student.full_name,
        date_of_birth=student.date_of_birth,
        gender=student.gender,
        ethnicity=student.ethnicity,
        school=student.school,
        class_name=student.class_name,
        grade=student.grade,
        pupil_code=student.pupil_code,
        personal_id=student.personal_id,
        category=household.category,
        household_code=household.code,
        commune=household.commune,
        village_name="Thôn Xa",
        guardian_name=household.guardian_name,
        guardian_relation=household.guardian_relation,
        guardian_phone=household.guardian_phone,
        guardian_id_number=household.guardian_id_number,
        has_device=student.has_device,
        need_device=student.need_device,
        need_data=student.need_data,
        notes=student.notes,
        version=student.version,
    )
    update_student(actor=school_staff, student=student, data=data)
    assert sorted(household.members.values_list("pupil_code", "village__name")) == [
        ("3000000001", "Thôn Xa"),
        ("3000000002", "Thôn Xa"),
    ]
    assert misplaced() == 0
