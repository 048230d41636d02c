"""Values read right from the layouts lists really use (issue 12, "Giá trị trong ô")."""

import datetime as dt

import pytest

from kernel.cells import MonthFirstDate
from kernel.normalize import UnitIndex, parse_date
from students.models import Household, Student
from students.services import import_household_list
from students.validation import normalize_guardian_id, normalize_personal_id, parse_class
from tests.students.helpers import TITLE, born_for_grade, xlsx

pytestmark = pytest.mark.django_db


def run(data, actor, **kwargs):
    return import_household_list(actor=actor, source=data, filename="ds.xlsx", **kwargs)


def errors_of(report):
    return [(e.row, e.field, e.message) for e in report.errors]


def stored():
    """Every stored field of every pupil, by pupil code."""
    rows = []
    for s in Student.objects.select_related(
        "household__category", "ethnicity", "school", "commune", "village"
    ).order_by("pupil_code"):
        h = s.household
        rows.append(
            (
                s.pupil_code,
                s.full_name,
                s.date_of_birth,
                s.gender,
                s.ethnicity.name if s.ethnicity else None,
                s.school.code,
                s.class_name,
                s.grade,
                s.personal_id,
                s.commune.name,
                s.village.name if s.village else None,
                h.category.code,
                h.code,
                h.guardian_name,
                h.guardian_phone,
                h.guardian_id_number,
                (s.need_device, s.need_data),
                s.has_device,
                s.notes,
            )
        )
    return rows


Y6 = int(born_for_grade(6)[-4:])  # birth year of a typical grade-6 pupil this year


def test_split_name_split_date_gender_and_category_marks(school_staff):
    rows = [
        *([t] for t in TITLE),
        ["STT", "Họ và tên đệm", "Tên", "Ngày sinh", "", "", "Giới tính", "", "Lớp",
         "Mã định danh", "Diện hộ", "", "", "", "", "Mã hộ", "Họ tên chủ hộ", "CCCD"],
        ["", "", "", "Ngày", "Tháng", "Năm", "Nam", "Nữ", "", "", "Hộ nghèo", "Hộ cận nghèo",
         "Gia đình chính sách", "Hoàn cảnh khó khăn", "Mồ côi do COVID-19", "", "", ""],
        [1, "Giàng Seo", "Phủ", 5, 7, Y6, "x", "", "6A", "3000000001", "x", "", "", "", "",
         "HN-1", "Giàng A Páo", 1012345678],
        [2, "Sùng Thị", "Mẩy", "05", "07", str(Y6), "", "X", "6A", "3000000002", "", "✓", "",
         "", "", "HN-2", "Sùng A Chứ", "010 123 456 789"],
        [3, "Lý A", "Sinh", "", "", Y6, "x", "", "6A", "3000000003", "", "", "", "1", "",
         "HN-3", "", ""],
        [4, "Vàng A", "Dế", 1, 2, Y6, "x", "x", "6A", "3000000004", "x", "x", "", "", "",
         "HN-4", "", ""],
        [5, "Hầu Thị", "Pà", 3, 4, Y6, "", "", "6A", "3000000005", "", "", "", "", "",
         "HN-5", "", ""],
    ]  # fmt: skip
    data = xlsx(rows, merges=["D6:F6", "G6:H6", "K6:O6", "A6:A7", "B6:B7", "C6:C7"])
    report = run(data, school_staff)
    assert errors_of(report) == [
        (10, "date_of_birth", "chỉ có năm sinh, cần đủ ngày/tháng/năm"),
        (11, "gender", "đánh dấu cả Nam và Nữ: chỉ được chọn một"),
        (11, "category", "đánh dấu nhiều diện hộ (Hộ nghèo, Hộ cận nghèo): chỉ được chọn một"),
        (12, "gender", "bắt buộc"),
        (12, "category", "bắt buộc"),
    ]
    assert Student.objects.count() == 0  # strict: nothing written
    report = run(data, school_staff, skip_invalid=True)
    commune, school = "Xã Tân Tiến", "08700002"
    assert stored() == [
        ("3000000001", "Giàng Seo Phủ", dt.date(Y6, 7, 5), "M", None, school, "6A", 6,
         "001012345678", commune, None, "poor", "HN-1", "Giàng A Páo", "", "", ("", False),
         False, ""),
        ("3000000002", "Sùng Thị Mẩy", dt.date(Y6, 7, 5), "F", None, school, "6A", 6,
         "010123456789", commune, None, "near-poor", "HN-2", "Sùng A Chứ", "", "",
         ("", False), False, ""),
    ]  # fmt: skip


