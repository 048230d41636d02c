"""The registry export's file is what it was before it read plain rows (issue 17): the same
sheet, title block, headers, column widths, fonts and every cell, masked and revealed.

Two references: literal rows for a known data set, and the pre-issue-17 exporter (its
column accessors, on model instances, kept here as they were) on the same data."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kernel.exporters import XlsxExporter
from schools.models import ExportJob
from students.exporters import StudentExporter
from students.models import Ethnicity, Student, mask
from tests.schools.factories import VillageFactory
from tests.students.factories import HouseholdFactory, StudentFactory, category

pytestmark = pytest.mark.django_db

HEADERS = [
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Trường",
    "Lớp",
    "Mã định danh",
    "Số định danh cá nhân",
    "Họ tên cha/mẹ/người giám hộ",
    "Số điện thoại",
    "Thôn/bản",
    "Xã/phường",
    "Diện hộ",
    "Mã hộ",
    "Nhu cầu hỗ trợ",
    "Đã có thiết bị",
    "Trạng thái",
    "Ghi chú",
]


@pytest.fixture
def registry(school):
    """Three pupils whose fields take every kind of value the columns convert."""
    village = VillageFactory(commune=school.commune, name="Thôn Lùng Phình")
    poor = HouseholdFactory(
        commune=school.commune,
        village=village,
        code="HN-0012",
        guardian_name="Giàng Seo Chứ",
        guardian_phone="0912345678",
        category=category("poor"),
    )
    plain = HouseholdFactory(
        commune=school.commune, code="HCN-7", guardian_name="", guardian_phone=""
    )
    StudentFactory(
        school=school,
        household=poor,
        village=village,
        ethnicity=Ethnicity.objects.get(name="Mông"),
        full_name="Giàng Seo Phủ",
        pupil_code="0308246281",
        personal_id="010209012345",
        date_of_birth=dt.date(2012, 7, 5),
        gender=Student.Gender.MALE,
        class_name="6A",
        need_device="tablet",
        need_data=True,
        notes='=HYPERLINK("http://x")',
    )
    StudentFactory(
        school=school,
        household=plain,
        full_name="Lù Thị Mỷ",
        pupil_code="0308246282",
        personal_id="",
        date_of_birth=dt.date(2011, 12, 31),
        gender=Student.Gender.FEMALE,
        class_name="7B",
        need_device="",
        need_data=True,
        has_device=True,
        status=Student.Status.LEFT,
    )
    StudentFactory(
        school=school,
        household=plain,
        full_name="Vàng A Dình",
        pupil_code="0308246283",
        personal_id="010209000001",
        date_of_birth=dt.date(2010, 1, 2),
        class_name="8C",
        need_device="computer",
        need_data=False,
    )


def expected_rows(school, *, reveal: bool) -> list[list]:
    commune = school.commune.name

    def ids(value: str) -> str | None:
        return (value if reveal else mask(value)) or None

    return [
        # the Vietnamese order: given name (Dình, Mỷ, Phủ), then middle and family name
        ["Vàng A Dình", "02/01/2010", "Nam", None, school.name, "8C"]
        + [ids("0308246283"), ids("010209000001"), None, None, None, commune]
        + ["Hộ nghèo", "HCN-7", "Máy tính", "Không", "Đang học", None],
        ["Lù Thị Mỷ", "31/12/2011", "Nữ", None, school.name, "7B"]
        + [ids("0308246282"), None, None, None, None, commune]
        + ["Hộ nghèo", "HCN-7", "Gói cước", "Có", "Đã chuyển/nghỉ học", None],
        ["Giàng Seo Phủ", "05/07/2012", "Nam", "Mông", school.name, "6A"]
        + [ids("0308246281"), ids("010209012345"), "Giàng Seo Chứ", ids("0912345678")]
        + ["Thôn Lùng Phình", commune, "Hộ nghèo", "HN-0012", "Máy tính bảng, Gói cước"]
        + ["Không", "Đang học", '\'=HYPERLINK("http://x")'],
    ]


def _needs(student):
    parts = []
    if student.need_device:
        parts.append(str(student.get_need_device_display()))
    if student.need_data:
        parts.append(str(_("Gói cước")))
    return ", ".join(parts)


# The registry's columns before issue 17, as they were: accessors on model instances.
OLD_COLUMNS = (
    (_("Họ và tên"), "full_name"),
    (_("Ngày sinh"), lambda s: s.date_of_birth.strftime("%d/%m/%Y")),
    (_("Giới tính"), "get_gender_display"),
    (_("Dân tộc"), "ethnicity.name"),
    (_("Trường"), "school.name"),
    (_("Lớp"), "class_name"),
    (_("Mã định danh"), "pupil_code"),
    (_("Số định danh cá nhân"), "personal_id"),
    (_("Họ tên cha/mẹ/người giám hộ"), "household.guardian_name"),
    (_("Số điện thoại"), "household.guardian_phone"),
    (_("Thôn/bản"), "village.name"),
    (_("Xã/phường"), "commune.name"),
    (_("Diện hộ"), "household.category.name"),
    (_("Mã hộ"), "household.code"),
    (_("Nhu cầu hỗ trợ"), _needs),
    (_("Đã có thiết bị"), "has_device"),
    (_("Trạng thái"), "get_status_display"),
    (_("Ghi chú"), "notes"),
)
OLD_MASKED = {
    "Mã định danh": lambda s: mask(s.pupil_code),
    "Số định danh cá nhân": lambda s: mask(s.personal_id),
    "Số điện thoại": lambda s: mask(s.household.guardian_phone),
}


def old_exporter(user, *, reveal: bool) -> XlsxExporter:
    columns = OLD_COLUMNS
    if not reveal:
        columns = tuple((h, OLD_MASKED.get(str(h), a)) for h, a in OLD_COLUMNS)
    return XlsxExporter(title=StudentExporter.title, columns=columns, title_lines=[user.unit_label])


def _sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def _values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _export_in_worker(client, captured) -> bytes:
    with captured(execute=True):
        client.post(reverse("schools:export_start", args=["students.registry"]), {})
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.rows == 3
    download = client.get(reverse("schools:export_download", args=[job.pk]))
    return b"".join(download.streaming_content)


@pytest.mark.parametrize(
    ("who", "reveal"), [("province_official", False), ("district_officer", True)]
)
def test_registry_file_keeps_every_cell_and_format(
    request, client_for, registry, school, who, reveal, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(who)
    content = _export_in_worker(client_for(user), django_capture_on_commit_callbacks)
    sheet = _sheet(content)
    values = _values(sheet)
    assert sheet.title == "Danh sách"
    assert values[0] == [user.unit_label] + [None] * 17
    assert (
        values[1]
        == ["DANH SÁCH HỌC SINH CẦN HỖ TRỢ THIẾT BỊ, GÓI CƯỚC HỌC TRỰC TUYẾN"] + [None] * 17
    )
    assert values[2] == [None] * 18
    assert values[3] == HEADERS
    assert values[4:] == expected_rows(school, reveal=reveal)
    for cell in (sheet["A1"], sheet["A2"]):
        assert cell.font.bold and cell.font.size == 12
    assert all(c.font.bold for c in sheet[4])
    assert not any(c.font.bold for c in sheet[5])
    assert all(c.data_type == "s" for c in sheet[7] if c.value is not None)
    # one width for the 18 columns; XlsxWriter stores 20 as Excel does (plus padding)
    columns = sheet.column_dimensions["A"]
    assert (columns.min, columns.max) == (1, 18)
    assert 20 <= columns.width < 21

    old = old_exporter(user, reveal=reveal).to_bytes(
        Student.objects.visible_to(user)
        .select_related("school", "household__category", "village", "commune", "ethnicity")
        .order_by("sort_key", "date_of_birth", "pk")
    )
    assert values == _values(_sheet(old))


def test_plain_rows_build_no_model_instance(registry, province_official, monkeypatch):
    """The registry reads values_list tuples: a model instance built would mean the slow
    path came back (17 % of the export's time, issue 17)."""
    from students.selectors import StudentFilters, student_list

    built = []
    original = Student.from_db

    def counting(cls, *args, **kwargs):
        built.append(1)
        return original.__func__(cls, *args, **kwargs)

    monkeypatch.setattr(Student, "from_db", classmethod(counting))
    rows = list(
        StudentExporter.for_user(province_official).rows(
            student_list(user=province_official, filters=StudentFilters.from_params({}))
        )
    )
    assert len(rows) == 3
    assert built == []
