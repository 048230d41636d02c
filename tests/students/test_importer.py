import datetime as dt
import unicodedata

import pytest
import time_machine

from accounts.models import AuditEvent
from kernel.normalize import fold
from kernel.spreadsheets import Sheet, locate_table, read_rows
from schools.models import Village
from students.fastrows import iter_data_rows, quick_fold, quick_name_keys
from students.importers import COLUMNS
from students.models import Household, Student, name_keys
from students.services import import_household_list
from tests.schools.factories import SchoolFactory
from tests.students.helpers import HEADER, TITLE, pupil, sibling, standard, xlsx

pytestmark = pytest.mark.django_db

SAMPLE_ERRORS = [
    (13, "Ngày sinh", "date_of_birth", "ngày không tồn tại"),
    (18, "Họ và tên", "full_name", "bắt buộc"),
    (25, "Diện hộ", "category", "không thuộc danh mục"),
    (30, "Số điện thoại", "guardian_phone", "không hợp lệ"),
    (34, "", "", "trùng với dòng 28"),
]


def errors_of(report):
    return [(e.row, e.column, e.field, e.message) for e in report.errors]


def run(source, actor=None, **kwargs):
    return import_household_list(actor=actor, source=source, filename="ds.xlsx", **kwargs)


class TestSample:
    def test_school_staff_gets_exactly_the_five_listed_errors(self, school_staff, sample_bytes):
        report = run(sample_bytes, school_staff, dry_run=True)
        assert report.rows == 30
        assert errors_of(report) == SAMPLE_ERRORS
        assert report.created == 25
        assert Student.objects.count() == 0

    def test_all_or_nothing_by_default(self, school_staff, sample_bytes):
        report = run(sample_bytes, school_staff)
        assert len(report.errors) == 5
        assert report.created == 0
        assert Student.objects.count() == 0
        assert Household.objects.count() == 0

    def test_skip_invalid_imports_exactly_the_25_valid_rows(
        self, school_staff, sample_bytes, school
    ):
        report = run(sample_bytes, school_staff, skip_invalid=True)
        assert report.created == 25
        assert Student.objects.filter(school=school).count() == 25
        assert not Student.objects.filter(pupil_code="5004743957").exists()  # row 13
        chi = Student.objects.get(pupil_code="8364507495")  # row 28, kept once
        assert chi.full_name == "Ly Thị Chi"
        assert chi.household.category.code == "near-poor"
        assert chi.household.guardian_phone == "0936676402"
        assert chi.village.name == "Thôn Nậm Đét"
        assert (chi.need_device, chi.need_data) == ("", True)

    def test_school_from_title_block_without_user_or_option(self, school, sample_bytes):
        report = run(sample_bytes, None, skip_invalid=True)
        assert errors_of(report) == SAMPLE_ERRORS
        assert Student.objects.filter(school=school).count() == 25

    def test_second_import_of_the_same_file_creates_and_updates_nothing(
        self, school_staff, sample_bytes
    ):
        run(sample_bytes, school_staff, skip_invalid=True)
        students = Student.objects.count()
        households = Household.objects.count()
        villages = Village.objects.count()
        events = AuditEvent.objects.count()
        report = run(sample_bytes, school_staff, skip_invalid=True)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 25)
        assert Student.objects.count() == students
        assert Household.objects.count() == households
        assert Village.objects.count() == villages
        assert AuditEvent.objects.count() == events

    def test_changed_row_updates_the_existing_pupil_with_audit(self, school_staff):
        run(standard([pupil(1), pupil(2)]), school_staff)
        report = run(standard([pupil(1, Lớp="7B"), pupil(2)]), school_staff)
        assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
        student = Student.objects.get(pupil_code="3000000001")
        assert (student.class_name, student.grade) == ("7B", 7)
        event = AuditEvent.objects.filter(action="student.update").get()
        assert event.changes["class_name"] == ["6A", "7B"]
        assert event.object_id == str(student.pk)

    def test_import_audits_each_pupil_and_the_batch_once(self, school_staff, sample_bytes):
        run(sample_bytes, school_staff, skip_invalid=True)
        assert AuditEvent.objects.filter(action="student.create").count() == 25
        assert AuditEvent.objects.filter(action="student.create", actor=school_staff).count() == 25

    def test_create_events_carry_code_school_class_and_snapshots(self, school_staff, school):
        # PostgreSQL builds these events in SQL, other databases in Python: same content.
        run(standard([pupil(1), pupil(2)]), school_staff)
        for student in Student.objects.all():
            event = AuditEvent.objects.get(action="student.create", object_id=str(student.pk))
            assert event.changes == {
                "pupil_code": [None, student.pupil_code],
                "school": [None, school.pk],
                "class_name": [None, student.class_name],
            }
            assert event.object_repr == student.full_name
            assert (event.school_id_snapshot, event.district_id_snapshot) == (
                school.pk,
                school.district_id,
            )
            assert event.actor == school_staff