def test_birth_date_written_under_nam_or_nu(school_staff):
    rows = [
        *([t] for t in TITLE),
        ["STT", "Họ và tên", "Ngày sinh", "", "Lớp", "Mã định danh", "Diện hộ"],
        ["", "", "Nam", "Nữ", "", "", ""],
        [1, "Giàng Seo Phủ", f"05/07/{Y6}", "", "6A", "3000000001", "Hộ nghèo"],
        [2, "Sùng Thị Mẩy", "", f"ngày 6 tháng 8 năm {Y6}", "6B", "3000000002", "HCN"],
        [3, "Lý A Sinh", f"1/2/{Y6}", f"1/2/{Y6}", "6A", "3000000003", "HN"],
    ]
    data = xlsx(rows, merges=["C6:D6", "A6:A7", "B6:B7", "E6:E7", "F6:F7", "G6:G7"])
    report = run(data, school_staff, skip_invalid=True)
    both = "ngày sinh ghi ở cả cột Nam và cột Nữ"
    assert errors_of(report) == [(10, "date_of_birth", both), (10, "gender", both)]
    assert [(s[0], s[1], s[2], s[3], s[6], s[11]) for s in stored()] == [
        ("3000000001", "Giàng Seo Phủ", dt.date(Y6, 7, 5), "M", "6A", "poor"),
        ("3000000002", "Sùng Thị Mẩy", dt.date(Y6, 8, 6), "F", "6B", "near-poor"),
    ]


def _month_first_list(cells):
    rows = [*([t] for t in TITLE), ["Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Mã định danh",
                                    "Diện hộ"]]  # fmt: skip
    for n, cell in enumerate(cells, start=1):
        rows.append([f"Giàng A {'ABCDEFGH'[n]}", cell, "Nam", "6A", f"300000000{n}", "HN"])
    return xlsx(rows)


def _as_month_first(monkeypatch, cells):
    """The reader marks m/d/yyyy cells as MonthFirstDate; stand in for it on real date cells."""
    import students.services as services

    real = services.read_streaming
    days = {(c.year, c.month, c.day) for c in cells}

    def marked(*args, **kwargs):
        sheet, more = real(*args, **kwargs)
        for row in sheet.rows:
            for i, value in enumerate(row):
                if isinstance(value, dt.date) and (value.year, value.month, value.day) in days:
                    row[i] = MonthFirstDate(value.year, value.month, value.day)
        return sheet, more

    monkeypatch.setattr(services, "read_streaming", marked)


def test_month_first_dates_swapped_back_when_text_dates_prove_it(school_staff, monkeypatch):
    # Typed 05/07 and 03/02 on a US machine: stored 7 May and 2 March; "25/07" stayed text.
    may, march = dt.datetime(Y6, 5, 7), dt.datetime(Y6, 3, 2)
    _as_month_first(monkeypatch, [may, march])
    report = run(_month_first_list([may, f"25/07/{Y6}", march]), school_staff)
    assert errors_of(report) == []
    assert [(s[0], s[2]) for s in stored()] == [
        ("3000000001", dt.date(Y6, 7, 5)),
        ("3000000002", dt.date(Y6, 7, 25)),
        ("3000000003", dt.date(Y6, 2, 3)),
    ]


def test_month_first_dates_flagged_without_clear_evidence(school_staff, monkeypatch):
    may, late = dt.datetime(Y6, 5, 7), dt.datetime(Y6, 5, 25)  # a day above 12: entered m/d
    _as_month_first(monkeypatch, [may, late])
    report = run(_month_first_list([may, f"25/07/{Y6}", late]), school_staff)
    message = "ngày sinh có thể bị đảo ngày/tháng (định dạng m/d/yyyy): hãy kiểm tra"
    assert errors_of(report) == [(7, "date_of_birth", message)]
    assert Student.objects.count() == 0
    _as_month_first(monkeypatch, [may])
    report = run(_month_first_list([may]), school_staff)  # no text dates: no evidence
    assert errors_of(report) == [(7, "date_of_birth", message)]


def test_birth_year_must_fit_the_grade_and_class_must_be_sensible(school_staff):
    rows = [
        *([t] for t in TITLE),
        ["Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Mã định danh", "Diện hộ"],
        ["Giàng A Phủ", "05/07/1990", "Nam", "6A", "3000000001", "HN"],
        ["Giàng A Chứ", f"05/07/{Y6}", "Nam", "15A", "3000000002", "HN"],
        ["Giàng A Sinh", f"05/07/{Y6}", "Nam", "6AAAAAAA", "3000000003", "HN"],
        ["Giàng A Lử", 2010, "Nam", "6A", "3000000004", "HN"],
    ]
    report = run(xlsx(rows), school_staff)
    start = Y6 + 6 + 6
    assert [(r, f) for r, f, _m in errors_of(report)] == [
        (7, "date_of_birth"),
        (8, "class_name"),
        (9, "class_name"),
        (10, "date_of_birth"),
    ]
    assert report.errors[0].message == (
        f"năm sinh 1990 không phù hợp với khối 6 (năm học {start}–{start + 1})"
    )
    assert report.errors[3].message == "chỉ có năm sinh, cần đủ ngày/tháng/năm"
    assert Student.objects.count() == 0


