"""The .xlsx coverage survey: row errors, all or nothing, update on re-import."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import Workbook

from coverage.importers import import_survey
from coverage.models import CarrierSignal, CoveragePoint
from tests.schools.factories import SchoolSiteFactory, VillageFactory

pytestmark = pytest.mark.django_db
HEADER = [
    "STT",
    "Loại điểm",
    "Tên điểm",
    "Mã trường",
    "Huyện",
    "Xã",
    "Thôn/bản",
    "Vĩ độ",
    "Kinh độ",
    "Viettel",
    "VNPT",
    "MobiFone",
    "Nguồn",
    "Ngày đo",
    "Danh sách Bộ",
]


def xlsx(*rows) -> bytes:
    """A survey as carriers send it: title block on rows 1-3, header on row 4, data from row 5."""
    wb = Workbook()
    ws = wb.active
    ws.append(["SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH LÀO CAI"])
    ws.append(["KẾT QUẢ KHẢO SÁT SÓNG DI ĐỘNG"])
    ws.append([])
    ws.append(HEADER)
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def places(school, commune):
    site = SchoolSiteFactory(
        school=school, name="Điểm trường Nậm Đét", latitude=22.70, longitude=103.87
    )
    village = VillageFactory(commune=commune, name="Thôn Khuổi Phường")
    VillageFactory(commune=commune, name="Thôn Nà Lang")
    return {"school": school, "site": site, "village": village}


def good_rows():
    return [
        [
            "Trường",
            "",
            "08700002",
            "",
            "",
            "",
            "",
            "",
            "4G",
            "3G",
            "",
            "Nhà mạng",
            "15/10/2021",
            "",
        ],
        [
            "Điểm trường",
            "Điểm trường Nậm Đét",
            "08700002",
            "",
            "",
            "",
            "",
            "",
            "Không",
            "2G",
            "",
            "Nhà trường",
            "15/10/2021",
            "",
        ],
        [
            "Thôn/bản",
            "Trung tâm thôn Khuổi Phường",
            "",
            "Bảo Yên",
            "Tân Tiến",
            "Khuổi Phường",
            22.7031,
            "103,881",
            "Không",
            "",
            "Không",
            "Danh sách Bộ",
            "15/10/2021",
            "x",
        ],
    ]


@time_machine.travel(dt.date(2021, 11, 1))
def test_dry_run_counts_and_writes_nothing(places, coverage_officer):
    report = import_survey(actor=coverage_officer, source=xlsx(*good_rows()), dry_run=True)
    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated) == (3, 3, 0)
    # The school and its site are points since they exist; the dry run measured none.
    assert not CoveragePoint.objects.filter(best_technology__isnull=False).exists()
    assert not CoveragePoint.objects.filter(kind="village").exists()


@time_machine.travel(dt.date(2021, 11, 1))
def test_import_creates_points_and_signals(places, coverage_officer):
    report = import_survey(actor=coverage_officer, source=xlsx(*good_rows()), dry_run=False)
    assert report.ok, report.errors
    school_point = CoveragePoint.objects.get(school=places["school"])
    assert school_point.best_technology == 4
    assert (school_point.latitude, school_point.longitude) == (22.4, 104.0)  # from the school
    site_point = CoveragePoint.objects.get(site=places["site"])
    assert site_point.has_no_signal and site_point.village == places["site"].village
    assert site_point.signals.get(carrier="viettel").source == CarrierSignal.Source.SCHOOL_REPORT
    village_point = CoveragePoint.objects.get(kind="village")
    assert village_point.village == places["village"]
    assert village_point.name == "Trung tâm thôn Khuổi Phường"
    assert village_point.longitude == 103.881
    assert village_point.on_ministry_list and village_point.best_technology == 0
    assert village_point.signals.count() == 2
    # The same file again changes nothing.
    again = import_survey(actor=coverage_officer, source=xlsx(*good_rows()), dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


@time_machine.travel(dt.date(2021, 11, 1))
def test_row_errors_name_row_and_column_and_nothing_is_written(places, coverage_officer):
    rows = [
        *good_rows(),
        # 8: coordinates in Hà Nội
        [
            "Thôn",
            "X",
            "",
            "Bảo Yên",
            "Tân Tiến",
            "Nà Lang",
            21.03,
            105.85,
            "4G",
            "",
            "",
            "",
            "1/10/2021",
            "",
        ],
        # 9: unknown commune
        [
            "Thôn",
            "X",
            "",
            "Bảo Yên",
            "Xã Không Có",
            "Khuổi Phường",
            22.5,
            104.0,
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        # 10: unknown village (not created by an import)
        ["Thôn", "X", "", "Bảo Yên", "Tân Tiến", "Bản Mới", 22.5, 104.0, "", "", "", "", "", ""],
        # 11: unknown school
        ["Trường", "", "08799999", "", "", "", "", "", "4G", "", "", "", "1/10/2021", ""],
        # 12: an unknown kind
        ["Bưu điện", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ]
    report = import_survey(actor=coverage_officer, source=xlsx(*rows), dry_run=False)
    found = [(e.row, e.column, e.message) for e in report.errors]
    assert found[0][:2] == (8, "Vĩ độ") and "ngoài tỉnh Lào Cai" in found[0][2]
    assert found[1][:2] == (9, "Xã") and "không tìm thấy xã" in found[1][2]
    assert found[2][:2] == (10, "Thôn/bản") and "không tìm thấy thôn/bản" in found[2][2]
    assert found[3][:2] == (11, "Mã trường")
    assert found[4][:2] == (12, "Loại điểm")
    assert len(found) == 5
    assert str(report.errors[0]).startswith("Dòng 8, Vĩ độ:")
    # Only the points the schools and sites have since they exist, none measured.
    assert not CoveragePoint.objects.exclude(kind__in=("school", "site")).exists()
    assert not CarrierSignal.objects.exists()


@time_machine.travel(dt.date(2021, 11, 1))
def test_technology_and_date_errors(places, coverage_officer):
    rows = [
        ["Trường", "", "08700002", "", "", "", "", "", "4.5G", "", "", "", "1/10/2021", ""],
        [
            "Điểm trường",
            "Điểm trường Nậm Đét",
            "8700002",
            "",
            "",
            "",
            "",
            "",
            "3G",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "Thôn",
            "",
            "",
            "Bảo Yên",
            "Tân Tiến",
            "Nà Lang",
            22.5,
            104.0,
            "4G",
            "",
            "",
            "",
            "1/12/2021",
            "",
        ],
    ]
    report = import_survey(actor=coverage_officer, source=xlsx(*rows), dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [
        (5, "Viettel"),
        (6, "Ngày đo"),
        (7, "Ngày đo"),  # in the future
    ]


@time_machine.travel(dt.date(2021, 11, 1))
def test_duplicate_rows_are_errors(places, coverage_officer):
    rows = [good_rows()[0], good_rows()[0]]
    report = import_survey(actor=coverage_officer, source=xlsx(*rows), dry_run=True)
    assert [(e.row, e.message) for e in report.errors] == [(6, "trùng với dòng 5")]


@time_machine.travel(dt.date(2021, 11, 1))
def test_older_measurement_on_file_is_kept(places, coverage_officer):
    import_survey(actor=coverage_officer, source=xlsx(*good_rows()), dry_run=False)
    older = good_rows()[0]
    older[8], older[12] = "2G", "01/09/2021"
    report = import_survey(actor=coverage_officer, source=xlsx(older), dry_run=False)
    assert report.ok and report.unchanged == 1
    assert CoveragePoint.objects.get(school=places["school"]).best_technology == 4


def test_not_a_spreadsheet_is_one_file_error(coverage_officer):
    report = import_survey(actor=coverage_officer, source=b"%PDF-1.4 not a sheet", dry_run=True)
    assert len(report.errors) == 1 and report.errors[0].row == 0


def test_schools_outside_the_officers_scope_are_unknown(places, other_district_officer, far_school):
    from django.http import Http404

    with pytest.raises(Http404):  # a district officer has no can_manage_coverage
        import_survey(actor=other_district_officer, source=xlsx(*good_rows()), dry_run=True)