class TestLayouts:
    def test_two_row_merged_header_column_numbers_totals_and_signature(self, school_staff, school):
        rows = [
            ["UBND HUYỆN BẢO YÊN", "", "", "", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
            ["TRƯỜNG PTDTBT THCS TÂN TIẾN", "", "", "", "Độc lập - Tự do - Hạnh phúc"],
            [],
            ["DANH SÁCH HỌC SINH CẦN HỖ TRỢ THIẾT BỊ"],
            ["TT", "Thông tin học sinh", "", "", "", "", "Thông tin hộ gia đình", "", "", ""],
            ["", "Họ tên HS", "Ngày tháng năm sinh", "Nam/Nữ", "Lớp", "Mã học sinh",
             "Đối tượng", "Số GCN hộ nghèo", "SĐT liên hệ", "Xã"],
            ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)", "(10)"],
            [1, "Sùng Thị Mẩy", "5/7/2009", "nữ", "6A", "3000000001", "HN", "12/GCN-HN.HCN", "0912345678", "Tân Tiến"],
            [2, "Sùng A Chứ", "05-07-2008", "NAM", "7A", "3000000002", "Cận nghèo", "13/GCN-HN.HCN", "0912345679", "xã tân tiến"],
            ["", "Tổng cộng: 2 học sinh", "", "", "", "", "", "", "", ""],
            [],
            ["", "Người lập biểu", "", "", "", "", "Hiệu trưởng"],
            ["", "Vàng Thị Hoa", "", "", "", "", "Lý Văn Sình"],
        ]  # fmt: skip
        data = xlsx(rows, merges=["B5:F5", "G5:J5", "A5:A6"])
        report = run(data, school_staff)
        assert errors_of(report) == []
        assert report.rows == 2
        assert report.created == 2
        may = Student.objects.get(pupil_code="3000000001")
        assert may.date_of_birth == dt.date(2009, 7, 5)
        assert may.gender == "F"
        assert may.household.category.code == "poor"
        assert may.household.code == "12/GCN-HN.HCN"
        assert may.commune.name == "Xã Tân Tiến"
        assert Student.objects.get(pupil_code="3000000002").household.category.code == "near-poor"

    def test_dates_as_text_real_dates_and_serials(self, school_staff):
        rows = [
            pupil(1, **{"Ngày sinh": "5/7/2009"}),
            pupil(2, **{"Ngày sinh": "05.07.2009"}),
            pupil(3, **{"Ngày sinh": dt.datetime(2009, 7, 5)}),
            pupil(4, **{"Ngày sinh": 39999}),  # Excel serial of 05/07/2009
            pupil(5, **{"Ngày sinh": "39999"}),
        ]
        report = run(standard(rows), school_staff)
        assert errors_of(report) == []
        assert set(Student.objects.values_list("date_of_birth", flat=True)) == {dt.date(2009, 7, 5)}

    @time_machine.travel(dt.datetime(2021, 9, 1, 8, 0), tick=False)
    def test_future_birth_date_is_an_error(self, school_staff):
        report = run(
            standard([pupil(1, **{"Ngày sinh": "01/01/2022"})]), school_staff, dry_run=True
        )
        assert errors_of(report) == [(7, "Ngày sinh", "date_of_birth", "ngày sinh ở tương lai")]

    def test_ids_and_phones_that_lost_their_leading_zero(self, school_staff):
        rows = [
            pupil(1, **{"Mã định danh": 308246281, "Số điện thoại": 912345678}),
            pupil(2, **{"Mã định danh": "308246282", "Số điện thoại": "+84 912 345 679"}),
            pupil(3, **{"Mã định danh": 12345678}),
        ]
        report = run(standard(rows), school_staff, dry_run=True)
        assert errors_of(report) == [
            (8, "Mã định danh", "pupil_code", "phải gồm đúng 10 chữ số"),
            (9, "Mã định danh", "pupil_code", "phải gồm đúng 10 chữ số"),
        ]
        run(standard([rows[0]]), school_staff)
        student = Student.objects.get()
        assert student.pupil_code == "0308246281"
        assert student.household.guardian_phone == "0912345678"

    def test_decomposed_unicode_and_extra_spaces_are_normalised(self, school_staff):
        name = unicodedata.normalize("NFD", "  Giàng   Seo  Phủ ")
        rows = [
            pupil(
                1,
                **{
                    "Họ và tên": name,
                    "Dân tộc": "H'Mông",
                    "Xã/phường": unicodedata.normalize("NFD", "Tân Tiến"),
                },
            )
        ]
        report = run(standard(rows), school_staff)
        assert errors_of(report) == []
        student = Student.objects.get()
        assert student.full_name == "Giàng Seo Phủ"
        assert student.name_key == "giang seo phu"
        assert student.sort_key == "phu|seo|giang"
        assert student.ethnicity.name == "Mông"

    def test_header_synonyms(self, school_staff):
        header = ["Họ và tên học sinh", "Ngày, tháng, năm sinh", "Giới tính", "Lớp học",
                  "Mã định danh học sinh", "Diện hộ gia đình", "Số điện thoại liên hệ", "Thôn, bản",
                  "Xã, phường, thị trấn", "Mã hộ gia đình", "Đề nghị hỗ trợ", "Đã có thiết bị học tập"]  # fmt: skip
        row = ["Lý Thị Dế", "1/2/2009", "Nữ", "6B", "3000000009", "Gia đình chính sách",
               "0987654321", "Bản Phố", "Tân Tiến", "GĐCS-01", "Điện thoại", "Không"]  # fmt: skip
        report = run(xlsx([["DANH SÁCH"], header, row]), school_staff)
        assert errors_of(report) == []
        student = Student.objects.get()
        assert student.household.category.code == "policy"
        assert student.need_device == "smartphone"
        assert student.village.name == "Bản Phố"

    def test_rows_naming_a_school_of_another_district_are_errors(
        self, district_officer, school, far_school
    ):
        header = [*HEADER, "Mã trường"]
        rows = [pupil(1) + ["08700002"], pupil(2) + [far_school.code]]
        report = run(xlsx([header, *rows]), district_officer, dry_run=True)
        assert [(e.row, e.field) for e in report.errors] == [(3, "school_code")]
        assert "không tìm thấy trường" in report.errors[0].message

    def test_school_user_rows_naming_another_school_are_errors(self, school_staff, other_school):
        header = [*HEADER, "Trường"]
        rows = [pupil(1) + ["Trường PTDTBT THCS Tân Tiến"], pupil(2) + ["TH&THCS Nghĩa Đô"]]
        report = run(xlsx([header, *rows]), school_staff, dry_run=True)
        assert [(e.row, e.field, e.message) for e in report.errors] == [
            (3, "school", "trường khác với trường của bạn")
        ]

    def test_district_user_school_from_title_block(self, district_officer, school):
        report = run(standard([pupil(1)]), district_officer)
        assert errors_of(report) == []
        assert Student.objects.get().school == school

    def test_class_must_fit_the_school_level(self, school_staff):
        report = run(
            standard([pupil(1, Lớp="3A"), pupil(2, Lớp="13A")]),
            school_staff,
            dry_run=True,
        )
        assert [(e.row, e.field) for e in report.errors] == [(7, "class_name"), (8, "class_name")]

    def test_duplicate_by_name_birth_date_and_school_even_if_phone_differs(self, school_staff):
        rows = [
            pupil(1),
            pupil(
                2,
                **{
                    "Họ và tên": pupil(1)[1].upper(),
                    "Ngày sinh": pupil(1)[2],
                    "Số điện thoại": "0999999999",
                },
            ),
        ]
        report = run(standard(rows), school_staff, dry_run=True)
        assert errors_of(report) == [(8, "", "", "trùng với dòng 7")]

    def test_siblings_share_a_household_and_new_villages_are_created(self, school_staff, commune):
        rows = [
            pupil(1, **{"Mã hộ": "HN-0001", "Thôn/bản": "Thôn Khuổi Phường"}),
            sibling(2, 1, **{"Thôn/bản": "thôn khuổi phường"}),
        ]
        report = run(standard(rows), school_staff)
        assert report.created == 2
        first, second = Student.objects.order_by("pupil_code")
        assert first.household_id == second.household_id
        assert Village.objects.filter(commune=commune, name="Thôn Khuổi Phường").count() == 1

    def test_locked_pupil_eligibility_is_not_changed_by_import(self, school_staff):
        run(standard([pupil(1)]), school_staff)
        Student.objects.update(eligibility_locked=True)
        report = run(standard([pupil(1, **{"Diện hộ": "Hộ cận nghèo"})]), school_staff)
        assert [(e.row, e.field) for e in report.errors] == [(7, "category")]
        assert Student.objects.get().household.category.code == "poor"

    def test_pupil_of_another_district_cannot_be_taken_over(self, school_staff, far_school):
        from tests.students.factories import StudentFactory

        StudentFactory(school=far_school, pupil_code="3000000001")
        report = run(standard([pupil(1)]), school_staff, dry_run=True)
        assert [(e.row, e.field) for e in report.errors] == [(7, "pupil_code")]


