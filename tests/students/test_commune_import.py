"""A commune officer's household lists name only the schools of the commune today."""

import datetime as dt

import pytest
import time_machine

from schools.models import GENERATION_2025, Commune, CommuneSuccession, Province
from students.models import Student
from students.services import import_household_list
from tests.accounts.factories import UserFactory, role
from tests.students.helpers import HEADER, pupil, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_officer(school, province):
    new = Province.objects.create(code="15", name="Lào Cai", generation_id=GENERATION_2025)
    Province.objects.filter(pk=province.pk).update(successor=new)
    bao_yen = Commune.objects.create(
        generation_id=GENERATION_2025, province=new, code="02980", name="Xã Bảo Yên"
    )
    CommuneSuccession.objects.create(old=school.commune, new=bao_yen)
    return UserFactory(username="xa_bao_yen", role=role("commune_officer"), commune=bao_yen)


def _run(rows, actor, **kwargs):
    source = xlsx([[*HEADER, "Mã trường"], *rows])
    return import_household_list(actor=actor, source=source, filename="ds.xlsx", **kwargs)


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
def test_commune_officer_rows_of_schools_outside_the_commune_are_errors(
    commune_officer, school, other_school, far_school
):
    rows = [pupil(1) + [school.code], pupil(2) + [other_school.code], pupil(3) + [far_school.code]]
    report = _run(rows, commune_officer, dry_run=True)
    assert [(e.row, e.field) for e in report.errors] == [(3, "school_code"), (4, "school_code")]
    assert "trường khác với trường của bạn" in report.errors[0].message
    assert "không tìm thấy trường" in report.errors[1].message
    assert not Student.objects.exists()


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
def test_commune_officer_imports_pupils_of_the_communes_school(commune_officer, school):
    report = _run([pupil(1) + [school.code]], commune_officer)
    assert [e.message for e in report.errors] == []
    assert Student.objects.get().school == school
