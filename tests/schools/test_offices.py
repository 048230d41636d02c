"""Offices as data: who decides for a school on a day, and loading them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection

from schools.models import (
    GENERATION_2021,
    GENERATION_2025,
    REFORM_DATE,
    Office,
    Province,
    SchoolPlacement,
)
from schools.offices import OfficeChart, deciding_office
from schools.unit_loading import load_offices
from tests.reform_world import build_reform_world
from tests.schools.factories import SchoolFactory

LAST_DAY = REFORM_DATE - dt.timedelta(days=1)


@pytest.fixture
def world(db):
    return build_reform_world()


def _office(kind: str, **unit) -> Office:
    return Office.objects.get(kind=kind, **unit)


def test_before_the_reform_the_district_office_decides_for_every_school(world):
    office = _office(Office.Kind.DISTRICT_OFFICE, district=world.bao_yen_district)
    assert office.name == "Phòng GD&ĐT huyện Bảo Yên"
    assert deciding_office(world.tan_tien_school, LAST_DAY) == office
    yen_bai = _office(Office.Kind.DISTRICT_OFFICE, district=world.yen_bai_district)
    assert deciding_office(world.upper_school, LAST_DAY) == yen_bai


def test_from_the_reform_the_commune_committee_decides_for_lower_schools(world):
    committee = deciding_office(world.tan_tien_school, REFORM_DATE)
    assert committee == _office(Office.Kind.COMMUNE_COMMITTEE, commune=world.bao_yen)
    assert committee.name == "UBND xã Bảo Yên"
    assert committee.legal_basis == "Nghị định 142/2025/NĐ-CP"
    assert deciding_office(world.au_lau_school, REFORM_DATE).commune == world.van_phu


def test_from_the_reform_the_department_decides_for_upper_secondary_schools(world):
    office = deciding_office(world.upper_school, REFORM_DATE)
    assert office == _office(Office.Kind.DEPARTMENT, province=world.new_lao_cai)
    continuing = SchoolFactory(commune=world.tan_tien_school.commune, code="08700009", level="GDTX")
    assert deciding_office(continuing, REFORM_DATE) == office


def test_a_school_of_a_split_commune_has_no_office_until_placed(world):
    school = world.split_school
    chart = OfficeChart.load([school], on=REFORM_DATE)
    assert chart.office(school) is None
    assert "nhiều xã mới" in chart.gap(school)
    SchoolPlacement.objects.create(school=school, commune=world.van_phu, valid_from=REFORM_DATE)
    assert deciding_office(school, REFORM_DATE).commune == world.van_phu
    assert deciding_office(school, LAST_DAY).district == world.bao_yen_district


def test_office_chart_makes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    few = [world.tan_tien_school, world.upper_school]
    for code in range(10):
        SchoolFactory(commune=world.tan_tien_school.commune, code=f"0870010{code}")
    many = list(type(world.tan_tien_school).objects.all())
    # placements, communes, the two crosswalk tables, districts, successors (2), offices
    with django_assert_max_num_queries(8) as small:
        OfficeChart.load(few, on=REFORM_DATE)
    with django_assert_max_num_queries(len(small)):
        chart = OfficeChart.load(many, on=REFORM_DATE)
    assert len(chart.offices) == len(many) == 14


def test_load_offices_is_idempotent_and_keeps_an_administrators_correction(world):
    office = _office(Office.Kind.COMMUNE_COMMITTEE, commune=world.bao_yen)
    Office.objects.filter(pk=office.pk).update(name="UBND xã Bảo Yên (đã sửa)")
    before = Office.objects.count()
    result = load_offices()
    assert (result.created, result.updated) == (0, 0)
    assert Office.objects.count() == before
    assert Office.objects.get(pk=office.pk).name == "UBND xã Bảo Yên (đã sửa)"


def test_load_units_links_the_old_provinces_and_creates_the_offices(db):
    call_command("load_units", stdout=io.StringIO())
    new = Province.objects.get(generation_id=GENERATION_2025, code="15")
    old = Province.objects.filter(generation_id=GENERATION_2021)
    assert {(p.code, p.successor_id) for p in old} == {("10", new.pk), ("15", new.pk)}
    assert new.successor_id is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM schools_district")
        (districts,) = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM schools_commune WHERE generation_id = '2025'")
        (communes,) = cursor.fetchone()
    assert communes == 99
    offices = Office.objects.all()
    assert offices.filter(kind=Office.Kind.DISTRICT_OFFICE, valid_to=LAST_DAY).count() == districts
    assert offices.filter(kind=Office.Kind.COMMUNE_COMMITTEE, valid_from=REFORM_DATE).count() == 99
    assert offices.filter(kind=Office.Kind.DEPARTMENT).count() == 3
    assert offices.count() == districts + 99 + 3
