"""Duplicates and shared households in the household-list import (issues 12 and 13)."""

import pytest
from django.urls import reverse

from schools.models import ImportBatch
from students import services
from students.models import Student
from tests.students.factories import HouseholdFactory, StudentFactory
from tests.students.helpers import HEADER, TITLE, pupil, xlsx
from tests.students.test_import_flow import check, upload

pytestmark = pytest.mark.django_db

ID = "Số định danh cá nhân"


def with_ids(rows):
    """The standard layout plus a personal-ID column: rows are (pupil row, personal ID)."""
    return xlsx([[line] for line in TITLE] + [[*HEADER, ID], *[[*r, pid] for r, pid in rows]])


def test_personal_id_of_a_registered_pupil_is_a_row_error(school_staff, school, far_school):
    StudentFactory(school=far_school, pupil_code="0300000009", personal_id="010209001234")
    report = services.import_household_list(
        actor=school_staff,
        source=with_ids([(pupil(1), "010209001234"), (pupil(2), "010209005678")]),
        filename="a.xlsx",
    )
    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (7, "personal_id", "số định danh cá nhân 010209001234 đã thuộc một học sinh khác")
    ]
    assert Student.objects.count() == 1  # strict: nothing written


def test_same_personal_id_on_two_rows_is_a_row_error(school_staff, school):
    report = services.import_household_list(
        actor=school_staff,
        source=with_ids([(pupil(1), "010209001234"), (pupil(2), "010209001234")]),
        filename="a.xlsx",
    )
    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (8, "personal_id", "số định danh cá nhân trùng với dòng 7")
    ]
    assert not Student.objects.exists()


def test_possible_duplicate_must_be_confirmed_before_the_import(
    client_for, school_staff, school, commune
):
    from schools.services import get_or_create_village

    village, _ = get_or_create_village(commune=commune, name="Thôn Nậm Đét")
    row = pupil(1)
    StudentFactory(
        school=school,
        pupil_code="0300000009",
        full_name=row[1].upper(),
        date_of_birth="2009-04-02",
        village=village,
        commune=commune,
    )
    client = client_for(school_staff)
    upload(client, xlsx([[line] for line in TITLE] + [HEADER, row]))
    batch = ImportBatch.objects.get()
    check(client, batch)
    batch.refresh_from_db()
    assert batch.status == "validated" and batch.error_count == 0
    warnings = batch.options["warnings"]
    assert [(w["row"], w["field"]) for w in warnings] == [(7, "possible_duplicate")]
    assert "có thể trùng với học sinh mã 0300000009" in warnings[0]["message"]
    page = client.get(reverse("students:import_detail", args=[batch.pk])).content.decode()
    assert "Tôi đã kiểm tra các học sinh có thể trùng" in page
    response = client.post(reverse("students:import_confirm", args=[batch.pk]), follow=True)
    assert "hãy kiểm tra" in response.content.decode()
    assert Student.objects.count() == 1
    client.post(reverse("students:import_confirm", args=[batch.pk]), {"confirm_duplicates": "on"})
    assert Student.objects.count() == 2


def test_linking_to_another_schools_household_is_a_warning(
    school_staff, school, commune, other_school
):
    household = HouseholdFactory(commune=commune, code="HN-0001")
    StudentFactory(
        school=other_school, household=household, commune=commune, grade=3, class_name="3A"
    )
    importer_report = services.import_household_list(
        actor=school_staff,
        source=xlsx([[line] for line in TITLE] + [HEADER, pupil(1)]),
        filename="a.xlsx",
        dry_run=True,
    )
    assert importer_report.errors == []
    from students.fastrows import read_streaming
    from students.importers import StudentImporter

    sheet, more = read_streaming(
        xlsx([[line] for line in TITLE] + [HEADER, pupil(1)]),
        filename="a.xlsx",
        max_bytes=10**7,
        max_rows=None,
    )
    importer = StudentImporter(actor=school_staff)
    table = importer.locate(sheet)
    importer.run(table, dry_run=True, more_rows=more)
    assert [(w.row, w.field) for w in importer.warnings] == [(7, "shared_household")]
    assert other_school.name in importer.warnings[0].message


def test_school_cannot_change_a_household_with_another_schools_proposed_pupil(
    school_staff, school, commune, other_school
):
    from rounds.models import Proposal, ProposalItem, SupportRound
    from tests.students.test_views import _round_fields

    household = HouseholdFactory(commune=commune, code="HN-0001", guardian_name="Giàng Thị Chi")
    sibling = StudentFactory(
        school=other_school, household=household, commune=commune, grade=3, class_name="3A"
    )
    support_round = SupportRound.objects.create(**_round_fields(), created_by=school_staff)
    proposal = Proposal.objects.create(round=support_round, school=other_school, status="submitted")
    ProposalItem.objects.create(
        proposal=proposal, round=support_round, student=sibling, kind="tablet"
    )
    report = services.import_household_list(
        actor=school_staff,
        source=xlsx([[line] for line in TITLE] + [HEADER, pupil(1)]),
        filename="a.xlsx",
    )
    assert [(e.row, e.field) for e in report.errors] == [(7, "household_code")]
    assert "Phòng GD&ĐT quyết định" in report.errors[0].message
    household.refresh_from_db()
    assert household.guardian_name == "Giàng Thị Chi"
    assert Student.objects.count() == 1


def test_locked_pupils_name_cannot_change_through_an_import(school_staff, school):
    row = pupil(1)
    services.import_household_list(
        actor=school_staff,
        source=xlsx([[line] for line in TITLE] + [HEADER, row]),
        filename="a.xlsx",
    )
    Student.objects.update(eligibility_locked=True)
    renamed = pupil(1, **{"Họ và tên": "Sùng A Chư"})
    report = services.import_household_list(
        actor=school_staff,
        source=xlsx([[line] for line in TITLE] + [HEADER, renamed]),
        filename="a.xlsx",
    )
    assert [(e.row, e.field) for e in report.errors] == [(7, "category")]
    assert Student.objects.get().full_name == row[1]