class TestFastPaths:
    @pytest.mark.parametrize(
        "text",
        [
            "Giàng Seo Phủ",
            "  ĐẶNG  thị\u00a0Ánh ",
            unicodedata.normalize("NFD", "Hầu Thị Mẩy"),
            "Ngô Đức",
            "",
            "x\ty",
        ],
    )
    def test_quick_fold_matches_fold(self, text):
        assert quick_fold(text) == fold(text)
        if text.strip():
            assert quick_name_keys(text) == name_keys(" ".join(text.split()))

    def test_iter_data_rows_matches_table_data_rows(self, sample_bytes):
        rows = [[line] for line in TITLE] + [
            HEADER,
            pupil(1),
            ["", "Tổng cộng"],
            pupil(2),
            [],
            ["", "Người lập biểu"],
            pupil(3),
        ]
        for data in (sample_bytes, xlsx(rows)):
            sheet: Sheet = read_rows(data)
            table = locate_table(sheet, COLUMNS)
            assert list(iter_data_rows(table)) == list(table.data_rows())

    def test_other_district_schools_share_no_lookups(self, district_officer, school):
        SchoolFactory(code="08400099", name="Trường PTDTBT THCS Tân Tiến 2")
        report = run(standard([pupil(1)]), district_officer, dry_run=True)
        assert report.ok