def test_household_code_with_another_head_is_flagged(school_staff):
    rows = [
        *([t] for t in TITLE),
        ["Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Mã định danh", "Diện hộ", "Mã hộ",
         "Họ tên chủ hộ"],
        ["Giàng A Phủ", f"05/07/{Y6}", "Nam", "6A", "3000000001", "HN", "HN-1", "Giàng A Páo"],
        ["Giàng Thị Mẩy", f"06/07/{Y6}", "Nữ", "6A", "3000000002", "HN", "HN-1", "GIÀNG A PÁO"],
        ["Sùng A Chứ", f"07/07/{Y6}", "Nam", "6A", "3000000003", "HN", "HN-1", "Sùng A Dế"],
        ["Giàng A Sinh", f"08/07/{Y6}", "Nam", "6A", "3000000004", "HN", "HN-1", ""],
    ]  # fmt: skip
    report = run(xlsx(rows), school_staff, skip_invalid=True)
    assert errors_of(report) == [
        (9, "household_code", "mã hộ HN-1 đã dùng ở dòng 7 cho chủ hộ khác: Giàng A Páo")
    ]
    assert Household.objects.count() == 1
    assert [(s[0], s[13]) for s in stored()] == [
        ("3000000001", "Giàng A Páo"),
        ("3000000002", "Giàng A Páo"),
        ("3000000004", "Giàng A Páo"),
    ]


def test_commune_from_the_title_block_and_prefix_named_communes(district_officer, district):
    from tests.schools.factories import CommuneFactory, SchoolFactory

    commune = CommuneFactory(district=district, code="02965", name="Xã Bản Lầu")
    CommuneFactory(district=district, code="02966", name="Xã Làng Giàng")
    SchoolFactory(commune=commune, district=district, code="08700009", name="Trường THCS Bản Lầu")
    rows = [
        ["UBND XÃ BẢN LẦU"],
        ["DANH SÁCH HỌC SINH"],
        ["Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Mã định danh", "Diện hộ", "Mã trường",
         "Xã/phường", "Thôn/bản"],
        ["Giàng A Phủ", f"05/07/{Y6}", "Nam", "6A", "3000000001", "HN", "08700009", "", "Bản Phố"],
        ["Giàng A Chứ", f"05/07/{Y6}", "Nam", "6A", "3000000002", "HN", "08700009", "Làng Giàng",
         "Thôn Bản Phố"],
        ["Giàng A Sinh", f"05/07/{Y6}", "Nam", "6A", "3000000003", "HN", "08700009", "Bản Lầu", ""],
    ]  # fmt: skip
    report = run(xlsx(rows), district_officer)
    assert errors_of(report) == []
    assert [(s[0], s[9], s[10]) for s in stored()] == [
        ("3000000001", "Xã Bản Lầu", "Bản Phố"),
        ("3000000002", "Xã Làng Giàng", "Thôn Bản Phố"),
        ("3000000003", "Xã Bản Lầu", None),
    ]


def test_communes_differing_by_a_tone_mark_are_never_merged():
    index: UnitIndex[str] = UnitIndex()
    for name in ("Phường Sa Pa", "Phường Sa Pả", "Xã Bản Hồ", "Xã Tả Van"):
        index.add(88, name, name)
    assert index.find(88, "Sa Pa") == "Phường Sa Pa"
    assert index.find(88, "SA PẢ") == "Phường Sa Pả"
    assert index.find(88, "ban ho") == "Xã Bản Hồ"  # folded, unambiguous
    assert index.find(88, "Bản Hồ") == "Xã Bản Hồ"
    with pytest.raises(ValueError):
        index.find(88, "Sa Pá")  # folded fits both: refused


@pytest.mark.parametrize(
    "text",
    ["5/7/2012", "05/07/2012", "05-07-2012", "05.07.2012", "5/7/12", "ngày 5 tháng 7 năm 2012",
     "2012-07-05", 41095, dt.date(2012, 7, 5)],
)  # fmt: skip
def test_usual_date_forms(text):
    assert parse_date(text, today=dt.date(2026, 1, 1)) == dt.date(2012, 7, 5)


def test_ids_with_lost_zeros_spaces_and_dots():
    assert normalize_personal_id(1012345678) == "001012345678"
    assert normalize_personal_id(10123456789.0) == "010123456789"
    assert normalize_personal_id("010.123.456.789") == "010123456789"
    with pytest.raises(ValueError):
        normalize_personal_id(3012345678)  # "003" is no province
    with pytest.raises(ValueError):
        normalize_personal_id("1012345678")  # a short text is a typing mistake
    assert normalize_guardian_id(63123456) == "063123456"  # old CMND
    assert normalize_guardian_id("063 123 456") == "063123456"
    assert parse_class("Lớp 10A1") == ("10A1", 10)
    assert parse_class("6/1") == ("6/1", 6)
