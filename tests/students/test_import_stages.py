"""Each stage of the household-list import on its own: given inputs, expected outputs.

read → locate header / map columns (``locating``) → normalise cells → validate row →
dedupe in file → place (``checking``) → plan writes (``planning``) → match registry /
write (``writing``, through the whole-list tests in test_import_pipeline.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kernel.spreadsheets import Sheet
from schools.models import Village
from students.importers.checking import (
    CellNormaliser,
    Cells,
    FileDuplicates,
    HouseholdKeys,
    VillagePlacer,
    planned_row,
    validate_row,
)
from students.importers.layouts import school_year_start
from students.importers.locating import is_list, locate_table
from students.importers.planning import RunState, plan_ids
from students.importers.rows import _Checker
from students.models import HouseholdCategory
from students.validation import Lookups
from tests.students.helpers import HEADER, TITLE, pupil

TODAY = dt.date(2026, 10, 1)
START = school_year_start(TODAY)  # 2026
BORN_GRADE_6 = dt.date(START - 12, 4, 5)


def checker(values: dict[str, Any], row: int = 7) -> _Checker:
    return _Checker(row, values, {"date_of_birth": "Ngày sinh"}, [], "bắt buộc")


def cells(**overrides: Any) -> Cells:
    values: dict[str, Any] = {
        "name": "Giàng Seo Phủ",
        "dob": BORN_GRADE_6,
        "uncertain": False,
        "gender": "M",
        "ethnicity": None,
        "school": None,
        "class_info": ("6A", 6),
        "pupil_code": "3000000001",
        "personal_id": "",
        "phone": "0912300001",
        "guardian_id": "",
        "category": None,
        "needs": ("tablet", True),
        "has_device": False,
        "commune": None,
        "village_name": "Thôn Nậm Đét",
        "household_code": "HN-1",
        "guardian_name": "Giàng A Páo",
    }
    values.update(overrides)
    return Cells(**values)


class _Id:
    def __init__(self, pk: int) -> None:
        self.id = self.pk = pk


# ------------------------------------------------------------ locate, map columns


class TestLocate:
    def test_the_header_is_found_below_the_title_block_and_columns_mapped(self):
        sheet = Sheet(rows=[[line] for line in TITLE] + [HEADER, pupil(1)])
        table = locate_table(sheet)
        assert table.header_row == 6
        assert table.first_data_index == 6
        assert table.mapping["full_name"] == HEADER.index("Họ và tên")
        assert table.mapping["date_of_birth"] == HEADER.index("Ngày sinh")
        assert table.mapping["household_code"] == HEADER.index("Mã hộ")
        assert is_list(table)

    def test_a_year_column_named_nam_with_its_accent_is_the_birth_year(self):
        header = ["STT", "Họ và tên", "Ngày", "Tháng", "Năm", "Giới tính", "Lớp", "Mã định danh",
                  "Diện hộ"]  # fmt: skip
        table = locate_table(Sheet(rows=[header, [1, "Giàng Seo Phủ", 5, 4, 2014, "Nam"]]))
        assert table.mapping.get("birth_year") == 4
        assert "gender_male" not in table.mapping

    def test_a_sheet_without_a_header_is_not_a_list(self):
        from kernel.spreadsheets import SpreadsheetError

        with pytest.raises(SpreadsheetError, match="Không tìm thấy dòng tiêu đề"):
            locate_table(Sheet(rows=[["Báo cáo tổng hợp"], ["", 12, 34]]))


# ------------------------------------------------------------------ normalise cells


@pytest.mark.django_db
class TestNormalise:
    @pytest.fixture
    def normalise(self, school):
        return CellNormaliser(
            lookups=Lookups(district_ids=[school.district_id]),
            today=TODAY,
            school=school,
            only_school_id=None,
            has_school_column=False,
            title_lines=[],
        )

    def test_cells_become_typed_values(self, normalise, school):
        v = checker(
            {
                "full_name": "  Giàng  Seo   Phủ ",
                "date_of_birth": f"5/4/{START - 12}",
                "gender": "NỮ",
                "ethnicity": "H'Mông",
                "class_name": "Lớp 6A",
                "pupil_code": "3000000001",
                "category": "HN",
                "needs": "Máy tính bảng, Gói cước",
                "commune": "Xã Tân Tiến",
                "village": " Thôn  Nậm Đét ",
                "household_code": "HN-1",
                "guardian_name": "Giàng A Páo",
                "guardian_phone": "912300001",
            }
        )
        got = normalise(v)
        assert v.ok, v.errors
        assert got.name == "Giàng Seo Phủ"
        assert got.dob == BORN_GRADE_6
        assert got.gender == "F"
        assert got.ethnicity.name == "Mông"
        assert got.school == school
        assert got.class_info == ("6A", 6)
        assert got.category == HouseholdCategory.objects.get(code="poor")
        assert got.needs == ("tablet", True)
        assert got.commune == school.commune
        assert (got.village_name, got.household_code) == ("Thôn Nậm Đét", "HN-1")
        assert got.phone == "0912300001"
        assert got.uncertain is False

    def test_a_wrong_cell_is_none_and_an_error_naming_its_column(self, normalise):
        v = checker(
            {
                "full_name": "Giàng Seo Phủ",
                "date_of_birth": "31/02/2014",
                "gender": "Nam",
                "class_name": "6A",
                "pupil_code": "3000000001",
                "category": "Hộ nghèo",
            }
        )
        got = normalise(v)
        assert got.dob is None
        assert not v.ok
        assert [(e.row, e.column, e.field) for e in v.errors] == [(7, "Ngày sinh", "date_of_birth")]

    def test_a_required_cell_left_blank_is_an_error(self, normalise):
        v = checker({"full_name": "Giàng Seo Phủ", "date_of_birth": "5/4/2014"})
        got = normalise(v)
        assert got.gender is None and got.class_info is None
        assert {e.field for e in v.errors} == {"gender", "class_name", "pupil_code", "category"}
        assert {e.message for e in v.errors} == {"bắt buộc"}

    def test_a_school_users_rows_of_another_school_are_errors(self, school, other_school):
        normalise = CellNormaliser(
            lookups=Lookups(district_ids=[school.district_id]),
            today=TODAY,
            school=school,
            only_school_id=school.id,
            has_school_column=True,
            title_lines=[],
        )
        v = checker({"school_code": other_school.code})
        got = normalise(v)
        assert got.school is None
        assert ("school_code", "trường khác với trường của bạn") in {
            (e.field, e.message) for e in v.errors
        }


# -------------------------------------------------------------------- validate row


class TestValidateRow:
    def test_a_valid_row_has_no_error(self):
        v = checker({})
        validate_row(cells(), v, start_year=START)
        assert v.ok

    def test_a_birth_year_unlike_the_grade_is_an_error_on_the_birth_date(self):
        v = checker({})
        validate_row(cells(dob=dt.date(START - 7, 1, 1)), v, start_year=START)
        assert [(e.field, e.message) for e in v.errors] == [
            (
                "date_of_birth",
                f"năm sinh {START - 7} không phù hợp với khối 6 (năm học {START}–{START + 1})",
            )
        ]

    def test_too_long_village_and_household_code(self):
        v = checker({})
        validate_row(cells(village_name="T" * 151, household_code="H" * 81), v, start_year=START)
        assert [e.field for e in v.errors] == ["village", "household_code"]


# ------------------------------------------------------------------- dedupe in file


class TestFileDuplicates:
    def test_the_same_pupil_code_twice_is_a_duplicate_of_the_first_row(self):
        dedupe, school = FileDuplicates(), _Id(1)
        assert dedupe.check(cells(school=school), checker({}, 7), 7) == (
            "giang seo phu",
            "phu|seo|giang",
        )
        v = checker({}, 9)
        assert dedupe.check(cells(school=school, name="Thào A Dế"), v, 9) is None
        assert [(e.row, e.message) for e in v.errors] == [(9, "trùng với dòng 7")]

    def test_the_same_name_birth_date_and_school_under_another_code_is_a_duplicate(self):
        dedupe = FileDuplicates()
        dedupe.check(cells(school=_Id(1)), checker({}, 7), 7)
        v = checker({}, 8)
        assert (
            dedupe.check(cells(school=_Id(1), pupil_code="3000000002", name="GIÀNG SEO PHỦ"), v, 8)
            is None
        )
        assert [e.message for e in v.errors] == ["trùng với dòng 7"]

    def test_another_school_or_birth_date_is_another_pupil(self):
        dedupe = FileDuplicates()
        dedupe.check(cells(school=_Id(1)), checker({}, 7), 7)
        for row, other in (
            (8, cells(school=_Id(2), pupil_code="3000000002")),
            (9, cells(school=_Id(1), pupil_code="3000000003", dob=dt.date(2014, 4, 6))),
        ):
            v = checker({}, row)
            assert dedupe.check(other, v, row) is not None
            assert v.ok


# ----------------------------------------------------------------- villages, households


@pytest.mark.django_db
class TestVillagePlacer:
    def test_a_registered_village_by_its_spelling_and_a_new_one_by_its_first(self, commune):
        registered = Village.objects.create(commune=commune, name="Thôn Nậm Đét", key="nam det")
        placer = VillagePlacer(Lookups(district_ids=[commune.district_id]))
        assert placer.place(commune.id, "Thôn Nậm Đét") == (registered.pk, None)
        assert placer.place(commune.id, "") == (None, None)
        village_id, new = placer.place(commune.id, "Thôn Bản Phố")
        assert village_id is None
        assert new is not None and new[0] == commune.id and new[2] == "Thôn Bản Phố"
        # Spelt another way further down: the same village, named as first written.
        assert placer.place(commune.id, "thôn  bản phố")[1] == new


class TestHouseholdKeys:
    def test_rows_belong_to_a_household_by_code_else_by_head_and_phone_else_alone(self):
        keys = HouseholdKeys()
        assert keys.key(cells(), 5, 7) == ("code", 5, "HN-1")
        assert keys.key(cells(household_code=""), 5, 7) == (
            "guardian",
            5,
            "giang a pao",
            "0912300001",
        )
        assert keys.key(cells(household_code="", phone=""), 5, 7) == ("row", 7)

    def test_siblings_must_share_the_category_and_the_head_of_household(self):
        keys, poor, near_poor = HouseholdKeys(), _Id(1), _Id(2)
        first = cells(category=poor)
        assert keys.check(("code", 5, "HN-1"), first, checker({}, 7), 7)
        assert keys.check(
            ("code", 5, "HN-1"),
            cells(category=poor, guardian_name="GIÀNG A PÁO"),
            checker({}, 8),
            8,
        )
        v = checker({}, 9)
        assert not keys.check(("code", 5, "HN-1"), cells(category=near_poor), v, 9)
        assert [(e.field, e.message) for e in v.errors] == [
            ("category", "khác diện hộ của cùng hộ ở dòng 7")
        ]
        v = checker({}, 10)
        assert not keys.check(
            ("code", 5, "HN-1"), cells(category=poor, guardian_name="Lý Văn Sinh"), v, 10
        )
        assert [(e.field, e.message) for e in v.errors] == [
            ("household_code", "mã hộ HN-1 đã dùng ở dòng 7 cho chủ hộ khác: Giàng A Páo")
        ]


def test_a_planned_row_carries_the_values_by_name():
    planned = planned_row(
        7,
        cells(school=_Id(3), commune=_Id(5), category=_Id(1), ethnicity=_Id(2)),
        checker({"notes": " mồ côi ", "guardian_relation": "Bố"}),
        keys=("giang seo phu", "phu seo giang"),
        village_id=11,
        new_village=None,
        household_key=("code", 5, "HN-1"),
    )
    assert planned.row == 7
    assert planned.student["pupil_code"] == "3000000001"
    assert planned.student["name_key"] == "giang seo phu"
    assert (planned.student["school_id"], planned.student["commune_id"]) == (3, 5)
    assert planned.student["village_id"] == 11
    assert (planned.student["need_device"], planned.student["need_data"]) == ("tablet", True)
    assert planned.student["notes"] == "mồ côi"
    assert planned.household["category_id"] == 1
    assert planned.household["guardian_relation"] == "Bố"
    assert planned.household_key == ("code", 5, "HN-1")


# --------------------------------------------------------------------- plan writes


def state(**kwargs: Any) -> RunState:
    values: dict[str, Any] = {
        "now": timezone.now(),
        "batch_id": None,
        "created_by_id": None,
        "known_codes": set(),
        "known_households": set(),
    }
    values.update(kwargs)
    return RunState(**values)


def planned_rows(*specs: tuple[str, str]) -> list:
    """Planned rows of (pupil code, household code)."""
    return [
        planned_row(
            7 + i,
            cells(
                pupil_code=code, household_code=household, school=_Id(3), commune=_Id(5),
                category=_Id(1),
            ),
            checker({}),
            keys=("k", "s"),
            village_id=11,
            new_village=None,
            household_key=("code", 5, household),
        )
        for i, (code, household) in enumerate(specs)
    ]  # fmt: skip


class TestPlanIds:
    def test_new_pupils_and_households_get_ids_siblings_share_theirs(self):
        run = state()
        run.student_pool.extend([101, 102, 103])
        run.household_pool.extend([201, 202])
        rows = list(
            plan_ids(iter(planned_rows(("A1", "HN-1"), ("A2", "HN-1"), ("A3", "HN-2"))), run)
        )
        assert [(p.student_id, p.household_id) for p in rows] == [
            (101, 201),
            (102, 201),
            (103, 202),
        ]
        assert [p.first_of_household for p in rows] == [True, False, True]
        assert rows[0].new_household is not None and rows[1].new_household is None
        assert all(p.fast is not None and p.given is None for p in rows)

    def test_a_registered_pupil_or_household_is_left_to_the_writer(self):
        run = state(known_codes={"A1"}, known_households={(5, "HN-2")})
        run.student_pool.extend([101, 102])
        run.household_pool.extend([201, 202])
        registered, known_household = plan_ids(
            iter(planned_rows(("A1", "HN-1"), ("A2", "HN-2"))), run
        )
        assert registered.student_id is None and registered.fast is None
        assert registered.given is not None  # only the values its cells give may change
        assert (known_household.student_id, known_household.household_id) == (101, None)
        assert known_household.fast is None

    def test_with_the_pools_dry_rows_wait_for_the_writer(self):
        row = next(plan_ids(iter(planned_rows(("A1", "HN-1"))), state()))
        assert (row.student_id, row.household_id, row.fast) == (None, None, None)


@pytest.mark.django_db
class TestPretendIds:
    def test_once_nothing_will_be_written_no_id_is_reserved(self, django_assert_num_queries):
        from students.models import Household, Student

        run = state()
        run.student_pool.extend([101])
        run.pretend_ids()
        with django_assert_num_queries(0):
            ids = [run.take_student(), run.take_household(), run.reserve_one(Student)]
            ids.append(run.reserve_one(Household))
        assert len(set(ids)) == 4 and all(i < 0 for i in ids)

    def test_the_writer_reserves_a_block_not_an_id_per_row(self, django_assert_num_queries):
        from students.models import Student

        run = state()
        run.writer_block = 50
        first = run.reserve_one(Student)
        with django_assert_num_queries(0):
            more = [run.reserve_one(Student) for _ in range(49)]
        assert more == list(range(first + 1, first + 50))
