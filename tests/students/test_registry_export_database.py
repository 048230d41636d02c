"""Every cell of the worker's registry export against the database (issue 17): a known data
set of pupils read back with openpyxl and python-calamine, cell by cell, against the rows
read with raw SQL and converted here on their own (labels, masks, escaping, dates)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse
from python_calamine import CalamineWorkbook

from kernel.exporters import XlsxExporter
from schools.choices import DeviceNeed
from students.models import Ethnicity, Student
from tests.exports import export_via_worker
from tests.schools.factories import VillageFactory
from tests.students.factories import HouseholdFactory, StudentFactory, category
from tests.students.test_registry_export_cells import HEADERS

pytestmark = pytest.mark.django_db

NOTES = ["", "Hộ ở xa điểm trường", '=HYPERLINK("http://x")', "+84912345678", "-5", "@A1"]
STATUSES = [Student.Status.STUDYING, Student.Status.LEFT, Student.Status.GRADUATED]
NEEDS = [("tablet", True), ("computer", False), ("", True), ("", False), ("smartphone", True)]
FAMILY, GIVEN = ["Giàng", "Lù", "Vàng"], ["Phủ", "Mỷ", "Dình", "Chứ"]
LONG_NOTE = "Ghi chú dài " * 3000  # 36,000 characters: past Excel's 32,767


@pytest.fixture
def data_set(school, far_school):
    """37 pupils in two districts: every kind of value each column converts, with names,
    birth dates and villages repeating across the exporter's blocks of rows."""
    villages = [None, VillageFactory(commune=school.commune, name="Thôn Lùng Phình")]
    far_village = VillageFactory(commune=far_school.commune, name="Thôn Sín Chải")
    ethnicities = [None, Ethnicity.objects.get(name="Mông"), Ethnicity.objects.get(name="Dao")]
    households = [
        HouseholdFactory(commune=school.commune, code="HN-0012", category=category("poor")),
        HouseholdFactory(commune=school.commune, code="=1+1", guardian_name="", guardian_phone=""),
        HouseholdFactory(commune=far_school.commune, code="HCN-7", guardian_name="Lý Thị Mai"),
    ]
    for n in range(37):
        device, data = NEEDS[n % len(NEEDS)]
        far = n % 4 == 3
        StudentFactory(
            school=far_school if far else school,
            household=households[2] if far else households[n % 2],
            village=far_village if far else villages[n % 2],
            commune=far_school.commune if far else school.commune,
            ethnicity=ethnicities[n % 3],
            full_name=f"{FAMILY[n % 3]} {'Seo' if n % 2 else 'Thị'} {GIVEN[n % 4]}",
            pupil_code=f"{n:010d}",  # leading zeros: text, never a number
            personal_id="" if n % 5 == 0 else f"0102090{n:05d}",
            date_of_birth=dt.date(2009 + n % 3, 1 + n % 12, 1 + n % 28),
            gender=Student.Gender.FEMALE if n % 3 else Student.Gender.MALE,
            class_name=f"{6 + n % 4}A",
            need_device=device,
            need_data=data,
            has_device=n % 6 == 0,
            status=STATUSES[n % 3],
            notes=LONG_NOTE if n == 8 else NOTES[n % len(NOTES)],
        )


SQL = """
SELECT s.full_name, s.date_of_birth, s.gender, e.name, sc.name, s.class_name, s.pupil_code,
       s.personal_id, h.guardian_name, h.guardian_phone, v.name, c.name, hc.name, h.code,
       s.need_device, s.need_data, s.has_device, s.status, s.notes
FROM students_student s
JOIN schools_school sc ON sc.id = s.school_id
JOIN schools_district d ON d.id = sc.district_id
JOIN students_household h ON h.id = s.household_id
JOIN students_householdcategory hc ON hc.id = h.category_id
JOIN schools_commune c ON c.id = s.commune_id
LEFT JOIN students_ethnicity e ON e.id = s.ethnicity_id
LEFT JOIN schools_village v ON v.id = s.village_id
WHERE d.{unit} = %s
ORDER BY s.sort_key, s.date_of_birth, s.id
"""


def _text(value: str) -> str | None:
    if not value:
        return None
    if value[0] in "=+-@\t\r":
        value = "'" + value
    return value[:32767]


def _masked(value: str, reveal: bool) -> str | None:
    if reveal or not value:
        return _text(value)
    return "•" * (len(value) - 4) + value[-4:]


def _needs(device: str, data: bool) -> str | None:
    parts = [str(dict(DeviceNeed.choices)[device])] if device else []
    return ", ".join(parts + (["Gói cước"] if data else [])) or None


def database_rows(unit: str, unit_id: int, *, reveal: bool) -> list[list]:
    with connection.cursor() as cursor:
        cursor.execute(SQL.format(unit=unit), [unit_id])
        fetched = cursor.fetchall()
    genders, statuses = dict(Student.Gender.choices), dict(Student.Status.choices)
    rows = []
    for name, born, gender, ethnicity, school, klass, code, pid, guardian, phone, *rest in fetched:
        village, commune, kind, household, device, data, has_device, status, notes = rest
        if isinstance(born, str):  # SQLite returns the column as text
            born = dt.date.fromisoformat(born)
        rows.append(
            [_text(name), born.strftime("%d/%m/%Y"), str(genders[gender]), _text(ethnicity)]
            + [_text(school), _text(klass), _masked(code, reveal), _masked(pid, reveal)]
            + [_text(guardian), _masked(phone, reveal), _text(village), _text(commune)]
            + [_text(kind), _text(household)]
            + [_needs(device, bool(data)), "Có" if has_device else "Không"]
            + [str(statuses[status]), _text(notes)]
        )
    return rows


def _openpyxl_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _calamine_rows(content: bytes) -> list[list]:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    width = 18
    return [
        [None if value == "" else value for value in (row + [""] * width)[:width]]
        for row in sheet.to_python(skip_empty_area=False)
    ]


@pytest.mark.parametrize(
    ("who", "unit", "reveal"),
    [("province_official", "province_id", False), ("district_officer", "id", True)],
)
def test_every_cell_of_the_export_is_the_database_value(
    request, client_for, data_set, monkeypatch, who, unit, reveal
):
    # Blocks of 5 rows: the column-wise conversion and its kept labels cross block ends.
    monkeypatch.setattr(XlsxExporter, "queryset_chunk_size", 5)
    user = request.getfixturevalue(who)
    unit_id = user.province_id if unit == "province_id" else user.district_id
    expected = database_rows(unit, unit_id, reveal=reveal)
    assert len(expected) == (37 if unit == "province_id" else 28)

    content = export_via_worker(
        client_for(user), reverse("students:export"), key="students.registry"
    ).content
    for rows in (_openpyxl_rows(content), _calamine_rows(content)):
        assert rows[0][0] == user.unit_label
        assert rows[1][0] == "DANH SÁCH HỌC SINH CẦN HỖ TRỢ THIẾT BỊ, GÓI CƯỚC HỌC TRỰC TUYẾN"
        assert rows[2] == [None] * 18
        assert rows[3] == HEADERS
        assert rows[4:] == expected
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    # IDs with leading zeros stay text; the formula-like note is text, escaped
    codes = [sheet.cell(row=5 + i, column=7) for i in range(len(expected))]
    assert all(cell.data_type == "s" for cell in codes)
    assert any(row[17] == '\'=HYPERLINK("http://x")' for row in expected)
    long_notes = [row[17] for row in expected if row[17] and len(row[17]) > 1000]
    assert [len(note) for note in long_notes] == [32767]