def test_totals_and_signature_rows_with_odd_spacing_are_recognised(school_staff):
    rows = [
        pupil(1),
        ["", "\u00a0Tổng cộng: 1 học sinh"],
        ["", "  (Người lập biểu)"],
        pupil(2),
    ]
    data = standard(rows)
    sheet = read_rows(data)
    table = locate_table(sheet, COLUMNS)
    assert [row for row, _values in iter_data_rows(table)] == [7]
    assert list(iter_data_rows(table)) == list(table.data_rows())


class TestStreaming:
    def test_rows_beyond_the_head_stream_with_the_right_row_numbers(self, school_staff):
        rows = [pupil(i) for i in range(1, 121)]
        rows[99] = pupil(100, **{"Ngày sinh": "31/02/2009"})
        report = run(standard(rows), school_staff, skip_invalid=True)
        assert errors_of(report) == [(106, "Ngày sinh", "date_of_birth", "ngày không tồn tại")]
        assert report.rows == 120
        assert Student.objects.count() == 119

    def test_sheet_starting_away_from_a1_keeps_excel_row_numbers(self, school_staff):
        import io

        import openpyxl

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for r, values in enumerate([HEADER, *[pupil(i) for i in range(1, 70)]], start=3):
            for c, value in enumerate(values, start=2):
                sheet.cell(row=r, column=c, value=value)
        sheet.cell(row=60, column=4, value="")  # row 60 loses its birth date
        buffer = io.BytesIO()
        workbook.save(buffer)
        report = run(buffer.getvalue(), school_staff, dry_run=True)
        assert errors_of(report) == [(60, "Ngày sinh", "date_of_birth", "bắt buộc")]

    def test_row_limit_applies_while_streaming(self, school_staff, settings):
        from kernel.spreadsheets import SpreadsheetError

        settings.IMPORT_MAX_ROWS_SCHOOL = 40
        with pytest.raises(SpreadsheetError, match="quá nhiều dòng"):
            run(standard([pupil(i) for i in range(1, 100)]), school_staff)
        assert Student.objects.count() == 0
